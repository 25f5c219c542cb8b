/**
 * Test support for effect-codex: a fake Responses model server and offline `CODEX_HOME` config.
 *
 * @since 0.1.0
 */

/** A scripted fake of the OpenAI Responses API, for the real `codex` binary (re-exports the two below). */
export * as FakeModel from "./FakeModel.ts"

/** What a `FakeModel` answers: the script constructors (`message`, `execCommand`, `stall`, ...). */
export * as FakeModelScript from "./FakeModelScript.ts"

/** The requests a `FakeModel` received, and helpers that read them (`lastUserText`, `toolOutputs`, ...). */
export * as FakeModelRequest from "./FakeModelRequest.ts"

/** Writes an offline `CODEX_HOME` (config.toml) that points codex at a `FakeModel`. */
export * as CodexHome from "./CodexHome.ts"

/** The real app-server against a FakeModel, in temporary folders: test layers for your programs. */
export * as CodexTest from "./CodexTest.ts"

/** An in-memory app-server for fast unit tests. */
export * as FakeAppServer from "./FakeAppServer.ts"

/** `CodexTest` over any transport: stdio, WebSocket or Unix socket against a real listening app-server. */
export * as CodexTestRemote from "./CodexTestRemote.ts"
