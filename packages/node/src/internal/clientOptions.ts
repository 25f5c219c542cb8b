/**
 * The `AppServerClient` options (handshake `clientInfo`, capabilities, request defaults) derived
 * from `NodeCodex.Options`: the one place where the launch config's client defaults are applied.
 *
 * @internal
 */
import type * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as CodexConfig from "../CodexConfig.ts"
import type * as NodeCodex from "../NodeCodex.ts"

/** The client fields of a `NodeCodex` config (the remote layers take these only). */
export type ClientFields = Pick<
  NodeCodex.Options,
  | "clientName"
  | "clientTitle"
  | "clientVersion"
  | "experimentalApi"
  | "optOutNotificationMethods"
  | "requestTimeout"
  | "maxInFlight"
  | "maxStartingTurns"
  | "startingTurnTimeout"
>

/** The `AppServerClient` options of a `NodeCodex` config. */
export const clientOptions = (options: ClientFields = {}): AppServerClient.Options => ({
  clientInfo: {
    name: options.clientName ?? CodexConfig.defaultClientName,
    title: options.clientTitle ?? CodexConfig.defaultClientTitle,
    version: options.clientVersion ?? CodexConfig.version
  },
  experimentalApi: options.experimentalApi ?? true,
  optOutNotificationMethods: options.optOutNotificationMethods,
  requestTimeout: options.requestTimeout,
  maxInFlight: options.maxInFlight,
  maxStartingTurns: options.maxStartingTurns,
  startingTurnTimeout: options.startingTurnTimeout
})
