/**
 * The body of `NodeCodexRemote.layerReconnecting`: one connection at a time, each its own scope
 * (transport, client, `Codex`), and a supervisor fiber that waits for a drop, closes that
 * connection, and connects again following the `Schedule` (re-running the handshake).
 *
 * @internal
 */
import * as AppServerClient from "@effect-codex/core/AppServerClient"
import * as Codex from "@effect-codex/core/Codex"
import * as Errors from "@effect-codex/core/Errors"
import { Transport } from "@effect-codex/core/Transport"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type {
  ConnectionState,
  LayerError,
  ReconnectingOptions,
  RemoteConnection,
  Services
} from "../NodeCodexRemote.ts"
import * as ClientOptionsInternal from "./clientOptions.ts"

/** The `RemoteConnection` service over connections made by `transportLayer`. Scoped. */
export const make = (
  options: ReconnectingOptions,
  transportLayer: Layer.Layer<Transport, LayerError>
): Effect.Effect<RemoteConnection["Service"], LayerError, Scope.Scope> =>
  Effect.gen(function*() {
    type Live = { readonly context: Context.Context<Services>; readonly generation: number }
    const current = yield* Ref.make<Option.Option<Live>>(Option.none())
    const stateRef = yield* Ref.make<ConnectionState>({ _tag: "Connected", generation: 0 })
    const changed = yield* PubSub.unbounded<ConnectionState>()
    const setState = (state: ConnectionState) =>
      Effect.andThen(Ref.set(stateRef, state), PubSub.publish(changed, state))

    /** One connection: the stack in its own scope; resolves with the close error when it drops. */
    const connect = (generation: number) =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const dropped = yield* Deferred.make<Errors.TransportClosedError>()
        const transport = yield* Layer.buildWithScope(transportLayer, scope).pipe(
          Effect.onError(() => Scope.close(scope, Exit.void))
        )
        const raw = Context.get(transport, Transport)
        const watched = Transport.of({
          send: raw.send,
          incoming: raw.incoming.pipe(
            Stream.tapError((error) => Deferred.succeed(dropped, error)),
            Stream.onEnd(Deferred.succeed(
              dropped,
              new Errors.TransportClosedError({ reason: "app-server connection ended" })
            ))
          )
        })
        const stack = Codex.layer.pipe(
          Layer.provideMerge(AppServerClient.layer(ClientOptionsInternal.clientOptions(options))),
          Layer.provideMerge(Layer.succeed(Transport, watched))
        )
        const context = yield* Layer.buildWithScope(stack, scope).pipe(
          Effect.onError(() => Scope.close(scope, Exit.void))
        )
        yield* Ref.set(current, Option.some({ context, generation }))
        yield* setState({ _tag: "Connected", generation })
        return { scope, dropped }
      })

    const first = yield* connect(0)
    const outer = yield* Effect.scope
    // The connection open when the layer closes is closed with it.
    const openScope = yield* Ref.make<Scope.Closeable>(first.scope)
    yield* Effect.addFinalizer(() => Effect.flatMap(Ref.get(openScope), (scope) => Scope.close(scope, Exit.void)))
    // The supervisor: wait for a drop, close that connection, reconnect with the policy.
    yield* Effect.gen(function*() {
      let live = first
      let generation = 0
      while (true) {
        const error = yield* Deferred.await(live.dropped)
        yield* Ref.set(current, Option.none())
        yield* Scope.close(live.scope, Exit.void)
        generation++
        yield* setState({ _tag: "Reconnecting", generation, lastError: error })
        const next = yield* connect(generation).pipe(Effect.retry(options.reconnect), Effect.exit)
        if (Exit.isFailure(next)) {
          const failure = Option.getOrElse(
            Exit.findErrorOption(next),
            () => new Errors.TransportClosedError({ reason: "reconnection interrupted" })
          )
          yield* setState({ _tag: "Failed", error: failure as LayerError })
          return
        }
        live = next.value
        yield* Ref.set(openScope, live.scope)
      }
    }).pipe(Effect.forkIn(outer))

    const waitFor = <A>(pick: (live: Live) => A): Effect.Effect<A, LayerError> =>
      Effect.scoped(Effect.gen(function*() {
        const subscription = yield* PubSub.subscribe(changed)
        while (true) {
          const live = yield* Ref.get(current)
          if (Option.isSome(live)) return pick(live.value)
          const state = yield* Ref.get(stateRef)
          if (state._tag === "Failed") return yield* Effect.fail(state.error)
          yield* PubSub.take(subscription)
        }
      }))

    return {
      codex: waitFor((live) => Context.get(live.context, Codex.Codex)),
      client: waitFor((live) => Context.get(live.context, AppServerClient.AppServerClient)),
      state: Ref.get(stateRef),
      awaitGeneration: (generation) =>
        Effect.scoped(Effect.gen(function*() {
          const subscription = yield* PubSub.subscribe(changed)
          while (true) {
            const state = yield* Ref.get(stateRef)
            if (state._tag === "Failed") return yield* Effect.fail(state.error)
            if (state._tag === "Connected" && state.generation > generation) return
            yield* PubSub.take(subscription)
          }
        }))
    } satisfies RemoteConnection["Service"]
  })
