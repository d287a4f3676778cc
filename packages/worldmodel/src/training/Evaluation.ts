/**
 * How good a JEPA world model is, measured on held-out windows of a dataset: prediction error in
 * latent space after k steps, whether the representation has collapsed (per-dimension spread,
 * effective rank), and how linearly the true state (for the navigation worlds, the agent's
 * position, which datasets record as their state observations) can be read from the latent.
 *
 * @module
 */
import { Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import type { Dataset } from "../data/Dataset.js"
import type { JepaModel } from "../jepa/Jepa.js"
import {
  type CollapseReport,
  collapseReport,
  effectiveRank,
  linearProbe,
  perDimensionStd
} from "./Metrics.js"
import { batchTensors } from "./Training.js"

/** A latent dimension whose standard deviation is below this has collapsed. */
export const collapseThreshold = 0.1

/** Metrics of a model on a dataset. */
export interface JepaEvaluation {
  /** Mean squared latent error per dimension after k predicted steps, by k. */
  readonly predictionError: Readonly<Record<string, number>>
  /** The same divided by the mean per-dimension variance of the latents: scale-free. */
  readonly relativePredictionError: Readonly<Record<string, number>>
  /** Mean per-dimension standard deviation of the latents. */
  readonly meanStd: number
  /** The smallest per-dimension standard deviation of the latents. */
  readonly minimumStd: number
  /** Effective rank of the latents' covariance (see `effectiveRank`), between 0 and the latent size. */
  readonly effectiveRank: number
  /** Which latent dimensions collapsed (standard deviation below 0.1). */
  readonly collapse: CollapseReport
  /** Held-out R^2 of a linear probe from the latent to the state observation. */
  readonly probeR2: number
  /** Windows evaluated. */
  readonly samples: number
}

/** Options of {@link evaluateJepa}. */
export interface EvaluationOptions {
  /** Windows to evaluate (default 256 for vector observations, 96 for images). */
  readonly samples?: number
  /** Prediction horizons to report (default 1, 4 and 16; longer ones are dropped if episodes are shorter). */
  readonly horizons?: ReadonlyArray<number>
  /** Seed of the sampled windows and of the probe's split (default 12345). */
  readonly seed?: number
}

const chunkedEncode = (model: JepaModel, frames: tf.Tensor, chunk: number): tf.Tensor2D =>
  tf.tidy(() => {
    const count = frames.shape[0] as number
    const parts: Array<tf.Tensor2D> = []
    for (let start = 0; start < count; start += chunk) {
      const size = Math.min(chunk, count - start)
      parts.push(model.encoder.encode(frames.slice([start], [size])))
    }
    return tf.concat(parts, 0) as tf.Tensor2D
  })

/**
 * Evaluates `model` on windows sampled from `dataset` with a fixed seed.
 *
 * @example
 * ```ts
 * const metrics = evaluateJepa(model, dataset)
 * metrics.probeR2 // 0.98
 * metrics.predictionError["16"]
 * ```
 */
export const evaluateJepa = (
  model: JepaModel,
  dataset: Dataset,
  options: EvaluationOptions = {}
): JepaEvaluation => {
  const images = model.config.observation.kind === "image"
  const samples = options.samples ?? (images ? 96 : 256)
  const longest = Math.max(
    ...(options.horizons ?? [1, 4, 16]).filter((horizon) => dataset.windowCount(horizon) > 0)
  )
  const horizons = (options.horizons ?? [1, 4, 16]).filter((horizon) => horizon <= longest)
  const batch = dataset.sampleSubsequences(samples, longest, Random.fromSeed(options.seed ?? 12345))
  const steps = longest + 1
  const latentSize = model.config.latentSize
  const { latents, errors } = tf.tidy(() => {
    const tensors = batchTensors(model, batch, dataset)
    const encoded = chunkedEncode(model, tensors.frames, 256).reshape([
      steps,
      samples,
      latentSize
    ]) as tf.Tensor3D
    const first = encoded.slice([0, 0, 0], [1, -1, -1]).reshape([samples, latentSize]) as tf.Tensor2D
    const last = encoded.slice([steps - 1, 0, 0], [1, -1, -1]).reshape([samples, latentSize]) as tf.Tensor2D
    const latentVariable = model.inferLatentVariable?.(first, last, tensors.actions.mean(0) as tf.Tensor2D)
    const perStep: Array<tf.Scalar> = []
    let state = first
    for (let step = 1; step <= longest; step++) {
      const action = tensors.actions
        .slice([step - 1, 0, 0], [1, -1, -1])
        .reshape([samples, -1]) as tf.Tensor2D
      state = model.predictor.step(state, action, latentVariable)
      const target = encoded.slice([step, 0, 0], [1, -1, -1]).reshape([samples, latentSize])
      perStep.push(state.sub(target).square().mean() as tf.Scalar)
    }
    return { latents: first, errors: tf.stack(perStep) }
  })
  const latentValues = latents.dataSync() as Float32Array
  const errorValues = errors.dataSync()
  tf.dispose([latents, errors])
  const spread = perDimensionStd(latentValues, samples, latentSize)
  const meanVariance = spread.reduce((sum, value) => sum + value * value, 0) / latentSize
  // The state observation of the first frame of every window is the probe's target.
  const observationSize = dataset.observationSize
  const targets = new Float32Array(samples * observationSize)
  for (let index = 0; index < samples; index++) {
    targets.set(
      batch.observations.subarray(index * steps * observationSize, (index * steps + 1) * observationSize),
      index * observationSize
    )
  }
  const probe = linearProbe({
    inputs: latentValues,
    inputSize: latentSize,
    targets,
    targetSize: observationSize,
    count: samples,
    rng: Random.fromSeed(options.seed ?? 12345)
  })
  // VICReg's variance term aims each dimension at a standard deviation of 1: ten times less is collapse.
  const collapse = collapseReport(latentValues, samples, latentSize, collapseThreshold)
  return {
    predictionError: Object.fromEntries(
      horizons.map((horizon) => [String(horizon), errorValues[horizon - 1] as number])
    ),
    relativePredictionError: Object.fromEntries(
      horizons.map((horizon) => [
        String(horizon),
        (errorValues[horizon - 1] as number) / Math.max(meanVariance, 1e-12)
      ])
    ),
    meanStd: collapse.meanStd,
    minimumStd: collapse.minimumStd,
    effectiveRank: effectiveRank(latentValues, samples, latentSize),
    collapse,
    probeR2: probe.r2,
    samples
  }
}

/** How well a latent-variable model's futures cover what happened, after `horizon` steps. */
export interface LatentVariableCoverage {
  /** Mean squared latent error with z = 0 (the model's "typical world"). */
  readonly typicalError: number
  /** Mean over windows of the smallest error among K futures, one per z drawn from the prior. */
  readonly bestOfKError: number
  /** The error with z inferred from the window itself: the floor sampling can approach. */
  readonly posteriorError: number
  /** K: values of z drawn per window. */
  readonly candidates: number
  /** Predicted steps per window. */
  readonly horizon: number
}

/**
 * Measures whether sampling z yields the plausible futures: for held-out windows, roll the model
 * out under K values of z drawn from the prior (the z inferred on other windows) and keep the
 * closest future. A deterministic model compares with its own error (z is absent there).
 *
 * @example
 * ```ts
 * const coverage = latentVariableCoverage(windModel, windData, { candidates: 8, horizon: 8 })
 * coverage.bestOfKError < coverage.typicalError
 * ```
 */
export const latentVariableCoverage = (
  model: JepaModel,
  dataset: Dataset,
  options: {
    readonly candidates?: number
    readonly horizon?: number
    readonly samples?: number
    readonly seed?: number
  } = {}
): LatentVariableCoverage => {
  const candidates = options.candidates ?? 8
  const horizon = options.horizon ?? 8
  const samples = options.samples ?? 256
  const latentSize = model.config.latentSize
  const batch = dataset.sampleSubsequences(samples, horizon, Random.fromSeed(options.seed ?? 4321))
  const values = tf.tidy(() => {
    const tensors = batchTensors(model, batch, dataset)
    const encoded = chunkedEncode(model, tensors.frames, 256).reshape([horizon + 1, samples, latentSize])
    const first = encoded.slice([0, 0, 0], [1, -1, -1]).reshape([samples, latentSize]) as tf.Tensor2D
    const last = encoded.slice([horizon, 0, 0], [1, -1, -1]).reshape([samples, latentSize]) as tf.Tensor2D
    const errorUnder = (latentVariable: tf.Tensor2D | undefined): tf.Tensor1D => {
      let state = first
      for (let step = 0; step < horizon; step++) {
        const action = tensors.actions.slice([step, 0, 0], [1, -1, -1]).reshape([samples, -1]) as tf.Tensor2D
        state = model.predictor.step(state, action, latentVariable)
      }
      return state.sub(last).square().mean(1) as tf.Tensor1D
    }
    const typical = errorUnder(undefined)
    if (model.inferLatentVariable === undefined)
      return tf.stack([typical.mean(), typical.mean(), typical.mean()])
    const inferred = model.inferLatentVariable(first, last, tensors.actions.mean(0) as tf.Tensor2D)
    const posterior = errorUnder(inferred)
    // The prior: z inferred on the first K windows, each tried on every window.
    const futures = Array.from({ length: candidates }, (_, index) =>
      errorUnder(inferred.slice([index % samples, 0], [1, -1]).tile([samples, 1]) as tf.Tensor2D)
    )
    return tf.stack([typical.mean(), tf.stack(futures).min(0).mean(), posterior.mean()])
  })
  const [typicalError, bestOfKError, posteriorError] = values.dataSync()
  values.dispose()
  return {
    typicalError: typicalError as number,
    bestOfKError: bestOfKError as number,
    posteriorError: posteriorError as number,
    candidates,
    horizon
  }
}
