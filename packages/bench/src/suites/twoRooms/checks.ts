/**
 * What the `two-rooms` suite must show: ground truth solves it, pixels nearly, and the hard
 * guardrail is never violated.
 *
 * @module
 */
import type { PlanningRow, SuiteCheck } from "../../report/Suite.js"
import type { TwoRoomsRow } from "./suite.js"

/**
 * The suite's checks: ground truth >= 0.95 for every planner (point-mass and Two-Rooms), the best
 * planner from pixels >= 0.9, and zero violations with the hard guardrail.
 *
 * @example
 * ```ts
 * twoRoomsChecks(rows).every((check) => check.passed)
 * ```
 */
export const twoRoomsChecks = (rows: ReadonlyArray<PlanningRow>): ReadonlyArray<SuiteCheck> => {
  const typed = rows as ReadonlyArray<TwoRoomsRow>
  const checks: Array<SuiteCheck> = []
  for (const row of typed) {
    if (
      row.model === "ground-truth" &&
      row.guardrail === "none" &&
      // Guardrail rows (they count violations) are checked below, on their own seeds.
      row.violations === undefined &&
      (row.env === "point-mass" || row.landmarks > 0)
    ) {
      checks.push({
        description: `${row.env} ground truth, ${row.planner}: success >= 0.95 (${row.successRate.toFixed(2)})`,
        passed: row.successRate >= 0.95
      })
    }
  }
  const pixelRows = typed.filter((row) => row.model === "jepa-pixels" && row.guardrail === "none")
  if (pixelRows.length > 0) {
    const best = pixelRows.reduce((a, b) => (b.successRate > a.successRate ? b : a))
    checks.push({
      description: `two-rooms from pixels, best planner (${best.planner}, ${best.transitions} transitions): success >= 0.9 (${best.successRate.toFixed(2)})`,
      passed: best.successRate >= 0.9
    })
  }
  for (const row of typed.filter((candidate) => candidate.guardrail === "keep-out (hard)")) {
    checks.push({
      description: `${row.model} keep-out as a hard constraint: zero violations (${row.violations ?? 0}), success ${row.successRate.toFixed(2)}`,
      passed: row.violations === 0
    })
  }
  return checks
}
