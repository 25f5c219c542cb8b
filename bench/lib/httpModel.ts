/**
 * What the standalone benches (`admission.ts`, `tools.ts`) share: a minimal HTTP Responses-API fake
 * whose answer is computed per request (no script, so the order requests arrive in does not
 * matter), and running one of their own workers in a fresh process.
 */
import { spawn } from "node:child_process"
import * as http from "node:http"

const sse = (o: { readonly type: string }) => `event: ${o.type}\ndata: ${JSON.stringify(o)}\n\n`

/** An assistant message output item. */
export const message = (id: string, text: string) => ({
  type: "message",
  role: "assistant",
  id,
  status: "completed",
  content: [{ type: "output_text", text, annotations: [] }]
})

/** A running fake model. */
export interface HttpModel {
  readonly port: number
  /** Requests received so far. */
  readonly requests: () => number
  readonly close: () => void
}

/**
 * Serves `POST /responses` on 127.0.0.1 (port 0): `answer(body, n)` gives the output items of the
 * `n`-th request (1-based) and how long to wait before streaming them.
 */
export const serve = (
  answer: (body: string, n: number) => { readonly items: ReadonlyArray<object>; readonly delayMs?: number }
) =>
  new Promise<HttpModel>((resolve) => {
    let requests = 0
    const server = http.createServer((req, res) => {
      let body = ""
      req.setEncoding("utf8")
      req.on("data", (chunk: string) => body += chunk)
      req.on("end", () => {
        const n = ++requests
        const { delayMs = 0, items } = answer(body, n)
        setTimeout(() => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.write(sse({ type: "response.created", response: { id: `r_${n}` } } as never))
          items.forEach((item, output_index) =>
            res.write(sse({ type: "response.output_item.done", output_index, item } as never))
          )
          res.end(sse({
            type: "response.completed",
            response: {
              id: `r_${n}`,
              usage: {
                input_tokens: 1,
                input_tokens_details: { cached_tokens: 0 },
                output_tokens: 1,
                output_tokens_details: { reasoning_tokens: 0 },
                total_tokens: 2
              }
            }
          } as never))
        }, delayMs)
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({ port, requests: () => requests, close: () => server.close() })
    })
  })

/**
 * Runs `node <file> worker ...args` and parses the last line of its stdout as JSON. Extra node flags
 * (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) come from `BENCH_WORKER_NODE_ARGS`, as in `run.ts`.
 */
export const runWorker = <A>(file: string, args: ReadonlyArray<string>) =>
  new Promise<A>((resolve, reject) => {
    const nodeArgs = process.env.BENCH_WORKER_NODE_ARGS?.split(" ").filter((a) => a.length > 0) ?? []
    const child = spawn(process.execPath, [...nodeArgs, file, "worker", ...args], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => out += chunk)
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? ""
      if (code === 0 && line.startsWith("{")) resolve(JSON.parse(line) as A)
      else reject(new Error(`worker ${args.join(" ")} exited with ${code}: ${out.slice(-2000)}`))
    })
  })
