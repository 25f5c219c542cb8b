/**
 * Newline framing of a byte stream with a cap on the length of one line. Lines are split on `\n`
 * (a trailing `\r` is dropped) and decoded as UTF-8 one by one, so a multi-byte character split
 * across chunks is never broken. The bytes of an unfinished line are kept as the chunks that
 * carried them (no copying until the line is complete).
 *
 * @internal
 */

/** What {@link Splitter.push} found: the complete lines, and whether a line went past the cap. */
export interface Pushed {
  readonly lines: Array<string>
  /** `true` once a line longer than the cap was seen (`"fail"` mode): stop reading. */
  readonly overflow: boolean
}

/** A stateful splitter; feed it chunks in order, then call `end`. */
export interface Splitter {
  readonly push: (chunk: Uint8Array) => Pushed
  /** The last line if the stream did not end with a newline. */
  readonly end: () => Array<string>
}

/**
 * `"fail"`: a line longer than `maxLength` bytes stops the splitter (`overflow`). `"truncate"`:
 * such a line is cut at `maxLength` bytes and marked with the number of bytes left out (for logs
 * such as stderr, where losing the rest of a line is better than failing).
 */
export type Mode = "fail" | "truncate"

const newline = 0x0a
const carriageReturn = 0x0d

/** A splitter for lines of at most `maxLength` bytes (the newline not counted). */
export const make = (maxLength: number, mode: Mode): Splitter => {
  const decoder = new TextDecoder("utf-8")
  let parts: Array<Uint8Array> = []
  let pending = 0
  // "truncate" mode: bytes of the current line beyond the cap that were dropped.
  let dropped = 0
  let failed = false

  const keep = (bytes: Uint8Array): void => {
    const room = maxLength - pending
    if (bytes.length <= room) {
      if (bytes.length > 0) parts.push(bytes)
      pending += bytes.length
      return
    }
    if (room > 0) parts.push(bytes.subarray(0, room))
    pending = maxLength
    dropped += bytes.length - room
  }

  const finish = (): string => {
    let bytes: Uint8Array
    if (parts.length === 1) {
      bytes = parts[0]!
    } else {
      bytes = new Uint8Array(pending)
      let offset = 0
      for (const part of parts) {
        bytes.set(part, offset)
        offset += part.length
      }
    }
    if (bytes.length > 0 && bytes[bytes.length - 1] === carriageReturn && dropped === 0) {
      bytes = bytes.subarray(0, bytes.length - 1)
    }
    const line = decoder.decode(bytes)
    const result = dropped > 0 ? `${line}… (${dropped} more bytes)` : line
    parts = []
    pending = 0
    dropped = 0
    return result
  }

  const push = (chunk: Uint8Array): Pushed => {
    const lines: Array<string> = []
    if (failed) return { lines, overflow: true }
    let start = 0
    while (start <= chunk.length) {
      const index = chunk.indexOf(newline, start)
      const stop = index === -1 ? chunk.length : index
      if (mode === "fail" && pending + (stop - start) > maxLength) {
        failed = true
        parts = []
        pending = 0
        return { lines, overflow: true }
      }
      if (index === -1) {
        keep(chunk.subarray(start))
        break
      }
      if (pending === 0 && dropped === 0) {
        // The common case: the whole line is inside this chunk.
        let end = index
        if (end > start && chunk[end - 1] === carriageReturn) end--
        if (mode === "truncate" && end - start > maxLength) {
          keep(chunk.subarray(start, index))
          lines.push(finish())
        } else {
          lines.push(decoder.decode(chunk.subarray(start, end)))
        }
      } else {
        keep(chunk.subarray(start, index))
        lines.push(finish())
      }
      start = index + 1
    }
    return { lines, overflow: false }
  }

  const end = (): Array<string> => (failed || (pending === 0 && dropped === 0) ? [] : [finish()])

  return { push, end }
}
