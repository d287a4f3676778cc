/**
 * The landmark nearest each of many latents, on the tensor backend: a plan's predicted states are
 * too many (steps x candidates) for a host loop per cost evaluation. Internal to the planner
 * package.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"
import type { LandmarkGraph } from "../memory/LandmarkGraph.js"

/** Finds, for latents `[M, D]`, the index of each one's nearest landmark (`int32 [M]`). */
export type LandmarkLocator = (latents: tf.Tensor2D) => tf.Tensor1D

/** A locator over `graph`'s landmarks; the tensors it makes live only inside the caller's tidy. */
export const landmarkLocator = (graph: LandmarkGraph): LandmarkLocator => {
  const size = graph.latentSize
  const squares = new Float32Array(graph.count)
  for (let index = 0; index < graph.count; index++) {
    let sum = 0
    for (let dimension = 0; dimension < size; dimension++) {
      const value = graph.landmarks[index * size + dimension] as number
      sum += value * value
    }
    squares[index] = sum
  }
  return (latents) =>
    tf.tidy(() => {
      // |z - l|^2 = |z|^2 - 2 z.l + |l|^2; |z|^2 is the same for every landmark, so it is left out.
      const landmarks = tf.tensor2d(graph.landmarks, [graph.count, size])
      const scores = tf.tensor1d(squares).sub(latents.matMul(landmarks, false, true).mul(2))
      return scores.argMin(1).toInt() as tf.Tensor1D
    })
}
