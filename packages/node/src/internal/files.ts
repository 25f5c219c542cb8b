/**
 * File checks of the node package, through `node:fs/promises` (no synchronous `fs`). Deliberately
 * not effect's `FileSystem`: `@effect/platform-node-shared/NodeFileSystem` (and `node:crypto`,
 * which it loads) costs ~15–20 ms at import, and the SDK only ever needs `stat` and `access`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Stats } from "node:fs"
import * as Fs from "node:fs/promises"

/** `stat` of `path` (following symlinks), or `undefined` when it cannot be read. */
const stat = (path: string): Effect.Effect<Stats | undefined> =>
  Effect.promise(() => Fs.stat(path).catch(() => undefined))

/** Whether `path` is an existing directory (following symlinks). */
export const isDirectory = (path: string): Effect.Effect<boolean> =>
  Effect.map(stat(path), (info) => info !== undefined && info.isDirectory())

/** What a path is, as far as running it goes. */
export type Runnable =
  | { readonly _tag: "Executable" }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "NotExecutable"; readonly reason: string }

const notExecutable = (reason: string): Runnable => ({ _tag: "NotExecutable", reason })

const fileType = (info: Stats): string =>
  info.isSymbolicLink()
    ? "SymbolicLink"
    : info.isBlockDevice()
    ? "BlockDevice"
    : info.isCharacterDevice()
    ? "CharacterDevice"
    : info.isFIFO()
    ? "FIFO"
    : info.isSocket()
    ? "Socket"
    : "Unknown"

/**
 * Whether `path` can be run: an existing regular file with an execute bit (on Windows, which has
 * no execute bits, an existing regular file). The OS has the last word when it is spawned.
 */
export const runnable = (path: string, platform: string): Effect.Effect<Runnable> =>
  Effect.map(stat(path), (info): Runnable => {
    if (info === undefined) return { _tag: "Missing" }
    if (info.isDirectory()) return notExecutable("it is a directory")
    if (!info.isFile()) return notExecutable(`it is not a regular file (${fileType(info)})`)
    if (platform !== "win32" && (info.mode & 0o111) === 0) {
      return notExecutable("it has no execute permission (chmod +x)")
    }
    return { _tag: "Executable" }
  })
