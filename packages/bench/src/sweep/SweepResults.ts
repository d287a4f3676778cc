/**
 * A sweep's results as the suite results format holds them (`results.json`, suite `sweep`): the
 * protocol is the plan (its trials included), the rows are the trial rows in trial order (a failed
 * trial as one row `{ trial, seed, settingId, status: "failed", error, attempts }`), then the
 * aggregate rows (`kind: "aggregate"`); and what a restarted sweep keeps of them.
 *
 * @module
 */
import type { BackendName } from "@telos/core"
import type { SuiteResults } from "../report/Results.js"
import { RunDirectoryError } from "../report/Resume.js"
import type { SuiteCheck, SuiteRow, SummaryColumn } from "../report/Suite.js"
import { type SeedSummary, sweepAggregates } from "./SweepAggregate.js"
import type { SweepPlan, TrialFailure, TrialOutcome } from "./Trials.js"

/** The suite id a sweep's results.json carries. */
export const sweepSuiteId = "sweep"

/** Where a sweep stands: the finished trials' outcomes and the failed trials, by trial index. */
export interface SweepState {
  /** Finished trials. */
  readonly done: ReadonlyMap<number, Pick<TrialOutcome, "rows">>
  /** Trials that failed every attempt. */
  readonly failed: ReadonlyMap<number, TrialFailure>
}

/**
 * The rows of a sweep: each trial's rows (or its failure row) in trial order, then the aggregates.
 *
 * @example
 * ```ts
 * sweepRows(plan, { done: new Map([[0, outcome]]), failed: new Map() })
 * ```
 */
export const sweepRows = (plan: SweepPlan, state: SweepState): ReadonlyArray<SuiteRow> => {
  const trialRows = plan.trials.flatMap((trial): ReadonlyArray<SuiteRow> => {
    const done = state.done.get(trial.trial)
    if (done !== undefined) return done.rows
    const failure = state.failed.get(trial.trial)
    if (failure === undefined) return []
    return [
      {
        trial: trial.trial,
        seed: trial.seed,
        settingId: trial.settingId,
        status: "failed",
        error: failure.error,
        attempts: failure.attempts
      }
    ]
  })
  return [...trialRows, ...sweepAggregates(trialRows).map((row): SuiteRow => ({ ...row }))]
}

/** The checks of a finished sweep: every trial finished. */
export const sweepChecks = (plan: SweepPlan, state: SweepState): ReadonlyArray<SuiteCheck> => [
  {
    description: `all ${plan.trials.length} trials finished (${state.failed.size} failed)`,
    passed: state.failed.size === 0 && state.done.size === plan.trials.length
  }
]

/** What a sweep's results.json says besides its rows. */
export interface SweepSnapshot {
  /** The tensor backend the coordinator resolved (its workers resolve theirs the same way). */
  readonly backend: BackendName
  /** When the sweep first started (ISO 8601). */
  readonly startedAt: string
  /** When later attempts resumed it. */
  readonly resumedAt: ReadonlyArray<string>
  /** The sweep's status. */
  readonly status: SuiteResults["status"]
  /** Now (ISO 8601), for the duration and the finish time. */
  readonly now: Date
  /** Why the sweep stopped early, when it did. */
  readonly error?: string | undefined
}

/**
 * The results of `plan` in `state`.
 *
 * @example
 * ```ts
 * serializeResults(sweepResults(plan, state, { backend: "native", startedAt, resumedAt: [], status: "running", now: new Date() }))
 * ```
 */
export const sweepResults = (plan: SweepPlan, state: SweepState, snapshot: SweepSnapshot): SuiteResults => ({
  suite: sweepSuiteId,
  protocol: { ...plan },
  backend: snapshot.backend,
  seed: plan.trials[0]?.seed ?? 0,
  startedAt: snapshot.startedAt,
  ...(snapshot.resumedAt.length === 0 ? {} : { resumedAt: snapshot.resumedAt }),
  status: snapshot.status,
  ...(snapshot.status === "running" ? {} : { finishedAt: snapshot.now.toISOString() }),
  durationSeconds: (snapshot.now.getTime() - Date.parse(snapshot.startedAt)) / 1000,
  rows: sweepRows(plan, state),
  checks: snapshot.status === "complete" ? sweepChecks(plan, state) : [],
  ...(snapshot.error === undefined ? {} : { error: snapshot.error })
})

/**
 * The finished trials a restarted sweep keeps from the results in its folder: those of the same
 * sweep (the same plan key), whose rows are all there. Another sweep's results are a
 * `RunDirectoryError`; a failed trial is attempted again.
 *
 * @example
 * ```ts
 * const done = keptTrials("runs/sweep", stored, plan) // Map { 0 => { rows }, ... }
 * ```
 */
export const keptTrials = (
  directory: string,
  stored: SuiteResults,
  plan: SweepPlan
): Map<number, Pick<TrialOutcome, "rows">> => {
  const key = stored.protocol.key
  if (stored.suite !== sweepSuiteId || key !== plan.key) {
    throw new RunDirectoryError({
      directory,
      problem: "other-run",
      detail:
        stored.suite === sweepSuiteId
          ? `another sweep: key ${String(key)} there, ${plan.key} here`
          : `suite ${stored.suite}, not a sweep`
    })
  }
  const byTrial = new Map<number, Array<SuiteRow>>()
  for (const row of stored.rows) {
    if (row.kind === "aggregate" || row.status === "failed" || typeof row.trial !== "number") continue
    const rows = byTrial.get(row.trial) ?? []
    rows.push(row)
    byTrial.set(row.trial, rows)
  }
  return new Map([...byTrial].map(([trial, rows]) => [trial, { rows }]))
}

const summaryCell = (summary: SeedSummary, digits: number): string =>
  summary.interval === null
    ? summary.mean.toFixed(digits)
    : `${summary.mean.toFixed(digits)} ± ${((summary.interval[1] - summary.interval[0]) / 2).toFixed(digits)}`

const figureColumn = (title: string, field: string, digits: number): SummaryColumn => ({
  title,
  cell: (row) => {
    if (row.status === "failed") return field === "successRate" ? `failed: ${String(row.error)}` : ""
    const value = row[field]
    if (row.kind === "aggregate") return summaryCell(value as SeedSummary, digits)
    return typeof value === "number" ? value.toFixed(digits) : ""
  }
})

/**
 * The columns of a sweep's table: trial rows, then aggregate rows whose figures are `mean ± the 95%
 * interval's half-width` and whose trial cell says `best` for the winning setting.
 */
export const sweepColumns: ReadonlyArray<SummaryColumn> = [
  {
    title: "trial",
    cell: (row) => (row.kind === "aggregate" ? (row.wins === true ? "best" : "all") : String(row.trial))
  },
  { title: "setting", cell: (row) => String(row.settingId) },
  {
    title: "seed",
    cell: (row) => (row.kind === "aggregate" ? `${String(row.trials)} seeds` : String(row.seed))
  },
  { title: "env", cell: (row) => (row.env === undefined ? "" : String(row.env)) },
  { title: "agent", cell: (row) => (row.agent === undefined ? "" : String(row.agent)) },
  { title: "levels", cell: (row) => (row.levels === undefined ? "" : String(row.levels)) },
  figureColumn("success", "successRate", 2),
  figureColumn("mean return", "meanReturn", 1),
  figureColumn("mean steps", "meanSteps", 1)
]
