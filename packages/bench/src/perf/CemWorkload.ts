/**
 * The cross-entropy method workload (`cem-*`): sample sequences around a per-step Gaussian,
 * clipped to the bounds, keep the lowest-cost elites and refit the Gaussian's mean and standard
 * deviation to them; the result is the final mean sequence, read back to host memory.
 *
 * @module
 */
import type { Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { type MlpPlanningProblem, sequenceCosts } from "./MlpWorldModel.js"
import type { CemWorkload } from "./Workloads.js"

interface Gaussian {
  readonly mean: tf.Tensor2D
  readonly std: tf.Tensor2D
}

const refit = (
  problem: MlpPlanningProblem,
  workload: CemWorkload,
  gaussian: Gaussian,
  seed: number
): Gaussian =>
  tf.tidy(() => {
    const { samples, elites, horizon } = workload
    const [low, high] = problem.bounds
    const noise = tf.randomNormal([samples, horizon, problem.definition.actionDim], 0, 1, "float32", seed)
    const candidates = gaussian.mean.add(gaussian.std.mul(noise)).clipByValue(low, high) as tf.Tensor3D
    const costs = sequenceCosts(problem, candidates.transpose([1, 0, 2]))
    // The lowest costs are the highest negated costs.
    const chosen = tf.gather(candidates, tf.topk(costs.neg(), elites).indices)
    const mean = chosen.mean(0) as tf.Tensor2D
    // The unbiased standard deviation, as PyTorch's `std` computes it.
    const std = chosen
      .sub(mean)
      .square()
      .sum(0)
      .div(elites - 1)
      .sqrt() as tf.Tensor2D
    return { mean, std }
  })

/**
 * Runs one CEM workload and returns the final mean sequence `[T, A]`, time-major, as a flat
 * `Float32Array`. Each iteration draws one seed from `rng` for its samples.
 *
 * @example
 * ```ts
 * const plan = runCemWorkload(problem, findPerfWorkload("cem-512x16") as CemWorkload, rng)
 * plan.length // 16 * 4
 * ```
 */
export const runCemWorkload = (
  problem: MlpPlanningProblem,
  workload: CemWorkload,
  rng: Random
): Float32Array => {
  const shape: [number, number] = [workload.horizon, problem.definition.actionDim]
  let gaussian: Gaussian = { mean: tf.zeros(shape), std: tf.fill(shape, workload.initStd) }
  try {
    for (let iteration = 0; iteration < workload.iterations; iteration++) {
      const previous = gaussian
      gaussian = refit(problem, workload, previous, rng.seed())
      tf.dispose([previous.mean, previous.std])
    }
    return gaussian.mean.dataSync() as Float32Array
  } finally {
    tf.dispose([gaussian.mean, gaussian.std])
  }
}
