/**
 * The `Codex` service: the entry point of the SDK. Start, list, resume and fork threads, log in,
 * read the account and the models. Provided by `NodeCodex.layer(config)` from `@effect-codex/node`
 * (it spawns `codex app-server` as a scoped resource), or by `Codex.layer` over any
 * `AppServerClient`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Codex } from "@effect-codex/core"
 * import { NodeCodex } from "@effect-codex/node"
 *
 * const program = Effect.gen(function*() {
 *   const codex = yield* Codex.Codex
 *   const thread = yield* codex.threadStart()
 *   const result = yield* thread.run("Hello!")
 *   console.log(result.finalResponse)
 * })
 *
 * program.pipe(Effect.provide(NodeCodex.layer()), Effect.runPromise)
 * ```
 *
 * @since 0.1.0
 */
import type * as Tool from "effect/ai/Tool"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as ApprovalMode from "./ApprovalMode.ts"
import * as AppServerClient from "./AppServerClient.ts"
import * as Errors from "./Errors.ts"
import type * as Protocol from "./generated/Protocol.ts"
import type * as Schemas from "./generated/Schemas.ts"
import * as Login from "./internal/login.ts"
import * as Params from "./internal/params.ts"
import * as InternalThread from "./internal/thread.ts"
import * as ThreadTools from "./internal/threadTools.ts"
import type * as Sandbox from "./Sandbox.ts"
import type * as Thread from "./Thread.ts"
import type * as Tools from "./Tools.ts"
import * as Version from "./Version.ts"

type RequestError = AppServerClient.RequestError

/** Options shared by `threadStart`, `threadResume` and `threadFork`. */
export interface ThreadOverrides {
  readonly approvalMode?: ApprovalMode.ApprovalMode | undefined
  readonly baseInstructions?: string | undefined
  /** Config overrides (`config.toml` keys) for the thread. */
  readonly config?: Schemas.ThreadStartParams["config"] | undefined
  readonly cwd?: string | undefined
  readonly developerInstructions?: string | undefined
  readonly model?: string | undefined
  readonly modelProvider?: string | undefined
  readonly personality?: Schemas.Personality | undefined
  readonly sandbox?: Sandbox.Sandbox | undefined
  readonly serviceTier?: string | undefined
}

/** Options of `threadStart` (python-sdk-behaviour §3.2). `approvalMode` defaults to `autoReview`. */
export interface ThreadStartOptions extends ThreadOverrides {
  readonly ephemeral?: boolean | undefined
  readonly serviceName?: string | undefined
  readonly sessionStartSource?: Schemas.ThreadStartParams["sessionStartSource"] | undefined
  readonly threadSource?: Schemas.ThreadStartParams["threadSource"] | undefined
}

/** Options of `threadResume`. `includeTurns` is sent inverted, as `excludeTurns`. */
export interface ThreadResumeOptions extends ThreadOverrides {
  readonly includeTurns?: boolean | undefined
  /**
   * Resume from this rollout file (an absolute path the app-server can read) instead of looking
   * the thread up by id in its `CODEX_HOME`: how a thread moves to another app-server.
   */
  readonly path?: string | undefined
}

/** Options of `threadFork`. */
export interface ThreadForkOptions extends ThreadOverrides {
  readonly ephemeral?: boolean | undefined
  readonly includeTurns?: boolean | undefined
  readonly threadSource?: Schemas.ThreadForkParams["threadSource"] | undefined
}

/** Options of `threadList`: the `thread/list` params. */
export type ThreadListOptions = Protocol.ClientRequestParams<"thread/list">

/** What every login in progress has: its id, a wait for its completion, and a cancel. */
export interface LoginHandle {
  readonly loginId: string
  /** Waits for `account/login/completed` of this login. */
  readonly wait: Effect.Effect<Schemas.AccountLoginCompletedNotification, Errors.TransportClosedError>
  /** Cancels the login (`account/login/cancel`). */
  readonly cancel: Effect.Effect<Schemas.CancelLoginAccountResponse, RequestError>
}

/** A ChatGPT browser login in progress. */
export interface ChatgptLoginHandle extends LoginHandle {
  /** Open this URL in a browser to complete the login. */
  readonly authUrl: string
}

/** A device-code login in progress. */
export interface DeviceCodeLoginHandle extends LoginHandle {
  readonly verificationUrl: string
  readonly userCode: string
}

/**
 * `threadStart`, `threadResume` and `threadFork`: with `tools` (see the `Tools` module), the
 * effect also fails with what resolving the toolkit fails with, and requires the handlers' services.
 */
export interface ThreadOperation<Args extends ReadonlyArray<unknown>, Options> {
  <T extends Record<string, Tool.Any>, E = never, R = never>(
    ...args: [...Args, options: Options & Tools.Options<T, E, R>]
  ): Effect.Effect<Thread.Thread, RequestError | E, R | Tools.Services<T>>
  (...args: [...Args, options?: Options]): Effect.Effect<Thread.Thread, RequestError>
}

/** The `Codex` service. */
export interface Service {
  /** The validated `initialize` response (userAgent, serverInfo {name, version}, platform). */
  readonly metadata: AppServerClient.Metadata
  /** The client underneath, for requests this API does not wrap. */
  readonly client: AppServerClient.Service
  readonly loginApiKey: (apiKey: Redacted.Redacted<string> | string) => Effect.Effect<void, RequestError>
  readonly loginChatgpt: () => Effect.Effect<ChatgptLoginHandle, RequestError>
  readonly loginChatgptDeviceCode: () => Effect.Effect<DeviceCodeLoginHandle, RequestError>
  readonly account: (
    options?: { readonly refreshToken?: boolean | undefined }
  ) => Effect.Effect<Schemas.GetAccountResponse, RequestError>
  /**
   * Checks up front that the app-server can call the model: reads the account (`account/read`)
   * and, when the provider requires OpenAI auth and no account is logged in, fails with
   * `MissingCredentialsError` ("no credentials: set OPENAI_API_KEY and log in with it
   * (codex.loginApiKey), or run `codex login`") instead of
   * letting a turn retry and fail. Returns the account state otherwise.
   */
  readonly requireCredentials: () => Effect.Effect<
    Schemas.GetAccountResponse,
    RequestError | Errors.MissingCredentialsError
  >
  readonly logout: () => Effect.Effect<void, RequestError>
  /**
   * Starts a thread. With `tools` (an `effect/ai` `Toolkit`, see the `Tools` module) the model can
   * call your tools; the handlers' requirements are required by the returned effect.
   */
  readonly threadStart: ThreadOperation<[], ThreadStartOptions>
  readonly threadList: (options?: ThreadListOptions) => Effect.Effect<Schemas.ThreadListResponse, RequestError>
  /**
   * Resumes a thread. The server keeps the thread's tool definitions; give the same `tools` to
   * answer their calls in this client.
   */
  readonly threadResume: ThreadOperation<[threadId: string], ThreadResumeOptions>
  /** Forks a thread. The fork inherits the tool definitions; give the same `tools` to answer their calls. */
  readonly threadFork: ThreadOperation<[threadId: string], ThreadForkOptions>
  readonly threadArchive: (threadId: string) => Effect.Effect<Schemas.ThreadArchiveResponse, RequestError>
  readonly threadUnarchive: (threadId: string) => Effect.Effect<Thread.Thread, RequestError>
  readonly models: (
    options?: { readonly includeHidden?: boolean | undefined }
  ) => Effect.Effect<Schemas.ModelListResponse, RequestError>
  /** A handle on an existing thread id, without any request. */
  readonly thread: (threadId: string) => Thread.Thread
}

/** The `Codex` service tag. */
export class Codex extends Context.Service<Codex, Service>()("@effect-codex/core/Codex") {}

const threadId = (value: unknown) =>
  typeof value === "string" && value.trim() !== ""
    ? Effect.succeed(value)
    : Effect.fail(new Errors.InvalidOptionError({ option: "threadId", message: "threadId must be a non-empty string" }))

/** The message of `MissingCredentialsError`. */
const missingCredentials =
  "no credentials: set OPENAI_API_KEY and log in with it (codex.loginApiKey), or run `codex login`"

const includeTurnsWire = { includeTurns: "excludeTurns" }

const includeTurnsToExclude = (includeTurns: unknown) =>
  includeTurns === undefined
    ? Effect.succeed(undefined)
    : typeof includeTurns === "boolean"
    ? Effect.succeed(!includeTurns)
    : Effect.fail(new Errors.InvalidOptionError({ option: "includeTurns", message: "includeTurns must be a boolean" }))

/** Builds the service on the `AppServerClient` in context; login waits run in the current scope. */
export const make = Effect.gen(function*() {
  const client = yield* AppServerClient.AppServerClient
  const scope = yield* Effect.scope

  const thread = (id: string) => InternalThread.make(client, id)

  /** `thread/resume` and `thread/fork`: the same overrides, `includeTurns` sent inverted and version-gated. */
  const resumeOrFork = Effect.fnUntraced(function*(
    method: "thread/resume" | "thread/fork",
    id: string,
    options: ThreadResumeOptions & ThreadTools.ToolFields,
    extra: Record<string, unknown>
  ) {
    const threadIdValue = yield* threadId(id)
    const excludeTurns = yield* includeTurnsToExclude(options.includeTurns)
    yield* Version.gate(client.serverVersion, method, { includeTurns: excludeTurns }, includeTurnsWire)
    const tools = yield* ThreadTools.prepare(client, options)
    const params = Params.omitUndefined({
      threadId: threadIdValue,
      ...(yield* Params.threadOverrides(options, Params.approvalOverrideParams)),
      ...extra,
      excludeTurns
    }) as Protocol.ClientRequestParams<"thread/resume"> & Protocol.ClientRequestParams<"thread/fork">
    const response = yield* client.request(method, params)
    tools?.register(response.thread.id, response)
    return thread(response.thread.id)
  })

  return Codex.of({
    metadata: client.metadata,
    client,
    thread,
    loginApiKey: Effect.fn("Codex.loginApiKey")(function*(apiKey: Redacted.Redacted<string> | string) {
      const key = Redacted.isRedacted(apiKey) ? Redacted.value(apiKey) : apiKey
      if (typeof key !== "string" || key.trim() === "") {
        return yield* new Errors.InvalidOptionError({ option: "apiKey", message: "apiKey must be a non-empty string" })
      }
      yield* client.request("account/login/start", { type: "apiKey", apiKey: key })
    }),
    loginChatgpt: Effect.fn("Codex.loginChatgpt")(function*() {
      const { base, response } = yield* Login.start(client, scope, "chatgpt")
      return { ...base, authUrl: (response as { readonly authUrl: string }).authUrl }
    }),
    loginChatgptDeviceCode: Effect.fn("Codex.loginChatgptDeviceCode")(function*() {
      const { base, response } = yield* Login.start(client, scope, "chatgptDeviceCode")
      const r = response as { readonly verificationUrl: string; readonly userCode: string }
      return { ...base, verificationUrl: r.verificationUrl, userCode: r.userCode }
    }),
    account: Effect.fn("Codex.account")(function*(options?: { readonly refreshToken?: boolean | undefined }) {
      return yield* client.request("account/read", { refreshToken: options?.refreshToken ?? false })
    }),
    requireCredentials: Effect.fn("Codex.requireCredentials")(function*() {
      const state = yield* client.request("account/read", { refreshToken: false })
      if (state.requiresOpenaiAuth && (state.account === undefined || state.account === null)) {
        return yield* new Errors.MissingCredentialsError({ message: missingCredentials })
      }
      return state
    }),
    logout: Effect.fn("Codex.logout")(function*() {
      yield* client.request("account/logout", null)
    }),
    threadStart: Effect.fn("Codex.threadStart")(function*(options: ThreadStartOptions & ThreadTools.ToolFields = {}) {
      const overrides = yield* Params.threadOverrides(options, Params.approvalThreadStartParams)
      const tools = yield* ThreadTools.prepare(client, options)
      const params = Params.omitUndefined({
        ...overrides,
        dynamicTools: tools?.specs,
        ephemeral: options.ephemeral,
        serviceName: options.serviceName,
        sessionStartSource: options.sessionStartSource,
        threadSource: options.threadSource
      }) as Protocol.ClientRequestParams<"thread/start">
      const response = yield* client.request("thread/start", params)
      tools?.register(response.thread.id, response)
      return thread(response.thread.id)
    }) as Service["threadStart"],
    threadList: Effect.fn("Codex.threadList")(function*(options: ThreadListOptions = {}) {
      return yield* client.request("thread/list", options)
    }),
    threadResume: Effect.fn("Codex.threadResume")(
      function*(id: string, options: ThreadResumeOptions & ThreadTools.ToolFields = {}) {
        if (options.path !== undefined && (typeof options.path !== "string" || options.path.trim() === "")) {
          return yield* new Errors.InvalidOptionError({ option: "path", message: "path must be a non-empty string" })
        }
        return yield* resumeOrFork("thread/resume", id, options, { path: options.path })
      }
    ) as Service["threadResume"],
    threadFork: Effect.fn("Codex.threadFork")(
      function*(id: string, options: ThreadForkOptions & ThreadTools.ToolFields = {}) {
        return yield* resumeOrFork("thread/fork", id, options, {
          ephemeral: options.ephemeral,
          threadSource: options.threadSource
        })
      }
    ) as Service["threadFork"],
    threadArchive: Effect.fn("Codex.threadArchive")(function*(id: string) {
      return yield* client.request("thread/archive", { threadId: yield* threadId(id) })
    }),
    threadUnarchive: Effect.fn("Codex.threadUnarchive")(function*(id: string) {
      const response = yield* client.request("thread/unarchive", { threadId: yield* threadId(id) })
      return thread(response.thread.id)
    }),
    models: Effect.fn("Codex.models")(function*(options?: { readonly includeHidden?: boolean | undefined }) {
      return yield* client.request("model/list", { includeHidden: options?.includeHidden ?? false })
    })
  })
})

/**
 * A layer building `Codex` on the `AppServerClient` in context.
 *
 * @example
 * ```ts
 * const Live = Codex.layer.pipe(Layer.provide(AppServerClient.layer()), Layer.provide(myTransport))
 * ```
 */
export const layer: Layer.Layer<Codex, never, AppServerClient.AppServerClient> = Layer.effect(Codex, make)
