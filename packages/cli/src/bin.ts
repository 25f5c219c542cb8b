#!/usr/bin/env node
/**
 * The `effect-codex` executable: runs `Cli.run` with the Node services (stdio, terminal, file
 * system) and `NodeRuntime.runMain` (Ctrl-C interrupts the turn cleanly before the app-server stops).
 *
 * Before anything else it turns on Node's module compile cache (`module.enableCompileCache`, Node
 * ≥ 22.1; `NODE_DISABLE_COMPILE_CACHE=1` turns it off): the second and later runs reuse the compiled
 * (and, from the TypeScript sources, type-stripped) code of every module, which makes module load
 * several times cheaper. The modules are imported dynamically so that the cache is on before they load.
 *
 * @since 0.1.0
 */
import * as Module from "node:module"

// Optional: absent before Node 22.1. Any failure only means no cache.
Module.enableCompileCache?.()

const [NodeRuntime, NodeServices, Effect, Cli] = await Promise.all([
  import("@effect/platform-node/NodeRuntime"),
  import("@effect/platform-node/NodeServices"),
  import("effect/Effect"),
  import("./Cli.ts")
])

Cli.run.pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain)
