/**
 * Runs a suite: streams the suite's rows and rewrites `results.json`, `report.md` and
 * `report.html` after every row, so that a run stopped at any point keeps what it finished. A
 * stop requested between rows (or inside one, where the suite's loops check for it) marks the
 * results `interrupted`; started again with the same run directory, the run continues after its
 * last finished row (see `Resume.ts`).
 *
 * @module
 */
import { join } from "node:path"
import { type BackendName, checkInterruption, type FileError, InterruptedError } from "@telos/core"
import { type OutputLockedError, writeFileAtomic } from "@telos/core/node"
import { Data, Effect, Result } from "effect"
import { claimFolder } from "../cli/Claim.js"
import type { Progress } from "../cli/Progress.js"
import { renderHtml, renderMarkdown } from "./Report.js"
import { defaultRunDirectory, type SuiteResults, serializeResults } from "./Results.js"
import {
  prepareRunDirectory,
  type RunDirectoryError,
  type RunIdentity,
  type RunStart,
  readStoredResults,
  resumeFrom
} from "./Resume.js"
import type { Suite, SuiteRow, SummaryColumn } from "./Suite.js"

/** A suite stopped with an error of its own; the rows it finished are saved. */
export class SuiteFailedError extends Data.TaggedError("SuiteFailedError")<{
  /** The suite's id. */
  readonly suite: string
  /** The first line of the error that stopped it. */
  readonly reason: string
  /** The run directory, where the finished rows are saved. */
  readonly directory: string
}> {
  /** Names the suite, the reason and where the rows are. */
  override get message(): string {
    return `suite ${this.suite} failed: ${this.reason} (finished rows saved in ${this.directory})`
  }
}

/** How to run a suite. */
export interface RunOptions {
  /** The tensor backend, passed on to the suite and recorded in the results. */
  readonly backend: BackendName
  /** Episodes per row, overriding the suite's own counts; `undefined` keeps them. */
  readonly episodes: number | undefined
  /** Passed on to the suite as its `SuiteContext.backends`. */
  readonly backends?: ReadonlyArray<BackendName> | undefined
  /** The seed passed on to the suite. */
  readonly seed: number
  /** The run directory; `runs/<suite>/<timestamp>` when absent. */
  readonly out: string | undefined
  /** The progress display the suite reports to. */
  readonly progress: Progress
  /** The clock for the start and finish times (default `new Date()`). */
  readonly now?: () => Date
  /**
   * Replaces whatever results the run directory holds (a complete run, another run, an unreadable
   * file) instead of refusing to; an unfinished run of the same suite is resumed unless this is set.
   */
  readonly overwrite?: boolean | undefined
  /** Where notices go (a stale lock taken over, temporaries of killed runs removed). */
  readonly notify?: ((line: string) => void) | undefined
}

/** The files of a finished or interrupted run. */
export interface RunFiles {
  /** The run directory (results.json, report.md, report.html). */
  readonly directory: string
  /** The results written. */
  readonly results: SuiteResults
}

/**
 * Writes a run's files in `directory`, each atomically: `results.json`, `report.md` and
 * `report.html` (with `columns`, the planning columns when absent).
 *
 * @example
 * ```ts
 * yield* writeRunFiles("runs/mine", results, suite.columns)
 * ```
 */
export const writeRunFiles = (
  directory: string,
  results: SuiteResults,
  columns: ReadonlyArray<SummaryColumn> | undefined
): Effect.Effect<void, FileError> =>
  Effect.all([
    writeFileAtomic(join(directory, "results.json"), serializeResults(results)),
    writeFileAtomic(join(directory, "report.md"), renderMarkdown(results, columns)),
    writeFileAtomic(join(directory, "report.html"), renderHtml(results, columns))
  ]).pipe(Effect.asVoid)

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error"

/**
 * Runs `suite` and writes its files. The run directory is checked before any compute; results an
 * earlier attempt left there are resumed when unfinished and of the same run, and refused with a
 * `RunDirectoryError` otherwise (unless `overwrite`). A requested stop fails with the
 * `InterruptedError`, after the results were written with status `interrupted`.
 *
 * @example
 * ```ts
 * const files = await Effect.runPromise(runSuite(quickstartSuite, { backend: "wasm", episodes: 2, seed: 0, out: "tmp", progress }))
 * files.results.rows.length // 4
 * ```
 */
export const runSuite = (
  suite: Suite,
  options: RunOptions
): Effect.Effect<
  RunFiles,
  FileError | SuiteFailedError | RunDirectoryError | InterruptedError | OutputLockedError
> =>
  Effect.gen(function* () {
    const now = options.now ?? (() => new Date())
    const attemptStarted = now()
    const directory = options.out ?? defaultRunDirectory(suite.id, attemptStarted)
    // One writer per run directory, for the whole run: a second run there would interleave rows.
    const claim = yield* claimFolder(directory, `telos bench --suite ${suite.id}`, options.notify)
    return yield* runClaimed(suite, options, directory, attemptStarted, now).pipe(
      Effect.ensuring(Effect.sync(claim.release))
    )
  }).pipe(Effect.scoped)

const runClaimed = (
  suite: Suite,
  options: RunOptions,
  directory: string,
  attemptStarted: Date,
  now: () => Date
): Effect.Effect<RunFiles, FileError | SuiteFailedError | RunDirectoryError | InterruptedError> =>
  Effect.gen(function* () {
    const start = yield* startRun(suite, options, directory, attemptStarted)
    const rows: Array<SuiteRow> = [...start.start.rows]
    const resumeAfter = rows.length
    // A check that throws must not cost the finished rows: it is reported as a failed check.
    const checksOf = (finished: ReadonlyArray<SuiteRow>): SuiteResults["checks"] => {
      try {
        return suite.checks?.(finished) ?? []
      } catch (error) {
        return [
          { description: `the suite's checks could not be evaluated: ${firstLine(error)}`, passed: false }
        ]
      }
    }
    const snapshot = (status: SuiteResults["status"], error?: string) =>
      resultsOf(suite, start.identity, start.start, {
        status,
        finished: now(),
        rows,
        checks: status === "complete" ? checksOf(rows) : [],
        error
      })
    // Starting the suite is inside the same error handling as each row: a suite that throws before
    // its first row still leaves a results.json that says why.
    let iterator: AsyncIterator<SuiteRow> | undefined
    // Rows of a suite that cannot skip what a resumed run has: computed again, not kept twice.
    let toDrop = suite.skipsFinishedRows === true ? 0 : resumeAfter
    const nextRow = async (): Promise<IteratorResult<SuiteRow>> => {
      iterator ??= suite
        .run({
          episodes: options.episodes,
          seed: options.seed,
          backend: options.backend,
          backends: options.backends,
          directory,
          progress: options.progress.update,
          resumeAfter
        })
        [Symbol.asyncIterator]()
      while (true) {
        const next = await iterator.next()
        if (next.done === true || toDrop === 0) return next
        toDrop--
      }
    }
    // A stop: the suite finishes its own cleanup, the results say the run was interrupted.
    const interrupted = (error: InterruptedError) =>
      Effect.gen(function* () {
        options.progress.finish()
        yield* Effect.tryPromise(async () => {
          await iterator?.return?.()
        }).pipe(Effect.ignore)
        yield* writeRunFiles(directory, snapshot("interrupted", error.message), suite.columns)
        return yield* error
      })
    // The suite's own failure: the finished rows are kept, the results say why it stopped.
    const failed = (error: unknown) =>
      Effect.gen(function* () {
        const reason = firstLine(error)
        options.progress.finish()
        yield* writeRunFiles(directory, snapshot("failed", reason), suite.columns)
        return yield* new SuiteFailedError({ suite: suite.id, reason, directory })
      })
    while (true) {
      yield* Effect.try({ try: checkInterruption, catch: (error) => error as InterruptedError }).pipe(
        Effect.catch(interrupted)
      )
      const next = yield* Effect.tryPromise({ try: nextRow, catch: (error) => error }).pipe(
        Effect.catch(
          (error): Effect.Effect<never, FileError | SuiteFailedError | InterruptedError> =>
            error instanceof InterruptedError ? interrupted(error) : failed(error)
        )
      )
      if (next.done === true) break
      rows.push(next.value)
      yield* writeRunFiles(directory, snapshot("running"), suite.columns)
    }
    options.progress.finish()
    const results = snapshot("complete")
    yield* writeRunFiles(directory, results, suite.columns)
    return { directory, results }
  })

/** A run's start: who it is, and where it starts. */
interface StartedRun {
  readonly identity: RunIdentity
  readonly start: RunStart
}

/**
 * Everything a run does before its first row, in one place: the directory made and checked, the
 * protocol resolved, an earlier attempt's results read and matched. Nothing is computed before it
 * succeeds.
 */
const startRun = (
  suite: Suite,
  options: RunOptions,
  directory: string,
  attemptStarted: Date
): Effect.Effect<StartedRun, FileError | RunDirectoryError | SuiteFailedError> =>
  Effect.gen(function* () {
    yield* prepareRunDirectory(directory)
    const stored = options.overwrite === true ? undefined : yield* readStoredResults(directory)
    const identityWith = (protocol: Readonly<Record<string, unknown>>): RunIdentity => ({
      suite: suite.id,
      backend: options.backend,
      backends: options.backends,
      seed: options.seed,
      episodes: options.episodes,
      protocol
    })
    const protocol = yield* Effect.tryPromise({
      try: async () =>
        (await suite.resolveProtocol?.({ seed: options.seed, episodes: options.episodes })) ?? suite.protocol,
      catch: firstLine
    }).pipe(
      Effect.catch((reason) =>
        Effect.gen(function* () {
          options.progress.finish()
          // A resumable run's results are not replaced by a run that never started.
          if (stored === undefined) {
            const start = { startedAt: attemptStarted.toISOString(), resumedAt: [], rows: [] }
            const results = resultsOf(suite, identityWith(suite.protocol), start, {
              status: "failed",
              finished: attemptStarted,
              rows: [],
              checks: [],
              error: reason
            })
            yield* writeRunFiles(directory, results, suite.columns)
          }
          return yield* new SuiteFailedError({ suite: suite.id, reason, directory })
        })
      )
    )
    const identity = identityWith(protocol)
    const start = resumeFrom(directory, stored, identity, attemptStarted)
    if (Result.isFailure(start)) return yield* start.failure
    return { identity, start: start.success }
  })

/** What changes from one snapshot of a run's results to the next. */
interface Snapshot {
  readonly status: SuiteResults["status"]
  readonly finished: Date
  readonly rows: ReadonlyArray<SuiteRow>
  readonly checks: SuiteResults["checks"]
  readonly error: string | undefined
}

const resultsOf = (
  suite: Suite,
  identity: RunIdentity,
  start: RunStart,
  snapshot: Snapshot
): SuiteResults => ({
  suite: suite.id,
  protocol: identity.protocol,
  backend: identity.backend,
  ...(identity.backends === undefined ? {} : { backends: identity.backends }),
  seed: identity.seed,
  ...(identity.episodes === undefined ? {} : { episodes: identity.episodes }),
  startedAt: start.startedAt,
  ...(start.resumedAt.length === 0 ? {} : { resumedAt: start.resumedAt }),
  status: snapshot.status,
  ...(snapshot.status === "running" ? {} : { finishedAt: snapshot.finished.toISOString() }),
  durationSeconds: (snapshot.finished.getTime() - Date.parse(start.startedAt)) / 1000,
  rows: [...snapshot.rows],
  checks: snapshot.checks,
  ...(snapshot.error === undefined ? {} : { error: snapshot.error }),
  ...(suite.stages === undefined ? {} : { stages: suite.stages() })
})
