/**
 * The sweep's coordinator (`telos sweep`): reads the sweep file, checks every setting, claims the
 * output folder, and runs the trials not yet finished there through an executor (the local pool
 * unless a queue is given), rewriting `results.json` (and the reports) atomically after every
 * finished or failed trial. Started again with the same `--out` and the same sweep, it keeps the
 * finished trials' rows (checked against the checksum written with them) and runs only the rest;
 * another sweep's folder is refused unless `--overwrite`.
 *
 * @module
 */
import { availableParallelism } from "node:os"
import { join } from "node:path"
import { type BackendName, type FileError, InterruptedError } from "@telos/core"
import { type OutputLockedError, writeFileAtomic } from "@telos/core/node"
import type { EnvRegistry } from "@telos/envs"
import { Data, Effect } from "effect"
import type { SweepCommand } from "../cli/Arguments.js"
import { claimFolder } from "../cli/Claim.js"
import type { Progress } from "../cli/Progress.js"
import { defaultRunDirectory, type SuiteResults } from "../report/Results.js"
import { prepareRunDirectory, RunDirectoryError, readStoredResults } from "../report/Resume.js"
import { writeRunFiles } from "../report/Runner.js"
import type { Suite } from "../report/Suite.js"
import { localPool } from "./LocalPool.js"
import { lazyQueueExecutor } from "./QueueConnection.js"
import { keptTrials, sweepColumns, sweepResults } from "./SweepResults.js"
import { expandSweep, readSweepSpec } from "./SweepSpec.js"
import type { SweepPlan, TrialExecutor, TrialFailure, TrialOutcome } from "./Trials.js"

// ---- the executor (the queue's branch goes here too)

/**
 * The executor that runs the trials of `request`: the local pool of worker processes (`--workers`),
 * or the BullMQ queue (`--queue`) that `telos worker`s take them from.
 *
 * @example
 * ```ts
 * const executor = executorFor({ kind: "sweep", config: "s.yaml", out: undefined, workers: 2, cache: undefined, overwrite: false })
 * ```
 */
export const executorFor = (request: SweepCommand): TrialExecutor =>
  // The queue: trials for `telos worker`s on any machine (sweep/QueueExecutor.ts).
  request.queue !== undefined ? lazyQueueExecutor(request.queue) : localPool({ workers: request.workers })

// ---- the coordinator

/** Some trials failed every attempt; everything else is written. */
export class SweepTrialsFailedError extends Data.TaggedError("SweepTrialsFailedError")<{
  /** The sweep's folder. */
  readonly directory: string
  /** The failed trials. */
  readonly failures: ReadonlyArray<TrialFailure>
  /** Trials in the sweep. */
  readonly trials: number
}> {
  /** How many failed, the first one's error, and where the rows are. */
  override get message(): string {
    const first = this.failures[0]
    return `${this.failures.length} of ${this.trials} trials failed${first === undefined ? "" : ` (trial ${first.trial}: ${first.error})`}; results in ${this.directory}`
  }
}

/** What {@link runSweep} needs besides the request. */
export interface SweepOptions {
  /** The tensor backend resolved for this command (recorded in the results). */
  readonly backend: BackendName
  /** The progress display. */
  readonly progress: Progress
  /** Lines for the terminal: each finished or failed trial. */
  readonly report: (line: string) => void
  /** Notices (a stale lock taken over, a resumed sweep). */
  readonly notify: (line: string) => void
  /** The executor (default: {@link executorFor} the request). */
  readonly executor?: TrialExecutor | undefined
  /** The environments an id may name. */
  readonly environments?: EnvRegistry | undefined
  /** The suites a preset may name. */
  readonly catalog?: ReadonlyArray<Suite> | undefined
  /** The clock (default `new Date()`). */
  readonly now?: (() => Date) | undefined
}

/** A sweep's folder and results once it ended. */
export interface SweepFiles {
  /** The output folder. */
  readonly directory: string
  /** The plan run. */
  readonly plan: SweepPlan
  /** The results written last. */
  readonly results: SuiteResults
  /** Trials that failed every attempt. */
  readonly failures: ReadonlyArray<TrialFailure>
}

const writeSweep = (directory: string, results: SuiteResults): Effect.Effect<void, FileError> =>
  writeRunFiles(directory, results, sweepColumns)

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error"

const attempt = <A>(run: () => Promise<A> | A) =>
  Effect.tryPromise({ try: async () => run(), catch: (error) => error as Error })

/**
 * Runs the sweep of `request` to its end and writes its folder. A requested stop fails with the
 * `InterruptedError` after the results were written `interrupted`; trials that failed every
 * attempt fail it with a {@link SweepTrialsFailedError}, after everything was written.
 *
 * @example
 * ```ts
 * const files = await Effect.runPromise(runSweep(request, { backend: "native", progress, report: console.log, notify: console.error }))
 * ```
 */
export const runSweep = (
  request: SweepCommand,
  options: SweepOptions
): Effect.Effect<SweepFiles, Error | FileError | OutputLockedError | RunDirectoryError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const now = options.now ?? (() => new Date())
      const started = now()
      const spec = yield* attempt(() => readSweepSpec(request.config))
      const directory = request.out ?? defaultRunDirectory("sweep", started)
      const plan = yield* attempt(() =>
        expandSweep(spec, {
          cache: request.cache ?? join(directory, "cache"),
          source: request.config,
          catalog: options.catalog,
          environments: options.environments
        })
      )
      yield* prepareRunDirectory(directory)
      yield* claimFolder(directory, "telos sweep", options.notify)
      const stored = request.overwrite ? undefined : yield* readStoredResults(directory)
      const done = new Map<number, Pick<TrialOutcome, "rows">>()
      let startedAt = started.toISOString()
      let resumedAt: ReadonlyArray<string> = []
      if (stored !== undefined) {
        const kept = yield* Effect.try({
          try: () => keptTrials(directory, stored, plan),
          catch: (error) => error as RunDirectoryError
        })
        if (stored.status === "complete" && kept.size === plan.trials.length) {
          return yield* new RunDirectoryError({
            directory,
            problem: "complete",
            detail: `sweep ${plan.key}, ${plan.trials.length} trials, finished ${stored.finishedAt ?? "at an unknown time"}`
          })
        }
        for (const [trial, outcome] of kept) done.set(trial, outcome)
        startedAt = stored.startedAt
        resumedAt = [...(stored.resumedAt ?? []), started.toISOString()]
        options.notify(
          `telos: resuming the sweep in ${directory}: ${kept.size} of ${plan.trials.length} trials finished there`
        )
      }
      yield* writeFileAtomic(join(directory, "sweep.json"), `${JSON.stringify(plan, null, 2)}\n`)

      const failed = new Map<number, TrialFailure>()
      const running = new Set<number>()
      const seconds: Array<number> = []
      const pending = plan.trials.filter((trial) => !done.has(trial.trial))
      const workers = Math.max(1, Math.min(request.workers ?? availableParallelism(), pending.length))
      const state = { done, failed }
      // Writes are chained so that a later snapshot never lands before an earlier one.
      let writing: Promise<void> = Promise.resolve()
      let writeError: unknown
      const write = (status: SuiteResults["status"], error?: string): Promise<void> => {
        const results = sweepResults(plan, state, {
          backend: options.backend,
          startedAt,
          resumedAt,
          status,
          now: now(),
          error
        })
        writing = writing
          .then(() => Effect.runPromise(writeSweep(directory, results)))
          .catch((cause: unknown) => {
            writeError ??= cause
          })
        return writing
      }
      const progressLine = (): string => {
        const left = plan.trials.length - done.size - failed.size
        const mean = seconds.length === 0 ? undefined : seconds.reduce((a, b) => a + b, 0) / seconds.length
        const remaining = mean === undefined ? "" : `, ~${Math.ceil((mean * left) / workers)} s left`
        return `trials ${done.size}/${plan.trials.length} done, ${running.size} running, ${failed.size} failed, ${left} left${remaining}`
      }
      const show = () =>
        options.progress.update(progressLine(), (done.size + failed.size) / Math.max(1, plan.trials.length))
      const trialOf = (index: number) => plan.trials[index]
      const executor = options.executor ?? executorFor(request)
      yield* Effect.addFinalizer(() => Effect.promise(() => executor.close()))
      yield* Effect.promise(() => write("running"))
      show()
      const ran = yield* Effect.promise(() =>
        executor
          .run(plan, pending, {
            onStart: (trial) => {
              running.add(trial)
              show()
            },
            onDone: (outcome) => {
              running.delete(outcome.trial)
              done.set(outcome.trial, outcome)
              seconds.push(outcome.seconds)
              void write("running")
              const trial = trialOf(outcome.trial)
              options.report(
                `telos: trial ${outcome.trial} (${trial?.settingId}, seed ${trial?.seed}) done in ${outcome.seconds.toFixed(1)} s on ${outcome.worker}${outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : ""}; ${progressLine()}`
              )
              show()
            },
            onFailed: (failure) => {
              running.delete(failure.trial)
              failed.set(failure.trial, failure)
              void write("running")
              options.report(
                `telos: trial ${failure.trial} failed after ${failure.attempts} attempts: ${failure.error}; ${progressLine()}`
              )
              show()
            }
          })
          .then(
            () => undefined,
            (error: unknown) => error
          )
      )
      options.progress.finish()
      if (ran !== undefined) {
        const interrupted = ran instanceof InterruptedError
        yield* Effect.promise(() => write(interrupted ? "interrupted" : "failed", firstLine(ran)))
        return yield* Effect.fail(ran as Error)
      }
      yield* Effect.promise(() => write("complete"))
      if (writeError !== undefined) return yield* Effect.fail(writeError as FileError)
      const results = sweepResults(plan, state, {
        backend: options.backend,
        startedAt,
        resumedAt,
        status: "complete",
        now: now()
      })
      return { directory, plan, results, failures: [...failed.values()] }
    })
  )
