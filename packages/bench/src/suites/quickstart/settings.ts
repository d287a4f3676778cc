/**
 * The quickstart suite's settings: per environment, the episodes, the planner and the cost.
 *
 * @module
 */

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
