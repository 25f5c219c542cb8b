/**
 * The Node `ChildProcessSpawner` of `@effect/platform-node-shared`, behind the deprecated
 * `NodeTransport.spawnerLayer`. Loaded only by a dynamic `import()` when that layer is built, so
 * that `effect/process` and the platform modules stay off the import path of the SDK.
 *
 * Its `FileSystem` is a minimal one (the spawner only checks the working directory with `access`)
 * rather than `NodeFileSystem`, which costs ~15–20 ms more at import.
 *
 * @internal
 */
import * as NodeChildProcessSpawner from "@effect/platform-node-shared/NodeChildProcessSpawner"
import * as NodePath from "@effect/platform-node-shared/NodePath"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as PlatformError from "effect/PlatformError"
import type * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as Fs from "node:fs/promises"

const errorTag = (code: unknown): PlatformError.SystemErrorTag => {
  switch (code) {
    case "ENOENT":
      return "NotFound"
    case "EACCES":
    case "EPERM":
      return "PermissionDenied"
    case "ENOTDIR":
      return "BadResource"
    default:
      return "Unknown"
  }
}

/**
 * The `FileSystem` the Node `ChildProcessSpawner` needs: it only calls `access` (to check the
 * working directory before spawning); every other operation fails as not found.
 */
const spawnerFileSystem: Layer.Layer<FileSystem.FileSystem> = Layer.succeed(
  FileSystem.FileSystem,
  FileSystem.makeNoop({
    access: (path) =>
      Effect.tryPromise({
        try: () => Fs.access(path),
        catch: (cause) =>
          PlatformError.systemError({
            _tag: errorTag((cause as { readonly code?: unknown } | undefined)?.code),
            module: "FileSystem",
            method: "access",
            pathOrDescriptor: path,
            syscall: "access",
            description: cause instanceof Error ? cause.message : String(cause),
            cause
          })
      })
  })
)

/** The Node `ChildProcessSpawner` with the minimal `FileSystem` above and `NodePath`. */
export const layer: Layer.Layer<ChildProcessSpawner.ChildProcessSpawner> = NodeChildProcessSpawner.layer.pipe(
  Layer.provide([spawnerFileSystem, NodePath.layer])
)
