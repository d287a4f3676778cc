/**
 * The `maze-hier` suite's protocol as configuration: every run shares these settings (a partial
 * run configuration over each maze's defaults); the suite varies the maze, the levels, the memory's
 * waypoints and the encoder. `telos run --env maze-medium --preset maze-hier` runs them too.
 *
 * @module
 */
import type { MazeLayoutName } from "@telos/envs"
import type { RunSettings } from "../../configurator/RunConfig.js"

/**
 * The settings every run of the suite shares: 30,000 random-walk transitions of 64 x 64 images per
 * maze; a 5,000-step JEPA; levels with strides 10 and 40 and 8-dim macro-actions (as HWM), trained
 * 2,000 steps on the frozen encoder; level 0 the gradient planner over 16 steps, the levels above
 * CEM over 8 macro-steps replanned every 5 steps; a memory of 256 landmarks (split less eagerly
 * than the default: a maze's thin walls would cut clusters into landmarks too small for recorded
 * steps to join) that anchors subgoals, guards passages and adds its route to the upper levels'
 * cost; 100 episodes, the flat agent at the hierarchical agent's planning compute.
 *
 * @example
 * ```ts
 * mazeHierarchySettings.levels.strides // [10]
 * ```
 */
export const mazeHierarchySettings: RunSettings = {
  data: { transitions: 30_000, observations: "pixels" },
  worldModel: {
    latentSize: 16,
    epochs: 40,
    stepsPerEpoch: 125,
    batchSize: 32,
    rolloutSteps: 4,
    learningRate: 1e-3
  },
  levels: {
    strides: [10],
    macroActionSize: 8,
    trainingSteps: 2000,
    batchSize: 32,
    topSteps: 2,
    learningRate: 1e-3,
    encoder: "frozen"
  },
  cost: { judgedOn: "latent", dimensions: [] },
  actor: { planner: "gradient", horizon: 16, iterations: 20, warmStartIterations: 10, candidates: 8 },
  // The defaults' CEM over 8 macro-steps (6 and 3 iterations, 128 samples), replanned more often.
  upperActor: { planner: "cem", horizon: 8, replanInterval: 5 },
  memory: {
    landmarks: 256,
    linkFraction: 3,
    lookahead: 7,
    anchorSubgoals: true,
    passages: { quantile: 0.95, weight: 10 },
    routeWeight: 2
  },
  evaluation: { episodes: 100, agents: ["hierarchical+memory", "flat+memory"], equalCompute: true }
}

/**
 * What the suite varies.
 *
 * @example
 * ```ts
 * mazeHierarchyVariations.mazes // ["u", "four-rooms", "medium", "large"]
 * ```
 */
export const mazeHierarchyVariations = {
  /** The maze layouts. */
  mazes: ["u", "four-rooms", "medium", "large"] as ReadonlyArray<MazeLayoutName>,
  /** The hierarchies' strides: 2 levels (10) and 3 levels (10, 40). */
  strides: [[10], [10, 40]] as ReadonlyArray<ReadonlyArray<number>>,
  /** The memory's waypoint lookaheads (hops); 0: no waypoints (the upper levels still read the memory). */
  lookaheads: [0, 7, 10] as ReadonlyArray<number>,
  /** Mazes on which a JEPA is also trained jointly with its levels. */
  jointMazes: ["medium"] as ReadonlyArray<MazeLayoutName>
}
