/**
 * What the `diverse-maze` suite must show, in layouts never seen in training: two levels reach 0.9
 * over every bucket where flat planning at their compute stays below 0.5 on the long bucket (HWM
 * reports 0.83 against 0.44), and three levels beat two on the long bucket.
 *
 * @module
 */
import { usesOnlineMemory } from "../../configurator/RunConfig.js"
import type { SuiteCheck } from "../../report/Suite.js"
import type { DiverseMazeRow } from "./suite.js"

const mean = (values: ReadonlyArray<number>): number =>
  values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length

/**
 * The suite's checks, per number of training layouts: the 2-level hierarchy's success over all
 * buckets (episode-weighted) at least 0.9 while the flat agent matched to it stays below 0.5 on
 * the long bucket; the 3-level hierarchy above the 2-level one on the long bucket.
 *
 * @example
 * ```ts
 * diverseMazeChecks(rows).map((check) => check.passed)
 * ```
 */
export const diverseMazeChecks = (rows: ReadonlyArray<DiverseMazeRow>): ReadonlyArray<SuiteCheck> => {
  const checks: Array<SuiteCheck> = []
  for (const layouts of [...new Set(rows.map((row) => row.layouts))]) {
    // The targets are on the agents without any memory; the +online rows are reported beside them.
    const of = (hierarchy: 2 | 3, levels: number) =>
      rows.filter(
        (row) =>
          row.layouts === layouts &&
          row.hierarchy === hierarchy &&
          row.levels === levels &&
          !usesOnlineMemory(row.agent)
      )
    const overall = (selected: ReadonlyArray<DiverseMazeRow>) =>
      mean(selected.flatMap((row) => Array.from({ length: row.episodes }, () => row.successRate)))
    const twoLevels = of(2, 2)
    const longFlat = of(2, 1).find((row) => row.bucket === "long")
    if (twoLevels.length > 0 && longFlat !== undefined) {
      const success = overall(twoLevels)
      checks.push({
        description: `${layouts} training layouts: 2 levels >= 0.9 over all buckets (${success.toFixed(2)}) where flat at equal compute < 0.5 on the long bucket (${longFlat.successRate.toFixed(2)})`,
        passed: success >= 0.9 && longFlat.successRate < 0.5
      })
    }
    const longTwo = twoLevels.find((row) => row.bucket === "long")
    const longThree = of(3, 3).find((row) => row.bucket === "long")
    if (longTwo !== undefined && longThree !== undefined) {
      checks.push({
        description: `${layouts} training layouts, long bucket: 3 levels beat 2 (${longThree.successRate.toFixed(2)} vs ${longTwo.successRate.toFixed(2)})`,
        passed: longThree.successRate > longTwo.successRate
      })
    }
  }
  return checks
}
