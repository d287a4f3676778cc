/**
 * Where a suite run starts: its folder, checked before any compute is spent, and what an earlier
 * attempt left there. A `results.json` that is running, interrupted or failed, written by the same
 * suite with the same seed, backend, episode count and protocol, is resumed after its last
 * finished row; a complete one, one of another run, or one that cannot be read is refused with a
 * {@link RunDirectoryError} (never silently replaced), unless the caller asked to overwrite it.
 *
 * @module
 */
import { constants } from "node:fs"
import { access, readFile, stat } from "node:fs/promises"
import { join } from "node:path"
import { type BackendName, FileError } from "@telos/core"
import { makeDirectory } from "@telos/core/node"
import { Data, Effect, Result } from "effect"
import { decodeResults, rowsChecksum, type SuiteResults } from "./Results.js"
import type { SuiteRow } from "./Suite.js"

/**
 * Why a run directory cannot be run in: it holds a `complete` run, a run of another suite, seed,
 * backend, episode count or protocol (`other-run`), or a results.json that cannot be read back
 * (`unreadable`).
 */
export type RunDirectoryProblem = "complete" | "other-run" | "unreadable"

/**
 * The run directory holds results that a run must not resume or replace unasked.
 *
 * @example
 * ```ts
 * new RunDirectoryError({ directory: "runs/a", problem: "other-run", detail: "seed: 3 there, 4 here" }).message
 * // "runs/a holds another run (seed: 3 there, 4 here); choose another --out, or --overwrite to replace it"
 * ```
 */
export class RunDirectoryError extends Data.TaggedError("RunDirectoryError")<{
  /** The run directory. */
  readonly directory: string
  /** What is in the way. */
  readonly problem: RunDirectoryProblem
  /** The finished run, what differs, or why results.json cannot be read. */
  readonly detail: string
}> {
  /** The directory, the problem and the way out. */
  override get message(): string {
    const way = "choose another --out, or --overwrite to"
    if (this.problem === "complete")
      return `${this.directory} holds a complete run (${this.detail}); ${way} run it again`
    if (this.problem === "other-run")
      return `${this.directory} holds another run (${this.detail}); ${way} replace it`
    return `${join(this.directory, "results.json")} cannot be resumed from: ${this.detail}; move it away, or --overwrite to replace it`
  }
}

/** What a resumed run must share with the run whose results it continues. */
export interface RunIdentity {
  /** The suite's id. */
  readonly suite: string
  /** The tensor backend. */
  readonly backend: BackendName
  /** The backends a comparing suite runs on; `undefined` when not given. */
  readonly backends: ReadonlyArray<BackendName> | undefined
  /** The seed. */
  readonly seed: number
  /** The episode override; `undefined` when the suite's own counts are kept. */
  readonly episodes: number | undefined
  /** The protocol as the run follows it (see `Suite.resolveProtocol`). */
  readonly protocol: Readonly<Record<string, unknown>>
}

/** Where a run starts: afresh, or after the rows an earlier attempt finished. */
export interface RunStart {
  /** When the run first started (ISO 8601). */
  readonly startedAt: string
  /** When each later attempt resumed it, this one included. */
  readonly resumedAt: ReadonlyArray<string>
  /** The rows already finished, kept as they were written. */
  readonly rows: ReadonlyArray<SuiteRow>
}

const reasonOf = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? ""

/**
 * Makes the run directory and checks that it is a writable folder, so that a bad `--out` fails
 * before the first row is computed rather than after it.
 *
 * @example
 * ```ts
 * await Effect.runPromise(prepareRunDirectory("runs/quickstart/a"))
 * ```
 */
export const prepareRunDirectory = (directory: string): Effect.Effect<void, FileError> =>
  Effect.gen(function* () {
    yield* makeDirectory(directory)
    yield* Effect.tryPromise({
      try: async () => {
        if (!(await stat(directory)).isDirectory()) throw new Error("not a directory")
        await access(directory, constants.W_OK)
      },
      catch: (error) =>
        new FileError({ path: directory, reason: `cannot write the run there: ${reasonOf(error)}` })
    })
  })

/**
 * The results an earlier attempt left in `directory`, or `undefined` when there are none.
 *
 * @example
 * ```ts
 * const stored = await Effect.runPromise(readStoredResults("runs/quickstart/a"))
 * ```
 */
export const readStoredResults = (
  directory: string
): Effect.Effect<SuiteResults | undefined, FileError | RunDirectoryError> =>
  Effect.gen(function* () {
    const path = join(directory, "results.json")
    const text = yield* Effect.tryPromise({
      try: () =>
        readFile(path, "utf8").catch((error: { code?: unknown }) => {
          if (error.code === "ENOENT") return undefined
          throw error
        }),
      catch: (error) => new FileError({ path, reason: `cannot read it: ${reasonOf(error)}` })
    })
    if (text === undefined) return undefined
    const unreadable = (detail: string) => new RunDirectoryError({ directory, problem: "unreadable", detail })
    const value = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (error) => unreadable(`not JSON (${reasonOf(error)})`)
    })
    const decoded = decodeResults(value, "results.json")
    if (Result.isFailure(decoded)) return yield* unreadable(decoded.failure.message)
    const stored = decoded.success
    if (stored.rowsCrc32 !== undefined && stored.rowsCrc32 !== rowsChecksum(stored.rows)) {
      return yield* unreadable(
        "its rows do not match the checksum written with them (the file was damaged or edited)"
      )
    }
    return stored
  })

const shown = (value: unknown): string => {
  const text = value === undefined ? "none" : JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The first place where `stored` and `current` differ, as `path: stored there, current here`. */
const firstDifference = (path: string, stored: unknown, current: unknown): string | undefined => {
  if (JSON.stringify(stored) === JSON.stringify(current)) return undefined
  if (isRecord(stored) && isRecord(current)) {
    for (const key of new Set([...Object.keys(stored), ...Object.keys(current)])) {
      const found = firstDifference(`${path}.${key}`, stored[key], current[key])
      if (found !== undefined) return found
    }
  }
  if (Array.isArray(stored) && Array.isArray(current)) {
    if (stored.length !== current.length)
      return `${path}: ${stored.length} items there, ${current.length} here`
    for (const [index, item] of stored.entries()) {
      const found = firstDifference(`${path}[${index}]`, item, current[index])
      if (found !== undefined) return found
    }
  }
  return `${path}: ${shown(stored)} there, ${shown(current)} here`
}

/**
 * How the stored run differs from the one asked for (the first difference), or `undefined` when
 * it is the same run. The protocol is compared as results.json records it (JSON).
 *
 * @example
 * ```ts
 * runDifference(stored, { ...identity, seed: 4 }) // "seed: 3 there, 4 here"
 * ```
 */
export const runDifference = (stored: SuiteResults, identity: RunIdentity): string | undefined => {
  const fields: ReadonlyArray<readonly [string, unknown, unknown]> = [
    ["suite", stored.suite, identity.suite],
    ["seed", stored.seed, identity.seed],
    ["episodes", stored.episodes, identity.episodes],
    ["backend", stored.backend, identity.backend],
    ["backends", stored.backends, identity.backends],
    ["protocol", stored.protocol, JSON.parse(JSON.stringify(identity.protocol))]
  ]
  for (const [name, there, here] of fields) {
    const found = firstDifference(name, there, here)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * Where a run with `identity` starts, given what an earlier attempt stored (if anything): afresh,
 * or after the stored rows of an unfinished run of the same identity.
 *
 * @example
 * ```ts
 * const start = resumeFrom("runs/a", stored, identity, new Date())
 * start.rows.length // rows already finished
 * ```
 */
export const resumeFrom = (
  directory: string,
  stored: SuiteResults | undefined,
  identity: RunIdentity,
  now: Date
): Result.Result<RunStart, RunDirectoryError> => {
  if (stored === undefined) return Result.succeed({ startedAt: now.toISOString(), resumedAt: [], rows: [] })
  const difference = runDifference(stored, identity)
  if (difference !== undefined) {
    return Result.fail(new RunDirectoryError({ directory, problem: "other-run", detail: difference }))
  }
  if (stored.status === "complete") {
    return Result.fail(
      new RunDirectoryError({
        directory,
        problem: "complete",
        detail: `suite ${stored.suite}, ${stored.rows.length} rows, finished ${stored.finishedAt ?? "at an unknown time"}`
      })
    )
  }
  return Result.succeed({
    startedAt: stored.startedAt,
    resumedAt: [...(stored.resumedAt ?? []), now.toISOString()],
    rows: stored.rows
  })
}
