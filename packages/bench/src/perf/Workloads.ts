/**
 * The fixed performance workloads: a typed copy of `perf-workloads.json`, the file that pins five
 * planning and training workloads so that telos can be timed side by side with other
 * implementations of the same work on the same machine. Users do not have that file, so the
 * definitions live here; the field names are the file's own (`lr`, `initStd`, ...), so the copy can
 * be compared with the file field for field.
 *
 * @module
 */
import { UnknownNameError } from "@telos/core"

/** The world model every workload plans through (and the JEPA workload trains): `mlp-wm`. */
export interface PerfWorldModelDefinition {
  readonly name: "mlp-wm"
  /** Size of a latent state. */
  readonly stateDim: number
  /** Size of an action. */
  readonly actionDim: number
  /** Width of both hidden layers of the predictor. */
  readonly hidden: number
  /** The predictor in words: a residual three-layer MLP over the concatenated state and action. */
  readonly predictor: string
  /** How the weights start: Glorot-uniform, zero biases, fixed seed. */
  readonly init: string
}

/** A gradient planner workload: Adam on a batch of action sequences through the world model. */
export interface GradientWorkload {
  readonly id: string
  readonly planner: "gradient"
  /** Action sequences optimised together. */
  readonly candidates: number
  readonly horizon: number
  /** Adam steps. */
  readonly iterations: number
  readonly optimizer: "adam"
  /** Adam's learning rate. */
  readonly lr: number
  /** How the sequences start (the standard deviation is {@link gradientInitialStd}). */
  readonly init: string
  readonly projection: string
  readonly result: string
}

/** A cross-entropy method workload: sample around a Gaussian, refit it to the elites. */
export interface CemWorkload {
  readonly id: string
  readonly planner: "cem"
  readonly samples: number
  readonly elites: number
  readonly horizon: number
  readonly iterations: number
  /** The Gaussian's standard deviation before the first refit. */
  readonly initStd: number
  readonly result: string
}

/** An MPPI workload: sample around the mean, reweight by exponentiated negative cost. */
export interface MppiWorkload {
  readonly id: string
  readonly planner: "mppi"
  readonly samples: number
  readonly horizon: number
  readonly iterations: number
  /** The softmax temperature applied to the costs. */
  readonly temperature: number
  /** Standard deviation of the sampling noise around the mean. */
  readonly noiseStd: number
  readonly result: string
}

/** A JEPA training workload: one Adam step of encoder and predictor on a fixed random batch. */
export interface JepaTrainWorkload {
  readonly id: string
  readonly planner: "none"
  readonly trainStep: true
  /** Sequences per batch. */
  readonly batch: number
  /** Predictor steps per sequence (each sequence holds one more observation). */
  readonly rolloutSteps: number
  readonly observationDim: number
  readonly encoder: string
  readonly loss: string
  readonly optimizer: string
  readonly result: string
}

/** One of the fixed workloads. */
export type PerfWorkload = GradientWorkload | CemWorkload | MppiWorkload | JepaTrainWorkload

/** The whole definitions file. */
export interface PerfWorkloadsDefinition {
  readonly about: string
  readonly worldModel: PerfWorldModelDefinition
  /** The planning cost in words (its action weight is {@link actionCostWeight}). */
  readonly cost: string
  /** Every action component lies in `[low, high]`. */
  readonly actionBounds: readonly [low: number, high: number]
  readonly workloads: ReadonlyArray<PerfWorkload>
}

/**
 * The standard deviation of the gradient workloads' initial sequences, from their `init` text
 * ("N(0, 0.1^2) clipped to bounds").
 *
 * @example
 * ```ts
 * tf.randomNormal([16, 256, 4], 0, gradientInitialStd)
 * ```
 */
export const gradientInitialStd = 0.1

/**
 * The weight of the action term of the planning cost, from its text
 * ("||s_T - g||^2 + 0.01 * sum_t ||a_t||^2").
 *
 * @example
 * ```ts
 * const effort = actions.square().sum([0, 2]).mul(actionCostWeight)
 * ```
 */
export const actionCostWeight = 0.01

const sequenceResult = "best candidate's action sequence read back to host memory"

/**
 * The definitions, exactly as `perf-workloads.json` states them.
 *
 * @example
 * ```ts
 * perfWorkloads.workloads.map((workload) => workload.id)
 * // ["gd-256x16", "gd-1024x64", "cem-512x16", "mppi-512x16", "jepa-train-256x8"]
 * ```
 */
export const perfWorkloads: PerfWorkloadsDefinition = {
  about:
    "Fixed planning and training workloads. The project's performance benchmark runs each of these exactly as written, so its timings can be compared side by side with other implementations of the same work on the same machine. Timings exclude model construction and warm-up; each figure is the median over repeated runs.",
  worldModel: {
    name: "mlp-wm",
    stateDim: 64,
    actionDim: 4,
    hidden: 256,
    predictor: "s_next = s + W3 relu(W2 relu(W1 [s; a] + b1) + b2) + b3",
    init: "Glorot-uniform weights, zero biases, fixed seed"
  },
  cost: "c(seq) = ||s_T - g||^2 + 0.01 * sum_t ||a_t||^2, with a fixed random goal g and start s_0",
  actionBounds: [-1, 1],
  workloads: [
    {
      id: "gd-256x16",
      planner: "gradient",
      candidates: 256,
      horizon: 16,
      iterations: 20,
      optimizer: "adam",
      lr: 0.05,
      init: "N(0, 0.1^2) clipped to bounds",
      projection: "clip to bounds after every step",
      result: sequenceResult
    },
    {
      id: "gd-1024x64",
      planner: "gradient",
      candidates: 1024,
      horizon: 64,
      iterations: 20,
      optimizer: "adam",
      lr: 0.05,
      init: "N(0, 0.1^2) clipped to bounds",
      projection: "clip to bounds after every step",
      result: sequenceResult
    },
    {
      id: "cem-512x16",
      planner: "cem",
      samples: 512,
      elites: 64,
      horizon: 16,
      iterations: 10,
      initStd: 0.5,
      result: "final mean sequence read back to host memory"
    },
    {
      id: "mppi-512x16",
      planner: "mppi",
      samples: 512,
      horizon: 16,
      iterations: 10,
      temperature: 1.0,
      noiseStd: 0.5,
      result: "final weighted mean sequence read back to host memory"
    },
    {
      id: "jepa-train-256x8",
      planner: "none",
      trainStep: true,
      batch: 256,
      rolloutSteps: 8,
      observationDim: 64,
      encoder: "MLP 64 -> 256 -> 256 -> 64, relu",
      loss: "mean over the 8 steps of ||pred_t - stopgrad(enc(o_t))||^2 + VICReg variance (hinge to std 1) and covariance terms on enc(o) over the batch, weights 1, 25, 1",
      optimizer: "adam lr 1e-3, one step over all parameters",
      result: "loss value read back to host memory"
    }
  ]
}

/**
 * The workload called `id` among `catalog` (the fixed ones by default), or an `UnknownNameError`
 * listing the known ids.
 *
 * @example
 * ```ts
 * findPerfWorkload("cem-512x16").planner // "cem"
 * ```
 */
export const findPerfWorkload = (
  id: string,
  catalog: ReadonlyArray<PerfWorkload> = perfWorkloads.workloads
): PerfWorkload => {
  const workload = catalog.find((candidate) => candidate.id === id)
  if (workload === undefined) {
    throw new UnknownNameError({ kind: "perf workload", name: id, known: catalog.map(({ id }) => id) })
  }
  return workload
}
