/**
 * The baseline: a minimal driver of the app-server protocol. `child_process.spawn` of the native
 * binary, one `JSON.parse` per line, no validation, routing of turn events by thread id.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { BIN, codexEnv, configOverrides, mergedEnv } from "./common.ts"

type Message = Record<string, any>

interface TurnWaiter {
  turnId: string | undefined
  finalResponse: string | null
  events: number
  /** Events that arrive before the turn id is known, or after. */
  onEvent?: ((m: Message) => void) | undefined
  resolve: (r: RawTurnResult) => void
  reject: (e: Error) => void
}

export interface RawTurnResult {
  readonly turnId: string
  readonly status: string
  readonly finalResponse: string | null
  readonly events: number
}

export class RawClient {
  readonly child: ChildProcessWithoutNullStreams
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void }>()
  /** One running turn per thread. */
  private readonly turns = new Map<string, TurnWaiter>()
  private buffer = ""
  private readonly exited: Promise<number | null>
  /** Every line read, when recording (to feed the in-memory streaming benchmark). */
  recorded: Array<string> | undefined
  /** Answers server requests (the `result` of the reply); without it they get "method not found". */
  answer: ((method: string, params: any) => Promise<unknown>) | undefined

  constructor(codexHome: string, cwd: string) {
    this.child = spawn(BIN, [
      ...configOverrides.flatMap((kv) => ["--config", kv]),
      "app-server",
      "--listen",
      "stdio://"
    ], {
      cwd,
      env: mergedEnv(codexEnv(codexHome)),
      stdio: ["pipe", "pipe", "pipe"],
      detached: true
    })
    this.child.stdout.setEncoding("utf8")
    this.child.stdout.on("data", (chunk: string) => this.onData(chunk))
    this.child.stderr.resume()
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)))
    this.exited.then(() => {
      const error = new Error("app-server exited")
      for (const p of this.pending.values()) p.reject(error)
      for (const t of this.turns.values()) t.reject(error)
    })
  }

  private onData(chunk: string): void {
    let start = 0
    let nl = chunk.indexOf("\n")
    if (nl === -1) {
      this.buffer += chunk
      return
    }
    let head = this.buffer
    this.buffer = ""
    while (nl !== -1) {
      const line = head + chunk.slice(start, nl)
      head = ""
      if (line.length > 0) this.onLine(line)
      start = nl + 1
      nl = chunk.indexOf("\n", start)
    }
    this.buffer = chunk.slice(start)
  }

  private onLine(line: string): void {
    if (this.recorded) this.recorded.push(line)
    const m = JSON.parse(line) as Message
    if (m.method === undefined) {
      const p = this.pending.get(m.id)
      if (p) {
        this.pending.delete(m.id)
        if (m.error) p.reject(new Error(m.error.message))
        else p.resolve(m.result)
      }
      return
    }
    if (m.id !== undefined) {
      if (this.answer) {
        this.answer(m.method, m.params).then((result) => this.write({ id: m.id, result }))
        return
      }
      // No server request is expected (approval_policy = never); answer like an unknown method.
      this.write({ id: m.id, error: { code: -32601, message: `client does not handle ${m.method}` } })
      return
    }
    const params = m.params
    const threadId = params?.threadId
    if (typeof threadId !== "string") return
    const t = this.turns.get(threadId)
    if (t === undefined) return
    t.events++
    if (t.onEvent) t.onEvent(m)
    if (m.method === "item/completed" && params.item?.type === "agentMessage") t.finalResponse = params.item.text
    else if (m.method === "turn/completed" && (t.turnId === undefined || params.turn.id === t.turnId)) {
      this.turns.delete(threadId)
      t.resolve({
        turnId: params.turn.id,
        status: params.turn.status,
        finalResponse: t.finalResponse,
        events: t.events
      })
    }
  }

  private write(message: object): void {
    this.child.stdin.write(JSON.stringify(message) + "\n")
  }

  request<A = any>(method: string, params?: unknown): Promise<A> {
    const id = this.nextId++
    return new Promise<A>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.write(params === undefined ? { id, method } : { id, method, params })
    })
  }

  notify(method: string, params?: unknown): void {
    this.write(params === undefined ? { method } : { method, params })
  }

  /** Spawn → initialize response (+ the initialized notification). */
  static async start(codexHome: string, cwd: string): Promise<RawClient> {
    const client = new RawClient(codexHome, cwd)
    await client.request("initialize", {
      clientInfo: { name: "raw_bench", title: "Raw bench driver", version: "0.1.0" },
      capabilities: { experimentalApi: true }
    })
    client.notify("initialized")
    return client
  }

  async threadStart(cwd: string): Promise<string> {
    const r = await this.request("thread/start", { cwd, approvalPolicy: "never" })
    return r.thread.id as string
  }

  /** turn/start, then wait for this thread's turn/completed; the final response is the last agent message. */
  run(threadId: string, text: string, onEvent?: (m: Message) => void): Promise<RawTurnResult> {
    return new Promise<RawTurnResult>((resolve, reject) => {
      const waiter: TurnWaiter = { turnId: undefined, finalResponse: null, events: 0, onEvent, resolve, reject }
      this.turns.set(threadId, waiter)
      this.request("turn/start", { threadId, input: [{ type: "text", text }] }).then(
        (r) => {
          waiter.turnId = r.turn.id
        },
        reject
      )
    })
  }

  /** Ends stdin and waits for the process to exit (SIGKILL after 2 s). */
  async close(): Promise<void> {
    this.child.stdin.end()
    const timer = setTimeout(() => {
      try {
        process.kill(-this.child.pid!, "SIGKILL")
      } catch {
        // gone
      }
    }, 2000)
    await this.exited
    clearTimeout(timer)
  }
}
