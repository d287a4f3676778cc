/**
 * What the quickstart suite must show: the gradient planner reaches the point mass's goal and
 * swings the pendulum up.
 *
 * @module
 */
import type { RunRow } from "../../pipeline/Pipeline.js"
import type { SuiteCheck, SuiteRow } from "../../report/Suite.js"

/**
 * The quickstart's checks: point-mass success rate >= 0.95 and pendulum mean return >= -250, both
 * with the gradient planner on the ground truth (not random actions).
 *
 * @example
 * ```ts
 * quickstartChecks(rows).every((check) => check.passed)
 * ```
 */
export const quickstartChecks = (rows: ReadonlyArray<SuiteRow>): ReadonlyArray<SuiteCheck> => {
  const planning = rows as ReadonlyArray<RunRow>
  const mass = planning.find((row) => row.env === "point-mass" && row.agent === "ground-truth")
  const swing = planning.find((row) => row.env === "pendulum" && row.agent === "ground-truth")
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
