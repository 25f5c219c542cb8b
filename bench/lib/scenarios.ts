/** The arguments the orchestrator passes to a worker (as JSON). */
export interface Args {
  readonly port: number
  readonly runs?: number
  readonly count?: number
  readonly warmup?: number
  /** The scripted reply every turn must produce. */
  readonly expect?: string
  readonly expectLength?: number
  /** Record the streaming turn's lines to this file (raw driver). */
  readonly record?: string
  /** Lines recorded by a raw streaming run (in-memory scenario). */
  readonly lines?: string
  readonly turnsPerThread?: number
  readonly sampleEvery?: number
  /** The in-flight window of the raw driver's burst (0: none). */
  readonly window?: number
}

export type Impl = "raw" | "sdk" | "peer"

export type Scenario = "startup" | "rpc" | "turns" | "stream" | "inmem" | "concurrency" | "requests" | "memory"
