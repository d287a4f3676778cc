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
  /**
   * 5,000 steps: on the medium maze, after 2,000 the JEPA's probe R^2 was 0.89 and its 16-step
   * relative prediction error 0.14, and flat planning with memory 6 hops reached 0.36 (2 levels
   * 0.68); after 5,000, 0.94 and 0.07, and flat 0.88 (2 levels 0.87) on the same memory. Its loss
   * still fell at 2,000 (1.39) and levels off near 5,000 (0.96).
   */
  jepa: { epochs: 40, stepsPerEpoch: 125, batchSize: 32, rolloutSteps: 4, learningRate: 1e-3 },
  /** Levels 1 and 2 (level 0 is the JEPA's primitive step). */
  levels: [
    { stride: 10, macroActionSize: 8 },
    { stride: 40, macroActionSize: 8 }
  ],
  /**
   * 2,000 steps: on the medium maze, level 1's mean relative error over its steps fell from 0.26
   * after 600 to 0.15, and with memory 8 hops the 2-level hierarchy's success went up with it
   * (see the README).
   */
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
   * 3: with 1, a maze's 256 clusters split into 618 landmarks, too few recorded steps joined them,
   * and the goal's landmark was cut off from most of the maze). Rows without waypoints, with targets
   * 7 hops ahead (sparse enough that reaching the next one takes turns around walls) and 10 hops
   * ahead (where the way to the next one is a plan of its own). On the medium maze, flat against
   * 2 levels (with the passage guardrail and the route cost): 0.82 / 1.00 at 7 hops, 0.59 / 1.00 at
   * 8, 0.16 / 1.00 at 10; before them, 0.91 / 1.00 at 6 hops and 0.16 / 0.66 at 10. (With
   * 3 hops, both reached 0.97 in a 30-episode trial: a dense memory leaves no long way to plan.)
   */
  memory: { landmarks: 256, linkFraction: 3, lookaheads: [0, 7, 10] as ReadonlyArray<number> },
  /**
   * Each subgoal a level predicts is moved to the nearest landmark of the memory (a recorded
   * latent) before it is handed down, with or without the memory as director: the level-1 model's
   * predicted latents past wall corners lie where no observation encodes to (1.0-1.4 from the
   * nearest recorded latent, whose steps are 0.3 long), and level 0 pushed into the wall towards
   * them. On the medium maze with waypoints 6 hops apart and an earlier JEPA, the 2-level
   * hierarchy went from 0.81 to 0.95 (without memory: 0.10 either way).
   */
  anchorSubgoals: true,
  /**
   * The passage guardrail on levels 1 and 2: a predicted macro-step may span as many hops of the
   * landmark memory as `quantile` of the recorded stretches of its stride do (on the medium maze 4
   * for stride 10), each hop beyond costs `weight`. Level 1 predicts a way through the wall corner
   * beside the dead end of cell (8, 4), where the encoder puts both sides of the corner close
   * together; every failure of the 2-level hierarchy with memory 7 hops ahead (7 in 100, one
   * training of the level models) stalled there. With the guardrail: 1.00 (see the README).
   */
  passages: { quantile: 0.95, weight: 10 },
  /**
   * Levels 1 and 2 score their predicted latents by the memory's hops to their target
   * (`landmarkRouteCosts`, squared, times `weight`) besides the latent distance, which cuts
   * corners: with waypoints 10 hops ahead the guarded 2-level hierarchy stalled beside walls whose
   * far side encodes close to the target (0.72 on the medium maze); with the route cost, 1.00.
   * Without waypoints, 2 levels reach 1.00 with it (0.10 before): the route reads the same graph.
   */
  route: { weight: 2 },
  /** Episodes drawn per row in the report. */
  drawnEpisodes: 2
}
