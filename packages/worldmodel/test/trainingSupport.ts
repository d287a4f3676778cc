/**
 * A small world to train on in tests: a point in the unit square moved by its action (and by a
 * hidden per-episode drift, optionally), with an optional 1 x 8 x 8 image of it.
 */
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Random } from "@telos/core"
import type { Dataset } from "@telos/worldmodel"
import { openDataset, writeDataset } from "@telos/worldmodel/node"

export const drawDot = (x: number, y: number, target: Uint8Array, offset: number): void => {
  for (let row = 0; row < 8; row++) {
    for (let column = 0; column < 8; column++) {
      const distance = (column + 0.5 - x * 8) ** 2 + (row + 0.5 - y * 8) ** 2
      target[offset + row * 8 + column] = Math.floor(255 * Math.exp(-distance / 2))
    }
  }
}

/** Writes and opens a dataset of `episodes` episodes of `length` steps. */
export const pointDataset = async (options: {
  readonly episodes: number
  readonly length: number
  readonly images?: boolean
  readonly drift?: number
  readonly seed?: number
}): Promise<Dataset> => {
  const rng = Random.fromSeed(options.seed ?? 0)
  const steps = options.episodes * (options.length + 1)
  const observations = new Float32Array(steps * 2)
  const actions = new Float32Array(options.episodes * options.length * 2)
  const images = options.images === true ? new Uint8Array(steps * 64) : undefined
  let step = 0
  let transition = 0
  for (let episode = 0; episode < options.episodes; episode++) {
    let x = rng.uniformIn(0.2, 0.8)
    let y = rng.uniformIn(0.2, 0.8)
    const angle = rng.integer(4) * (Math.PI / 2)
    const driftX = (options.drift ?? 0) * Math.cos(angle)
    const driftY = (options.drift ?? 0) * Math.sin(angle)
    for (let index = 0; index <= options.length; index++) {
      observations[2 * step] = x
      observations[2 * step + 1] = y
      if (images !== undefined) drawDot(x, y, images, step * 64)
      step++
      if (index === options.length) break
      const ax = rng.uniformIn(-0.1, 0.1)
      const ay = rng.uniformIn(-0.1, 0.1)
      actions[2 * transition] = ax
      actions[2 * transition + 1] = ay
      transition++
      x = Math.min(1, Math.max(0, x + ax + driftX))
      y = Math.min(1, Math.max(0, y + ay + driftY))
    }
  }
  const directory = await mkdtemp(join(tmpdir(), "telos-training-"))
  await writeDataset(
    join(directory, "dataset.bin"),
    {
      envId: "point",
      seed: options.seed ?? 0,
      collector: { policy: "uniform" },
      observationSize: 2,
      actionSize: 2,
      imageShape: images === undefined ? undefined : [1, 8, 8]
    },
    [
      {
        episodeLengths: Array.from({ length: options.episodes }, () => options.length),
        terminated: Array.from({ length: options.episodes }, () => false),
        observations,
        actions,
        images
      }
    ]
  )
  return openDataset(directory)
}

/** A small JEPA configuration for the point world. */
export const pointModelConfig = (overrides: Record<string, unknown> = {}) => ({
  observation: { kind: "vector" as const, size: 2 },
  latentSize: 8,
  actionLow: [-0.1, -0.1],
  actionHigh: [0.1, 0.1],
  encoderHidden: [32],
  predictorHidden: [32],
  inverseDynamicsHidden: [16],
  latentVariableSize: 0,
  ...overrides
})

/** The image model of `pointDataset({ images: true })`'s 1 x 8 x 8 frames: two 2 x 2 patch stages. */
export const pointImageModelConfig = () =>
  pointModelConfig({
    observation: { kind: "image", channels: 1, height: 8, width: 8 },
    patchSizes: [2, 2],
    patchChannels: [4, 8]
  })
