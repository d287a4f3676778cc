/**
 * A sweep's aggregates: per setting and per environment, agent and levels, the mean, the sample
 * standard deviation and the 95% interval (Student's t) over the seeds of the success rate, the
 * mean return and the mean steps; the mean planning time; the trials that failed; and, per
 * environment, agent and levels, which setting wins (the best mean success rate, ties broken by the
 * mean return).
 *
 * @module
 */
import type { SuiteRow } from "../report/Suite.js"

/** A figure over the seeds of one setting. */
export interface SeedSummary {
  /** The mean. */
  readonly mean: number
  /** The sample standard deviation (n - 1); `null` with one trial. */
  readonly std: number | null
  /** The 95% interval of the mean, `[low, high]`; `null` with one trial. */
  readonly interval: readonly [number, number] | null
}

/** One aggregate row of a sweep: a setting's agent over its seeds. */
export interface AggregateRow {
  /** Marks the row as an aggregate (trial rows have none). */
  readonly kind: "aggregate"
  /** The setting, in words. */
  readonly settingId: string
  /** The setting's values by dotted key. */
  readonly setting: Readonly<Record<string, unknown>>
  /** The environment's id. */
  readonly env: string
  /** The agent. */
  readonly agent: string
  /** Levels of the agent's hierarchy. */
  readonly levels: number
  /** Finished trials the figures are over (one per seed). */
  readonly trials: number
  /** Trials of the setting that failed every attempt (not in the figures). */
  readonly failedTrials: number
  /** The success rate over the seeds. */
  readonly successRate: SeedSummary
  /** The mean return over the seeds. */
  readonly meanReturn: SeedSummary
  /** The mean episode length over the seeds. */
  readonly meanSteps: SeedSummary
  /** Mean milliseconds per planning call, over the seeds. */
  readonly planMsPerStep: number
  /** Whether this setting wins for its environment, agent and levels. */
  readonly wins: boolean
}

// t_{0.975, df} for df = 1..30; above, the Cornish-Fisher expansion is within 1e-4 of it.
const tTable = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788, 2.1604,
  2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.093, 2.086, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555,
  2.0518, 2.0484, 2.0452, 2.0423
]

/**
 * Student's t quantile 0.975 with `df` degrees of freedom (the 95% two-sided interval's factor).
 *
 * @example
 * ```ts
 * studentT975(2) // 4.3027 (three trials)
 * ```
 */
export const studentT975 = (df: number): number => {
  const tabled = tTable[df - 1]
  if (tabled !== undefined) return tabled
  const z = 1.959964
  return (
    z +
    (z ** 3 + z) / (4 * df) +
    (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2) +
    (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3)
  )
}

/**
 * The mean, sample standard deviation and 95% interval of `values` (at least one).
 *
 * @example
 * ```ts
 * seedSummary([1, 2, 3]) // { mean: 2, std: 1, interval: [2 - 4.3027 / Math.sqrt(3), 2 + 4.3027 / Math.sqrt(3)] }
 * ```
 */
export const seedSummary = (values: ReadonlyArray<number>): SeedSummary => {
  const n = values.length
  const mean = values.reduce((sum, value) => sum + value, 0) / n
  if (n < 2) return { mean, std: null, interval: null }
  const std = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1))
  const half = (studentT975(n - 1) * std) / Math.sqrt(n)
  return { mean, std, interval: [mean - half, mean + half] }
}

const numberOf = (row: SuiteRow, field: string): number => {
  const value = row[field]
  return typeof value === "number" ? value : Number.NaN
}

/** Whether `row` is a failed trial's row (`status: "failed"`). */
export const isFailedRow = (row: SuiteRow): boolean => row.status === "failed"

/**
 * The aggregate rows of a sweep's trial rows (failed trials' rows among them are counted), in the
 * order their settings and agents first appear, each marked whether it wins.
 *
 * @example
 * ```ts
 * const aggregates = sweepAggregates(trialRows)
 * aggregates.find((row) => row.wins)?.settingId // "actor.horizon=20"
 * ```
 */
export const sweepAggregates = (rows: ReadonlyArray<SuiteRow>): ReadonlyArray<AggregateRow> => {
  const failed = new Map<string, number>()
  const groups = new Map<string, Array<SuiteRow>>()
  for (const row of rows) {
    const settingId = String(row.settingId)
    if (isFailedRow(row)) {
      failed.set(settingId, (failed.get(settingId) ?? 0) + 1)
      continue
    }
    const key = JSON.stringify([settingId, row.env, row.agent, row.levels])
    const group = groups.get(key) ?? []
    group.push(row)
    groups.set(key, group)
  }
  const aggregates = [...groups.values()].map((group) => {
    const first = group[0] as SuiteRow
    const figure = (field: string) => seedSummary(group.map((row) => numberOf(row, field)))
    return {
      kind: "aggregate" as const,
      settingId: String(first.settingId),
      setting: (first.setting ?? {}) as Readonly<Record<string, unknown>>,
      env: String(first.env),
      agent: String(first.agent),
      levels: numberOf(first, "levels"),
      trials: group.length,
      failedTrials: failed.get(String(first.settingId)) ?? 0,
      successRate: figure("successRate"),
      meanReturn: figure("meanReturn"),
      meanSteps: figure("meanSteps"),
      planMsPerStep: figure("planMsPerStep").mean
    }
  })
  const winners = new Map<string, (typeof aggregates)[number]>()
  for (const row of aggregates) {
    const key = JSON.stringify([row.env, row.agent, row.levels])
    const best = winners.get(key)
    const better =
      best === undefined ||
      row.successRate.mean > best.successRate.mean ||
      (row.successRate.mean === best.successRate.mean && row.meanReturn.mean > best.meanReturn.mean)
    if (better) winners.set(key, row)
  }
  const winning = new Set(winners.values())
  return aggregates.map((row) => ({ ...row, wins: winning.has(row) }))
}
