/**
 * The `node:net` WebSocket client of `unix://` app-servers (`internal/unixWebSocket.ts`), against a
 * hand-written server on a Unix socket that sends exactly the bytes each case needs: fragments,
 * 16- and 64-bit lengths, frames cut at every byte, ping, close, refusals and protocol errors. The
 * real app-server over `unix://` is tested in packages/testing/test/transports (daemon, reconnect).
 */
import { Transport } from "@effect-codex/core/Transport"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { UnixWebSocket } from "../src/internal/unixWebSocket.ts"
import * as NodeCodexRemote from "../src/NodeCodexRemote.ts"

/** A server frame (unmasked) with `opcode`, `fin` and `payload`. */
const serverFrame = (opcode: number, payload: Buffer, fin = true, rsv = 0): Buffer => {
  const length = payload.length
  const head = length < 126
    ? Buffer.from([(fin ? 0x80 : 0) | rsv | opcode, length])
    : length < 65536
    ? Buffer.from([(fin ? 0x80 : 0) | rsv | opcode, 126, length >> 8, length & 0xff])
    : Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | rsv | opcode, 127]), bigLength(length)])
  return Buffer.concat([head, payload])
}
const bigLength = (n: number) => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(n))
  return b
}

/** Reads the client's frames (which must be masked) from `data`; returns them and the rest. */
const clientFrames = (data: Buffer): { frames: Array<{ opcode: number; payload: Buffer }>; rest: Buffer } => {
  const frames: Array<{ opcode: number; payload: Buffer }> = []
  let offset = 0
  while (data.length - offset >= 2) {
    assert.strictEqual(data[offset + 1]! & 0x80, 0x80, "client frames are masked")
    let length = data[offset + 1]! & 0x7f
    let at = offset + 2
    if (length === 126) {
      length = data.readUInt16BE(at)
      at += 2
    } else if (length === 127) {
      length = Number(data.readBigUInt64BE(at))
      at += 8
    }
    if (data.length < at + 4 + length) break
    const mask = data.subarray(at, at + 4)
    const payload = Buffer.from(data.subarray(at + 4, at + 4 + length)).map((b, i) => b ^ mask[i & 3]!)
    frames.push({ opcode: data[offset]! & 0x0f, payload: Buffer.from(payload) })
    offset = at + 4 + length
  }
  return { frames, rest: data.subarray(offset) }
}

interface Peer {
  /** Writes raw bytes to the client. */
  readonly write: (bytes: Buffer) => void
  /** Every frame the client sent so far. */
  readonly received: Array<{ opcode: number; payload: Buffer }>
  readonly end: () => void
}

/**
 * A server on a fresh Unix socket: answers the upgrade with `status` (101 with the right accept
 * value unless `accept` is given), then hands the connection to `onOpen`.
 */
const withServer = <A, E>(
  options: { readonly status?: number; readonly accept?: string; readonly onOpen?: (peer: Peer) => void },
  use: (socketPath: string, requests: Array<string>) => Effect.Effect<A, E>
) =>
  Effect.acquireUseRelease(
    Effect.promise(() => {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unix-ws-"))
      const socketPath = Path.join(dir, "s.sock")
      const requests: Array<string> = []
      const server = Net.createServer((socket) => {
        let buffered: Buffer = Buffer.alloc(0)
        let open = false
        const received: Array<{ opcode: number; payload: Buffer }> = []
        socket.on("error", () => {})
        socket.on("data", (chunk) => {
          buffered = Buffer.concat([buffered, chunk])
          if (!open) {
            const end = buffered.indexOf("\r\n\r\n")
            if (end < 0) return
            const request = buffered.subarray(0, end).toString("latin1")
            requests.push(request)
            buffered = buffered.subarray(end + 4)
            const key = /sec-websocket-key: (.+)/i.exec(request)![1]!.trim()
            const status = options.status ?? 101
            if (status !== 101) {
              socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Length: 0\r\n\r\n`)
              return
            }
            const accept = options.accept ??
              Crypto.createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64")
            socket.write(
              `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`
            )
            open = true
            options.onOpen?.({ write: (b) => socket.write(b), received, end: () => socket.end() })
          }
          const { frames, rest } = clientFrames(buffered)
          buffered = rest
          for (const f of frames) {
            received.push(f)
            if (f.opcode === 0x8) socket.end(serverFrame(0x8, f.payload))
          }
        })
      })
      return new Promise<{ server: Net.Server; dir: string; socketPath: string; requests: Array<string> }>(
        (resolve) => server.listen(socketPath, () => resolve({ server, dir, socketPath, requests }))
      )
    }),
    ({ requests, socketPath }) => use(socketPath, requests),
    ({ dir, server }) =>
      Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve()))).pipe(
        Effect.timeout("2 seconds"),
        Effect.ignore,
        Effect.andThen(Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      )
  )

/** Opens a client and collects its events until `close` (or `count` messages). */
const events = (socketPath: string, onOpen?: (ws: UnixWebSocket) => void) =>
  Effect.callback<Array<string>>((resume) => {
    const seen: Array<string> = []
    const ws = new UnixWebSocket(`ws+unix://${socketPath}:/`, { Authorization: "Bearer t" })
    ws.addEventListener("open", () => {
      seen.push("open")
      onOpen?.(ws)
    })
    ws.addEventListener("message", (e) => {
      const data = (e as unknown as { data: string }).data
      seen.push(`message ${data.length > 40 ? `${data.length} chars` : data}`)
    })
    ws.addEventListener("error", (e) => seen.push(`error ${(e as unknown as { message: string }).message}`))
    ws.addEventListener("close", (e) => {
      const { code, reason } = e as unknown as { code: number; reason: string }
      seen.push(`close ${code}${reason === "" ? "" : ` ${reason}`}`)
      resume(Effect.succeed(seen))
    })
  }).pipe(Effect.timeout("5 seconds"))

describe("UnixWebSocket", () => {
  it.effect("sends masked text frames with the upgrade headers; reads 7-, 16- and 64-bit lengths cut at every byte", () => {
    const long16 = "b".repeat(1000)
    const long64 = "c".repeat(70_000)
    let peer: Peer | undefined
    return withServer({
      onOpen: (p) => {
        peer = p
        const bytes = Buffer.concat([
          serverFrame(0x1, Buffer.from("héllo ✓")),
          serverFrame(0x1, Buffer.from(long16)),
          serverFrame(0x1, Buffer.from(long64)),
          serverFrame(0x8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from("bye")]))
        ])
        // the first frames a byte at a time, the rest at once
        for (let i = 0; i < 40; i++) p.write(bytes.subarray(i, i + 1))
        p.write(bytes.subarray(40))
      }
    }, (socketPath, requests) =>
      Effect.gen(function*() {
        const seen = yield* events(socketPath, (ws) => ws.send("{\"id\":1}"))
        assert.deepStrictEqual(seen, [
          "open",
          "message héllo ✓",
          "message 1000 chars",
          "message 70000 chars",
          "close 1000 bye"
        ])
        assert.match(requests[0]!, /^GET \/ HTTP\/1\.1\r\n/)
        assert.match(requests[0]!, /\r\nAuthorization: Bearer t(\r\n|$)/)
        assert.deepStrictEqual(peer!.received.map((f) => [f.opcode, f.payload.toString()]), [
          [0x1, "{\"id\":1}"],
          [0x8, Buffer.from([0x03, 0xe8]).toString()]
        ])
      }))
  })

  it.effect("joins fragments, answers ping with pong (between fragments too), ignores pong", () => {
    let peer: Peer | undefined
    return withServer({
      onOpen: (p) => {
        peer = p
        p.write(serverFrame(0x1, Buffer.from("par"), false))
        p.write(serverFrame(0x9, Buffer.from("are you there")))
        p.write(serverFrame(0x0, Buffer.from("t-"), false))
        p.write(serverFrame(0xa, Buffer.from("unasked pong")))
        p.write(serverFrame(0x0, Buffer.from("whole")))
        setTimeout(() => p.write(serverFrame(0x8, Buffer.from([0x03, 0xe8]))), 50)
      }
    }, (socketPath) =>
      Effect.gen(function*() {
        const seen = yield* events(socketPath)
        assert.deepStrictEqual(seen, ["open", "message part-whole", "close 1000"])
        assert.deepStrictEqual(peer!.received[0], { opcode: 0xa, payload: Buffer.from("are you there") })
      }))
  })

  it("refuses a header that would break the request (CR, LF, or a name that is not a token)", () => {
    for (const headers of [{ "X-A": "1\r\nX-Injected: 2" }, { "X A": "1" }, { "X-A": "1\n" }]) {
      assert.throws(() => new UnixWebSocket("ws+unix:///nonexistent.sock:/", headers), /invalid upgrade request header/)
    }
  })

  it.effect("close() sends a close frame and ends with the server's answer", () =>
    withServer({}, (socketPath) =>
      Effect.gen(function*() {
        const seen = yield* events(socketPath, (ws) => ws.close(1000, "done"))
        assert.deepStrictEqual(seen, ["open", "close 1000 done"])
      })))

  it.effect("a refused upgrade, a wrong accept value and a protocol error fail the connection", () =>
    Effect.gen(function*() {
      const refused = yield* withServer({ status: 401 }, (socketPath) => events(socketPath))
      assert.deepStrictEqual(refused, ["error Unexpected server response: 401", "close 1006"])
      const wrongAccept = yield* withServer({ accept: "bm90IHRoZSBhY2NlcHQ=" }, (socketPath) => events(socketPath))
      assert.deepStrictEqual(wrongAccept, ["error Invalid Sec-WebSocket-Accept header", "close 1006"])
      let peer: Peer | undefined
      const reserved = yield* withServer({
        onOpen: (p) => {
          peer = p
          p.write(serverFrame(0x1, Buffer.from("x"), true, 0x40))
        }
      }, (socketPath) => events(socketPath))
      assert.deepStrictEqual(reserved, [
        "open",
        "error Invalid WebSocket frame: reserved bits set (no extension was negotiated)",
        "close 1006"
      ])
      assert.strictEqual(peer!.received[0]?.opcode, 0x8)
      const stray = yield* withServer(
        { onOpen: (p) => p.write(serverFrame(0x0, Buffer.from("x"))) },
        (socketPath) => events(socketPath)
      )
      assert.deepStrictEqual(stray, [
        "open",
        "error Invalid WebSocket frame: unexpected frame (opcode 0)",
        "close 1006"
      ])
    }))

  it.effect("a server that drops the connection: close 1006 (a killed one: transports/faults.test.ts); no server at all: error, then close 1006", () =>
    Effect.gen(function*() {
      const dropped = yield* withServer({ onOpen: (p) => p.end() }, (socketPath) => events(socketPath))
      assert.deepStrictEqual(dropped, ["open", "close 1006"])
      const missing = yield* events("/nonexistent/effect-codex/unix-ws.sock")
      assert.strictEqual(missing.length, 2)
      assert.match(missing[0]!, /^error connect ENOENT/)
      assert.strictEqual(missing[1], "close 1006")
    }))

  it.effect("through NodeCodexRemote's transport: lines in, lines out; a 401 is an AuthenticationError", () =>
    Effect.gen(function*() {
      let peer: Peer | undefined
      const lines = yield* withServer({
        onOpen: (p) => {
          peer = p
          p.write(serverFrame(0x1, Buffer.from("{\"a\":1}\n{\"b\":2}")))
        }
      }, (socketPath) =>
        Effect.gen(function*() {
          const transport = yield* Transport
          yield* transport.send("{\"id\":7}")
          return yield* transport.incoming.pipe(Stream.take(2), Stream.runCollect)
        }).pipe(Effect.provide(NodeCodexRemote.transportLayer({ url: `unix://${socketPath}` }))))
      assert.deepStrictEqual(lines, ["{\"a\":1}", "{\"b\":2}"])
      assert.strictEqual(peer!.received[0]?.payload.toString(), "{\"id\":7}")
      const refused = yield* withServer(
        { status: 401 },
        (socketPath) =>
          Effect.flip(Layer.build(NodeCodexRemote.transportLayer({ url: `unix://${socketPath}` }))).pipe(Effect.scoped)
      )
      assert.strictEqual(refused._tag, "AuthenticationError")
    }))
})
