/**
 * The results of a suite run as other tools read them (`results.json`), and the run directory.
 *
 * @module
 */
import { type BackendName, backendNames, type ConfigError, crc32, decodeConfigResult } from "@telos/core"
import { type Result, Schema } from "effect"
import {
  planningTimingFields,
  type StageTiming,
  type Suite,
  type SuiteCheck,
  type SuiteRow
} from "./Suite.js"

/** The contents of `results.json`. */
export interface SuiteResults {
  /** The suite's id. */
  readonly suite: string
  /** The suite's protocol, copied whole. */
  readonly protocol: Readonly<Record<string, unknown>>
  /** The tensor backend the run used. */
  readonly backend: BackendName
  /** The backends a comparing suite (perf) was asked to run on; absent when not given. */
  readonly backends?: ReadonlyArray<BackendName>
  /** The run's seed. */
  readonly seed: number
  /** Episodes per row, when the run overrode the suite's own counts; absent otherwise. */
  readonly episodes?: number
  /** When the run first started (ISO 8601); a resumed run keeps it. */
  readonly startedAt: string
  /** When each later attempt resumed the run (ISO 8601), in order; absent for a run never resumed. */
  readonly resumedAt?: ReadonlyArray<string>
  /**
   * `"running"` while rows are still being produced (the file is rewritten after every row);
   * `"interrupted"` when a stop was requested, `"failed"` when the suite failed: both can be resumed.
   */
  readonly status: "running" | "complete" | "failed" | "interrupted"
  /** When the run (or its last attempt) ended (ISO 8601); absent while running. */
  readonly finishedAt?: string
  /** Seconds from the first start to this snapshot of the results. */
  readonly durationSeconds: number
  /** The rows finished so far. */
  readonly rows: ReadonlyArray<SuiteRow>
  /** The suite's checks on its rows; empty unless the run completed. */
  readonly checks: ReadonlyArray<SuiteCheck>
  /** Why the run stopped early, when it did. */
  readonly error?: string
  /** The pipeline stages of a `telos run`, in order, with their times. */
  readonly stages?: ReadonlyArray<StageTiming>
  /**
   * CRC-32 of the rows as JSON, written with them: a resumed run keeps its finished rows only
   * when they are as they were written, never a damaged or edited copy.
   */
  readonly rowsCrc32?: number
}

/** `runs/<suite>/<timestamp>`, with a timestamp that sorts and is safe in file names. */
export const defaultRunDirectory = (suite: string, startedAt: Date): string =>
  `runs/${suite}/${startedAt.toISOString().replace(/[:.]/g, "-")}`

/**
 * The checksum of `rows` that results.json records ({@link SuiteResults.rowsCrc32}): of their JSON,
 * so that it is the same for the rows written and the rows read back.
 */
export const rowsChecksum = (rows: ReadonlyArray<SuiteRow>): number =>
  crc32(new TextEncoder().encode(JSON.stringify(rows)))

/**
 * Serialises results with stable formatting and the rows' checksum. Non-finite numbers become
 * `null`, as JSON requires.
 */
export const serializeResults = (results: SuiteResults): string =>
  `${JSON.stringify({ ...results, rowsCrc32: rowsChecksum(results.rows) }, null, 2)}\n`

const Row = Schema.Record(Schema.String, Schema.Unknown)

// What a results.json must hold to be resumed; the fields only reports read are taken as they are.
const StoredResults = Schema.Struct({
  suite: Schema.String,
  protocol: Row,
  backend: Schema.Literals(backendNames),
  backends: Schema.optionalKey(Schema.Array(Schema.Literals(backendNames))),
  seed: Schema.Number,
  episodes: Schema.optionalKey(Schema.Number),
  startedAt: Schema.String,
  resumedAt: Schema.optionalKey(Schema.Array(Schema.String)),
  status: Schema.Literals(["running", "complete", "failed", "interrupted"]),
  finishedAt: Schema.optionalKey(Schema.String),
  durationSeconds: Schema.Number,
  rows: Schema.Array(Row),
  checks: Schema.Array(Schema.Struct({ description: Schema.String, passed: Schema.Boolean })),
  error: Schema.optionalKey(Schema.String),
  stages: Schema.optionalKey(Schema.Array(Schema.Unknown)),
  rowsCrc32: Schema.optionalKey(Schema.Number)
})

/**
 * Reads back what {@link serializeResults} wrote, checking every field a resumed run relies on.
 *
 * @example
 * ```ts
 * const stored = decodeResults(JSON.parse(text), "runs/x/results.json")
 * ```
 */
export const decodeResults = (value: unknown, source: string): Result.Result<SuiteResults, ConfigError> =>
  decodeConfigResult(StoredResults, value, source) as Result.Result<SuiteResults, ConfigError>

/**
 * The row fields of `suite` that measure time (and memory) rather than the outcome: its own
 * `timingFields`, or the planning rows' when it names none.
 *
 * @example
 * ```ts
 * timingFieldsOf(quickstartSuite) // ["planMsPerStep"]
 * ```
 */
export const timingFieldsOf = (suite: Pick<Suite, "timingFields">): ReadonlyArray<string> =>
  suite.timingFields ?? planningTimingFields

/**
 * `row` without the fields named in `timingFields`, at any depth: what two runs with the same seed
 * must agree on exactly.
 *
 * @example
 * ```ts
 * withoutTimingFields({ env: "pendulum", planMsPerStep: 3.2 }, ["planMsPerStep"]) // { env: "pendulum" }
 * ```
 */
export const withoutTimingFields = (row: SuiteRow, timingFields: ReadonlyArray<string>): SuiteRow => {
  const timing = new Set(timingFields)
  const strip = (value: unknown): unknown =>
    Array.isArray(value) || ArrayBuffer.isView(value)
      ? Array.from(value as ArrayLike<unknown>, strip)
      : typeof value === "object" && value !== null
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([key]) => !timing.has(key))
              .map(([key, inner]) => [key, strip(inner)])
          )
        : value
  return strip(row) as SuiteRow
}
