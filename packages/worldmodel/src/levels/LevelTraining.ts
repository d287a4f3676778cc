/**
 * Training the level models of a hierarchy from the same offline trajectories as the JEPA below:
 * each sequence is cut into chunks at every level's stride; the encoder's latents at the chunk
 * boundaries are the targets; each level infers its macro-actions from the level below's actions,
 * rolls its predictor forward over its chunks and is pulled towards the boundaries' latents. A
 * small penalty on `|m|^2` keeps the macro-actions inside the box rather than on its faces, so a
 * planner searching the box meets codes the predictor was trained on.
 *
 * The encoder is either frozen (the JEPA is trained first and the levels learn on its latents) or
 * trained jointly (the levels' prediction error also shapes the encoder, VICReg's terms keep it
 * from collapsing, and a JEPA trainer may run a level-0 step before every level step).
 *
 * @module
 */
import { decodeConfigSync, InvalidValueError, type Random, stopGradient, withDefaults } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
import type { Dataset } from "../data/Dataset.js"
import type { JepaModel } from "../jepa/Jepa.js"
import { covarianceLoss, varianceLoss } from "../jepa/Losses.js"
import {
  batchFrames,
  minimizeWithTerms,
  type Trainer,
  TrainingDivergedError,
  termsOptimizer
} from "../training/Training.js"
import type { LevelStack } from "./LevelModels.js"

const count = Schema.Int.check(Schema.isGreaterThan(0))
const nonNegative = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))

/** Options of level training, as a Schema (every field optional). */
export const LevelTrainingOptions = Schema.Struct({
  /** Sequences per optimisation step. */
  batchSize: Schema.optional(count),
  /** Steps of the top level per training sequence (sequences are `topSteps * topStride` long). */
  topSteps: Schema.optional(count),
  /** Adam's learning rate. */
  learningRate: Schema.optional(Schema.Number.check(Schema.isGreaterThan(0))),
  /**
   * Steps each level predicts from its own predictions before restarting from the encoded latent:
   * long rollouts weigh the far steps' large errors over the first step's, which is the one a
   * hierarchy hands down.
   */
  rolloutSteps: Schema.optional(count),
  /** Weight of the penalty on the macro-actions' mean squared norm `|m|^2`. */
  macroActionWeight: Schema.optional(nonNegative),
  /** Whether the levels' losses also train the encoder below them. */
  encoder: Schema.optional(Schema.Literals(["frozen", "joint"])),
  /**
   * Whether each level learns from its own prediction error only: a level then reads the macro-
   * actions of the level below as given, and its error does not reshape the lower level's
   * macro-action encoder.
   */
  separateLevels: Schema.optional(Schema.Boolean),
  /** VICReg weights on the encodings, in joint training only. */
  varianceWeight: Schema.optional(nonNegative),
  /** VICReg's covariance weight on the encodings, in joint training only. */
  covarianceWeight: Schema.optional(nonNegative)
})

/** Decoded level-training options with defaults. */
export interface LevelTrainingConfig {
  /** Sequences per optimisation step. */
  readonly batchSize: number
  /** Steps of the top level per training sequence. */
  readonly topSteps: number
  /** Adam's learning rate. */
  readonly learningRate: number
  /** Steps each level predicts from its own predictions before restarting from the encoded latent. */
  readonly rolloutSteps: number
  /** Weight of the penalty on the macro-actions' mean squared norm. */
  readonly macroActionWeight: number
  /** `frozen`: the encoder is not trained; `joint`: the levels' losses also train it. */
  readonly encoder: "frozen" | "joint"
  /** Whether each level learns from its own prediction error only. */
  readonly separateLevels: boolean
  /** VICReg's variance weight on the encodings, in joint training only. */
  readonly varianceWeight: number
  /** VICReg's covariance weight on the encodings, in joint training only. */
  readonly covarianceWeight: number
}

/** The defaults. */
export const defaultLevelTrainingConfig: LevelTrainingConfig = {
  batchSize: 32,
  topSteps: 2,
  learningRate: 1e-3,
  rolloutSteps: 3,
  macroActionWeight: 0.01,
  encoder: "frozen",
  separateLevels: true,
  varianceWeight: 1,
  covarianceWeight: 0.04
}

/** Decodes level-training options, filling defaults; a bad option is a `ConfigError` naming it. */
export const levelTrainingConfig = (options: typeof LevelTrainingOptions.Encoded = {}): LevelTrainingConfig =>
  withDefaults(
    defaultLevelTrainingConfig,
    decodeConfigSync(LevelTrainingOptions, options, "level training options")
  )

/** One level step's loss terms (host numbers). */
export interface LevelLossTerms {
  /** The minimised sum: the levels' errors, the weighted macro-action penalty and (joint) VICReg's terms. */
  readonly total: number
  /** Mean squared latent error of each level's predictions, level 1 first. */
  readonly prediction: ReadonlyArray<number>
  /** Mean squared norm of the macro-actions (unweighted). */
  readonly macroAction: number
}

/** A trainer of level models: keeps its optimiser between steps. */
export interface LevelTrainer {
  /** The decoded options it trains with. */
  readonly config: LevelTrainingConfig
  /** One optimisation step on a sampled batch; returns the loss terms. */
  step(dataset: Dataset, rng: Random): LevelLossTerms
  /** Frees the optimiser's state (not the models). */
  dispose(): void
}

/** The tensors of one batch: boundary frames and the level-1 chunks of scaled primitive actions. */
interface LevelBatch {
  /** Time-major `[(n1 + 1) * B, ...]`: the frame at every level-1 boundary. */
  readonly frames: tf.Tensor
  /** `[B * n1, stride1 * A]`, scaled to [-1, 1]. */
  readonly chunks: tf.Tensor2D
}

const sequenceLength = (stack: LevelStack, config: { readonly topSteps: number }): number =>
  config.topSteps * (stack.levels[stack.levels.length - 1]?.stride ?? 1)

const sampleLevelBatch = (
  stack: LevelStack,
  jepa: JepaModel,
  dataset: Dataset,
  batchSize: number,
  length: number,
  rng: Random
): LevelBatch => {
  const sample = dataset.sampleSubsequences(batchSize, length, rng)
  const stride = stack.levels[0]?.stride ?? 1
  return tf.tidy(() => ({
    frames: batchFrames(jepa, sample, dataset, stride),
    chunks: stack
      .scaleActions(tf.tensor3d(sample.actions, [batchSize, length, dataset.actionSize]))
      .reshape([(batchSize * length) / stride, stride * dataset.actionSize]) as tf.Tensor2D
  }))
}

/**
 * Each level's predictions over a batch, from `start` `[B, D]`: returns per level the summed
 * squared error against the boundary latents `targets` `[n1 + 1, B, D]` averaged over its steps,
 * and the mean `|m|^2` over all macro-actions. A level restarts from the boundary latent every
 * `rolloutSteps` steps (evaluation passes `Infinity`: one open-loop rollout).
 */
const levelErrors = (
  stack: LevelStack,
  start: tf.Tensor2D,
  targets: tf.Tensor3D,
  chunks: tf.Tensor2D,
  rollout: { readonly rolloutSteps: number; readonly separateLevels: boolean }
): {
  readonly errors: ReadonlyArray<tf.Scalar>
  readonly firstErrors: ReadonlyArray<tf.Scalar>
  readonly macroSquare: tf.Scalar
} => {
  const batchSize = start.shape[0]
  const latentSize = start.shape[1]
  const boundaries = targets.shape[0] - 1
  const firstStride = stack.levels[0]?.stride ?? 1
  const errors: Array<tf.Scalar> = []
  const firstErrors: Array<tf.Scalar> = []
  const squares: Array<tf.Scalar> = []
  let lowerActions: tf.Tensor2D = chunks
  const boundary = (index: number): tf.Tensor2D =>
    targets.slice([index, 0, 0], [1, batchSize, latentSize]).reshape([batchSize, latentSize])
  for (const level of stack.levels) {
    const ratio = level.stride / firstStride
    const steps = boundaries / ratio
    const macro = level.encodeMacroActions(lowerActions)
    squares.push(macro.square().mean() as tf.Scalar)
    const perStep = macro.reshape([batchSize, steps, level.macroActionSize])
    let state: tf.Tensor2D = start
    const stepErrors: Array<tf.Scalar> = []
    for (let step = 0; step < steps; step++) {
      const action = perStep
        .slice([0, step, 0], [batchSize, 1, level.macroActionSize])
        .reshape([batchSize, level.macroActionSize]) as tf.Tensor2D
      if (step > 0 && step % rollout.rolloutSteps === 0) state = boundary(step * ratio)
      state = level.step(state, action)
      const target = boundary((step + 1) * ratio)
      stepErrors.push(state.sub(target).square().sum(1).mean() as tf.Scalar)
    }
    firstErrors.push(stepErrors[0] as tf.Scalar)
    errors.push(tf.addN(stepErrors).div(steps) as tf.Scalar)
    // The level above reads this level's macro-actions, `span` of them per chunk of its own.
    const next = stack.levels[level.level]
    if (next !== undefined)
      lowerActions = (rollout.separateLevels ? stopGradient(macro) : macro).reshape([
        (batchSize * steps) / next.span,
        next.span * level.macroActionSize
      ]) as tf.Tensor2D
  }
  return { errors, firstErrors, macroSquare: tf.addN(squares).div(squares.length) as tf.Scalar }
}

const requireLongEpisodes = (dataset: Dataset, length: number): void => {
  const longest = dataset.episodeLengths.reduce((most, episode) => Math.max(most, episode), 0)
  if (longest < length) {
    throw new InvalidValueError({
      field: "dataset",
      expected: `episodes of at least ${length} transitions (topSteps x the top level's stride)`,
      received: `episodes of at most ${longest}`
    })
  }
}

/**
 * Creates a level trainer: Adam over the levels' parameters, and the encoder's too when
 * `encoder` is `"joint"`.
 *
 * @example
 * ```ts
 * const trainer = createLevelTrainer(stack, jepa, { batchSize: 32, topSteps: 2 })
 * const terms = trainer.step(dataset, Random.fromSeed(0))
 * trainer.dispose()
 * ```
 */
export const createLevelTrainer = (
  stack: LevelStack,
  jepa: JepaModel,
  options: typeof LevelTrainingOptions.Encoded = {}
): LevelTrainer => {
  const config = levelTrainingConfig(options)
  if (jepa.config.latentSize !== stack.config.latentSize) {
    throw new InvalidValueError({
      field: "jepa.latentSize",
      expected: `the levels' latent size ${stack.config.latentSize}`,
      received: String(jepa.config.latentSize)
    })
  }
  const joint = config.encoder === "joint"
  const variables = [
    ...stack.parameters.values(),
    ...(joint
      ? [...jepa.parameters.entries()]
          .filter(([name]) => name.startsWith("encoder/"))
          .map(([, variable]) => variable)
      : [])
  ]
  const length = sequenceLength(stack, config)
  const latentSize = stack.config.latentSize
  const optimizer = termsOptimizer(config.learningRate, variables, ([frames, chunks, targets]) => {
    const start = joint
      ? jepa.encoder.encode((frames as tf.Tensor).slice(0, config.batchSize))
      : ((targets as tf.Tensor3D)
          .slice([0, 0, 0], [1, config.batchSize, latentSize])
          .reshape([config.batchSize, latentSize]) as tf.Tensor2D)
    const { errors, macroSquare } = levelErrors(
      stack,
      start,
      targets as tf.Tensor3D,
      chunks as tf.Tensor2D,
      config
    )
    const parts = [...errors, macroSquare.mul(config.macroActionWeight) as tf.Scalar]
    if (joint) {
      parts.push(varianceLoss(start).mul(config.varianceWeight) as tf.Scalar)
      parts.push(covarianceLoss(start).mul(config.covarianceWeight) as tf.Scalar)
    }
    const total = tf.addN(parts) as tf.Scalar
    return { total, terms: tf.stack([total, macroSquare, ...errors]) as tf.Tensor1D }
  })
  let stepCount = 0
  return {
    config,
    step: (dataset, rng) => {
      requireLongEpisodes(dataset, length)
      const batch = sampleLevelBatch(stack, jepa, dataset, config.batchSize, length, rng)
      const boundaries = length / (stack.levels[0]?.stride ?? 1)
      // The boundary latents are encoded outside the optimiser's tape: targets carry no gradient.
      let targets: tf.Tensor3D
      try {
        targets = tf.tidy(
          () =>
            jepa.encoder
              .encode(batch.frames)
              .reshape([boundaries + 1, config.batchSize, latentSize]) as tf.Tensor3D
        )
      } catch (error) {
        tf.dispose([batch.frames, batch.chunks])
        throw error
      }
      const values = minimizeWithTerms(optimizer, [batch.frames, batch.chunks, targets], () =>
        tf.dispose([batch.frames, batch.chunks, targets])
      )
      stepCount++
      const total = values[0] as number
      if (!Number.isFinite(total)) throw new TrainingDivergedError({ epoch: 1, step: stepCount, loss: total })
      return { total, macroAction: values[1] as number, prediction: Array.from(values.subarray(2)) }
    },
    dispose: () => optimizer.dispose()
  }
}

/** How well each level predicts, over held-out style samples of the dataset. */
export interface LevelEvaluation {
  /** The level (1 for the one right above the primitive level). */
  readonly level: number
  /** Its primitive steps per step. */
  readonly stride: number
  /** Mean squared latent error after one step of the level, over the latents' total variance. */
  readonly relativeError1: number
  /** The same averaged over all the level's steps in a `topSteps`-long sequence. */
  readonly relativeErrorMean: number
}

/**
 * Measures each level's prediction error relative to the spread of the latents (0: exact; 1: no
 * better than predicting the mean latent).
 *
 * @example
 * ```ts
 * evaluateLevels(stack, jepa, dataset, { samples: 128 }, Random.fromSeed(9)) // [{ level: 1, stride: 10, relativeError1: 0.04, ... }]
 * ```
 */
export const evaluateLevels = (
  stack: LevelStack,
  jepa: JepaModel,
  dataset: Dataset,
  options: { readonly samples?: number; readonly topSteps?: number },
  rng: Random
): ReadonlyArray<LevelEvaluation> => {
  const samples = options.samples ?? 64
  const length = sequenceLength(stack, { topSteps: options.topSteps ?? 2 })
  requireLongEpisodes(dataset, length)
  const batch = sampleLevelBatch(stack, jepa, dataset, samples, length, rng)
  const boundaries = length / (stack.levels[0]?.stride ?? 1)
  const values = tf.tidy(() => {
    const latents = jepa.encoder.encode(batch.frames)
    const targets = latents.reshape([boundaries + 1, samples, stack.config.latentSize]) as tf.Tensor3D
    const start = targets
      .slice([0, 0, 0], [1, samples, stack.config.latentSize])
      .reshape([samples, stack.config.latentSize]) as tf.Tensor2D
    const spread = tf.moments(latents, 0).variance.sum()
    const { errors, firstErrors } = levelErrors(stack, start, targets, batch.chunks, {
      rolloutSteps: Number.POSITIVE_INFINITY,
      separateLevels: true
    })
    return tf.stack([spread, ...firstErrors, ...errors]).dataSync()
  })
  tf.dispose([batch.frames, batch.chunks])
  const spread = values[0] as number
  const levels = stack.levels.length
  return stack.levels.map((level, index) => ({
    level: level.level,
    stride: level.stride,
    relativeError1: (values[1 + index] as number) / spread,
    relativeErrorMean: (values[1 + levels + index] as number) / spread
  }))
}

/** Hooks of {@link trainLevels}. */
export interface LevelTrainingHooks {
  /** A JEPA trainer to run one level-0 step before every level step (joint training from scratch). */
  readonly jepaTrainer?: Trainer
  /** Called after each level step with the steps done, the steps in all and the step's terms. */
  readonly onStep?: (done: number, total: number, terms: LevelLossTerms) => void
}

/**
 * Trains the levels for `steps` steps and returns the last step's terms.
 *
 * @example
 * ```ts
 * trainLevels(stack, jepa, dataset, 500, { topSteps: 2 }, Random.fromSeed(3))
 * ```
 */
export const trainLevels = (
  stack: LevelStack,
  jepa: JepaModel,
  dataset: Dataset,
  steps: number,
  options: typeof LevelTrainingOptions.Encoded,
  rng: Random,
  hooks: LevelTrainingHooks = {}
): LevelLossTerms | undefined => {
  const trainer = createLevelTrainer(stack, jepa, options)
  let last: LevelLossTerms | undefined
  try {
    for (let step = 0; step < steps; step++) {
      hooks.jepaTrainer?.step(dataset, rng)
      last = trainer.step(dataset, rng)
      hooks.onStep?.(step + 1, steps, last)
    }
  } finally {
    trainer.dispose()
  }
  return last
}
