/**
 * The MPPI workload (`mppi-*`): sample sequences as the mean plus Gaussian noise, clipped to the
 * bounds, weight them by `softmax(-cost / temperature)` and move the mean to their weighted mean;
 * the result is the final mean sequence, read back to host memory.
 *
 * @module
 */
import { compileStep, type Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { type MlpPlanningProblem, sequenceCosts } from "./MlpWorldModel.js"
import type { MppiWorkload } from "./Workloads.js"

// One reweighting of the mean sequence from the iteration's noise (already scaled).
const reweightStep = (problem: MlpPlanningProblem, workload: MppiWorkload) =>
  compileStep(([mean, noise]) => {
    const { samples, temperature } = workload
    const [low, high] = problem.bounds
    const candidates = (mean as tf.Tensor).add(noise as tf.Tensor).clipByValue(low, high) as tf.Tensor3D
    const costs = sequenceCosts(problem, candidates.transpose([1, 0, 2]))
    // Shifting by the lowest cost changes no weight but keeps the exponentials from underflowing.
    const weights = tf.softmax(costs.sub(costs.min()).neg().div(temperature))
    return [weights.reshape([samples, 1, 1]).mul(candidates).sum(0)]
  })

/**
 * A runner of one MPPI workload on `problem`: its compiled reweighting is built once, as the model
 * is. Each call is one run and returns the final weighted mean sequence `[T, A]`, time-major, as a
 * flat `Float32Array`; each iteration draws one seed from `rng` for its noise.
 *
 * @example
 * ```ts
 * const run = mppiWorkloadRunner(problem, findPerfWorkload("mppi-512x16") as MppiWorkload)
 * run(rng).length // 16 * 4
 * ```
 */
export const mppiWorkloadRunner = (
  problem: MlpPlanningProblem,
  workload: MppiWorkload
): ((rng: Random) => Float32Array) => {
  const reweight = reweightStep(problem, workload)
  return (rng) => {
    const { samples, horizon, noiseStd } = workload
    let mean: tf.Tensor2D = tf.zeros([horizon, problem.definition.actionDim])
    try {
      for (let iteration = 0; iteration < workload.iterations; iteration++) {
        const previous = mean
        // Drawn outside the step: a compiled step would keep the first draw as a constant.
        const noise = tf.randomNormal(
          [samples, horizon, problem.definition.actionDim],
          0,
          noiseStd,
          "float32",
          rng.seed()
        )
        mean = (reweight.run([previous, noise]) as [tf.Tensor2D])[0]
        tf.dispose([previous, noise])
      }
      return mean.dataSync() as Float32Array
    } finally {
      mean.dispose()
    }
  }
}

/**
 * Runs one MPPI workload once (see {@link mppiWorkloadRunner}).
 *
 * @example
 * ```ts
 * const plan = runMppiWorkload(problem, findPerfWorkload("mppi-512x16") as MppiWorkload, rng)
 * plan.length // 16 * 4
 * ```
 */
export const runMppiWorkload = (
  problem: MlpPlanningProblem,
  workload: MppiWorkload,
  rng: Random
): Float32Array => mppiWorkloadRunner(problem, workload)(rng)
