/**
 * The gradient planner workloads (`gd-*`): Adam (PyTorch's form) on the whole `[T, B, A]` action
 * tensor through the `mlp-wm` world model, sequences started from `N(0, 0.1^2)` clipped to the bounds and clipped back
 * after every step; the result is the lowest-cost sequence, read back to host memory.
 *
 * @module
 */
import { type AdamRates, adamCorrections, adamMoments, compileStep, type Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { type MlpPlanningProblem, sequenceCosts } from "./MlpWorldModel.js"
import { type GradientWorkload, gradientInitialStd } from "./Workloads.js"

// PyTorch's Adam defaults, which the reference implementation runs with; TensorFlow.js would
// otherwise take its backend's epsilon (1e-7).
const adamRates: AdamRates = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }

/**
 * A runner of one gradient workload on `problem`: its compiled Adam step is built once, as the
 * model is, and each call is one run from fresh initial sequences. Each call returns the best
 * candidate's sequence `[T, A]`, time-major, as a flat `Float32Array`. The first draw of `rng`
 * seeds the initial sequences, so the same seed always starts from the same sequences (with
 * `iterations: 0`, the result is the best of them).
 *
 * @example
 * ```ts
 * const run = gradientWorkloadRunner(problem, findPerfWorkload("gd-256x16") as GradientWorkload)
 * run(rng).length // 16 * 4
 * ```
 */
export const gradientWorkloadRunner = (
  problem: MlpPlanningProblem,
  workload: GradientWorkload
): ((rng: Random) => Float32Array) => {
  const { candidates, horizon, iterations, lr } = workload
  const actionDim = problem.definition.actionDim
  const [low, high] = problem.bounds
  // One Adam step on the actions, then the projection back into the box: a compiled step (one
  // native call where the backend compiles), with Adam's bias corrections as arguments.
  const adamStep = compileStep(([actions, first, second, correction1, correction2]) => {
    const { grads } = tf
      .engine()
      .gradients(() => sequenceCosts(problem, actions as tf.Tensor3D).sum(), [actions as tf.Tensor])
    const gradient = grads[0] as tf.Tensor
    const moments = adamMoments(
      first as tf.Tensor,
      second as tf.Tensor,
      gradient,
      correction1 as tf.Scalar,
      correction2 as tf.Scalar,
      adamRates
    )
    return [
      (actions as tf.Tensor).sub(moments.direction.mul(lr)).clipByValue(low, high),
      moments.first,
      moments.second
    ]
  })
  return (rng) => {
    const initial = tf.tidy(() =>
      tf
        .randomNormal([horizon, candidates, actionDim], 0, gradientInitialStd, "float32", rng.seed())
        .clipByValue(low, high)
    ) as tf.Tensor3D
    let actions: tf.Tensor = initial
    let first: tf.Tensor = tf.zerosLike(initial)
    let second: tf.Tensor = tf.zerosLike(initial)
    try {
      for (let step = 1; step <= iterations; step++) {
        const corrections = adamCorrections(step, adamRates)
        const next = adamStep.run([actions, first, second, ...corrections])
        tf.dispose([actions, first, second, ...corrections])
        ;[actions, first, second] = next as [tf.Tensor, tf.Tensor, tf.Tensor]
      }
      const best = tf.tidy(() =>
        tf
          .gather(actions, sequenceCosts(problem, actions as tf.Tensor3D).argMin(), 1)
          .reshape([horizon, actionDim])
      )
      try {
        return best.dataSync() as Float32Array
      } finally {
        best.dispose()
      }
    } finally {
      tf.dispose([actions, first, second])
    }
  }
}

/**
 * Runs one gradient workload once (see {@link gradientWorkloadRunner}).
 *
 * @example
 * ```ts
 * const plan = runGradientWorkload(problem, findPerfWorkload("gd-256x16") as GradientWorkload, rng)
 * plan.length // 16 * 4
 * ```
 */
export const runGradientWorkload = (
  problem: MlpPlanningProblem,
  workload: GradientWorkload,
  rng: Random
): Float32Array => gradientWorkloadRunner(problem, workload)(rng)
