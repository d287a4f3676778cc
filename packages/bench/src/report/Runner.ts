/**
 * Runs a suite: resolves the backend, streams the suite's rows, and rewrites `results.json`,
 * `report.md` and `report.html` after every row, so an interrupted run keeps what it finished.
 *
 * @module
 */
import { join } from "node:path"
import type { BackendName, FileError } from "@telos/core"
import { writeFileAtomic } from "@telos/core/node"
import { Data, Effect } from "effect"
import type { Progress } from "../cli/Progress.js"
import { renderHtml, renderMarkdown } from "./Report.js"
import { defaultRunDirectory, type SuiteResults, serializeResults } from "./Results.js"
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
}

/** The files of a finished or interrupted run. */
export interface RunFiles {
  /** The run directory (results.json, report.md, report.html). */
  readonly directory: string
  /** The results written. */
  readonly results: SuiteResults
}

const writeRun = (
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
 * Runs `suite` and writes its files.
 *
 * @example
 * ```ts
 * const files = await Effect.runPromise(runSuite(quickstartSuite, { backend: "wasm", episodes: 2, seed: 0, out: "tmp", progress }))
 * files.results.rows.length // 2
 * ```
 */
export const runSuite = (
  suite: Suite,
  options: RunOptions
): Effect.Effect<RunFiles, FileError | SuiteFailedError> =>
  Effect.gen(function* () {
    const now = options.now ?? (() => new Date())
    const started = now()
    const directory = options.out ?? defaultRunDirectory(suite.id, started)
    const rows: Array<SuiteRow> = []
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
    const snapshot = (status: SuiteResults["status"], error?: string): SuiteResults => {
      const finished = now()
      return {
        suite: suite.id,
        protocol: suite.protocol,
        backend: options.backend,
        startedAt: started.toISOString(),
        status,
        ...(status === "running" ? {} : { finishedAt: finished.toISOString() }),
        durationSeconds: (finished.getTime() - started.getTime()) / 1000,
        rows: [...rows],
        checks: status === "complete" ? checksOf(rows) : [],
        ...(error === undefined ? {} : { error }),
        ...(suite.stages === undefined ? {} : { stages: suite.stages() })
      }
    }
    // Starting the suite is inside the same error handling as each row: a suite that throws before
    // its first row still leaves a results.json that says why.
    let iterator: AsyncIterator<SuiteRow> | undefined
    const nextRow = async (): Promise<IteratorResult<SuiteRow>> => {
      iterator ??= suite
        .run({
          episodes: options.episodes,
          seed: options.seed,
          backend: options.backend,
          backends: options.backends,
          directory,
          progress: options.progress.update
        })
        [Symbol.asyncIterator]()
      return iterator.next()
    }
    while (true) {
      const next = yield* Effect.tryPromise({ try: nextRow, catch: firstLine }).pipe(
        Effect.catch((reason) =>
          Effect.gen(function* () {
            options.progress.finish()
            yield* writeRun(directory, snapshot("failed", reason), suite.columns)
            return yield* new SuiteFailedError({ suite: suite.id, reason, directory })
          })
        )
      )
      if (next.done === true) break
      rows.push(next.value)
      yield* writeRun(directory, snapshot("running"), suite.columns)
    }
    options.progress.finish()
    const results = snapshot("complete")
    yield* writeRun(directory, results, suite.columns)
    return { directory, results }
  })
