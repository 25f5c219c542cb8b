/**
 * The `CodexThread` handlers on a runner: one Codex thread per thread key on the runner's `Codex`,
 * created, resumed or restored from the cluster's database on first use; turns one at a time,
 * their chunks numbered across moves; steer and interrupt reach the running turn.
 *
 * @internal
 */
import * as Codex from "@effect-codex/core/Codex"
import * as Errors from "@effect-codex/core/Errors"
import type * as Thread from "@effect-codex/core/Thread"
import * as Turn from "@effect-codex/core/Turn"
import { CurrentAddress } from "effect/cluster/Entity"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import * as ClusterErrors from "../ClusterErrors.ts"
import type * as CodexThread from "../CodexThread.ts"
import * as Files from "./files.ts"
import * as Store from "./store.ts"

type ThreadEntity = typeof CodexThread.CodexThread

/** A turn's chunk before it is numbered. */
type Body =
  | { readonly _tag: "Started"; readonly threadId: string; readonly turnId: string }
  | { readonly _tag: "Event"; readonly event: Turn.TurnEvent }
  | { readonly _tag: "Completed"; readonly result: Turn.TurnResult }

/** The thread-level overrides of the start options (what `thread/resume` takes too). */
const overrides = ({ serviceName: _, ...rest }: CodexThread.StartOptions) => rest

/** The core turn options of a wire turn, tagged with the idempotency key. */
const turnOptions = (
  { idleTimeoutMillis, ...options }: CodexThread.WireTurnOptions,
  key: string
): Thread.TurnOptions => ({
  ...options,
  clientUserMessageId: key,
  idleTimeout: idleTimeoutMillis === undefined ? undefined : Duration.millis(idleTimeoutMillis)
})

/**
 * Reads a thread. A thread whose first turn has not completed yet has no turns to list: codex
 * 0.171.0 answers `thread/read` with its turns with -32601 "list_turns is not supported yet". That
 * answer is read as "no turns yet": the thread without turns.
 */
const readThread = (target: Thread.Thread, includeTurns: boolean) =>
  target.read({ includeTurns }).pipe(
    Effect.catchIf(
      (error) => includeTurns && error._tag === "MethodNotFoundError",
      () => target.read({ includeTurns: false })
    )
  )

/** How long a runner waits for a completed turn to reach its rollout file. */
const rolloutFlush = Schedule.spaced("50 millis").pipe(Schedule.upTo({ times: 40 }))

const build = <R>(entity: ThreadEntity, store: Store.ThreadStore, options: CodexThread.Options<R>) =>
  Effect.gen(function*() {
    const key = (yield* CurrentAddress).entityId
    const codex = yield* Codex.Codex
    const setup = yield* Semaphore.make(1)
    const turns = yield* Semaphore.make(1)
    let thread: Thread.Thread | undefined
    /** Whether this entity's thread came from the database (another runner, or a restart). */
    let restored = false
    let current: Turn.TurnHandle | undefined

    // when this runner lets the thread go (idle, its shard moved, shutdown): the app-server unloads
    // it and the next owner here restores it from the database, so a stale copy is never rejoined
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        store.forget(key)
        return thread === undefined
          ? Effect.void
          : codex.client.request("thread/unsubscribe", { threadId: thread.id }).pipe(
            Effect.timeout("5 seconds"),
            Effect.ignore
          )
      })
    )

    const storeError = (message: string) => new ClusterErrors.ThreadStoreError({ threadKey: key, message })

    const workspace = (start: CodexThread.StartOptions) =>
      start.cwd !== undefined || options.workspace === undefined
        ? Effect.succeed(start.cwd)
        : options.workspace(key)

    const create = Effect.fnUntraced(function*(start: CodexThread.StartOptions, cwd: string | undefined) {
      const created = yield* codex.threadStart({ ...start, cwd })
      yield* store.put({ threadKey: key, threadId: created.id, version: 0, rollout: null, rolloutName: null })
      store.hold(key, 0)
      return created
    })

    const open = Effect.fnUntraced(function*(start: CodexThread.StartOptions) {
      const found = yield* store.get(key)
      const cwd = yield* workspace(start)
      if (Option.isNone(found)) return yield* create(start, cwd)
      const record = found.value
      const resume = { ...overrides(start), cwd }
      if (store.held(key) === record.version) return yield* codex.threadResume(record.threadId, resume)
      restored = true
      if (record.rollout === null || record.rolloutName === null) {
        // no turn completed yet: nothing to restore; the app-server may still know the thread
        return yield* codex.threadResume(record.threadId, resume).pipe(Effect.catch(() => create(start, cwd)))
      }
      const file = store.restorePath(record.rolloutName)
      yield* Files.writeText(file, record.rollout).pipe(
        Effect.mapError((cause) => storeError(`cannot write the restored rollout ${file}: ${String(cause)}`))
      )
      const resumed = yield* codex.threadResume(record.threadId, resume)
      store.hold(key, record.version)
      return resumed
    })

    const ensure = (start: CodexThread.StartOptions) =>
      setup.withPermits(1)(
        Effect.suspend(() =>
          thread !== undefined ? Effect.succeed(thread) : Effect.tap(open(start), (opened) =>
            Effect.sync(() => {
              thread = opened
            }))
        )
      )

    /** The thread's rollout file (it does not change for a thread), once read. */
    let rolloutPath: { readonly threadId: string; readonly file: string | null } | undefined

    /** Stores the thread's rollout once it holds the completed turn: the thread can then move. */
    const saveRollout = Effect.fnUntraced(function*(current: Thread.Thread, turnId: string) {
      if (rolloutPath?.threadId !== current.id) {
        const read = yield* current.read({ includeTurns: false })
        rolloutPath = { threadId: current.id, file: read.thread.path ?? null }
      }
      const file = rolloutPath.file
      if (file === null) return
      const text = yield* Files.readText(file).pipe(
        Effect.mapError((cause) => storeError(`cannot read the rollout ${file}: ${String(cause)}`)),
        Effect.filterOrFail(
          (text) => text.includes(`"turn_id":"${turnId}"`) && text.trimEnd().endsWith("}"),
          () => storeError(`the rollout ${file} does not hold turn ${turnId}`)
        ),
        Effect.retry(rolloutFlush)
      )
      const version = (store.held(key) ?? 0) + 1
      yield* store.put({
        threadKey: key,
        threadId: current.id,
        version,
        rollout: text,
        rolloutName: Files.sessionRelative(file)
      })
      store.hold(key, version)
    })

    /** A turn of this request that already ended (found by its idempotency key), if any. */
    const finished = Effect.fnUntraced(function*(current: Thread.Thread, requestKey: string) {
      const read = yield* readThread(current, true)
      const turn = read.thread.turns.find((t) =>
        t.items.some((item) => item.type === "userMessage" && item.clientId === requestKey)
      )
      if (turn === undefined || turn.status === "inProgress") return Option.none<Turn.TurnResult>()
      if (turn.status === "failed") {
        return yield* new Errors.TurnFailedError({
          threadId: current.id,
          turnId: turn.id,
          turnError: turn.error ?? { message: "the turn failed" }
        })
      }
      return Option.some(Turn.fromTurn(turn))
    })

    const runTurn = (payload: CodexThread.TurnPayload, resumed: boolean) =>
      Stream.unwrap(Effect.gen(function*() {
        yield* Effect.acquireRelease(turns.take(1), () => turns.release(1))
        const target = yield* ensure(payload.start)
        if (resumed || restored) {
          const done = yield* finished(target, payload.key)
          if (Option.isSome(done)) {
            return Stream.make<Array<Body>>(
              { _tag: "Started", threadId: target.id, turnId: done.value.id },
              { _tag: "Completed", result: done.value }
            )
          }
        }
        restored = false
        const handle = yield* target.turn(payload.input, turnOptions(payload.options, payload.key))
        current = handle
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            if (current === handle) current = undefined
          })
        )
        const complete = Effect.gen(function*() {
          const exit = yield* Effect.exit(handle.run)
          // a completed or failed turn is in the thread's history; an interrupted run is not stored
          const failed = Exit.findErrorOption(exit)
          if (Exit.isSuccess(exit) || (Option.isSome(failed) && failed.value._tag === "TurnFailedError")) {
            yield* saveRollout(target, handle.id)
          }
          const result = yield* exit
          return { _tag: "Completed", result } as const
        })
        const started: Body = { _tag: "Started", threadId: target.id, turnId: handle.id }
        const events: Stream.Stream<Body, Turn.StreamError> = payload.events
          ? Stream.map(handle.stream, (event): Body => ({ _tag: "Event", event }))
          : Stream.empty
        return Stream.make(started).pipe(Stream.concat(events), Stream.concat(Stream.fromEffect(complete)))
      }))

    const activeTurn = Effect.suspend(() =>
      current === undefined
        ? Effect.fail(new ClusterErrors.NoActiveTurnError({ threadKey: key, message: `thread ${key} runs no turn` }))
        : Effect.succeed(current)
    )

    return entity.of({
      Turn: (envelope) => {
        const last = envelope.lastSentChunkValue
        const attempt = Option.match(last, { onNone: () => 1, onSome: (chunk) => chunk.attempt + 1 })
        let seq = Option.match(last, { onNone: () => 0, onSome: (chunk) => chunk.seq })
        return runTurn(envelope.payload, Option.isSome(last)).pipe(
          Stream.map((body) => ({ ...body, seq: ++seq, attempt }) as CodexThread.TurnChunk)
        )
      },
      Result: ({ payload }) =>
        ensure(payload.start).pipe(
          Effect.flatMap((opened) => finished(opened, payload.key)),
          Effect.flatMap(Option.match({
            onNone: () =>
              Effect.fail(
                new ClusterErrors.NoActiveTurnError({
                  threadKey: key,
                  message: `thread ${key} has no finished turn with idempotency key ${payload.key}`
                })
              ),
            onSome: Effect.succeed
          }))
        ),
      Open: ({ payload }) => Effect.map(ensure(payload.start), (opened) => ({ threadId: opened.id })),
      Steer: ({ payload }) => Effect.flatMap(activeTurn, (handle) => handle.steer(payload.input)),
      Interrupt: () => Effect.flatMap(activeTurn, (handle) => handle.interrupt),
      Read: ({ payload }) =>
        Effect.flatMap(ensure(payload.start), (opened) => readThread(opened, payload.includeTurns)),
      SetName: ({ payload }) => Effect.flatMap(ensure(payload.start), (opened) => opened.setName(payload.name)),
      Compact: ({ payload }) => Effect.flatMap(ensure(payload.start), (opened) => opened.compact)
    })
  })

/** The entity layer of a runner: the store (table and restore directory) once, the handlers per thread key. */
export const layer = <R>(entity: ThreadEntity, options: CodexThread.Options<R>) =>
  Layer.unwrap(Effect.gen(function*() {
    const codexHome = options.codexHome === undefined
      ? Files.defaultCodexHome()
      : typeof options.codexHome === "string"
      ? options.codexHome
      : yield* options.codexHome
    const store = yield* Store.make(codexHome)
    return entity.toLayer(build(entity, store, options), {
      concurrency: "unbounded",
      maxIdleTime: options.maxIdleTime ?? "10 minutes"
    })
  }))
