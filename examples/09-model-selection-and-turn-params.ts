/**
 * 09 · Pick a model and tune a turn.
 *
 * `codex.models()` lists the models of the service (with their reasoning efforts). A thread gets
 * a model at start (`threadStart({ model })`); each turn can override it and set `effort`,
 * `summary`, `personality`, `sandbox`, `approvalMode`, `cwd`, … (see `Thread.TurnOptions`).
 *
 *     node examples/09-model-selection-and-turn-params.ts
 */
import { Codex, Sandbox } from "@effect-codex/core"
import { FakeModel } from "@effect-codex/testing"
import { NodeRuntime } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Backend from "./_backend.ts"

const program = Effect.gen(function*() {
  const codex = yield* Codex.Codex

  const { data: models } = yield* codex.models()
  yield* Console.log(`Models: ${models.map((m) => (m.isDefault ? `${m.model} (default)` : m.model)).join(", ")}`)

  // The default model, and its lowest and highest reasoning efforts.
  const model = models.find((m) => m.isDefault) ?? models[0]
  if (model === undefined) return yield* Console.log("No models available.")
  const efforts = model.supportedReasoningEfforts.map((option) => option.reasoningEffort)
  const [lowest, highest] = [efforts.at(0), efforts.at(-1)]
  yield* Console.log(`Using ${model.displayName} (${model.model}), efforts: ${efforts.join(", ")}`)

  const thread = yield* codex.threadStart({ model: model.model, sandbox: Sandbox.readOnly })

  const quick = yield* thread.run("In one word: what color is the sky on a clear day?", {
    effort: lowest,
    summary: "concise"
  })
  yield* Console.log(`Quick answer (effort ${lowest}): ${quick.finalResponse}`)

  const careful = yield* thread.run("Now explain why, in one sentence.", {
    effort: highest,
    summary: "detailed",
    personality: model.supportsPersonality === true ? "friendly" : undefined
  })
  yield* Console.log(`Careful answer (effort ${highest}): ${careful.finalResponse}`)
  yield* Console.log(`Reasoning items: ${careful.items.filter((item) => item.type === "reasoning").length}`)
})

program.pipe(
  Effect.provide(Backend.layer({
    script: [
      FakeModel.message("Blue."),
      FakeModel.response([
        FakeModel.reasoning("Rayleigh scattering favors short wavelengths."),
        FakeModel.message(
          "Air molecules scatter blue light much more than red, so blue reaches us from every direction."
        )
      ])
    ]
  })),
  NodeRuntime.runMain
)
