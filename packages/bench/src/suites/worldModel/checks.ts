/**
 * What the `worldmodel` suite must show: each model's probe R^2 reaches its target.
 *
 * @module
 */
import type { SuiteCheck, SuiteRow } from "../../report/Suite.js"
import { worldModelProbeTargets } from "./settings.js"
import type { WorldModelRow } from "./suite.js"

/**
 * The suite's checks: each model's probe R^2 reaches its target.
 *
 * @example
 * ```ts
 * worldModelChecks(rows) // [{ description: "two-rooms state: probe R^2 >= 0.95 (0.998)", passed: true }, ...]
 * ```
 */
export const worldModelChecks = (rows: ReadonlyArray<SuiteRow>): ReadonlyArray<SuiteCheck> =>
  (rows as ReadonlyArray<WorldModelRow>).map((row) => ({
    description: `${row.env} ${row.obs}: probe R^2 >= ${worldModelProbeTargets[row.obs]} (${row.probeR2.toFixed(3)})`,
    passed: row.probeR2 >= worldModelProbeTargets[row.obs]
  }))
