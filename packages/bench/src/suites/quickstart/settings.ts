/**
 * The quickstart suite's settings: per environment, the episodes, the planner and the cost.
 *
 * @module
 */

/** Planner settings per environment: small enough to run on two cores in a few minutes. */
export const quickstartSettings = {
  /** Point-mass reaching. */
  "point-mass": {
    /** Episodes per row. */
    episodes: 20,
    /** Steps planned ahead. */
    horizon: 30,
    /** The gradient planner's options. */
    planner: {
      /** Adam steps of a plan made from scratch. */
      iterations: 20,
      /** Adam steps of a warm-started plan. */
      warmStartIterations: 5,
      /** Candidate sequences optimised per problem. */
      restarts: 4,
      /** Adam step size, in units of the half-width of the action box. */
      learningRate: 0.2,
      /** Standard deviation of random initial sequences, in units of the half-width of the action box. */
      initialStd: 0.3
    },
    /** Per-dimension weights of the squared distance to the goal state. */
    // Reach the goal's position and arrive slowly; velocities matter a little.
    goalWeights: [1, 1, 0.05, 0.05],
    /** Weight of the action-magnitude cost (the squared actions summed over the horizon). */
    actionWeight: 0.001
  },
  /** Pendulum swing-up. */
  pendulum: {
    /** Episodes per row. */
    episodes: 10,
    /** Steps planned ahead. */
    horizon: 30,
    /** The gradient planner's options. */
    planner: {
      /** Adam steps of a plan made from scratch. */
      iterations: 30,
      /** Adam steps of a warm-started plan. */
      warmStartIterations: 5,
      /** Candidate sequences optimised per problem. */
      restarts: 8,
      /** Adam step size, in units of the half-width of the action box. */
      learningRate: 0.2,
      /** Standard deviation of random initial sequences, in units of the half-width of the action box. */
      initialStd: 0.5
    },
    /** Per-dimension weights of the squared distance to the goal latent. */
    // Upright is the latent [cos, sin, velocity] = [1, 0, 0]. Speed is weighed lightly (Gymnasium's
    // reward uses 0.1): a heavier speed term makes "hold the pole half-way up" a local minimum that
    // the swing-up, which needs speed, cannot escape.
    goalWeights: [1, 1, 0.01],
    /** Weight of the action-magnitude cost (the squared actions summed over the horizon). */
    actionWeight: 0.001
  }
} as const
