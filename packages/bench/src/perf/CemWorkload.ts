/**
 * The cross-entropy method workload (`cem-*`): sample sequences around a per-step Gaussian,
 * clipped to the bounds, keep the lowest-cost elites and refit the Gaussian's mean and standard
 * deviation to them; the result is the final mean sequence, read back to host memory.
 *
 * @module
 */
import { compileStep, type Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { type MlpPlanningProblem, sequenceCosts } from "./MlpWorldModel.js"
import type { CemWorkload } from "./Workloads.js"

interface Gaussian {
  readonly mean: tf.Tensor2D
  readonly std: tf.Tensor2D
}

// One refit from the Gaussian `[mean, std]` and the iteration's standard normal noise.
const refitStep = (problem: MlpPlanningProblem, workload: CemWorkload) =>
  compileStep(([mean, std, noise]) => {
    const { elites } = workload
    const [low, high] = problem.bounds
    const candidates = (mean as tf.Tensor)
      .add((std as tf.Tensor).mul(noise as tf.Tensor))
      .clipByValue(low, high) as tf.Tensor3D
    const costs = sequenceCosts(problem, candidates.transpose([1, 0, 2]))
    // The lowest costs are the highest negated costs.
    const chosen = tf.gather(candidates, tf.topk(costs.neg(), elites).indices)
    const nextMean = chosen.mean(0)
    // The unbiased standard deviation, as PyTorch's `std` computes it.
    const nextStd = chosen
      .sub(nextMean)
      .square()
      .sum(0)
      .div(elites - 1)
      .sqrt()
    return [nextMean, nextStd]
  })

/**
 * A runner of one CEM workload on `problem`: its compiled refit is built once, as the model is.
 * Each call is one run and returns the final mean sequence `[T, A]`, time-major, as a flat
 * `Float32Array`; each iteration draws one seed from `rng` for its samples.
 *
 * @example
 * ```ts
 * const run = cemWorkloadRunner(problem, findPerfWorkload("cem-512x16") as CemWorkload)
 * run(rng).length // 16 * 4
 * ```
 */
export const cemWorkloadRunner = (
  problem: MlpPlanningProblem,
  workload: CemWorkload
): ((rng: Random) => Float32Array) => {
  const refit = refitStep(problem, workload)
  return (rng) => {
    const shape: [number, number] = [workload.horizon, problem.definition.actionDim]
    let gaussian: Gaussian = { mean: tf.zeros(shape), std: tf.fill(shape, workload.initStd) }
    try {
      for (let iteration = 0; iteration < workload.iterations; iteration++) {
        const previous = gaussian
        // Drawn outside the step: a compiled step would keep the first draw as a constant.
        const noise = tf.randomNormal([workload.samples, ...shape], 0, 1, "float32", rng.seed())
        const [mean, std] = refit.run([previous.mean, previous.std, noise]) as [tf.Tensor2D, tf.Tensor2D]
        gaussian = { mean, std }
        tf.dispose([previous.mean, previous.std, noise])
      }
      return gaussian.mean.dataSync() as Float32Array
    } finally {
      tf.dispose([gaussian.mean, gaussian.std])
    }
  }
}

/**
 * Runs one CEM workload once (see {@link cemWorkloadRunner}).
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
): Float32Array => cemWorkloadRunner(problem, workload)(rng)
