/**
 * The quickstart suite's protocol as configuration: the gradient planner on each environment's
 * ground-truth model (and random actions beside it), with a hand-weighted cost.
 *
 * @module
 */
import type { RunSettings } from "../../configurator/RunConfig.js"

/**
 * What both runs share: the ground truth's gradient planner (30 steps ahead, 5 warm-started Adam
 * steps of 0.2 half-widths) against random actions; the goal judged on weighted observation
 * coordinates plus a small action term.
 *
 * @example
 * ```ts
 * quickstartSettings.actor?.horizon // 30
 * ```
 */
export const quickstartSettings: RunSettings = {
  actor: { planner: "gradient", horizon: 30, warmStartIterations: 5, learningRate: 0.2 },
  cost: { judgedOn: "probe", actionWeight: 0.001 },
  evaluation: { agents: ["ground-truth", "random"] }
}

/**
 * Per environment, over {@link quickstartSettings}: episodes, the planner's budget, and the cost's
 * weights. Point-mass: reach the goal's position and arrive slowly (velocities weigh a little).
 * Pendulum: upright is `[cos, sin, velocity] = [1, 0, 0]`; speed weighs lightly (Gymnasium's
 * reward uses 0.1), since a heavier speed term makes "hold the pole half-way up" a local minimum
 * that the swing-up, which needs speed, cannot escape.
 *
 * @example
 * ```ts
 * quickstartRuns.pendulum.cost?.weights // [1, 1, 0.01]
 * ```
 */
export const quickstartRuns: Readonly<Record<"point-mass" | "pendulum", RunSettings>> = {
  "point-mass": {
    actor: { iterations: 20, candidates: 4, initialStd: 0.3 },
    cost: { dimensions: [0, 1, 2, 3], weights: [1, 1, 0.05, 0.05] },
    evaluation: { episodes: 20 }
  },
  pendulum: {
    actor: { iterations: 30, candidates: 8, initialStd: 0.5 },
    cost: { dimensions: [0, 1, 2], weights: [1, 1, 0.01] },
    evaluation: { episodes: 10 }
  }
}
