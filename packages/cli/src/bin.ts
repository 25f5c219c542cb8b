#!/usr/bin/env node
/**
 * The `effect-codex` executable: runs `Cli.run` with the Node services (stdio, terminal, file
 * system) and `NodeRuntime.runMain` (Ctrl-C interrupts the turn cleanly before the app-server stops).
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as Cli from "./Cli.ts"

Cli.run.pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain)
