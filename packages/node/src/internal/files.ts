/**
 * File checks of the node package, through effect's `FileSystem` (no synchronous `fs`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"

/** Whether `path` is an existing directory (following symlinks). */
export const isDirectory = Effect.fnUntraced(function*(path: string) {
  const fs = yield* FileSystem.FileSystem
  return yield* fs.stat(path).pipe(
    Effect.map((info) => info.type === "Directory"),
    Effect.orElseSucceed(() => false)
  )
})

/** What a path is, as far as running it goes. */
export type Runnable =
  | { readonly _tag: "Executable" }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "NotExecutable"; readonly reason: string }

const notExecutable = (reason: string): Runnable => ({ _tag: "NotExecutable", reason })

/**
 * Whether `path` can be run: an existing regular file with an execute bit (on Windows, which has
 * no execute bits, an existing regular file). The OS has the last word when it is spawned.
 */
export const runnable = Effect.fnUntraced(function*(path: string, platform: string) {
  const fs = yield* FileSystem.FileSystem
  const info = yield* Effect.option(fs.stat(path))
  if (info._tag === "None") return { _tag: "Missing" } satisfies Runnable as Runnable
  if (info.value.type === "Directory") return notExecutable("it is a directory")
  if (info.value.type !== "File") return notExecutable(`it is not a regular file (${info.value.type})`)
  if (platform !== "win32" && (info.value.mode & 0o111) === 0) {
    return notExecutable("it has no execute permission (chmod +x)")
  }
  return { _tag: "Executable" } satisfies Runnable as Runnable
})
