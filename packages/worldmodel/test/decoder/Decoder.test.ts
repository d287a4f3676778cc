import { ConfigError, InvalidValueError } from "@telos/core"
import {
  createDecoder,
  createJepa,
  type Dataset,
  type Decoder,
  type DecoderEpochRecord,
  type DecoderEvaluation,
  evaluateDecoder,
  type JepaModel,
  trainDecoder,
  trainJepa
} from "@telos/worldmodel"
import * as tf from "@tensorflow/tfjs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { pointDataset, pointImageModelConfig, pointModelConfig } from "../trainingSupport.js"
import { dotDecoderConfig, dotDecoderTraining, parameterBits } from "./decoderSupport.js"

/** A 1 x 8 x 8 moving-dot JEPA, as the training tests build it. */
const imageJepaConfig = pointImageModelConfig()

/** A decoder for it: latent 8 -> MLP -> a 2 x 2 x 16 grid -> 4 x 4 x 8 -> 8 x 8 x 1. */
// Seeds 0 to 3 reach a relative error of 0.18 to 0.31 on held-out frames, the same on every backend.

let frames: Dataset
let heldOut: Dataset
let jepa: JepaModel
let jepaBefore: Map<string, Uint32Array>
let decoder: Decoder
let history: ReadonlyArray<DecoderEpochRecord>
let evaluation: DecoderEvaluation

beforeAll(async () => {
  frames = await pointDataset({ episodes: 30, length: 10, images: true, seed: 1 })
  heldOut = await pointDataset({ episodes: 12, length: 10, images: true, seed: 2 })
  jepa = createJepa(imageJepaConfig, 0)
  // A briefly trained JEPA: the variance term spreads its latents, as a real run's are.
  await trainJepa(
    jepa,
    frames,
    { epochs: 1, stepsPerEpoch: 20, batchSize: 16, rolloutSteps: 2 },
    {
      evaluation: { samples: 16, horizons: [1] }
    }
  )
  jepaBefore = parameterBits(jepa.parameters)
  decoder = createDecoder(dotDecoderConfig(), 0)
  history = await trainDecoder(decoder, jepa, frames, dotDecoderTraining)
  evaluation = evaluateDecoder(decoder, jepa, heldOut, { samples: 128 })
}, 60_000)

afterAll(() => {
  decoder.dispose()
  jepa.dispose()
})

describe("trainDecoder", () => {
  it("reconstructs held-out frames far better than their mean image", () => {
    expect(history.map((record) => record.epoch)).toEqual([1, 2, 3])
    expect(history.at(-1)?.loss).toBeLessThan(history[0]?.loss as number)
    expect(evaluation.samples).toBe(128)
    expect(evaluation.baselineMse).toBeGreaterThan(0.01)
    expect(evaluation.relativeError).toBeLessThan(0.5)
  })

  it("leaves the JEPA's parameters bit for bit as they were: the encoder is frozen", () => {
    const after = parameterBits(jepa.parameters)
    expect([...after.keys()]).toEqual([...jepaBefore.keys()])
    for (const [name, bits] of jepaBefore) expect(after.get(name), name).toEqual(bits)
  })

  it("is deterministic: the same seeds give the same weights, bit for bit", async () => {
    const trainTwice = async (seed: number) => {
      const copy = createDecoder(dotDecoderConfig(), seed)
      await trainDecoder(copy, jepa, frames, { epochs: 1, stepsPerEpoch: 3, batchSize: 8, seed: 4 })
      const bits = parameterBits(copy.parameters)
      copy.dispose()
      return bits
    }
    const first = await trainTwice(1)
    expect(await trainTwice(1)).toEqual(first)
    expect(await trainTwice(2)).not.toEqual(first)
  })

  it("leaks no tensor in decode, training or evaluation", async () => {
    const latents = tf.zeros([3, 8]) as tf.Tensor2D
    const before = tf.memory().numTensors
    const images = decoder.decode(latents)
    expect(images.shape).toEqual([3, 1, 8, 8])
    images.dispose()
    expect(tf.memory().numTensors).toBe(before)
    const fresh = createDecoder(dotDecoderConfig(), 5)
    const withFresh = tf.memory().numTensors
    await trainDecoder(fresh, jepa, frames, { epochs: 1, stepsPerEpoch: 2, batchSize: 4 })
    evaluateDecoder(fresh, jepa, heldOut, { samples: 70 })
    expect(tf.memory().numTensors).toBe(withFresh)
    fresh.dispose()
    latents.dispose()
  })
})

describe("createDecoder", () => {
  it("outputs images in [0, 1] of the configured shape", () => {
    const values = tf.tidy(() => decoder.decode(tf.randomNormal([4, 8], 0, 3, "float32", 1)).dataSync())
    expect(values.length).toBe(4 * 64)
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...values)).toBeLessThanOrEqual(1)
    // Two-rooms pixels, as the README's example builds them.
    const twoRooms = createDecoder(
      dotDecoderConfig({
        latentSize: 32,
        image: { channels: 2, height: 64, width: 64 },
        hidden: [256],
        upsampleFactors: [4, 4],
        upsampleChannels: [32, 16]
      }),
      0
    )
    const shape = tf.tidy(() => twoRooms.decode(tf.zeros([2, 32])).shape)
    expect(shape).toEqual([2, 2, 64, 64])
    twoRooms.dispose()
  })

  it("names the field of a bad config", () => {
    expect(() => createDecoder(dotDecoderConfig({ latentSize: 0 }), 0)).toThrow(ConfigError)
    expect(() => createDecoder(dotDecoderConfig({ latentSize: 0 }), 0)).toThrow(/latentSize/)
    expect(() => createDecoder(dotDecoderConfig({ upsampleFactors: [3], upsampleChannels: [4] }), 0)).toThrow(
      expect.objectContaining({ _tag: "InvalidValueError", field: "decoder.upsampleFactors" })
    )
    expect(() => createDecoder(dotDecoderConfig({ upsampleChannels: [8] }), 0)).toThrow(
      expect.objectContaining({ _tag: "InvalidValueError", field: "decoder.upsampleChannels" })
    )
  })

  it("refuses latents, models and datasets of the wrong shape, naming them", async () => {
    const before = tf.memory().numTensors
    const wrong = tf.zeros([2, 5]) as tf.Tensor2D
    expect(() => decoder.decode(wrong)).toThrow(expect.objectContaining({ field: "latents" }))
    wrong.dispose()
    expect(tf.memory().numTensors).toBe(before)
    const wide = createDecoder(dotDecoderConfig({ latentSize: 16 }), 0)
    await expect(trainDecoder(wide, jepa, frames)).rejects.toThrow(
      expect.objectContaining({ field: "decoder.latentSize" })
    )
    wide.dispose()
    const vector = await pointDataset({ episodes: 2, length: 3 })
    expect(() => evaluateDecoder(decoder, jepa, vector)).toThrow(InvalidValueError)
    expect(() => evaluateDecoder(decoder, jepa, vector)).toThrow(/dataset/)
    // A state JEPA is decoded to the dataset's images too (see StateDecoder.test.ts), but only one
    // that reads the dataset's observations.
    const vectorJepa = createJepa(pointModelConfig({ observation: { kind: "vector", size: 3 } }), 0)
    await expect(trainDecoder(decoder, vectorJepa, frames)).rejects.toThrow(
      expect.objectContaining({ field: "dataset.observationSize" })
    )
    vectorJepa.dispose()
    await expect(trainDecoder(decoder, jepa, frames, { batchSize: 0 })).rejects.toThrow(/batchSize/)
  })
})
