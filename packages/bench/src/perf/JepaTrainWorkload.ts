/**
 * The JEPA training workload (`jepa-train-*`): one Adam step over an encoder and the `mlp-wm`
 * predictor on a fixed random batch of sequences. The encoder (MLP 64 -> 256 -> 256 -> 64, relu)
 * embeds every observation; the predictor rolls out from the first embedding under the batch's
 * actions and is pulled towards the later embeddings, held fixed as targets; VICReg's variance and
 * covariance terms on all embeddings keep them from collapsing.
 *
 * As in the PyTorch reference, the batch and the optimiser persist from one step to the next, so
 * repeated runs continue one training, and each step's loss is read back to host memory.
 *
 * @module
 */
import { compiledAdam, fusedDense, type Random, stopGradient } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import {
  glorotUniform,
  initialMlpWeights,
  type MlpWorldModelWeights,
  predictNextState,
  stepActions
} from "./MlpWorldModel.js"
import type { JepaTrainWorkload, PerfWorldModelDefinition } from "./Workloads.js"

/** Widths of the encoder's two hidden layers, from the workload's `encoder` text. */
export const jepaEncoderHidden = 256

/** Weights of the prediction, variance and covariance terms, from the workload's `loss` text. */
export const jepaLossWeights = { prediction: 1, variance: 25, covariance: 1 } as const

/** Adam's learning rate, from the workload's `optimizer` text. */
export const jepaLearningRate = 1e-3

// Added to the variance before its square root, as VICReg does, so a collapsed dimension still
// has a finite gradient.
const varianceEpsilon = 1e-4

/** The encoder's weights: three layers, the last without activation (the predictor's layout). */
export type JepaEncoderWeights = MlpWorldModelWeights

/**
 * Embeds observations `[N, observationDim]` into latent states `[N, stateDim]`.
 *
 * @example
 * ```ts
 * const latents = encodeObservations(encoder, observations) // [N, 64]
 * ```
 */
export const encodeObservations = (weights: JepaEncoderWeights, observations: tf.Tensor2D): tf.Tensor2D =>
  tf.tidy(() => {
    const first = fusedDense(observations, weights.w1, weights.b1, "relu")
    const second = fusedDense(first, weights.w2, weights.b2, "relu")
    return fusedDense(second, weights.w3, weights.b3)
  })

/**
 * VICReg's regularisers on embeddings `[N, D]`: the variance term (mean hinge of each dimension's
 * standard deviation below 1) and the covariance term (sum of squared off-diagonal covariances,
 * divided by `D`). Both use the unbiased estimates. `offDiagonal` is a `[D, D]` mask, ones off the
 * diagonal, which callers build once.
 *
 * @example
 * ```ts
 * const { variance, covariance } = vicregTerms(latents, offDiagonal)
 * ```
 */
export const vicregTerms = (
  embeddings: tf.Tensor2D,
  offDiagonal: tf.Tensor2D
): { readonly variance: tf.Scalar; readonly covariance: tf.Scalar } =>
  tf.tidy(() => {
    const [count, size] = embeddings.shape
    const centred = embeddings.sub(embeddings.mean(0))
    const std = centred
      .square()
      .sum(0)
      .div(count - 1)
      .add(varianceEpsilon)
      .sqrt()
    const variance = tf.relu(tf.scalar(1).sub(std)).mean() as tf.Scalar
    const covarianceMatrix = tf.matMul(centred, centred, true, false).div(count - 1)
    const covariance = covarianceMatrix.square().mul(offDiagonal).sum().div(size) as tf.Scalar
    return { variance, covariance }
  })

/** A JEPA training run in progress: each `step` takes one Adam step and returns its loss. */
export interface JepaTrainer {
  /** One training step; returns the loss before the step, read back to host memory. */
  readonly step: () => number
  /** Releases the parameters, the batch and the optimiser's state. */
  readonly dispose: () => void
}

const asVariables = <T extends { readonly [Name in keyof T]: tf.Tensor }>(tensors: T): T => {
  const variables = Object.fromEntries(
    Object.entries<tf.Tensor>(tensors).map(([name, tensor]) => [name, tf.variable(tensor)])
  )
  tf.dispose(Object.values<tf.Tensor>(tensors))
  return variables as unknown as T
}

/**
 * Builds the workload's model, batch and optimiser from `rng` (predictor weights first, then the
 * encoder's, then the batch: observations `[T + 1, B, observationDim]` from `N(0, 1)` and actions
 * `[T, B, actionDim]` from `N(0, 1)` clipped to `bounds`).
 *
 * @example
 * ```ts
 * const trainer = makeJepaTrainer(perfWorkloads.worldModel, workload, perfWorkloads.actionBounds, rng)
 * const loss = trainer.step()
 * trainer.dispose()
 * ```
 */
export const makeJepaTrainer = (
  definition: PerfWorldModelDefinition,
  workload: JepaTrainWorkload,
  bounds: readonly [low: number, high: number],
  rng: Random
): JepaTrainer => {
  const { batch, rolloutSteps, observationDim } = workload
  const { stateDim, actionDim } = definition
  const predictor: MlpWorldModelWeights = asVariables(initialMlpWeights(definition, rng))
  const encoder: JepaEncoderWeights = asVariables({
    w1: glorotUniform(rng, observationDim, jepaEncoderHidden),
    b1: tf.zeros([jepaEncoderHidden]) as tf.Tensor1D,
    w2: glorotUniform(rng, jepaEncoderHidden, jepaEncoderHidden),
    b2: tf.zeros([jepaEncoderHidden]) as tf.Tensor1D,
    w3: glorotUniform(rng, jepaEncoderHidden, stateDim),
    b3: tf.zeros([stateDim]) as tf.Tensor1D
  })
  const parameters = [...Object.values(predictor), ...Object.values(encoder)] as Array<tf.Variable>
  const observations: tf.Tensor2D = tf.randomNormal(
    [(rolloutSteps + 1) * batch, observationDim],
    0,
    1,
    "float32",
    rng.seed()
  )
  const actions = tf.tidy(() =>
    tf.randomNormal([rolloutSteps, batch, actionDim], 0, 1, "float32", rng.seed()).clipByValue(...bounds)
  ) as tf.Tensor3D
  const offDiagonal = tf.tidy(() => tf.ones([stateDim, stateDim]).sub(tf.eye(stateDim))) as tf.Tensor2D
  const loss = (): tf.Scalar => {
    // Observations are stored flat, time-major, so one encoder call embeds the whole batch.
    const latents = encodeObservations(encoder, observations)
    const perStep = latents.reshape([rolloutSteps + 1, batch, stateDim]).unstack() as Array<tf.Tensor2D>
    let state = perStep[0] as tf.Tensor2D
    let prediction: tf.Scalar = tf.scalar(0)
    for (const [index, action] of stepActions(actions).entries()) {
      state = predictNextState(predictor, state, action)
      const target = stopGradient(perStep[index + 1] as tf.Tensor2D)
      prediction = prediction.add(state.sub(target).square().sum(1).mean())
    }
    const { variance, covariance } = vicregTerms(latents, offDiagonal)
    return prediction
      .div(rolloutSteps)
      .mul(jepaLossWeights.prediction)
      .add(variance.mul(jepaLossWeights.variance))
      .add(covariance.mul(jepaLossWeights.covariance))
  }

  // Forward, losses, backward and Adam as one compiled step where the backend compiles. The batch
  // is fixed for the whole run (as in the reference), so the loss reads it directly.
  const optimizer = compiledAdam(
    { learningRate: jepaLearningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    parameters,
    () => ({ total: loss() })
  )
  return {
    step: () => {
      const { total } = optimizer.minimize([])
      try {
        return total.dataSync()[0] as number
      } finally {
        total.dispose()
      }
    },
    dispose: () => {
      optimizer.dispose()
      tf.dispose([...parameters, observations, actions, offDiagonal])
    }
  }
}
