/**
 * The `quickstart` suite: the gradient planner with model-predictive control on the ground-truth
 * models of point-mass (reaching) and pendulum (swing-up), beside random actions; two runs of the
 * pipeline on the settings in `settings.ts` (nothing is learned, so nothing is collected).
 *
 * @module
 */
import type { Planner } from "@telos/core"
import { pointMass } from "@telos/envs"
import { flatAgent } from "@telos/planner"
import { mergeConfig, resolveRunConfig } from "../../configurator/Resolve.js"
import { costOf, groundTruthParts } from "../../pipeline/Agents.js"
import { runsSuite } from "../../pipeline/RunsSuite.js"
import type { PlanningBenchmark } from "../../report/PlanningBenchmark.js"
import type { Suite } from "../../report/Suite.js"
import { quickstartChecks } from "./checks.js"
import { quickstartRuns, quickstartSettings } from "./settings.js"

/**
 * Point-mass reaching on the ground-truth model with the quickstart's cost and horizon, for any
 * planner (the Two-Rooms suite compares its planners on it).
 *
 * @example
 * ```ts
 * runPlanningBenchmark({ ...pointMassReaching(cemPlanner({})), episodes: 20, seed: 0 }, rng, () => {})
 * ```
 */
export const pointMassReaching = (planner: Planner): Omit<PlanningBenchmark, "episodes" | "seed"> => {
  const config = resolveRunConfig(pointMass, "point-mass", {
    file: mergeConfig(quickstartSettings, quickstartRuns["point-mass"]) as Record<string, unknown>
  })
  return {
    env: "point-mass",
    makeEnv: () => pointMass.make(),
    agent: flatAgent({
      model: pointMass.groundTruthModel(),
      planner,
      horizon: config.actor.horizon,
      cost: costOf(config, groundTruthParts(config, pointMass).probe)
    })
  }
}

/** The `quickstart` suite. */
export const quickstartSuite: Suite = runsSuite({
  id: "quickstart",
  description:
    "Gradient planner + MPC with ground-truth models (and random actions): point-mass reaching, pendulum swing-up",
  settings: quickstartSettings,
  runs: (["point-mass", "pendulum"] as const).map((env) => ({
    env,
    settings: quickstartRuns[env],
    fields: {}
  })),
  fieldColumns: [],
  checks: quickstartChecks
})
