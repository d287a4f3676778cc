/**
 * What the `two-rooms` suite must show: ground truth solves it, pixels nearly, and the hard
 * guardrail is never violated.
 *
 * @module
 */
import { usesOnlineMemory } from "../../configurator/RunConfig.js"
import type { SuiteCheck } from "../../report/Suite.js"
import { type TwoRoomsRow, twoRoomsModelName } from "./suite.js"

/**
 * The suite's checks: ground truth >= 0.95 for every planner (point-mass and Two-Rooms), the best
 * planner from pixels >= 0.9, from pixels without memory >= 0.98 (the issue's goal, beside PLDM's
 * 97.8%), and zero violations with the hard guardrail.
 *
 * @example
 * ```ts
 * twoRoomsChecks(rows).every((check) => check.passed)
 * ```
 */
export const twoRoomsChecks = (rows: ReadonlyArray<TwoRoomsRow>): ReadonlyArray<SuiteCheck> => {
  const checks: Array<SuiteCheck> = []
  for (const row of rows) {
    if (
      row.model === "ground-truth" &&
      // Guardrail rows are checked below, on their own seeds; the row without memory is reported.
      row.guardrail === "none" &&
      (row.env === "point-mass" || row.landmarks !== undefined)
    ) {
      checks.push({
        description: `${row.env} ground truth, ${row.search}: success >= 0.95 (${row.successRate.toFixed(2)})`,
        passed: row.successRate >= 0.95
      })
    }
  }
  const pixelRows = rows.filter((row) => twoRoomsModelName(row) === "jepa-pixels" && row.guardrail === "none")
  if (pixelRows.length > 0) {
    const best = pixelRows.reduce((a, b) => (b.successRate > a.successRate ? b : a))
    checks.push({
      description: `two-rooms from pixels, best planner (${best.search}): success >= 0.9 (${best.successRate.toFixed(2)})`,
      passed: best.successRate >= 0.9
    })
  }
  // The online memory is a memory too (of the episode itself): its row is reported, not this one.
  const withoutMemory = pixelRows.filter((row) => row.landmarks === undefined && !usesOnlineMemory(row.agent))
  if (withoutMemory.length > 0) {
    const best = withoutMemory.reduce((a, b) => (b.successRate > a.successRate ? b : a))
    checks.push({
      description: `two-rooms from pixels without memory (PLDM reports 0.978), best planner (${best.search}, horizon ${best.horizon}${best.levels > 1 ? `, ${best.levels} levels` : ""}): success >= 0.98 (${best.successRate.toFixed(2)})`,
      passed: best.successRate >= 0.98
    })
  }
  for (const row of rows.filter((candidate) => candidate.guardrail === "keep-out (hard)")) {
    checks.push({
      description: `${twoRoomsModelName(row)} keep-out as a hard constraint: zero violations (${row.violations ?? 0}), success ${row.successRate.toFixed(2)}`,
      passed: row.violations === 0
    })
  }
  return checks
}
