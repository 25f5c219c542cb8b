/**
 * A small HTTP/1.1 server on 127.0.0.1 (a port chosen by the system) over `node:http`, driven by
 * Effect: each request is read whole and handed to a handler, whose answer is a complete text
 * body or a stream of text (written with backpressure). Closing the scope first interrupts every
 * running handler (which ends its response), then closes the server and its idle connections.
 *
 * Why not `@effect/platform-node`'s `NodeHttpServer`: that package has `redis` as a required peer,
 * so every user of `@effect-codex/testing` would install redis for a one-route test server.
 *
 * @internal
 */
import * as NodeSink from "@effect/platform-node-shared/NodeSink"
import * as NodeStream from "@effect/platform-node-shared/NodeStream"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import { identity } from "effect/Function"
import * as HttpServerError from "effect/http/HttpServerError"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Http from "node:http"

/** A request as read off the wire. */
export interface Incoming {
  readonly method: string
  /** The URL path, without the query. */
  readonly path: string
  /** Headers with lower-case names (repeated ones joined with `, `). */
  readonly headers: Readonly<Record<string, string>>
  readonly bodyText: string
}

/** What to answer: a whole text body, or a stream of text sent as it is produced. */
export type Outgoing =
  | {
    readonly _tag: "Text"
    readonly status: number
    readonly contentType: string
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
  }
  | {
    readonly _tag: "Stream"
    readonly contentType: string
    readonly headers: Readonly<Record<string, string>>
    readonly body: Stream.Stream<string>
  }

/** The running server. */
export interface Server {
  readonly port: number
}

const headersOf = (req: Http.IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = typeof value === "string" ? value : value.join(", ")
  }
  return headers
}

const respond = (
  handler: (incoming: Incoming) => Effect.Effect<Outgoing>,
  req: Http.IncomingMessage,
  res: Http.ServerResponse
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const bodyText = yield* Effect.orElseSucceed(NodeStream.toString(() => req), () => "")
    const outgoing = yield* handler({
      method: req.method ?? "GET",
      path: new URL(req.url ?? "/", "http://127.0.0.1").pathname,
      headers: headersOf(req),
      bodyText
    })
    if (outgoing._tag === "Text") {
      res.writeHead(outgoing.status, {
        ...outgoing.headers,
        "content-type": outgoing.contentType,
        "content-length": Buffer.byteLength(outgoing.body)
      })
      res.end(outgoing.body)
      return
    }
    res.writeHead(200, { ...outgoing.headers, "content-type": outgoing.contentType })
    res.flushHeaders()
    // A client that goes away fails the sink (premature close), which ends the body stream.
    yield* Effect.ignore(Stream.run(outgoing.body, NodeSink.fromWritable({ evaluate: () => res, onError: identity })))
  }).pipe(
    Effect.onExit(() =>
      Effect.sync(() => {
        if (!res.writableEnded) res.destroy()
      })
    )
  )

const listen = (server: Http.Server): Effect.Effect<number, HttpServerError.ServeError> =>
  Effect.callback((resume) => {
    const onError = (cause: unknown) => resume(Effect.fail(new HttpServerError.ServeError({ cause })))
    server.once("error", onError)
    server.listen(0, "127.0.0.1", () => {
      server.off("error", onError)
      const address = server.address()
      resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const close = (server: Http.Server): Effect.Effect<void> =>
  Effect.callback((resume) => {
    server.close(() => resume(Effect.void))
    server.closeAllConnections()
  })

/** Serves `handler` on 127.0.0.1 until the scope closes. */
export const serve = (
  handler: (incoming: Incoming) => Effect.Effect<Outgoing>
): Effect.Effect<Server, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const fibers = yield* FiberSet.make<void>()
    const runFork = yield* FiberSet.runtime(fibers)<never>()
    const server = Http.createServer((req, res) => {
      runFork(respond(handler, req, res))
    })
    const port = yield* Effect.acquireRelease(
      listen(server),
      () => Effect.andThen(FiberSet.clear(fibers), close(server))
    )
    return { port }
  })
