/**
 * The quickstart suite: objective-driven planning with ground-truth world models, no learning.
 * The gradient planner drives a point mass to a goal and swings a pendulum up and balances it,
 * replanning at every step.
 *
 * @module
 */
import { type Planner, Random } from "@telos/core"
import { pendulum, pointMass } from "@telos/envs"
import {
  actionMagnitudeCost,
  addCosts,
  flatAgent,
  goalCost,
  gradientPlanner,
  randomShootingPlanner,
  scaleCost
} from "@telos/planner"
import { type PlanningBenchmark, runPlanningBenchmark } from "../../report/PlanningBenchmark.js"
import type { Suite } from "../../report/Suite.js"
import { quickstartChecks } from "./checks.js"
import { quickstartSettings } from "./settings.js"

/**
 * Point-mass reaching with its ground-truth model and the quickstart's cost (the goal's position
 * and a little of its velocity, and a little action magnitude), for any planner.
 *
 * @example
 * ```ts
 * runPlanningBenchmark({ ...pointMassReaching(cemPlanner()), episodes: 20, seed: 0 }, rng, onStep)
 * ```
 */
export const pointMassReaching = (planner: Planner): Omit<PlanningBenchmark, "episodes" | "seed"> => {
  const mass = quickstartSettings["point-mass"]
  return {
    env: "point-mass",
    makeEnv: () => pointMass.make(),
    agent: flatAgent({
      model: pointMass.groundTruthModel(),
      planner,
      horizon: mass.horizon,
      cost: (targets) =>
        addCosts(
          goalCost({ goal: targets, mode: "running", weights: mass.goalWeights }),
          scaleCost(mass.actionWeight, actionMagnitudeCost())
        )
    })
  }
}

/** The quickstart suite. */
export const quickstartSuite: Suite = {
  id: "quickstart",
  description:
    "Gradient planner + MPC with ground-truth models (and random actions): point-mass reaching, pendulum swing-up",
  protocol: {
    planners:
      "gradient (Adam over the action sequence, restarts in one batch, projection to bounds, warm start); random (uniform random actions, the baseline)",
    control: "model-predictive control, replanning every step, all episodes of a row planned as one batch",
    models: "ground-truth differentiable dynamics (identity encoder)",
    "point-mass": "success: distance to goal < 0.05 within 100 steps; 20 episodes",
    pendulum:
      "Gymnasium Pendulum-v1, 200 steps, return = sum of Gymnasium rewards; 10 episodes; success: upright within 0.1 rad and |velocity| < 0.5 at the end",
    settings: quickstartSettings
  },
  run: async function* (context) {
    const rng = Random.fromSeed(context.seed)
    const mass = quickstartSettings["point-mass"]
    const swing = quickstartSettings.pendulum
    // Random actions first set the scale: what the planner's rows are worth.
    const random = randomShootingPlanner({ samples: 1, useWarmStart: false, name: "random" })
    for (const [planner, details] of [
      [gradientPlanner(mass.planner), mass.planner],
      [random, {}]
    ] as const) {
      yield runPlanningBenchmark(
        {
          ...pointMassReaching(planner),
          episodes: context.episodes ?? mass.episodes,
          seed: context.seed,
          details
        },
        rng.split(),
        (step) => context.progress(`point-mass ${planner.name}`, step / pointMass.definition.maxEpisodeSteps)
      )
    }
    for (const [planner, details] of [
      [gradientPlanner(swing.planner), swing.planner],
      [random, {}]
    ] as const) {
      yield runPlanningBenchmark(
        {
          env: "pendulum",
          makeEnv: () => pendulum.make(),
          agent: flatAgent({
            model: pendulum.groundTruthModel(),
            planner,
            horizon: swing.horizon,
            cost: (targets) =>
              addCosts(
                goalCost({ goal: targets, mode: "running", weights: swing.goalWeights }),
                scaleCost(swing.actionWeight, actionMagnitudeCost())
              )
          }),
          // Upright and still, as the environment names it; success is its info's balanced pole.
          goalOf: () => pendulum.definition.goal as ReadonlyArray<number>,
          episodes: context.episodes ?? swing.episodes,
          seed: context.seed,
          details
        },
        rng.split(),
        (step) => context.progress(`pendulum ${planner.name}`, step / pendulum.definition.maxEpisodeSteps)
      )
    }
  },
  checks: quickstartChecks
}
