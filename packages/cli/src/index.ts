/**
 * effect-codex's command-line app: `effect-codex [prompt]` streams one Codex turn live.
 *
 * @since 0.1.0
 */

/** The `effect-codex` command, parsed with `effect/cli`. */
export * as Cli from "./Cli.ts"
