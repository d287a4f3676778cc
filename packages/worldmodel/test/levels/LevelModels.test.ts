import { ConfigError, InvalidValueError, LevelConfigError, Random } from "@telos/core"
import {
  checkLevelStack,
  createJepa,
  createLevelStack,
  createLevelTrainer,
  type Dataset,
  evaluateLevels,
  type LevelStackConfig,
  levelTrainingConfig,
  trainLevels
} from "@telos/worldmodel"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { pointDataset, pointImageModelConfig, pointModelConfig } from "../trainingSupport.js"

const stackConfig = (levels: LevelStackConfig["levels"]): LevelStackConfig => ({
  latentSize: 8,
  actionLow: [-0.1, -0.1],
  actionHigh: [0.1, 0.1],
  levels
})

const twoLevels = stackConfig([
  { stride: 2, macroActionSize: 3, predictorHidden: [32], macroEncoderHidden: [16] },
  { stride: 4, macroActionSize: 3, predictorHidden: [32], macroEncoderHidden: [16] }
])

const oneLevel = stackConfig([
  { stride: 2, macroActionSize: 3, predictorHidden: [32], macroEncoderHidden: [16] }
])

let data: Dataset
let images: Dataset

beforeAll(async () => {
  data = await pointDataset({ episodes: 40, length: 12 })
  images = await pointDataset({ episodes: 20, length: 8, images: true, seed: 1 })
})

const levelError = (config: LevelStackConfig): LevelConfigError => {
  try {
    checkLevelStack(config)
  } catch (error) {
    return error as LevelConfigError
  }
  throw new Error("accepted")
}

describe("checkLevelStack", () => {
  it("rejects a stride that is not a larger multiple of the level below's, naming the level", () => {
    const error = levelError(
      stackConfig([
        { stride: 10, macroActionSize: 8 },
        { stride: 15, macroActionSize: 8 }
      ])
    )
    expect(error).toBeInstanceOf(LevelConfigError)
    expect(error.level).toBe(2)
    expect(error.field).toBe("levels[2].stride")
    expect(error.message).toMatch(/level 2: a multiple of level 1's stride 10/)
    expect(levelError(stackConfig([{ stride: 1, macroActionSize: 8 }])).level).toBe(1)
    expect(levelError(stackConfig([{ stride: 2.5, macroActionSize: 8 }])).field).toBe("levels[1].stride")
  })

  it("rejects bad sizes and widths naming their level, and bad action boxes naming the field", () => {
    const size = levelError(
      stackConfig([
        { stride: 2, macroActionSize: 4 },
        { stride: 4, macroActionSize: 0 }
      ])
    )
    expect([size.level, size.field]).toEqual([2, "levels[2].macroActionSize"])
    expect(levelError(stackConfig([{ stride: 2, macroActionSize: 4, predictorHidden: [0] }])).field).toBe(
      "levels[1].predictorHidden[0]"
    )
    expect(() => checkLevelStack({ ...twoLevels, actionHigh: [0.1] })).toThrow(InvalidValueError)
    expect(() => checkLevelStack({ ...twoLevels, levels: [] })).toThrow(/levels/)
  })

  it("accepts any chain of strides where each divides the next", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 1, maxLength: 4 }), (factors) => {
        let stride = 1
        const levels = factors.map((factor) => {
          stride *= factor
          return { stride, macroActionSize: 2 }
        })
        checkLevelStack(stackConfig(levels))
      })
    )
  })
})

describe("createLevelStack", () => {
  it("exposes every level as a world model over the base's perception, acting in [-1, 1]^M", () => {
    const jepa = createJepa(pointModelConfig(), 0)
    const stack = createLevelStack(twoLevels, 0)
    const models = stack.worldModels(jepa.worldModel)
    expect(models.map((model) => model.stride)).toEqual([1, 2, 4])
    expect(models[2]?.actionSpace.size).toBe(3)
    expect(Array.from(models[1]?.actionSpace.low ?? [])).toEqual([-1, -1, -1])
    expect(stack.levels.map((level) => [level.span, level.lowerActionSize])).toEqual([
      [2, 2],
      [2, 3]
    ])
    const next = tf.tidy(() => models[2]?.step(tf.zeros([5, 8]), tf.zeros([5, 3])).shape)
    expect(next).toEqual([5, 8])
    const codes = tf.tidy(() =>
      stack.levels[0]?.encodeMacroActions(tf.randomNormal([6, 4], 0, 10)).arraySync()
    )
    for (const value of (codes ?? []).flat()) expect(Math.abs(value)).toBeLessThanOrEqual(1)
    expect(() => stack.worldModels({ ...jepa.worldModel, latentSize: 4 })).toThrow(LevelConfigError)
    stack.dispose()
    jepa.dispose()
  })
})

describe("level training", () => {
  it("rejects bad options naming them, and datasets with episodes shorter than a sequence", () => {
    expect(levelTrainingConfig({ topSteps: 3 }).topSteps).toBe(3)
    expect(() => levelTrainingConfig({ encoder: "thawed" } as never)).toThrow(ConfigError)
    const jepa = createJepa(pointModelConfig(), 0)
    const stack = createLevelStack(twoLevels, 0)
    const trainer = createLevelTrainer(stack, jepa, { topSteps: 4 })
    expect(() => trainer.step(data, Random.fromSeed(0))).toThrow(/episodes of at least 16/)
    trainer.dispose()
    expect(() => createLevelTrainer(createLevelStack({ ...twoLevels, latentSize: 4 }, 0), jepa)).toThrow(
      /latentSize/
    )
    stack.dispose()
    jepa.dispose()
  })

  it("lowers every level's prediction error over a frozen encoder, leaving the tensor count where it was", () => {
    const jepa = createJepa(pointModelConfig(), 0)
    const stack = createLevelStack(twoLevels, 0)
    const encoderBefore = jepa.parameters.get("encoder/layer0/kernel")?.dataSync().slice()
    const before = tf.memory().numTensors
    const rng = Random.fromSeed(1)
    const untrained = evaluateLevels(stack, jepa, data, { samples: 64 }, Random.fromSeed(9))
    trainLevels(stack, jepa, data, 150, { batchSize: 32, topSteps: 2, learningRate: 3e-3 }, rng)
    const trained = evaluateLevels(stack, jepa, data, { samples: 64 }, Random.fromSeed(9))
    expect(tf.memory().numTensors).toBe(before)
    for (const [index, level] of trained.entries()) {
      expect(level.relativeErrorMean).toBeLessThan((untrained[index]?.relativeErrorMean ?? 0) * 0.5)
    }
    expect(jepa.parameters.get("encoder/layer0/kernel")?.dataSync()).toEqual(encoderBefore)
    stack.dispose()
    jepa.dispose()
  })

  it("trains the encoder too when joint, beside a level-0 JEPA trainer", async () => {
    const { createTrainer } = await import("@telos/worldmodel")
    const jepa = createJepa(pointModelConfig(), 0)
    const stack = createLevelStack(twoLevels, 0)
    const encoderBefore = jepa.parameters.get("encoder/layer0/kernel")?.dataSync().slice()
    const jepaTrainer = createTrainer(jepa, { batchSize: 16, rolloutSteps: 2 })
    jepaTrainer.step(data, Random.fromSeed(1)) // the JEPA's optimiser creates its moment estimates
    const before = tf.memory().numTensors
    const last = trainLevels(stack, jepa, data, 5, { batchSize: 16, encoder: "joint" }, Random.fromSeed(2), {
      jepaTrainer
    })
    expect(last?.prediction).toHaveLength(2)
    expect(Number.isFinite(last?.total)).toBe(true)
    expect(tf.memory().numTensors).toBe(before)
    expect(jepa.parameters.get("encoder/layer0/kernel")?.dataSync()).not.toEqual(encoderBefore)
    jepaTrainer.dispose()
    stack.dispose()
    jepa.dispose()
  })

  it("keeps each level's error to itself when separate: level 2 does not move level 1", () => {
    // Two stacks alike but for level 2's weights: level 1's update depends on level 2 only when
    // level 2's error flows back into level 1's macro-action encoder.
    const levelOneAfterStep = (separateLevels: boolean, levelTwoSeed: number): Float32Array => {
      const jepa = createJepa(pointModelConfig(), 0)
      const stack = createLevelStack(twoLevels, 0)
      const other = createLevelStack(twoLevels, levelTwoSeed)
      for (const [name, variable] of stack.parameters) {
        if (name.startsWith("level2/")) variable.assign(other.parameters.get(name) as tf.Variable)
      }
      trainLevels(stack, jepa, data, 1, { batchSize: 8, separateLevels }, Random.fromSeed(4))
      const kernel = stack.parameters.get("level1/macroEncoder/layer0/kernel")?.dataSync() as Float32Array
      for (const owner of [other, stack, jepa]) owner.dispose()
      return kernel
    }
    expect(levelOneAfterStep(true, 1)).toEqual(levelOneAfterStep(true, 2))
    expect(levelOneAfterStep(false, 1)).not.toEqual(levelOneAfterStep(false, 2))
  })

  it("restarts each level from the encoded latent every rolloutSteps steps", () => {
    // With a predictor that outputs zero the level predicts "no change": its error grows with the
    // steps since the last restart, so restarting every step errs least.
    const predictionTerm = (rolloutSteps: number): number => {
      const jepa = createJepa(pointModelConfig(), 0)
      const stack = createLevelStack(oneLevel, 0)
      for (const [name, variable] of stack.parameters) {
        if (name.startsWith("level1/predictor/")) variable.assign(tf.zerosLike(variable))
      }
      const trainer = createLevelTrainer(stack, jepa, { batchSize: 16, topSteps: 4, rolloutSteps })
      const terms = trainer.step(data, Random.fromSeed(5))
      trainer.dispose()
      stack.dispose()
      jepa.dispose()
      return terms.prediction[0] as number
    }
    const openLoop = predictionTerm(4)
    expect(predictionTerm(100)).toBe(openLoop)
    expect(predictionTerm(2)).toBeLessThan(openLoop)
    expect(predictionTerm(1)).toBeLessThan(predictionTerm(2))
  })

  it("reads image frames at the chunk boundaries for an image JEPA", () => {
    const jepa = createJepa(pointImageModelConfig(), 0)
    const stack = createLevelStack(stackConfig([{ stride: 4, macroActionSize: 2, predictorHidden: [16] }]), 0)
    const before = tf.memory().numTensors
    const last = trainLevels(stack, jepa, images, 3, { batchSize: 8, topSteps: 2 }, Random.fromSeed(3))
    expect(last?.prediction).toHaveLength(1)
    expect(tf.memory().numTensors).toBe(before)
    stack.dispose()
    jepa.dispose()
  })
})
