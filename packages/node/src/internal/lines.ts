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

  const failOverflow = (lines: Array<string>): Pushed => {
    failed = true
    parts = []
    pending = 0
    return { lines, overflow: true }
  }

  /** The lines of a decoded text made of complete lines (without the last newline). */
  const splitText = (text: string): Array<string> => {
    const lines = text.split("\n")
    if (text.includes("\r")) {
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!
        if (line.endsWith("\r")) lines[i] = line.slice(0, -1)
      }
    }
    return lines
  }

  /** The newline ending the last complete line that fits in the cap (-1: the first does not). */
  const lastFitting = (chunk: Uint8Array, first: number, last: number): number => {
    if (pending + first > maxLength) return -1
    // No line between the first and the last newline can be longer than the span between them.
    if (last - first - 1 <= maxLength) return last
    let fitting = first
    for (let next = chunk.indexOf(newline, first + 1); next !== -1; next = chunk.indexOf(newline, next + 1)) {
      if (next - fitting - 1 > maxLength) return fitting
      fitting = next
    }
    return fitting
  }

  // "fail" mode, the hot path of stdout: all the complete lines of a chunk are decoded with one
  // `decode` and split as text; newline positions are scanned only when a chunk is longer than the
  // cap.
  const pushFail = (chunk: Uint8Array): Pushed => {
    if (failed) return { lines: [], overflow: true }
    const first = chunk.indexOf(newline)
    if (first === -1) {
      if (pending + chunk.length > maxLength) return failOverflow([])
      keep(chunk)
      return { lines: [], overflow: false }
    }
    const last = chunk.lastIndexOf(newline)
    const fitting = lastFitting(chunk, first, last)
    if (fitting === -1) return failOverflow([])
    let lines: Array<string>
    if (parts.length === 0) {
      lines = splitText(decoder.decode(chunk.subarray(0, fitting)))
    } else {
      keep(chunk.subarray(0, first))
      const head = finish()
      lines = fitting > first ? splitText(decoder.decode(chunk.subarray(first + 1, fitting))) : []
      lines.unshift(head)
    }
    const rest = chunk.subarray(fitting + 1)
    if (fitting !== last || rest.length > maxLength) return failOverflow(lines)
    keep(rest)
    return { lines, overflow: false }
  }

  // "truncate" mode (stderr): line by line, each cut at the cap.
  const pushTruncate = (chunk: Uint8Array): Pushed => {
    const lines: Array<string> = []
    let start = 0
    for (let index = chunk.indexOf(newline); index !== -1; index = chunk.indexOf(newline, start)) {
      keep(chunk.subarray(start, index))
      lines.push(finish())
      start = index + 1
    }
    keep(chunk.subarray(start))
    return { lines, overflow: false }
  }

  const push = mode === "fail" ? pushFail : pushTruncate

  const end = (): Array<string> => (failed || (pending === 0 && dropped === 0) ? [] : [finish()])

  return { push, end }
}
