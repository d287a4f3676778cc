/**
 * What the `maze-hier` suite must show: the hierarchy beats flat planning at equal compute on the
 * medium maze, and whether a third level helps on the large one.
 *
 * @module
 */
import type { SuiteCheck } from "../../report/Suite.js"
import type { MazeHierarchyRow } from "./suite.js"

const findRow = (
  rows: ReadonlyArray<MazeHierarchyRow>,
  maze: string,
  levels: number,
  lookahead: number
): MazeHierarchyRow | undefined =>
  rows.find(
    (row) =>
      row.maze === maze && row.levels === levels && row.lookahead === lookahead && row.encoder === "frozen"
  )

const memoryName = (lookahead: number): string =>
  lookahead === 0 ? "without waypoints" : `memory ${lookahead} hops`

/**
 * The suite's checks, for each memory setting run: on the medium maze, the 2-level hierarchy
 * reaches 0.9 where the flat planner at the same compute stays at least 0.1 below; on the large
 * maze, whether 3 levels beat 2.
 *
 * @example
 * ```ts
 * mazeHierarchyChecks(rows).map((check) => check.passed)
 * ```
 */
export const mazeHierarchyChecks = (rows: ReadonlyArray<MazeHierarchyRow>): ReadonlyArray<SuiteCheck> => {
  const lookaheads = [...new Set(rows.map((row) => row.lookahead))].sort((a, b) => a - b)
  const checks: Array<SuiteCheck> = []
  for (const lookahead of lookaheads) {
    const hierarchy = findRow(rows, "medium", 2, lookahead)
    const flat = findRow(rows, "medium", 1, lookahead)
    if (hierarchy === undefined || flat === undefined) continue
    checks.push({
      description: `maze-medium, ${memoryName(lookahead)}: 2 levels >= 0.9 (${hierarchy.successRate.toFixed(2)}) and flat at equal compute at least 0.1 below (${flat.successRate.toFixed(2)})`,
      passed: hierarchy.successRate >= 0.9 && flat.successRate <= hierarchy.successRate - 0.1
    })
  }
  for (const lookahead of lookaheads) {
    const three = findRow(rows, "large", 3, lookahead)
    const two = findRow(rows, "large", 2, lookahead)
    if (three === undefined || two === undefined) continue
    checks.push({
      description: `maze-large, ${memoryName(lookahead)}: 3 levels beat 2 (${three.successRate.toFixed(2)} vs ${two.successRate.toFixed(2)})`,
      passed: three.successRate > two.successRate
    })
  }
  return checks
}
