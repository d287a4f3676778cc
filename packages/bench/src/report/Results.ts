/**
 * The results of a suite run as other tools read them (`results.json`), and the run directory.
 *
 * @module
 */
import type { BackendName } from "@telos/core"
import type { StageTiming, SuiteCheck, SuiteRow } from "./Suite.js"

/** The contents of `results.json`. */
export interface SuiteResults {
  /** The suite's id. */
  readonly suite: string
  /** The suite's protocol, copied whole. */
  readonly protocol: Readonly<Record<string, unknown>>
  /** The tensor backend the run used. */
  readonly backend: BackendName
  /** When the run started (ISO 8601). */
  readonly startedAt: string
  /** `"running"` while rows are still being produced; the file is rewritten after every row. */
  readonly status: "running" | "complete" | "failed"
  /** When the run ended (ISO 8601); absent while running. */
  readonly finishedAt?: string
  /** Seconds from the start to this snapshot of the results. */
  readonly durationSeconds: number
  /** The rows finished so far. */
  readonly rows: ReadonlyArray<SuiteRow>
  /** The suite's checks on its rows; empty unless the run completed. */
  readonly checks: ReadonlyArray<SuiteCheck>
  /** Why the run stopped early, when it did. */
  readonly error?: string
  /** The pipeline stages of a `telos run`, in order, with their times. */
  readonly stages?: ReadonlyArray<StageTiming>
}

/** `runs/<suite>/<timestamp>`, with a timestamp that sorts and is safe in file names. */
export const defaultRunDirectory = (suite: string, startedAt: Date): string =>
  `runs/${suite}/${startedAt.toISOString().replace(/[:.]/g, "-")}`

/** Serialises results with stable formatting. Non-finite numbers become `null`, as JSON requires. */
export const serializeResults = (results: SuiteResults): string => `${JSON.stringify(results, null, 2)}\n`
