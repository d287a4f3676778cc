/**
 * The quickstart suite: objective-driven planning with ground-truth world models, no learning.
 * The gradient planner drives a point mass to a goal and swings a pendulum up and balances it,
 * replanning at every step.
 *
 * @module
 */
import { Random } from "@telos/core"
import { normalizeAngle, pendulum, pointMass } from "@telos/envs"
import { actionMagnitudeCost, addCosts, goalCost, gradientPlanner, scaleCost } from "@telos/planner"
import type * as tf from "@tensorflow/tfjs"
import { runPlanningBenchmark } from "../PlanningBenchmark.js"
import type { Suite, SuiteCheck } from "../Suite.js"

/** Planner settings per environment: small enough to run on two cores in a few minutes. */
export const quickstartSettings = {
  "point-mass": {
    episodes: 20,
    horizon: 30,
    planner: { iterations: 20, warmStartIterations: 5, restarts: 4, learningRate: 0.2, initialStd: 0.3 },
    // Reach the goal's position and arrive slowly; velocities matter a little.
    goalWeights: [1, 1, 0.05, 0.05],
    actionWeight: 0.001
  },
  pendulum: {
    episodes: 10,
    horizon: 30,
    planner: { iterations: 30, warmStartIterations: 5, restarts: 8, learningRate: 0.2, initialStd: 0.5 },
    // Upright is the latent [cos, sin, velocity] = [1, 0, 0]. Speed is weighed lightly (Gymnasium's
    // reward uses 0.1): a heavier speed term makes "hold the pole half-way up" a local minimum that
    // the swing-up, which needs speed, cannot escape.
    goalWeights: [1, 1, 0.01],
    actionWeight: 0.001
  }
} as const

/** Pendulum success: upright (within 0.1 rad) and nearly still (under 0.5 rad/s) at the last step. */
export const pendulumBalanced = (info: Readonly<Record<string, unknown>>): boolean =>
  Math.abs(normalizeAngle(info.theta as number)) < 0.1 && Math.abs(info.thetaDot as number) < 0.5

const requireGoals = (goals: tf.Tensor2D | undefined): tf.Tensor2D => {
  if (goals === undefined) throw new Error("point-mass episodes always carry a goal")
  return goals
}

/** The quickstart suite. */
export const quickstartSuite: Suite = {
  id: "quickstart",
  description: "Gradient planner + MPC with ground-truth models: point-mass goal reaching, pendulum swing-up",
  protocol: {
    planner:
      "gradient (Adam over the action sequence, restarts in one batch, projection to bounds, warm start)",
    control: "model-predictive control, replanning every step, all episodes of a row planned as one batch",
    models: "ground-truth differentiable dynamics (identity encoder)",
    "point-mass": "success: distance to goal < 0.05 within 100 steps; 20 episodes",
    pendulum:
      "Gymnasium Pendulum-v1, 200 steps, return = sum of Gymnasium rewards; 10 episodes; success: upright within 0.1 rad and |velocity| < 0.5 at the end",
    settings: quickstartSettings
  },
  run: async function* (context) {
    const rng = Random.fromSeed(context.seed)
    const massSettings = quickstartSettings["point-mass"]
    const massModel = pointMass.groundTruthModel()
    yield runPlanningBenchmark(
      {
        env: "point-mass",
        makeEnv: () => pointMass.make(),
        model: massModel,
        planner: gradientPlanner(massSettings.planner),
        horizon: massSettings.horizon,
        goalOf: (info) => info.goal as Float64Array,
        cost: (goals) =>
          addCosts(
            goalCost({ goal: requireGoals(goals), mode: "running", weights: massSettings.goalWeights }),
            scaleCost(massSettings.actionWeight, actionMagnitudeCost())
          ),
        episodes: context.episodes ?? massSettings.episodes,
        seed: context.seed,
        details: { ...massSettings.planner }
      },
      rng.split(),
      (step) => context.progress("point-mass", Math.min(1, step / pointMass.definition.maxEpisodeSteps))
    )
    const swingSettings = quickstartSettings.pendulum
    yield runPlanningBenchmark(
      {
        env: "pendulum",
        makeEnv: () => pendulum.make(),
        model: pendulum.groundTruthModel(),
        planner: gradientPlanner(swingSettings.planner),
        horizon: swingSettings.horizon,
        cost: () =>
          addCosts(
            goalCost({ goal: [[1, 0, 0]], mode: "running", weights: swingSettings.goalWeights }),
            scaleCost(swingSettings.actionWeight, actionMagnitudeCost())
          ),
        isSuccess: pendulumBalanced,
        episodes: context.episodes ?? swingSettings.episodes,
        seed: context.seed,
        details: { ...swingSettings.planner }
      },
      rng.split(),
      (step) => context.progress("pendulum", step / pendulum.definition.maxEpisodeSteps)
    )
  },
  checks: (rows): ReadonlyArray<SuiteCheck> => {
    const mass = rows.find((row) => row.env === "point-mass")
    const swing = rows.find((row) => row.env === "pendulum")
    return [
      {
        description: "point-mass success rate >= 0.95",
        passed: mass !== undefined && mass.successRate >= 0.95
      },
      { description: "pendulum mean return >= -250", passed: swing !== undefined && swing.meanReturn >= -250 }
    ]
  }
}
