/**
 * The temporary folders of one test: an offline `CODEX_HOME` pointing at the FakeModel's port and a
 * workspace (its canonical path: codex reports cwd with symlinks resolved). Scoped: removed when
 * the scope closes. Shared by `CodexTest` and `CodexTestRemote`.
 *
 * @internal
 */
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as CodexHome from "../CodexHome.ts"
import type * as CodexTest from "../CodexTest.ts"

/** Creates the folders for a test whose FakeModel listens on `port`. */
export const make = (options: CodexTest.Options, port: number) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const codexHome = yield* CodexHome.makeTemp({
      port,
      model: options.model,
      approvalPolicy: options.approvalPolicy,
      sandboxMode: options.sandboxMode,
      requiresOpenaiAuth: options.requiresAuth,
      features: options.features,
      extraConfig: options.extraConfig
    })
    const root = yield* fs.makeTempDirectoryScoped({ prefix: "effect-codex-workspace-" })
    const workspace = yield* fs.realPath(path.join(root))
    return { codexHome, workspace }
  }).pipe(Effect.provide([NodeFileSystem.layer, NodePath.layer]))
