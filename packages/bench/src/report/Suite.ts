/**
 * What a benchmark suite is: a named protocol that produces rows of results. The CLI, the results
 * file and the reports only depend on this contract.
 *
 * @module
 */
import type { BackendName } from "@telos/core"

/** One row of any suite: named fields, serialised as they are into results.json. */
export type SuiteRow = Readonly<Record<string, unknown>>

/** One column of a suite's summary table (terminal, Markdown and HTML). */
export interface SummaryColumn {
  /** The column's heading. */
  readonly title: string
  /** Formats the column's cell for one row. */
  readonly cell: (row: SuiteRow) => string
}

/** One row of a planning suite (the fields other tools read are fixed by the design notes). */
export interface PlanningRow {
  /** The environment's id. */
  readonly env: string
  /** The agent's name. */
  readonly planner: string
  /** Levels of the planning hierarchy (1 for a flat planner). */
  readonly levels: number
  /** The first episode's seed; episode `i` uses `seed + i`. */
  readonly seed: number
  /** Episodes run. */
  readonly episodes: number
  /** Fraction of the episodes that succeeded, in [0, 1]. */
  readonly successRate: number
  /** Mean total reward of an episode. */
  readonly meanReturn: number
  /** Mean length of an episode, in environment steps. */
  readonly meanSteps: number
  /** Mean wall-clock milliseconds per planning call (all episodes of the row planned as one batch). */
  readonly planMsPerStep: number
  /** What else a suite wants to report (horizon, restarts, per-episode returns, ...). */
  readonly [extra: string]: unknown
}

/** The timing fields of planning rows: the milliseconds per planning call. */
export const planningTimingFields: ReadonlyArray<string> = ["planMsPerStep"]

/** What a suite run receives. */
export interface SuiteContext {
  /** Episodes per row, when the user overrides the suite's own counts. */
  readonly episodes: number | undefined
  /** The run's seed. */
  readonly seed: number
  /** The tensor backend the run uses. */
  readonly backend: BackendName
  /** Backends the user asked a comparing suite (perf) to run on in turn; `undefined` when not given. */
  readonly backends?: ReadonlyArray<BackendName> | undefined
  /** The run directory (results.json's), where a suite may keep files of its own: figures. */
  readonly directory?: string | undefined
  /** The pipeline's stage cache, shared between runs; `cache/` in the run directory when absent. */
  readonly cache?: string | undefined
  /** Reports progress of the current row: a short label and a fraction in [0, 1]. */
  readonly progress: (label: string, fraction: number) => void
  /**
   * Rows a resumed run has already finished (0 or absent for a fresh run). A suite that declares
   * `skipsFinishedRows` yields only the rows after them; any other suite is run whole and its first
   * rows are dropped.
   */
  readonly resumeAfter?: number | undefined
}

/** What a suite's protocol may depend on: the run's seed and episode override. */
export type ProtocolContext = Pick<SuiteContext, "seed" | "episodes">

/** A criterion the suite checks on its own rows, shown in the report. */
export interface SuiteCheck {
  /** The criterion, in words. */
  readonly description: string
  /** Whether the rows meet it. */
  readonly passed: boolean
}

/** A benchmark suite. */
export interface Suite {
  /** The suite's name, as the CLI selects it. */
  readonly id: string
  /** A one-line description, shown in the CLI's list of suites. */
  readonly description: string
  /** The protocol in words and numbers, copied into results.json and the reports. */
  readonly protocol: Readonly<Record<string, unknown>>
  /**
   * The protocol as this run will follow it, for a suite whose protocol depends on the seed or the
   * episode count (a suite of pipeline runs resolves each run's configuration); `protocol` when
   * absent. It is what results.json records and what a resumed run must match.
   */
  resolveProtocol?(context: ProtocolContext): Promise<Readonly<Record<string, unknown>>>
  /** Produces the rows one at a time, so that each finished row is saved before the next starts. */
  run(context: SuiteContext): AsyncIterable<SuiteRow>
  /**
   * True when `run` honours `SuiteContext.resumeAfter`, starting after the rows a resumed run
   * already has without computing them again.
   */
  readonly skipsFinishedRows?: boolean
  /**
   * Row fields that measure the machine rather than the outcome (wall-clock times and rates, and
   * memory readings), named wherever they occur in a row, nested objects included. Two runs with
   * the same seed write the same rows apart from these; the planning rows' {@link planningTimingFields}
   * when absent.
   */
  readonly timingFields?: ReadonlyArray<string>
  /** Checks against the suite's targets, evaluated on its rows. */
  checks?(rows: ReadonlyArray<SuiteRow>): ReadonlyArray<SuiteCheck>
  /** The summary table's columns; the planning columns when absent. */
  readonly columns?: ReadonlyArray<SummaryColumn>
  /**
   * The run configuration the suite's pipeline runs share (a partial one), which `telos run
   * --preset <id>` applies to any environment; absent for suites that are not pipeline runs.
   */
  readonly settings?: Readonly<Record<string, unknown>>
  /** The pipeline stages the suite has gone through so far, for the report (see `StageTiming`). */
  stages?(): ReadonlyArray<StageTiming>
}

/** One pipeline stage of a run, as reports show it. */
export interface StageTiming {
  /** The stage's name. */
  readonly stage: string
  /** The cache key of its output. */
  readonly key: string
  /** Whether its output came from the cache. */
  readonly cached: boolean
  /** Seconds it took (0 when cached). */
  readonly seconds: number
  /** Figures it reports (probe R^2, landmarks, success, ...). */
  readonly figures: Readonly<Record<string, number>>
}
