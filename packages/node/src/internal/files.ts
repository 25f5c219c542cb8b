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

/** What `stat` of a path found: its `Stats`, nothing there, or a failure that is not "not found". */
type Found =
  | { readonly _tag: "Found"; readonly info: Stats }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Unreadable"; readonly reason: string }

/** Only these mean "nothing there"; anything else (permissions, a symlink loop, I/O) is said as it is. */
const missingCodes = new Set(["ENOENT", "ENOTDIR"])

/**
 * Why `stat` failed, for a message. A permission failure says so, and on Deno (whose `NotCapable`
 * error already names the flag) which flag to add.
 */
export const statFailure = (error: unknown): string => {
  const record = error as { readonly code?: unknown; readonly name?: unknown; readonly message?: unknown } | null
  const message = typeof record?.message === "string" && record.message.length > 0 ? record.message : String(error)
  if (record?.name === "NotCapable" || record?.name === "PermissionDenied") {
    return `permission denied: ${message}${message.includes("--allow-read") ? "" : " (Deno: run with --allow-read)"}`
  }
  if (record?.code === "EACCES" || record?.code === "EPERM") return `permission denied: ${message}`
  return message
}

/** `stat` of `path` (following symlinks). */
const stat = (path: string): Effect.Effect<Found> =>
  Effect.promise(() =>
    Fs.stat(path).then(
      (info): Found => ({ _tag: "Found", info }),
      (error: unknown): Found => {
        const code = (error as { readonly code?: unknown } | null)?.code
        return typeof code === "string" && missingCodes.has(code)
          ? { _tag: "Missing" }
          : { _tag: "Unreadable", reason: statFailure(error) }
      }
    )
  )

/** What a path is, as far as using it as a directory goes. */
export type Directory =
  | { readonly _tag: "Directory" }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "NotDirectory" }
  | { readonly _tag: "Unreadable"; readonly reason: string }

/** Whether `path` is an existing directory (following symlinks), and if not, why. */
export const directory = (path: string): Effect.Effect<Directory> =>
  Effect.map(stat(path), (found): Directory => {
    if (found._tag !== "Found") return found
    return found.info.isDirectory() ? { _tag: "Directory" } : { _tag: "NotDirectory" }
  })

/** Whether `path` is an existing directory (following symlinks). */
export const isDirectory = (path: string): Effect.Effect<boolean> =>
  Effect.map(directory(path), (found) => found._tag === "Directory")

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
  Effect.map(stat(path), (found): Runnable => {
    if (found._tag === "Missing") return found
    if (found._tag === "Unreadable") return notExecutable(`it cannot be inspected: ${found.reason}`)
    const info = found.info
    if (info.isDirectory()) return notExecutable("it is a directory")
    if (!info.isFile()) return notExecutable(`it is not a regular file (${fileType(info)})`)
    if (platform !== "win32" && (info.mode & 0o111) === 0) {
      return notExecutable("it has no execute permission (chmod +x)")
    }
    return { _tag: "Executable" }
  })
