/**
 * What the quickstart suite must show: the gradient planner reaches the point mass's goal and
 * swings the pendulum up.
 *
 * @module
 */
import type { PlanningRow, SuiteCheck, SuiteRow } from "../../report/Suite.js"

/**
 * The quickstart's checks: point-mass success rate >= 0.95 and pendulum mean return >= -250, both
 * with the gradient planner.
 *
 * @example
 * ```ts
 * quickstartChecks(rows).every((check) => check.passed)
 * ```
 */
export const quickstartChecks = (rows: ReadonlyArray<SuiteRow>): ReadonlyArray<SuiteCheck> => {
  const planning = rows as ReadonlyArray<PlanningRow>
  const mass = planning.find((row) => row.env === "point-mass" && row.planner === "gradient")
  const swing = planning.find((row) => row.env === "pendulum" && row.planner === "gradient")
  return [
    {
      description: "point-mass success rate >= 0.95 (gradient)",
      passed: mass !== undefined && mass.successRate >= 0.95
    },
    {
      description: "pendulum mean return >= -250 (gradient)",
      passed: swing !== undefined && swing.meanReturn >= -250
    }
  ]
}
