/**
 * Level world models: the upper levels of a hierarchy. Level `l` predicts the latent `stride_l`
 * primitive steps ahead from the current latent and a latent macro-action `m` in the box
 * `[-1, 1]^M`. A macro-action encoder infers `m` from what the level below did during the chunk
 * (its `stride_l / stride_(l-1)` actions), so `m` stands for an intention, not for the outcome:
 * the predictor still has to learn what the world (its walls) makes of it. All levels share the
 * perception of the JEPA below them.
 *
 * @module
 */
import {
  Box,
  checkLevelStrides,
  describeValue,
  InvalidValueError,
  LevelConfigError,
  Random,
  type WorldModel
} from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import {
  type DenseParameters,
  disposeParameters,
  multilayerPerceptron,
  perceptronParameters
} from "../jepa/Parameters.js"
import { createPredictor, type Predictor } from "../jepa/Predictor.js"

/** One level above the primitive one. */
export interface LevelSpec {
  /** Primitive steps per step of this level: a multiple of the level below's stride, larger than it. */
  readonly stride: number
  /** Size `M` of this level's macro-actions (HWM: 8 for a 10-step chunk). */
  readonly macroActionSize: number
  /** Hidden widths of the predictor (default [256, 256]). */
  readonly predictorHidden?: ReadonlyArray<number>
  /** Hidden widths of the macro-action encoder (default [128]). */
  readonly macroEncoderHidden?: ReadonlyArray<number>
}

/** The levels stacked on one JEPA. */
export interface LevelStackConfig {
  /** The latent size of the JEPA below (every level predicts in its latent space). */
  readonly latentSize: number
  /** The primitive action box, level 0's; level 1's encoder reads actions scaled from it to [-1, 1]. */
  readonly actionLow: ReadonlyArray<number>
  /** The primitive action box's upper bounds. */
  readonly actionHigh: ReadonlyArray<number>
  /** Levels 1, 2, ... in order; any number. */
  readonly levels: ReadonlyArray<LevelSpec>
}

/** One level's model. */
export interface LevelModel {
  /** 1 for the level right above the primitive one. */
  readonly level: number
  /** Primitive steps per step of this level. */
  readonly stride: number
  /** Steps of the level below per step of this one. */
  readonly span: number
  /** Size of the level below's actions (the primitive action size for level 1). */
  readonly lowerActionSize: number
  /** Size of this level's macro-actions (`M`). */
  readonly macroActionSize: number
  /** Its predictor, over latents and macro-actions. */
  readonly predictor: Predictor
  /**
   * Infers macro-actions `[N, M]` in (-1, 1) from the level below's actions over each chunk,
   * `[N, span * lowerActionSize]` (step-major; level 1 reads actions scaled to [-1, 1]).
   */
  encodeMacroActions(lowerActions: tf.Tensor2D): tf.Tensor2D
  /** `z' = z + f([z; m])`: the latent `stride` primitive steps later. */
  step(states: tf.Tensor2D, macroActions: tf.Tensor2D): tf.Tensor2D
}

/** Level models over one JEPA. */
export interface LevelStack {
  /** The configuration it was built from. */
  readonly config: LevelStackConfig
  /** Every trainable variable, by name (`level1/predictor/...`, `level1/macroEncoder/...`). */
  readonly parameters: Map<string, tf.Variable>
  /** Levels 1, 2, ... */
  readonly levels: ReadonlyArray<LevelModel>
  /** Primitive actions `[..., A]` scaled from the action box to [-1, 1]. */
  scaleActions(actions: tf.Tensor): tf.Tensor
  /**
   * Every level as a planner's `WorldModel`, level 0 (`base`, the JEPA's) first; the levels above
   * share its perception and act in `[-1, 1]^M`.
   */
  worldModels(base: WorldModel): ReadonlyArray<WorldModel>
  /** Frees every parameter. */
  dispose(): void
}

const defaultPredictorHidden = [256, 256]
const defaultMacroEncoderHidden = [128]

const requireSize = (value: unknown, level: number, field: string): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new LevelConfigError({
      level,
      field,
      expected: "a positive integer",
      received: describeValue(value)
    })
  }
  return value
}

const requireWidths = (value: ReadonlyArray<number> | undefined, level: number, field: string): void => {
  if (value === undefined) return
  if (!Array.isArray(value)) {
    throw new LevelConfigError({
      level,
      field,
      expected: "an array of positive integers",
      received: describeValue(value)
    })
  }
  value.forEach((width, index) => {
    requireSize(width, level, `${field}[${index}]`)
  })
}

const checkActionBox = (config: LevelStackConfig): void => {
  const { actionLow, actionHigh } = config
  if (
    !Array.isArray(actionLow) ||
    !Array.isArray(actionHigh) ||
    actionLow.length === 0 ||
    actionLow.length !== actionHigh.length
  ) {
    throw new InvalidValueError({
      field: "actionLow/actionHigh",
      expected: "two non-empty arrays of the same length",
      received: `${describeValue(actionLow)} and ${describeValue(actionHigh)}`
    })
  }
  actionLow.forEach((low, index) => {
    const high = actionHigh[index] as number
    if (!Number.isFinite(low) || !Number.isFinite(high) || !(low < high)) {
      throw new InvalidValueError({
        field: `actionLow[${index}]/actionHigh[${index}]`,
        expected: "finite bounds with low < high",
        received: `[${low}, ${high}]`
      })
    }
  })
}

/**
 * Checks a level stack's configuration: strides (a larger multiple of the level below's, level 0
 * being 1), sizes and widths. A level at fault is a `LevelConfigError` naming it and its field.
 *
 * @example
 * ```ts
 * checkLevelStack({ latentSize: 32, actionLow: [-1], actionHigh: [1], levels: [{ stride: 10, macroActionSize: 8 }, { stride: 15, macroActionSize: 8 }] })
 * // LevelConfigError: levels[2].stride: expected level 2: a multiple of level 1's stride 10, larger than it, received 15
 * ```
 */
export const checkLevelStack = (config: LevelStackConfig): void => {
  requireSize(config.latentSize, 0, "latentSize")
  checkActionBox(config)
  if (!Array.isArray(config.levels) || config.levels.length === 0) {
    throw new InvalidValueError({
      field: "levels",
      expected: "at least one level above the primitive one",
      received: describeValue(config.levels)
    })
  }
  config.levels.forEach((spec, index) => {
    const level = index + 1
    requireSize(spec.macroActionSize, level, `levels[${level}].macroActionSize`)
    requireWidths(spec.predictorHidden, level, `levels[${level}].predictorHidden`)
    requireWidths(spec.macroEncoderHidden, level, `levels[${level}].macroEncoderHidden`)
  })
  checkLevelStrides([1, ...config.levels.map((spec) => spec.stride)], (level) => `levels[${level}].stride`)
}

/**
 * Creates the level models with seeded initial weights, after {@link checkLevelStack}.
 *
 * @example
 * ```ts
 * const stack = createLevelStack({ latentSize: 32, actionLow: [-2.45, -2.45], actionHigh: [2.45, 2.45],
 *   levels: [{ stride: 10, macroActionSize: 8 }, { stride: 40, macroActionSize: 8 }] }, 0)
 * const [primitive, level1, level2] = stack.worldModels(jepa.worldModel)
 * ```
 */
export const createLevelStack = (config: LevelStackConfig, seed: number): LevelStack => {
  checkLevelStack(config)
  const rng = Random.fromSeed(seed)
  const parameters = new Map<string, tf.Variable>()
  const actionSize = config.actionLow.length
  let lowerStride = 1
  let lowerActionSize = actionSize
  const levels = config.levels.map((spec, index): LevelModel => {
    const level = index + 1
    const span = spec.stride / lowerStride
    const encoderLayers: Array<DenseParameters> = perceptronParameters(
      parameters,
      `level${level}/macroEncoder`,
      [
        span * lowerActionSize,
        ...(spec.macroEncoderHidden ?? defaultMacroEncoderHidden),
        spec.macroActionSize
      ],
      rng.split()
    )
    const predictor = createPredictor(
      parameters,
      `level${level}/predictor`,
      {
        latentSize: config.latentSize,
        actionSize: spec.macroActionSize,
        latentVariableSize: 0,
        hidden: spec.predictorHidden ?? defaultPredictorHidden
      },
      rng.split()
    )
    const model: LevelModel = {
      level,
      stride: spec.stride,
      span,
      lowerActionSize,
      macroActionSize: spec.macroActionSize,
      predictor,
      encodeMacroActions: (lowerActions) =>
        tf.tidy(() => tf.tanh(multilayerPerceptron(encoderLayers, lowerActions)) as tf.Tensor2D),
      step: (states, macroActions) => predictor.step(states, macroActions)
    }
    lowerStride = spec.stride
    lowerActionSize = spec.macroActionSize
    return model
  })
  const middle = config.actionLow.map((low, index) => (low + (config.actionHigh[index] as number)) / 2)
  const halfRange = config.actionLow.map((low, index) => ((config.actionHigh[index] as number) - low) / 2)
  return {
    config,
    parameters,
    levels,
    scaleActions: (actions) => tf.tidy(() => actions.sub(tf.tensor1d(middle)).div(tf.tensor1d(halfRange))),
    worldModels: (base) => {
      if (base.latentSize !== config.latentSize) {
        throw new LevelConfigError({
          level: 0,
          field: "base.latentSize",
          expected: `the levels' latent size ${config.latentSize}`,
          received: String(base.latentSize)
        })
      }
      return [
        base,
        ...levels.map(
          (level): WorldModel => ({
            name: `${base.name}-level${level.level}`,
            latentSize: config.latentSize,
            actionSpace: new Box({ low: -1, high: 1, shape: [level.macroActionSize] }),
            stride: level.stride,
            encode: (observations) => base.encode(observations),
            step: (states, macroActions) => level.step(states, macroActions)
          })
        )
      ]
    },
    dispose: () => disposeParameters(parameters)
  }
}
