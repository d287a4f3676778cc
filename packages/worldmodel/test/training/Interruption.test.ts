import { clearInterruption, InterruptedError, requestInterruption } from "@telos/core"
import { createJepa, trainJepa } from "@telos/worldmodel"
import * as tf from "@tensorflow/tfjs"
import { afterEach, describe, expect, it } from "vitest"
import { pointDataset, pointModelConfig } from "../trainingSupport.js"

afterEach(() => clearInterruption())

describe("trainJepa under a stop request", () => {
  it.each([5, 45])(
    "stops at the first safe point after the request (%i steps per epoch), keeping the epochs it finished and leaking nothing",
    async (stepsPerEpoch) => {
      const data = await pointDataset({ episodes: 6, length: 12 })
      const model = createJepa(pointModelConfig(), 0)
      const before = tf.memory().numTensors
      const finished: Array<number> = []
      const stepsAtStop: Array<number> = []
      const run = trainJepa(
        model,
        data,
        { epochs: 50, stepsPerEpoch, batchSize: 8, rolloutSteps: 2 },
        {
          onEpoch: async (record) => {
            finished.push(record.epoch)
            // A signal arrives while the epoch's checkpoint is written.
            if (record.epoch === 1) requestInterruption("SIGINT")
          },
          onStep: (done) => void stepsAtStop.push(done)
        }
      )
      await expect(run).rejects.toBeInstanceOf(InterruptedError)
      expect(finished).toEqual([1])
      // Short epochs stop before the next one; long ones within it, at their next safe point.
      expect(stepsAtStop.length).toBeLessThanOrEqual(stepsPerEpoch + 20)
      expect(tf.memory().numTensors).toBe(before)
      model.dispose()
    }
  )
})
