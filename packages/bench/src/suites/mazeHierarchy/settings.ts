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
  mazes: ["u", "four-rooms", "medium", "large"] as ReadonlyArray<MazeLayoutName>,
  transitions: 30_000,
  episodes: 100,
  /** The JEPA (level 0): trained until its loss levels off (the README has the measurements). */
  jepa: { epochs: 40, stepsPerEpoch: 125, batchSize: 32, rolloutSteps: 4, learningRate: 1e-3 },
  /** Levels 1 and 2 (level 0 is the JEPA's primitive step). */
  levels: [
    { stride: 10, macroActionSize: 8 },
    { stride: 40, macroActionSize: 8 }
  ],
  /** The levels' training (the README has how their errors moved with its length). */
  levelTraining: { steps: 2000, batchSize: 32, topSteps: 2, learningRate: 1e-3 },
  /** Level 0: the gradient planner, also the flat planner (with more restarts). */
  primitive: { iterations: 20, warmStartIterations: 10, restarts: 8, horizon: 16 },
  /** Levels 1 and 2: CEM over macro-actions. */
  upper: [
    { samples: 128, iterations: 6, warmStartIterations: 3, horizon: 8, replanInterval: 5 },
    { samples: 128, iterations: 6, warmStartIterations: 3, horizon: 6, replanInterval: 20 }
  ],
  /**
   * The landmark memory: k-means landmarks, split less eagerly than in Two-Rooms (`linkFraction`
   * 3: a maze's thin walls split clusters into landmarks too small for recorded steps to join);
   * rows without waypoints, and with targets far enough ahead that reaching the next one takes
   * turns around walls.
   */
  memory: { landmarks: 256, linkFraction: 3, lookaheads: [0, 7, 10] as ReadonlyArray<number> },
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
  passages: { quantile: 0.95, weight: 10 },
  /**
   * Levels 1 and 2 score their predicted latents by the memory's hops to their target
   * (`landmarkRouteCosts`, squared, times `weight`) besides the latent distance, which cuts
   * corners beside walls whose far side encodes close to the target.
   */
  route: { weight: 2 },
  /** Episodes drawn per row in the report. */
  drawnEpisodes: 2
}
