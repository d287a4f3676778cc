import { createDecoder } from "@telos/worldmodel"
import { disposeWeights, loadCheckpoint, restoreParameters, saveCheckpoint } from "@telos/worldmodel/node"
import * as tf from "@tensorflow/tfjs"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { makeTempDir, removeTempDir } from "../datasetSupport.js"

const config = {
  latentSize: 4,
  image: { channels: 2, height: 8, width: 8 },
  hidden: [16],
  upsampleFactors: [2, 2],
  upsampleChannels: [6, 3]
}

let directory = ""
beforeEach(async () => {
  directory = await makeTempDir()
})
afterEach(async () => {
  await removeTempDir(directory)
})

describe("decoder checkpoints", () => {
  it("save and restore a decoder that decodes bit for bit as the original", async () => {
    const original = createDecoder(config, 1)
    const restored = createDecoder(config, 2)
    const latents = tf.randomNormal([5, 4], 0, 1, "float32", 3) as tf.Tensor2D
    const bits = (decoded: tf.Tensor4D) => {
      const values = new Uint32Array((decoded.dataSync() as Float32Array).slice().buffer)
      decoded.dispose()
      return values
    }
    const expected = bits(original.decode(latents))
    // A decoder of another seed decodes otherwise: the restore is what makes them agree.
    expect(bits(restored.decode(latents))).not.toEqual(expected)
    await saveCheckpoint(directory, { parameters: original.parameters, config: original.config })
    const loaded = await loadCheckpoint(directory, {
      config: restored.config,
      parameters: restored.parameters
    })
    restoreParameters(restored.parameters, loaded.weights)
    disposeWeights(loaded.weights)
    expect(bits(restored.decode(latents))).toEqual(expected)
    latents.dispose()
    original.dispose()
    restored.dispose()
  })
})
