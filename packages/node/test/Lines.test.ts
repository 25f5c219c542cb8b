import { describe, expect, it } from "@effect/vitest"
import * as Lines from "../src/internal/lines.ts"

const bytes = (text: string) => new TextEncoder().encode(text)

/** Feeds `text` to a splitter in chunks of `size` bytes; returns every line and whether it overflowed. */
const feed = (text: string, size: number, maxLength: number, mode: Lines.Mode) => {
  const splitter = Lines.make(maxLength, mode)
  const all = bytes(text)
  const lines: Array<string> = []
  for (let i = 0; i < all.length; i += size) {
    const pushed = splitter.push(all.subarray(i, i + size))
    lines.push(...pushed.lines)
    if (pushed.overflow) return { lines, overflow: true }
  }
  return { lines: [...lines, ...splitter.end()], overflow: false }
}

describe("line framing", () => {
  it("splits on \\n at any chunk size, drops \\r, keeps multi-byte characters whole", () => {
    const text = "{\"a\":1}\r\nhé ✓ 🎉\n\nlast"
    for (const size of [1, 2, 3, 5, 7, 64]) {
      expect(feed(text, size, 1024, "fail")).toEqual({ lines: ["{\"a\":1}", "hé ✓ 🎉", "", "last"], overflow: false })
    }
  })

  it("fail mode: a line at the cap passes, one byte more overflows (also across chunks)", () => {
    expect(feed("12345\nabc\n", 2, 5, "fail")).toEqual({ lines: ["12345", "abc"], overflow: false })
    // A chunk longer than the cap whose lines all fit (the newline positions are scanned).
    expect(feed("ab\ncd\r\nef\ngh\nijk", 64, 3, "fail")).toEqual({
      lines: ["ab", "cd", "ef", "gh", "ijk"],
      overflow: false
    })
    expect(feed("ok\n123456\nnever\n", 64, 5, "fail")).toEqual({ lines: ["ok"], overflow: true })
    expect(feed("ok\n123456\nnever\n", 1, 5, "fail")).toEqual({ lines: ["ok"], overflow: true })
    // An unterminated line is capped too (it would otherwise grow forever).
    expect(feed("ok\n" + "x".repeat(100), 10, 5, "fail")).toEqual({ lines: ["ok"], overflow: true })
  })

  it("fail mode stays failed", () => {
    const splitter = Lines.make(3, "fail")
    expect(splitter.push(bytes("abcd\n")).overflow).toBe(true)
    expect(splitter.push(bytes("a\n"))).toEqual({ lines: [], overflow: true })
    expect(splitter.end()).toEqual([])
  })

  it("truncate mode cuts long lines and says how much was left out", () => {
    for (const size of [1, 4, 64]) {
      expect(feed("abcdefgh\nxy\n", size, 4, "truncate")).toEqual({
        lines: ["abcd… (4 more bytes)", "xy"],
        overflow: false
      })
    }
  })
})
