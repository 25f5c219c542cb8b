/**
 * The peer: the official TypeScript SDK `@openai/codex-sdk`, which spawns `codex exec` per turn.
 * It runs OUR pinned binary (`codexPathOverride`) with the same CODEX_HOME config and environment.
 */
import { Codex } from "@openai/codex-sdk"
import { BIN, codexEnv, makeHome, mergedEnv, now } from "./common.ts"
import type { Args } from "./scenarios.ts"

export const turns = async (args: Args) => {
  const home = makeHome(args.port)
  const t0 = now()
  const codex = new Codex({
    codexPathOverride: BIN,
    env: mergedEnv(codexEnv(home.codexHome)),
    config: { features: { plugins: false } }
  })
  const thread = codex.startThread({
    workingDirectory: home.workspace,
    skipGitRepoCheck: true,
    approvalPolicy: "never",
    sandboxMode: "read-only"
  })
  const times: Array<number> = []
  for (let i = 0; i < args.count!; i++) {
    const t = now()
    const result = await thread.run("hello")
    times.push(now() - t)
    if (result.finalResponse !== args.expect) {
      throw new Error(`unexpected reply ${JSON.stringify(result.finalResponse)}`)
    }
  }
  const total = now() - t0
  home.cleanup()
  return { startup: 0, times, total }
}
