import { ConfigError, Random } from "@telos/core"
import {
  batchFrames,
  createJepa,
  createTrainer,
  type Dataset,
  evaluateJepa,
  latentVariableCoverage,
  TrainingDivergedError,
  trainingConfig,
  trainJepa
} from "@telos/worldmodel"
import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { pointDataset, pointImageModelConfig, pointModelConfig } from "../trainingSupport.js"

let data: Dataset
let images: Dataset

beforeAll(async () => {
  data = await pointDataset({ episodes: 40, length: 12 })
  images = await pointDataset({ episodes: 20, length: 8, images: true, seed: 1 })
})

describe("training options", () => {
  it("fill defaults and reject bad values naming them", () => {
    expect(trainingConfig({ epochs: 3 }).epochs).toBe(3)
    expect(trainingConfig().varianceWeight).toBeGreaterThan(0)
    expect(() => trainingConfig({ batchSize: 0 })).toThrow(ConfigError)
    expect(() => trainingConfig({ targetDecay: 1 })).toThrow(/targetDecay/)
  })
})

describe("createTrainer", () => {
  // The total loss only: the variance and covariance terms alone can lower it. Whether the
  // predictor learns the dynamics is checked in TrainedModel.test.ts.
  it("lowers the total loss and leaves the tensor count where an epoch started", () => {
    const model = createJepa(pointModelConfig(), 0)
    const trainer = createTrainer(model, { batchSize: 32, rolloutSteps: 4, learningRate: 3e-3 })
    const rng = Random.fromSeed(0)
    trainer.step(data, rng) // the optimiser creates its moment estimates on the first step
    const before = tf.memory().numTensors
    const first = trainer.step(data, rng)
    let last = first
    for (let step = 0; step < 60; step++) last = trainer.step(data, rng)
    expect(tf.memory().numTensors).toBe(before)
    expect(last.total).toBeLessThan(first.total)
    trainer.dispose()
    model.dispose()
  })

  it("trains an image model through the patch encoder", () => {
    const model = createJepa(pointImageModelConfig(), 0)
    const trainer = createTrainer(model, { batchSize: 8, rolloutSteps: 2 })
    const terms = trainer.step(images, Random.fromSeed(0))
    expect(Number.isFinite(terms.total)).toBe(true)
    expect(() => trainer.step(data, Random.fromSeed(0))).toThrow(/dataset/)
    trainer.dispose()
    model.dispose()
  })

  it("keeps an EMA target encoder when asked", () => {
    const model = createJepa(pointModelConfig(), 0)
    const before = tf.memory().numTensors
    const trainer = createTrainer(model, { batchSize: 16, rolloutSteps: 2, targetDecay: 0.9 })
    for (let step = 0; step < 3; step++)
      expect(Number.isFinite(trainer.step(data, Random.fromSeed(step)).total)).toBe(true)
    trainer.dispose()
    expect(tf.memory().numTensors).toBe(before)
    model.dispose()
  })

  it("stops with a typed error when the loss diverges", () => {
    const model = createJepa(pointModelConfig(), 0)
    const trainer = createTrainer(model, { batchSize: 16, rolloutSteps: 2, learningRate: 1e30 })
    const rng = Random.fromSeed(0)
    expect(() => {
      for (let step = 0; step < 20; step++) trainer.step(data, rng)
    }).toThrow(TrainingDivergedError)
    trainer.dispose()
    model.dispose()
  })
})

describe("batchFrames", () => {
  // Random batch sizes, strides and windows of up to 8 steps (the datasets' episodes' length).
  const windows = fc.tuple(
    fc.integer({ min: 1, max: 6 }),
    fc.integer({ min: 1, max: 2 }),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 0, max: 1000 })
  )

  /**
   * Checks that `read` gives, time-major, every kept step of every window of `dataset` as
   * `expected(step value)`, `size` numbers per step, bit for bit, with no tensor left behind.
   */
  const readsKeptSteps = (
    dataset: Dataset,
    read: (batch: ReturnType<Dataset["sampleSubsequences"]>, every: number) => tf.Tensor,
    source: (batch: ReturnType<Dataset["sampleSubsequences"]>) => ArrayLike<number>,
    size: number,
    expected: (value: number) => number
  ) =>
    fc.assert(
      fc.property(windows, ([batchSize, chunks, every, seed]) => {
        const length = chunks * every
        const batch = dataset.sampleSubsequences(batchSize, length, Random.fromSeed(seed))
        const before = tf.memory().numTensors
        const frames = read(batch, every)
        const kept = chunks + 1
        expect(frames.shape[0]).toBe(kept * batchSize)
        expect(frames.size).toBe(kept * batchSize * size)
        const values = frames.dataSync()
        frames.dispose()
        expect(tf.memory().numTensors).toBe(before)
        const steps = source(batch)
        for (let index = 0; index < kept; index++) {
          for (let row = 0; row < batchSize; row++) {
            const from = (row * (length + 1) + index * every) * size
            const to = (index * batchSize + row) * size
            for (let offset = 0; offset < size; offset++) {
              expect(values[to + offset]).toBe(expected(steps[from + offset] as number))
            }
          }
        }
      }),
      { numRuns: 40 }
    )

  it("gives every kept step's image of every sequence scaled to [0, 1], time-major, bit for bit, and nothing else", () => {
    const model = createJepa(pointImageModelConfig(), 0)
    readsKeptSteps(
      images,
      (batch, every) => batchFrames(model, batch, images, every),
      (batch) => batch.images as Uint8Array,
      64,
      (value) => Math.fround(value / 255)
    )
    const frames = batchFrames(model, images.sampleSubsequences(2, 4, Random.fromSeed(0)), images, 2)
    expect(frames.shape).toEqual([6, 1, 8, 8])
    frames.dispose()
    // The same division on the backend: the tensor a model reads is what a float32 kernel computes.
    const all = tf.tidy(() =>
      tf
        .tensor1d(
          Uint8Array.from({ length: 256 }, (_, value) => value),
          "int32"
        )
        .toFloat()
        .div(255)
    )
    const expected = all.dataSync()
    all.dispose()
    for (let value = 0; value < 256; value++) expect(Math.fround(value / 255)).toBe(expected[value])
    model.dispose()
  })

  it("gives every kept step's observation of every sequence as it is, time-major, bit for bit", () => {
    const model = createJepa(pointModelConfig(), 0)
    readsKeptSteps(
      data,
      (batch, every) => batchFrames(model, batch, data, every),
      (batch) => batch.observations,
      2,
      (value) => value
    )
    model.dispose()
  })
})

describe("collapse", () => {
  const train = async (varianceWeight: number) => {
    const model = createJepa(pointModelConfig(), 0)
    const options = {
      epochs: 1,
      stepsPerEpoch: 150,
      batchSize: 32,
      rolloutSteps: 4,
      learningRate: 1e-2,
      varianceWeight,
      covarianceWeight: varianceWeight === 0 ? 0 : 0.04,
      // Nothing but the variance term stands against collapse: no inverse dynamics, strong smoothness.
      inverseDynamicsWeight: 0,
      smoothnessWeight: 1
    }
    const [record] = await trainJepa(model, data, options)
    model.dispose()
    return record?.evaluation
  }

  it("collapses without the variance term, and the metrics say so; not with it", async () => {
    const without = await train(0)
    const withVariance = await train(1)
    expect(without?.collapse.collapsedDimensions).toBe(8)
    expect(without?.meanStd).toBeLessThan(0.05)
    expect(withVariance?.collapse.collapsedDimensions).toBe(0)
    expect(withVariance?.minimumStd).toBeGreaterThan(0.3)
    expect(withVariance?.probeR2).toBeGreaterThan(0.95)
  })
})

describe("trainJepa and evaluateJepa", () => {
  it("reports every epoch with its metrics, resumes after a given epoch, and leaks nothing", async () => {
    const model = createJepa(pointModelConfig(), 0)
    const before = tf.memory().numTensors
    const epochs: Array<number> = []
    const steps: Array<number> = []
    const history = await trainJepa(
      model,
      data,
      { epochs: 3, stepsPerEpoch: 5, batchSize: 16, rolloutSteps: 2 },
      {
        startEpoch: 1,
        onEpoch: (record) => void epochs.push(record.epoch),
        onStep: (done) => void steps.push(done)
      }
    )
    expect(epochs).toEqual([2, 3])
    expect(steps.at(-1)).toBe(10)
    expect(tf.memory().numTensors).toBe(before)
    const evaluation = history[1]?.evaluation
    expect(Object.keys(evaluation?.predictionError ?? {})).toEqual(["1", "4"])
    expect(history[1]?.samplesPerSecond).toBeGreaterThan(0)
    const again = evaluateJepa(model, data)
    expect(again.probeR2).toBeCloseTo(evaluation?.probeR2 ?? Number.NaN, 10)
    expect(tf.memory().numTensors).toBe(before)
    model.dispose()
  })
})

describe("latent variables", () => {
  it("infers a bounded z and covers the futures better than the typical world", async () => {
    const windy = await pointDataset({ episodes: 60, length: 10, drift: 0.05, seed: 3 })
    const model = createJepa(pointModelConfig({ latentVariableSize: 2 }), 0)
    await trainJepa(model, windy, {
      epochs: 1,
      stepsPerEpoch: 150,
      batchSize: 32,
      rolloutSteps: 6,
      learningRate: 3e-3,
      latentVariableWeight: 0.01
    })
    const z = tf.tidy(
      () =>
        model
          .inferLatentVariable?.(tf.ones([4, 8]), tf.zeros([4, 8]), tf.zeros([4, 2]))
          .arraySync() as number[][]
    )
    for (const value of z.flat()) expect(Math.abs(value)).toBeLessThan(1)
    const coverage = latentVariableCoverage(model, windy, { candidates: 8, horizon: 6, samples: 128 })
    expect(coverage.posteriorError).toBeLessThan(coverage.typicalError)
    expect(coverage.bestOfKError).toBeLessThan(coverage.typicalError)
    model.dispose()
  })
})
