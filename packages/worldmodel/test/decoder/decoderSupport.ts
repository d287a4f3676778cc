import type { ParameterSet } from "@telos/worldmodel"

/** A decoder for an 8-latent JEPA of 1 x 8 x 8 images: latent -> MLP -> 2 x 2 x 16 -> 4 x 4 x 8 -> 8 x 8 x 1. */
export const dotDecoderConfig = (overrides: Record<string, unknown> = {}) => ({
  latentSize: 8,
  image: { channels: 1, height: 8, width: 8 },
  hidden: [64],
  upsampleFactors: [2, 2],
  upsampleChannels: [16, 8],
  ...overrides
})

/** The decoder tests' training: 240 steps, under a second. */
export const dotDecoderTraining = { epochs: 3, stepsPerEpoch: 80, batchSize: 32, learningRate: 1e-2 }

/** Every parameter's bits, to tell "unchanged" from "close". */
export const parameterBits = (parameters: ParameterSet): Map<string, Uint32Array> =>
  new Map(
    [...parameters].map(([name, variable]) => [
      name,
      new Uint32Array((variable.dataSync() as Float32Array).slice().buffer)
    ])
  )
