/**
 * The `diverse-maze` suite's protocol as configuration: world models learned on N training layouts
 * of PLDM's diverse-maze family, agents evaluated in layouts held out from training, per bucket of
 * start-goal path length. `telos run --env diverse-maze-5 --preset diverse-maze` runs the shared
 * settings on one training set.
 *
 * @module
 */
import type { RunSettings } from "../../configurator/RunConfig.js"

/**
 * The settings every run shares: 20,000 random-walk transitions of 64 x 64 images in 100-step
 * episodes of the training layouts; a 2,000-step JEPA with a 32-number latent (it must hold the
 * layout as well as the position), its inverse-dynamics term weighted 4 and no smoothness term; levels of 8-number macro-actions trained 2,000 steps on the frozen
 * encoder; level 0 the gradient planner over 16 steps, the levels above CEM over 8 macro-steps; the
 * cost the latent distance to the goal image's latent; no memory (none may hold a held-out layout);
 * 40 episodes per bucket, the flat agent at the hierarchical agent's planning compute, the first two
 * episodes of each row drawn. Each agent also plans with the online memory of its episode (the
 * `+online` rows: the places it stalled, which it then keeps away from), which holds nothing but
 * what the episode itself has seen.
 *
 * @example
 * ```ts
 * diverseMazeSettings.memory?.landmarks // 0
 * ```
 */
export const diverseMazeSettings: RunSettings = {
  data: { transitions: 20_000, episodeLength: 100, observations: "pixels" },
  worldModel: {
    latentSize: 32,
    epochs: 16,
    stepsPerEpoch: 125,
    batchSize: 32,
    rolloutSteps: 4,
    learningRate: 1e-3,
    // The layout alone satisfies the variance term across a batch of episodes, and the smoothness
    // term favours dimensions that do not move: the inverse-dynamics term is what keeps the position.
    lossWeights: { inverseDynamics: 4, smoothness: 0 }
  },
  levels: {
    strides: [5],
    macroActionSize: 8,
    trainingSteps: 2000,
    batchSize: 32,
    topSteps: 2,
    learningRate: 1e-3,
    encoder: "frozen"
  },
  cost: { judgedOn: "latent", dimensions: [] },
  actor: { planner: "gradient", horizon: 16, iterations: 20, warmStartIterations: 10, candidates: 8 },
  upperActor: { planner: "cem", horizon: 8 },
  memory: { landmarks: 0 },
  evaluation: {
    episodes: 40,
    agents: ["hierarchical", "flat", "hierarchical+online", "flat+online"],
    equalCompute: true,
    drawnEpisodes: 2
  }
}

/** A bucket of start-goal pairs by the length of their shortest path, in blocks. */
export type DiverseMazeBucket = "short" | "medium" | "long"

/**
 * What the suite varies: the training layouts, the buckets (each a held-out environment:
 * `diverse-maze-held-out-<bucket>`) and the hierarchies' strides. Level 1's stride of 5 steps is
 * about one and a half blocks at full speed; level 2's 20 steps about the longest bucket's paths.
 *
 * @example
 * ```ts
 * diverseMazeVariations.layouts // [5, 20]
 * ```
 */
export const diverseMazeVariations = {
  /** Training layouts (N): the environments `diverse-maze-<N>`. */
  layouts: [5, 20] as ReadonlyArray<5 | 20>,
  /** The buckets, each its own held-out environment. */
  buckets: ["short", "medium", "long"] as ReadonlyArray<DiverseMazeBucket>,
  /** Strides of 2 levels and of 3. */
  strides: { 2: [5], 3: [5, 20] } as Readonly<Record<2 | 3, ReadonlyArray<number>>>
}
