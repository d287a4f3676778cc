/**
 * A run's `results.json` as the browser reads it: parsed, checked and typed, or refused with a
 * typed error that names the field, the row, what was expected and what was there. The file may
 * come from anywhere (a drop, a link): nothing in it is trusted, and nothing in it can crash the
 * viewer.
 *
 * The shape is the one `@telos/bench` writes (`report/Results.ts`); it is declared again here
 * because the bench package is Node-only. Rows differ from suite to suite: the fields the viewer
 * plots are checked strictly when present, every other field is kept as it is, for the table.
 *
 * @module
 */

import type { EpisodeTrace, TracePoint } from "@telos/bench"
import { crc32 } from "@telos/core"
import { Data, Result } from "effect"

// The traces' shapes are the bench's own (types only: nothing of the Node-only package is bundled).
export type { EpisodeTrace, TracePoint, TraceSubgoal } from "@telos/bench"

/**
 * One row, with the fields the viewer reads checked and typed. A number field that results.json
 * holds as `null` (JSON's spelling of a non-finite number) reads as `undefined`, like a field the
 * row does not have; one a sweep's aggregate row holds as `{ mean, std, interval }` reads as its
 * mean.
 */
export interface ResultsRow {
  /** The row's place in the file, from 0. */
  readonly index: number
  /** The environment's id. */
  readonly env?: string
  /** The agent's full name (`ground-truth: gradient`). */
  readonly planner?: string
  /** The pipeline's agent kind (`flat`, `hierarchical+memory`, ...). */
  readonly agent?: string
  /** Levels of the planning hierarchy (1 for a flat planner). */
  readonly levels?: number
  /** Episodes run. */
  readonly episodes?: number
  /**
   * Fraction of the episodes that succeeded, in [0, 1]; for a sweep's aggregate row, the mean over
   * its seeds.
   */
  readonly successRate?: number
  /** A sweep aggregate's 95% interval of the mean success rate (from two seeds on). */
  readonly successInterval?: readonly [number, number]
  /** Mean total reward of an episode. */
  readonly meanReturn?: number
  /** Mean length of an episode, in environment steps. */
  readonly meanSteps?: number
  /** Mean wall-clock milliseconds per planning call. */
  readonly planMsPerStep?: number
  /** The first episodes' paths and subgoals (pipeline rows with `evaluation.drawnEpisodes`). */
  readonly traces?: ReadonlyArray<EpisodeTrace>
  /** The row as the file holds it, every field included. */
  readonly fields: Readonly<Record<string, unknown>>
}

/** A criterion the suite checked on its rows. */
export interface ResultsCheck {
  /** The criterion, in words. */
  readonly description: string
  /** Whether the rows meet it. */
  readonly passed: boolean
}

/** One pipeline stage of a `telos run`, with its time. */
export interface ResultsStage {
  /** The stage's name. */
  readonly stage: string
  /** The cache key of its output. */
  readonly key: string
  /** Whether its output came from the cache. */
  readonly cached: boolean
  /** Seconds it took (0 when cached). */
  readonly seconds: number
  /** Figures it reports (probe R^2, landmarks, success, ...); non-numbers are left out. */
  readonly figures: ReadonlyArray<readonly [string, number]>
}

/** The statuses a run's results can have. */
export const resultsStatuses = ["running", "complete", "failed", "interrupted"] as const

/** A run's results, checked. */
export interface ResultsFile {
  /** Where the file came from (its name), as messages name it. */
  readonly source: string
  /** The suite's id. */
  readonly suite: string
  /** Whether the run is still going, finished, or stopped early. */
  readonly status: (typeof resultsStatuses)[number]
  /** The suite's protocol, as written. */
  readonly protocol: Readonly<Record<string, unknown>>
  /** The tensor backend the run used. */
  readonly backend?: string
  /** The run's seed. */
  readonly seed?: number
  /** Episodes per row, when the run overrode the suite's own counts. */
  readonly episodes?: number
  /** When the run first started (ISO 8601). */
  readonly startedAt?: string
  /** When each later attempt resumed the run. */
  readonly resumedAt?: ReadonlyArray<string>
  /** When the run (or its last attempt) ended. */
  readonly finishedAt?: string
  /** Seconds from the first start to this snapshot. */
  readonly durationSeconds?: number
  /** Why the run stopped early, when it did. */
  readonly error?: string
  /** The rows, in the file's order. */
  readonly rows: ReadonlyArray<ResultsRow>
  /** The suite's checks on its rows. */
  readonly checks: ReadonlyArray<ResultsCheck>
  /** The pipeline stages of a `telos run`; empty for other suites. */
  readonly stages: ReadonlyArray<ResultsStage>
  /**
   * Whether the rows are as written: their CRC-32 matches `rowsCrc32` (`"matches"`), does not
   * (`"differs"`: the file was edited or damaged, shown as a warning), or the file has none.
   */
  readonly checksum: "matches" | "differs" | "absent"
}

/**
 * The text is not JSON.
 *
 * @example
 * ```ts
 * new ResultsNotJsonError({ source: "results.json", reason: "Unexpected token } in JSON at position 9" })
 * ```
 */
export class ResultsNotJsonError extends Data.TaggedError("ResultsNotJsonError")<{
  /** The file's name. */
  readonly source: string
  /** The JSON parser's complaint. */
  readonly reason: string
}> {
  /** Names the file and what the parser found. */
  override get message(): string {
    return `${this.source} is not JSON: ${this.reason}`
  }
}

/**
 * The text is JSON but not a telos results file (no `suite` and `rows`: some other JSON file).
 *
 * @example
 * ```ts
 * new NotResultsFileError({ source: "package.json", received: "an object with keys name, version" })
 * ```
 */
export class NotResultsFileError extends Data.TaggedError("NotResultsFileError")<{
  /** The file's name. */
  readonly source: string
  /** What the file holds instead. */
  readonly received: string
}> {
  /** Names the file and what it holds. */
  override get message(): string {
    return `${this.source} is not a telos results file: expected an object with "suite", "status" and "rows", received ${this.received}`
  }
}

/**
 * A field of a results file does not have the shape telos writes.
 *
 * @example
 * ```ts
 * new ResultsFieldError({ source: "results.json", field: "rows[2].successRate", row: 2, expected: "a number in [0, 1]", received: "1.5" })
 * ```
 */
export class ResultsFieldError extends Data.TaggedError("ResultsFieldError")<{
  /** The file's name. */
  readonly source: string
  /** The field's path, e.g. `rows[2].traces[0].positions[5]`. */
  readonly field: string
  /** The row at fault, when the field is in a row. */
  readonly row: number | undefined
  /** What the field should have been. */
  readonly expected: string
  /** What it was. */
  readonly received: string
}> {
  /** `source: field: expected ..., received ...`. */
  override get message(): string {
    return `${this.source}: ${this.field}: expected ${this.expected}, received ${this.received}`
  }
}

/**
 * The file is larger than the viewer reads.
 *
 * @example
 * ```ts
 * new ResultsTooLargeError({ source: "results.json", bytes: 3e9, limit: 256 * 1024 * 1024 })
 * ```
 */
export class ResultsTooLargeError extends Data.TaggedError("ResultsTooLargeError")<{
  /** The file's name. */
  readonly source: string
  /** Its size (characters of text, or bytes of a file). */
  readonly bytes: number
  /** The most the viewer reads. */
  readonly limit: number
}> {
  /** Names the size and the limit. */
  override get message(): string {
    return `${this.source} is too large to open here: ${this.bytes} bytes, at most ${this.limit}`
  }
}

/** Why a results file could not be opened. */
export type ResultsFileError =
  | ResultsNotJsonError
  | NotResultsFileError
  | ResultsFieldError
  | ResultsTooLargeError

/** The largest file the viewer reads (bytes): beyond it, a tab would stall parsing it. */
export const maxResultsBytes = 256 * 1024 * 1024

/** A short description of a value from the file, for messages (never the whole value). */
export const describeValue = (value: unknown): string => {
  if (value === null) return "null"
  if (value === undefined) return "nothing"
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value
    return JSON.stringify(shown)
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value)
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === "object") {
    const keys = Object.keys(value)
    const shown = keys.slice(0, 5).join(", ")
    return keys.length === 0
      ? "an empty object"
      : `an object with keys ${shown}${keys.length > 5 ? `, ... (${keys.length})` : ""}`
  }
  return typeof value
}

type Fields = Readonly<Record<string, unknown>>

const isRecord = (value: unknown): value is Fields =>
  typeof value === "object" && value !== null && !Array.isArray(value)

// Own fields only: a row without "constructor" or "toString" must read them as absent, not inherited.
const own = (record: Fields, key: string): unknown => (Object.hasOwn(record, key) ? record[key] : undefined)

/** Reads one file; a misshapen field throws its `ResultsFieldError`, caught once at the top. */
const reader = (source: string) => {
  const fail = (field: string, row: number | undefined, expected: string, value: unknown): never => {
    throw new ResultsFieldError({ source, field, row, expected, received: describeValue(value) })
  }
  const string = (value: unknown, field: string, row?: number): string =>
    typeof value === "string" ? value : fail(field, row, "a string", value)
  const optional = <T>(
    record: Fields,
    key: string,
    path: string,
    read: (value: unknown, field: string) => T
  ): T | undefined => {
    const value = own(record, key)
    return value === undefined ? undefined : read(value, `${path}${key}`)
  }
  // `null` is how JSON writes NaN and the infinities: a measurement that is not a number.
  const measured = (
    value: unknown,
    field: string,
    row: number | undefined,
    expected: string,
    accept: (value: number) => boolean
  ): number | undefined =>
    value === null
      ? undefined
      : typeof value === "number" && Number.isFinite(value) && accept(value)
        ? value
        : fail(field, row, expected, value)
  // A sweep's aggregate rows hold their figures over the seeds as `{ mean, std, interval }`.
  const summary = (
    value: unknown,
    field: string,
    row: number | undefined,
    expected: string,
    accept: (value: number) => boolean
  ): { readonly mean: number | undefined; readonly interval?: readonly [number, number] } => {
    if (!isRecord(value)) return { mean: measured(value, field, row, expected, accept) }
    const mean = measured(own(value, "mean"), `${field}.mean`, row, expected, accept)
    const interval = own(value, "interval")
    if (interval === null || interval === undefined) return { mean }
    const [low, high] = Array.isArray(interval) ? interval : []
    return typeof low === "number" && typeof high === "number" && Number.isFinite(low) && low <= high
      ? { mean, interval: [low, high] }
      : fail(`${field}.interval`, row, "null or [low, high], finite numbers", interval)
  }
  const finite = (value: unknown, field: string, row?: number): number =>
    typeof value === "number" && Number.isFinite(value) ? value : fail(field, row, "a finite number", value)
  const integer = (value: unknown, field: string, row: number | undefined, minimum: number): number =>
    typeof value === "number" && Number.isInteger(value) && value >= minimum
      ? value
      : fail(
          field,
          row,
          minimum === Number.MIN_SAFE_INTEGER ? "an integer" : `an integer, at least ${minimum}`,
          value
        )
  const point = (value: unknown, field: string, row: number): TracePoint =>
    Array.isArray(value) &&
    value.length >= 2 &&
    typeof value[0] === "number" &&
    Number.isFinite(value[0]) &&
    typeof value[1] === "number" &&
    Number.isFinite(value[1])
      ? [value[0], value[1]]
      : fail(field, row, "a point [x, y] of finite numbers", value)
  const array = (value: unknown, field: string, row?: number): ReadonlyArray<unknown> =>
    Array.isArray(value) ? value : fail(field, row, "an array", value)
  const record = (value: unknown, field: string, row?: number): Fields =>
    isRecord(value) ? value : fail(field, row, "an object", value)

  const trace = (value: unknown, field: string, row: number): EpisodeTrace => {
    const fields = record(value, field, row)
    const positions = array(own(fields, "positions"), `${field}.positions`, row).map((item, index) =>
      point(item, `${field}.positions[${index}]`, row)
    )
    const subgoals = array(own(fields, "subgoals") ?? [], `${field}.subgoals`, row).flatMap((item, index) => {
      const at = `${field}.subgoals[${index}]`
      const subgoal = record(item, at, row)
      const position = own(subgoal, "at")
      // A probe that diverged writes its position as [null, null]: not drawn, not an error.
      if (Array.isArray(position) && position.slice(0, 2).some((coordinate) => coordinate === null)) return []
      return [
        {
          level: integer(own(subgoal, "level"), `${at}.level`, row, 1),
          step: integer(own(subgoal, "step"), `${at}.step`, row, 0),
          at: point(position, `${at}.at`, row)
        }
      ]
    })
    const goal = own(fields, "goal")
    const layout = own(fields, "layout")
    const success = own(fields, "success")
    return {
      seed: integer(own(fields, "seed"), `${field}.seed`, row, Number.MIN_SAFE_INTEGER),
      positions,
      subgoals,
      ...(goal === undefined ? {} : { goal: point(goal, `${field}.goal`, row) }),
      ...(layout === undefined ? {} : { layout: integer(layout, `${field}.layout`, row, 0) }),
      ...(success === undefined
        ? {}
        : {
            success:
              typeof success === "boolean" ? success : fail(`${field}.success`, row, "true or false", success)
          })
    }
  }

  const row = (value: unknown, index: number): ResultsRow => {
    const path = `rows[${index}].`
    const fields = record(value, `rows[${index}]`, index)
    const text = (key: string) => optional(fields, key, path, (item, field) => string(item, field, index))
    const figure = (key: string, expected: string, accept: (value: number) => boolean) =>
      optional(fields, key, path, (item, field) => summary(item, field, index, expected, accept))
    const number = (key: string, expected: string, accept: (value: number) => boolean) =>
      figure(key, expected, accept)?.mean
    const success = figure("successRate", "a number in [0, 1]", (rate) => rate >= 0 && rate <= 1)
    const count = (key: string, minimum: number) =>
      optional(fields, key, path, (item, field) => integer(item, field, index, minimum))
    const parsed = {
      env: text("env"),
      planner: text("planner"),
      agent: text("agent"),
      levels: count("levels", 1),
      episodes: count("episodes", 0),
      successRate: success?.mean,
      successInterval: success?.interval,
      meanReturn: number("meanReturn", "a finite number", () => true),
      meanSteps: number("meanSteps", "a number, at least 0", (steps) => steps >= 0),
      planMsPerStep: optional(fields, "planMsPerStep", path, (item, field) =>
        measured(item, field, index, "a number of milliseconds, at least 0", (ms) => ms >= 0)
      ),
      traces: optional(fields, "traces", path, (item, field) =>
        array(item, field, index).map((entry, at) => trace(entry, `${field}[${at}]`, index))
      )
    }
    // Absent fields stay absent (exactOptionalPropertyTypes): a row has only what it has.
    const present = Object.fromEntries(Object.entries(parsed).filter(([, item]) => item !== undefined))
    return { index, ...present, fields }
  }

  const stage = (value: unknown, index: number): ResultsStage => {
    const field = `stages[${index}]`
    const fields = record(value, field)
    const figures = own(fields, "figures")
    return {
      stage: string(own(fields, "stage"), `${field}.stage`),
      key: string(own(fields, "key") ?? "", `${field}.key`),
      cached: own(fields, "cached") === true,
      seconds:
        measured(
          own(fields, "seconds") ?? 0,
          `${field}.seconds`,
          undefined,
          "a number of seconds",
          (s) => s >= 0
        ) ?? 0,
      figures: isRecord(figures)
        ? Object.entries(figures).filter((entry): entry is [string, number] => typeof entry[1] === "number")
        : []
    }
  }

  const check = (value: unknown, index: number): ResultsCheck => {
    const field = `checks[${index}]`
    const fields = record(value, field)
    const passed = own(fields, "passed")
    return {
      description: string(own(fields, "description"), `${field}.description`),
      passed:
        typeof passed === "boolean" ? passed : fail(`${field}.passed`, undefined, "true or false", passed)
    }
  }

  return { string, finite, integer, array, record, optional, fail, row, stage, check }
}

const checksumOf = (rows: ReadonlyArray<unknown>, written: number | undefined): ResultsFile["checksum"] =>
  written === undefined
    ? "absent"
    : // The bench checksums the rows' JSON; parsed and stringified again, it is the same text.
      crc32(new TextEncoder().encode(JSON.stringify(rows))) === written
      ? "matches"
      : "differs"

/**
 * Checks a parsed `results.json` value: a `ResultsFile`, or the typed error naming the first field
 * at fault.
 *
 * @example
 * ```ts
 * const file = decodeResultsFile(JSON.parse(text), "results.json")
 * if (Result.isSuccess(file)) file.success.rows.length
 * ```
 */
export const decodeResultsFile = (
  value: unknown,
  source: string
): Result.Result<ResultsFile, NotResultsFileError | ResultsFieldError> => {
  if (!isRecord(value) || !Object.hasOwn(value, "suite") || !Object.hasOwn(value, "rows")) {
    return Result.fail(new NotResultsFileError({ source, received: describeValue(value) }))
  }
  const read = reader(source)
  try {
    const status = own(value, "status")
    const rowsValue = read.array(own(value, "rows"), "rows")
    const written = read.optional(value, "rowsCrc32", "", (item, field) =>
      read.integer(item, field, undefined, 0)
    )
    const text = (key: string) => read.optional(value, key, "", (item, field) => read.string(item, field))
    const number = (key: string) => read.optional(value, key, "", (item, field) => read.finite(item, field))
    const fields = {
      backend: text("backend"),
      seed: number("seed"),
      episodes: number("episodes"),
      startedAt: text("startedAt"),
      resumedAt: read.optional(value, "resumedAt", "", (item, field) =>
        read.array(item, field).map((entry, index) => read.string(entry, `${field}[${index}]`))
      ),
      finishedAt: text("finishedAt"),
      durationSeconds: number("durationSeconds"),
      error: text("error")
    }
    return Result.succeed({
      source,
      suite: read.string(own(value, "suite"), "suite"),
      status: resultsStatuses.includes(status as ResultsFile["status"])
        ? (status as ResultsFile["status"])
        : read.fail("status", undefined, `one of ${resultsStatuses.join(", ")}`, status),
      protocol: read.optional(value, "protocol", "", (item, field) => read.record(item, field)) ?? {},
      ...Object.fromEntries(Object.entries(fields).filter(([, item]) => item !== undefined)),
      rows: rowsValue.map(read.row),
      checks: (read.optional(value, "checks", "", read.array) ?? []).map(read.check),
      stages: (read.optional(value, "stages", "", read.array) ?? []).map(read.stage),
      checksum: checksumOf(rowsValue, written)
    })
  } catch (error) {
    if (error instanceof ResultsFieldError) return Result.fail(error)
    throw error
  }
}

/**
 * Parses and checks the text of a `results.json`: a `ResultsFile`, or the typed error that says
 * why not (not JSON, not a results file, a field of the wrong shape, longer than `limit`
 * characters).
 *
 * @example
 * ```ts
 * const opened = parseResultsFile(await file.text(), file.name)
 * if (Result.isFailure(opened)) show(opened.failure.message) // "results.json: rows[2].successRate: expected a number in [0, 1], received 1.5"
 * ```
 */
export const parseResultsFile = (
  text: string,
  source = "results.json",
  limit = maxResultsBytes
): Result.Result<ResultsFile, ResultsFileError> => {
  if (text.length > limit) {
    return Result.fail(new ResultsTooLargeError({ source, bytes: text.length, limit }))
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return Result.fail(new ResultsNotJsonError({ source, reason: reason.split("\n")[0] ?? reason }))
  }
  return decodeResultsFile(value, source)
}

/**
 * The words that name a row: its number, environment, agent (or planner) and levels, and a sweep's
 * setting; for rows of suites that have none of those, its first text fields. `inGroup` leaves out
 * the agent and levels, for a label under a heading that names them ({@link rowGroup}). Raw text:
 * escape it before it goes into markup.
 *
 * @example
 * ```ts
 * rowLabel(row) // "#3 point-mass · ground-truth · 1 level"
 * rowLabel(row, true) // "#3 point-mass"
 * rowLabel(aggregate) // "#5 point-mass · ground-truth · 1 level · actor.horizon=20 · mean of 2 seeds"
 * ```
 */
export const rowLabel = (row: ResultsRow, inGroup = false): string => {
  const who = row.agent ?? row.planner
  const planning = [
    row.env,
    ...(inGroup
      ? []
      : [who, row.levels === undefined ? undefined : `${row.levels} level${row.levels === 1 ? "" : "s"}`])
  ].filter((word): word is string => word !== undefined && word !== "")
  const setting = own(row.fields, "settingId")
  const trials = own(row.fields, "trials")
  // A sweep's aggregate row stands for its setting's seeds: said, so that it is not read as one run.
  const over =
    own(row.fields, "kind") === "aggregate" && typeof trials === "number" ? [`mean of ${trials} seeds`] : []
  const words =
    planning.length > 0
      ? [...planning, ...(typeof setting === "string" && setting !== "" ? [setting] : []), ...over]
      : Object.values(row.fields)
          .filter((value): value is string => typeof value === "string" && value !== "")
          .slice(0, 3)
  return `#${row.index + 1}${words.length === 0 ? "" : ` ${words.join(" · ")}`}`
}

/**
 * The group a row's bar is drawn in: its agent (or planner) and level count, e.g.
 * `hierarchical · 2 levels`; `""` for rows that have neither.
 *
 * @example
 * ```ts
 * rowGroup(row) // "flat · 1 level"
 * ```
 */
export const rowGroup = (row: ResultsRow): string => {
  const who = row.agent ?? row.planner
  const levels = row.levels === undefined ? undefined : `${row.levels} level${row.levels === 1 ? "" : "s"}`
  return [who, levels].filter((word) => word !== undefined && word !== "").join(" · ")
}
