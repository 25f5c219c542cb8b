/**
 * A WebSocket client for `unix://` app-servers (the daemon's control socket, `--listen unix://`)
 * built on `node:net` alone: the HTTP/1.1 upgrade and RFC 6455 framing of text messages, with no
 * extensions. It gives `effect/socket` the subset of the WHATWG `WebSocket` it uses (`readyState`,
 * `send`, `close`, the `open` / `message` / `error` / `close` events, and `pause` / `resume` for
 * backpressure), so `SocketTransport` runs over it unchanged.
 *
 * Why not `ws`: loading `ws` pulls in `node:http`, `node:https` and `node:tls` and runs Node's
 * CommonJS export scanner over it, ~100 ms of CPU in a short program; the daemon is the fast path
 * of short programs. Remote `ws://` / `wss://` servers (TLS, proxies, redirects) keep `ws`.
 *
 * @internal
 */
import * as Layer from "effect/Layer"
import * as Socket from "effect/socket/Socket"
import * as Crypto from "node:crypto"
import * as Net from "node:net"

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/** The largest message accepted (as the stdio transport's default line cap). */
const maxMessageBytes = 256 * 1024 * 1024
/** How long `close()` waits for the server's close frame before dropping the connection. */
const closeTimeoutMs = 2_000

const CONNECTING = 0
const OPEN = 1
const CLOSING = 2
const CLOSED = 3

/** An `error` event: `message` is what `SocketTransport` reports (e.g. "Unexpected server response: 401"). */
class ErrorEvent extends Event {
  readonly error: Error
  constructor(error: Error) {
    super("error")
    this.error = error
  }
  get message(): string {
    return this.error.message
  }
}

class MessageEvent extends Event {
  readonly data: string | ArrayBuffer
  constructor(data: string | ArrayBuffer) {
    super("message")
    this.data = data
  }
}

class CloseEvent extends Event {
  readonly code: number
  readonly reason: string
  readonly wasClean: boolean
  constructor(code: number, reason: string, wasClean: boolean) {
    super("close")
    this.code = code
    this.reason = reason
    this.wasClean = wasClean
  }
}

/** Splits `ws+unix:///path/to.sock:/request` into the socket path and the request path. */
export const parseUrl = (url: string): { readonly socketPath: string; readonly requestPath: string } => {
  const rest = url.slice("ws+unix://".length)
  const colon = rest.indexOf(":")
  return colon < 0
    ? { socketPath: rest, requestPath: "/" }
    : { socketPath: rest.slice(0, colon), requestPath: rest.slice(colon + 1) || "/" }
}

/** Encodes one final client frame (masked, as RFC 6455 requires of clients). */
const frame = (opcode: number, payload: Buffer): Buffer => {
  const length = payload.length
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8
  const head = Buffer.allocUnsafe(2 + lengthBytes + 4)
  head[0] = 0x80 | opcode
  head[1] = 0x80 | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127)
  if (lengthBytes === 2) head.writeUInt16BE(length, 2)
  if (lengthBytes === 8) head.writeBigUInt64BE(BigInt(length), 2)
  const mask = head.subarray(2 + lengthBytes)
  Crypto.randomFillSync(mask)
  const body = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) body[i] = payload[i]! ^ mask[i & 3]!
  return Buffer.concat([head, body])
}

/** A `WebSocket` over a Unix socket (see the module doc). */
export class UnixWebSocket extends EventTarget {
  readyState: number = CONNECTING
  binaryType: "arraybuffer" | "blob" = "blob"
  private readonly socket: Net.Socket
  private readonly key = Crypto.randomBytes(16).toString("base64")
  /** Bytes read and not yet consumed, as they came, and how many bytes the next step needs. */
  private chunks: Array<Buffer> = []
  private chunksLength = 0
  private needed = 1
  private buffered: Buffer = Buffer.alloc(0)
  private handshaken = false
  private fragments: Array<Buffer> = []
  private fragmentsLength = 0
  private fragmentOpcode = 0
  private closeSent = false
  private closeFrame: { code: number; reason: string } | undefined
  private failure: Error | undefined

  constructor(url: string, headers: Readonly<Record<string, string>> = {}) {
    super()
    for (const [name, value] of Object.entries(headers)) {
      // a CR or LF would end the request line by line: refuse it (as node:http does)
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(value)) {
        throw new TypeError(`invalid upgrade request header ${JSON.stringify(name)}`)
      }
    }
    const { requestPath, socketPath } = parseUrl(url)
    this.socket = Net.createConnection(socketPath)
    this.socket.setNoDelay(true)
    this.socket.on("connect", () => {
      const lines = [
        `GET ${requestPath} HTTP/1.1`,
        "Host: localhost",
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${this.key}`,
        "Sec-WebSocket-Version: 13",
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)
      ]
      this.socket.write(lines.join("\r\n") + "\r\n\r\n")
    })
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk))
    // Before the upgrade a socket error is the connect failure; after it (a reset, the server
    // killed) the connection closes abnormally (1006) without an error event, as with `ws`.
    this.socket.on("error", (error) => {
      if (this.readyState === CONNECTING) this.fail(error)
    })
    this.socket.on("close", () => this.finish())
  }

  get isPaused(): boolean {
    return this.socket.isPaused()
  }

  pause(): void {
    this.socket.pause()
  }

  resume(): void {
    this.socket.resume()
  }

  send(data: string | Uint8Array): void {
    if (this.readyState !== OPEN) throw new Error("WebSocket is not open")
    const text = typeof data === "string"
    this.socket.write(frame(text ? 0x1 : 0x2, text ? Buffer.from(data, "utf8") : Buffer.from(data)))
  }

  close(code?: number, reason?: string): void {
    if (this.readyState === CLOSED) return
    if (this.readyState === CONNECTING) {
      this.fail(new Error("WebSocket was closed before the connection was established"))
      return
    }
    this.sendClose(code ?? 1000, reason ?? "")
    this.readyState = CLOSING
    setTimeout(() => this.socket.destroy(), closeTimeoutMs).unref()
  }

  private sendClose(code: number, reason: string): void {
    if (this.closeSent) return
    this.closeSent = true
    const reasonBytes = Buffer.from(reason, "utf8")
    const payload = Buffer.allocUnsafe(2 + reasonBytes.length)
    payload.writeUInt16BE(code, 0)
    reasonBytes.copy(payload, 2)
    this.socket.write(frame(0x8, payload))
  }

  /** Fails the connection: an `error` event, then (once the socket is gone) `close` 1006. */
  private fail(error: Error): void {
    if (this.failure !== undefined || this.readyState === CLOSED) return
    this.failure = error
    this.dispatchEvent(new ErrorEvent(error))
    this.socket.destroy()
  }

  private finish(): void {
    if (this.readyState === CLOSED) return
    this.readyState = CLOSED
    const clean = this.closeFrame !== undefined && this.failure === undefined
    this.dispatchEvent(
      clean ? new CloseEvent(this.closeFrame!.code, this.closeFrame!.reason, true) : new CloseEvent(1006, "", false)
    )
  }

  /** Joins the chunks only once the next step has its bytes, so a long message is copied once. */
  private onData(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.chunksLength += chunk.length
    if (this.chunksLength < this.needed) return
    this.buffered = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.chunksLength)
    this.needed = 1
    if (this.handshaken || this.readHandshake()) {
      while (this.failure === undefined && this.readFrame()) {
        // each call consumed one frame
      }
    }
    this.chunks = this.buffered.length === 0 ? [] : [this.buffered]
    this.chunksLength = this.buffered.length
  }

  /** Waits for `bytes` before the next attempt; always `false` (nothing consumed). */
  private need(bytes: number): false {
    this.needed = bytes
    return false
  }

  /** Reads the upgrade response; `false` while it is incomplete or when it refused us. */
  private readHandshake(): boolean {
    const end = this.buffered.indexOf("\r\n\r\n")
    if (end < 0) {
      if (this.buffered.length > 64 * 1024) this.fail(new Error("Invalid upgrade response: headers too long"))
      return this.need(this.buffered.length + 1)
    }
    const [statusLine = "", ...headerLines] = this.buffered.subarray(0, end).toString("latin1").split("\r\n")
    this.buffered = this.buffered.subarray(end + 4)
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
    if (status === null || status[1] !== "101") {
      this.fail(new Error(`Unexpected server response: ${status === null ? statusLine : status[1]}`))
      return false
    }
    const accept = headerLines.find((line) => /^sec-websocket-accept:/i.test(line))?.split(":")[1]?.trim()
    const expected = Crypto.createHash("sha1").update(this.key + GUID).digest("base64")
    if (accept !== expected) {
      this.fail(new Error("Invalid Sec-WebSocket-Accept header"))
      return false
    }
    this.handshaken = true
    this.readyState = OPEN
    this.dispatchEvent(new Event("open"))
    return true
  }

  /** Reads one complete frame from the buffer; `false` when none is complete. */
  private readFrame(): boolean {
    const data = this.buffered
    if (data.length < 2) return this.need(2)
    const fin = (data[0]! & 0x80) !== 0
    const opcode = data[0]! & 0x0f
    const masked = (data[1]! & 0x80) !== 0
    let length = data[1]! & 0x7f
    let offset = 2
    if (length === 126) {
      if (data.length < 4) return this.need(4)
      length = data.readUInt16BE(2)
      offset = 4
    } else if (length === 127) {
      if (data.length < 10) return this.need(10)
      const big = data.readBigUInt64BE(2)
      length = big > BigInt(maxMessageBytes) ? maxMessageBytes + 1 : Number(big)
      offset = 10
    }
    if ((data[0]! & 0x70) !== 0) return this.protocolError(1002, "reserved bits set (no extension was negotiated)")
    if (length > maxMessageBytes || this.fragmentsLength + length > maxMessageBytes) {
      return this.protocolError(1009, `a message longer than ${maxMessageBytes} bytes`)
    }
    const maskOffset = offset
    if (masked) offset += 4
    if (data.length < offset + length) return this.need(offset + length)
    const payload = masked
      ? Buffer.from(data.subarray(offset, offset + length))
      : data.subarray(offset, offset + length)
    if (masked) { for (let i = 0; i < length; i++) payload[i] = payload[i]! ^ data[maskOffset + (i & 3)]! }
    this.buffered = data.subarray(offset + length)
    // nothing counts after the server's close frame
    if (this.closeFrame !== undefined) return true
    if (opcode >= 0x8) return this.onControl(opcode, payload)
    if (opcode === 0x0 ? this.fragments.length === 0 : this.fragments.length > 0 || opcode > 0x2) {
      return this.protocolError(1002, `unexpected frame (opcode ${opcode})`)
    }
    if (opcode !== 0x0) this.fragmentOpcode = opcode
    this.fragments.push(payload)
    this.fragmentsLength += length
    if (!fin) return true
    const message = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments)
    this.fragments = []
    this.fragmentsLength = 0
    if (this.readyState !== OPEN) return true
    this.dispatchEvent(
      new MessageEvent(
        this.fragmentOpcode === 0x1
          ? message.toString("utf8")
          : message.buffer.slice(message.byteOffset, message.byteOffset + message.length) as ArrayBuffer
      )
    )
    return true
  }

  private onControl(opcode: number, payload: Buffer): boolean {
    if (opcode === 0x9) {
      if (this.readyState === OPEN) this.socket.write(frame(0xa, payload))
    } else if (opcode === 0x8 && this.closeFrame === undefined) {
      this.closeFrame = payload.length >= 2
        ? { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString("utf8") }
        : { code: 1005, reason: "" }
      this.sendClose(payload.length >= 2 ? this.closeFrame.code : 1000, "")
      this.readyState = CLOSING
      this.socket.end()
    }
    return true
  }

  private protocolError(code: number, reason: string): boolean {
    this.sendClose(code, "")
    this.fail(new Error(`Invalid WebSocket frame: ${reason}`))
    return false
  }
}

/** `Socket.WebSocketConstructor` for `ws+unix://PATH:/` URLs, with handshake headers. */
export const webSocketConstructorLayer: Layer.Layer<Socket.WebSocketConstructor> = Layer.succeed(
  Socket.WebSocketConstructor
)((url, options) =>
  new UnixWebSocket(
    url,
    options === undefined || typeof options === "string" || Array.isArray(options) ? {} : options.headers
  ) as unknown as globalThis.WebSocket
)
