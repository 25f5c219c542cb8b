/**
 * Test support for effect-codex: a fake Responses model server and offline `CODEX_HOME` config.
 *
 * @since 0.1.0
 */

/** A scripted fake of the OpenAI Responses API, for the real `codex` binary. */
export * as FakeModel from "./FakeModel.ts"

/** Writes an offline `CODEX_HOME` (config.toml) that points codex at a `FakeModel`. */
export * as CodexHome from "./CodexHome.ts"
