/**
 * The terminal side of the CLI: writes text, keeps track of the cursor column, and draws a spinner
 * line at the bottom while the model works. Every write first erases the spinner, so streamed text
 * and the spinner never mix. Without a TTY (output piped to a file) there is no spinner and no
 * color, only the text.
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"

/** ANSI styles (identity functions when color is off). */
export interface Styles {
  readonly bold: (s: string) => string
  readonly dim: (s: string) => string
  readonly cyan: (s: string) => string
  readonly green: (s: string) => string
  readonly red: (s: string) => string
  readonly yellow: (s: string) => string
}

const ansi = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`

const styles = (color: boolean): Styles =>
  color
    ? {
      bold: ansi(1, 22),
      dim: ansi(2, 22),
      cyan: ansi(36, 39),
      green: ansi(32, 39),
      red: ansi(31, 39),
      yellow: ansi(33, 39)
    }
    : { bold: String, dim: String, cyan: String, green: String, red: String, yellow: String }

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/** A terminal screen. */
export interface Screen {
  readonly tty: boolean
  readonly style: Styles
  /** Writes text as is (it may end mid-line, e.g. a streamed delta). */
  readonly write: (text: string) => Effect.Effect<void>
  /** Writes a whole line, starting a new line first if the cursor is mid-line. */
  readonly line: (text: string) => Effect.Effect<void>
  /** Ends the current line if the cursor is mid-line. */
  readonly endLine: Effect.Effect<void>
  /** What the spinner says (`"thinking"`, `"running ls"`, …). */
  readonly status: (label: string) => Effect.Effect<void>
  /**
   * Runs `effect` with the spinner animated on a child fiber (a `Schedule` drives the frames),
   * and erases it when `effect` ends, however it ends.
   */
  readonly withSpinner: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/** A screen on `out` (default `process.stdout`). Color follows the TTY and `NO_COLOR`. */
export const make = (out: NodeJS.WriteStream = process.stdout): Screen => {
  const tty = out.isTTY === true
  const style = styles(tty && process.env["NO_COLOR"] === undefined)
  let atLineStart = true
  let spinnerShown = false
  let label = "thinking"
  let frame = 0
  const started = Date.now()
  // Output piped into a program that stops reading (`| head`, EPIPE): stop writing, keep running.
  let closed = false
  out.on("error", () => {
    closed = true
  })

  const eraseSpinner = () => {
    if (spinnerShown) out.write("\r\x1b[2K")
    spinnerShown = false
  }
  const writeNow = (text: string) => {
    if (text === "" || closed) return
    eraseSpinner()
    out.write(text)
    atLineStart = text.endsWith("\n")
  }
  const tick = Effect.sync(() => {
    // The spinner only takes an empty line: while an answer streams mid-line, it waits.
    if (!atLineStart || closed) return
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    out.write(`\r\x1b[2K${style.cyan(frames[frame++ % frames.length]!)} ${style.dim(`${label} · ${seconds}s`)}`)
    spinnerShown = true
  })

  return {
    tty,
    style,
    write: (text) => Effect.sync(() => writeNow(text)),
    line: (text) => Effect.sync(() => writeNow(`${atLineStart ? "" : "\n"}${text}\n`)),
    endLine: Effect.sync(() => writeNow(atLineStart ? "" : "\n")),
    status: (next) => Effect.sync(() => void (label = next)),
    withSpinner: (effect) =>
      tty
        ? Effect.gen(function*() {
          yield* tick.pipe(Effect.repeat(Schedule.spaced("80 millis")), Effect.forkScoped)
          return yield* effect
        }).pipe(Effect.scoped, Effect.ensuring(Effect.sync(eraseSpinner)))
        : effect
  }
}
