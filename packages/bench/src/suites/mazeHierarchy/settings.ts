/**
 * The `maze-hier` suite's protocol in numbers: the mazes, the data, the models, the levels and the
 * planners.
 *
 * @module
 */
import type { MazeLayoutName } from "@telos/envs"

/**
 * The suite's protocol in numbers.
 *
 * @example
 * ```ts
 * mazeHierarchySettings.levels.map((level) => level.stride) // [10, 40]
 * ```
 */
export const mazeHierarchySettings = {
  /** The maze layouts the suite runs on. */
  mazes: ["u", "four-rooms", "medium", "large"] as ReadonlyArray<MazeLayoutName>,
  /** Transitions of data collected per maze. */
  transitions: 30_000,
  /** Evaluation episodes per row (unless the run overrides the count). */
  episodes: 100,
  /** The JEPA (level 0): trained until its loss levels off (the README has the measurements). */
  jepa: {
    /** Training epochs. */
    epochs: 40,
    /** Optimisation steps per epoch. */
    stepsPerEpoch: 125,
    /** Sequences per step. */
    batchSize: 32,
    /** Predicted steps per training sequence. */
    rolloutSteps: 4,
    /** The optimiser's learning rate. */
    learningRate: 1e-3
  },
  /** Levels 1 and 2 (level 0 is the JEPA's primitive step). */
  levels: [
    {
      /** Primitive steps per step of the level. */
      stride: 10,
      /** Size of the level's macro-actions. */
      macroActionSize: 8
    },
    { stride: 40, macroActionSize: 8 }
  ],
  /** The levels' training (the README has how their errors moved with its length). */
  levelTraining: {
    /** Optimisation steps. */
    steps: 2000,
    /** Sequences per step. */
    batchSize: 32,
    /** Steps of the top level per training sequence. */
    topSteps: 2,
    /** The optimiser's learning rate. */
    learningRate: 1e-3
  },
  /** Level 0: the gradient planner, also the flat planner (with more restarts). */
  primitive: {
    /** Iterations of a plan made from scratch. */
    iterations: 20,
    /** Iterations of a plan warm-started from the previous one. */
    warmStartIterations: 10,
    /** Gradient restarts (the flat planner may use more). */
    restarts: 8,
    /** Primitive steps planned ahead. */
    horizon: 16
  },
  /** Levels 1 and 2: CEM over macro-actions. */
  upper: [
    {
      /** Candidate sequences per CEM iteration. */
      samples: 128,
      /** Iterations of a plan made from scratch. */
      iterations: 6,
      /** Iterations of a plan warm-started from the previous one. */
      warmStartIterations: 3,
      /** Steps of the level planned ahead. */
      horizon: 8,
      /** Primitive steps between plans. */
      replanInterval: 5
    },
    { samples: 128, iterations: 6, warmStartIterations: 3, horizon: 6, replanInterval: 20 }
  ],
  /**
   * The landmark memory: k-means landmarks, split less eagerly than in Two-Rooms (`linkFraction`
   * 3: a maze's thin walls split clusters into landmarks too small for recorded steps to join);
   * rows without waypoints, and with targets far enough ahead that reaching the next one takes
   * turns around walls.
   */
  memory: {
    /** k-means landmarks. */
    landmarks: 256,
    /** Latents closer than this multiple of the median recorded step are neighbours. */
    linkFraction: 3,
    /** The waypoint lookaheads (hops) of the rows; 0: a row without the memory's waypoints. */
    lookaheads: [0, 7, 10] as ReadonlyArray<number>
  },
  /**
   * Each subgoal a level predicts is moved to the nearest landmark of the memory (a recorded
   * latent) before it is handed down: a predicted latent past a wall corner can lie where no
   * observation encodes to, and level 0 would push into the wall towards it.
   */
  anchorSubgoals: true,
  /**
   * The passage guardrail on levels 1 and 2: a predicted macro-step may span as many hops of the
   * landmark memory as `quantile` of the recorded stretches of its stride do; each hop beyond costs
   * `weight`. Level models can predict a way through a wall corner whose two sides encode alike.
   */
  passages: {
    /** The quantile of the recorded stretches' hops that a macro-step may span for free. */
    quantile: 0.95,
    /** Cost per hop beyond. */
    weight: 10
  },
  /**
   * Levels 1 and 2 score their predicted latents by the memory's hops to their target
   * (`landmarkRouteCosts`, squared, times `weight`) besides the latent distance, which cuts
   * corners beside walls whose far side encodes close to the target.
   */
  route: {
    /** Weight of the squared hops in the cost. */
    weight: 2
  },
  /** Episodes drawn per row in the report. */
  drawnEpisodes: 2
}
