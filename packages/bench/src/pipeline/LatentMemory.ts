/**
 * What the planning suites derive from a learned model's recorded data: the latent of every
 * recorded step (for the landmark memory) and a probe that reads positions from latents (for
 * guardrails, for pruning the memory, and for drawing subgoals on the map).
 *
 * @module
 */
import { InvalidValueError, Random, type WorldModel } from "@telos/core"
import {
  type LatentProbe,
  type LatentTrajectories,
  type PositionReader,
  quadraticFeatureSize,
  quadraticFeatures,
  quadraticPosition
} from "@telos/planner"
import { type Dataset, linearProbe } from "@telos/worldmodel"
import * as tf from "@tensorflow/tfjs"

/** Positions read from latents, on the host and on the backend. */
export interface PositionProbe {
  /** Reads positions `[x, y]` from one host latent. */
  readonly positionOf: (latent: Float32Array) => readonly [number, number]
  /** The same on the backend, differentiable (for guardrails). */
  readonly position: PositionReader
}

/**
 * The latents of every recorded step, episode by episode, as a model encodes them.
 *
 * @example
 * ```ts
 * const recorded = recordedLatents(jepa.worldModel, dataset, true)
 * buildLandmarkGraph(recorded, { landmarks: 256 }, rng)
 * ```
 */
export const recordedLatents = (model: WorldModel, dataset: Dataset, pixels: boolean): LatentTrajectories => {
  const steps = dataset.observations.length / dataset.observationSize
  const latents = new Float32Array(steps * model.latentSize)
  const batch = 500
  for (let start = 0; start < steps; start += batch) {
    const count = Math.min(batch, steps - start)
    const encoded = tf.tidy(() => {
      if (pixels && dataset.images !== undefined && dataset.imageShape !== undefined) {
        const [channels, height, width] = dataset.imageShape
        const size = channels * height * width
        const images = dataset.images.subarray(start * size, (start + count) * size)
        return model.encode(tf.tensor(images, [count, channels, height, width], "int32").toFloat().div(255))
      }
      const rows = dataset.observations.subarray(
        start * dataset.observationSize,
        (start + count) * dataset.observationSize
      )
      return model.encode(tf.tensor2d(rows, [count, dataset.observationSize]))
    })
    latents.set(encoded.dataSync(), start * model.latentSize)
    encoded.dispose()
  }
  return {
    latentSize: model.latentSize,
    latents,
    episodeLengths: Array.from(dataset.episodeLengths, (transitions) => transitions + 1)
  }
}

/**
 * A quadratic probe from a model's recorded latents to the recorded positions (the state
 * observation's `coordinates`, by default its first two), as numbers (two outputs): a learned
 * latent holds the position curved, and a guardrail's margin must exceed the probe's error (the
 * README has the figures). {@link positionProbeOf} reads positions through it; an agent bundle
 * ships it.
 *
 * @example
 * ```ts
 * const probe = fitPositionProbe(recorded, dataset, 0, [0, 1])
 * probe.outputSize // 2
 * ```
 */
export const fitPositionProbe = (
  trajectories: LatentTrajectories,
  dataset: Dataset,
  seed: number,
  coordinates: readonly [number, number] = [0, 1]
): LatentProbe => {
  const size = trajectories.latentSize
  const count = trajectories.latents.length / size
  const targets = new Float32Array(count * 2)
  for (let row = 0; row < count; row++) {
    targets[row * 2] = dataset.observations[row * dataset.observationSize + coordinates[0]] as number
    targets[row * 2 + 1] = dataset.observations[row * dataset.observationSize + coordinates[1]] as number
  }
  const probe = linearProbe({
    inputs: quadraticFeatures(trajectories.latents, size),
    inputSize: quadraticFeatureSize(size),
    targets,
    targetSize: 2,
    count,
    ridge: 1e-3,
    rng: Random.fromSeed(seed)
  })
  return { latentSize: size, outputSize: 2, weights: probe.weights, bias: probe.bias, features: "quadratic" }
}

/**
 * Reads positions through a fitted quadratic probe of two outputs, on the host and on the backend.
 *
 * @example
 * ```ts
 * positionProbeOf(fitPositionProbe(recorded, dataset, 0)).positionOf(latent) // [x, y]
 * ```
 */
export const positionProbeOf = (probe: LatentProbe): PositionProbe => {
  const size = probe.latentSize
  const width = quadraticFeatureSize(size)
  if (probe.features !== "quadratic" || probe.outputSize !== 2) {
    throw new InvalidValueError({
      field: "positions",
      expected: "a quadratic probe with two outputs",
      received: `a ${probe.features ?? "linear"} probe with ${probe.outputSize} outputs`
    })
  }
  return {
    positionOf: (latent) => {
      const features = quadraticFeatures(latent, size)
      const coordinate = (axis: number) => {
        let value = probe.bias[axis] as number
        for (let index = 0; index < width; index++) {
          value += (features[index] as number) * (probe.weights[index * 2 + axis] as number)
        }
        return value
      }
      return [coordinate(0), coordinate(1)]
    },
    position: quadraticPosition(probe.weights, probe.bias, size)
  }
}
