/**
 * The gradient planner workloads (`gd-*`): Adam on the whole `[T, B, A]` action tensor through the
 * `mlp-wm` world model, sequences started from `N(0, 0.1^2)` clipped to the bounds and clipped back
 * after every step; the result is the lowest-cost sequence, read back to host memory.
 *
 * @module
 */
import { adamOptimizer, type Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { type MlpPlanningProblem, sequenceCosts } from "./MlpWorldModel.js"
import { type GradientWorkload, gradientInitialStd } from "./Workloads.js"

// PyTorch's Adam defaults, which the reference implementation runs with; TensorFlow.js would
// otherwise take its backend's epsilon (1e-7).
const beta1 = 0.9
const beta2 = 0.999
const epsilon = 1e-8

/**
 * Runs one gradient workload and returns the best candidate's sequence `[T, A]`, time-major, as a
 * flat `Float32Array`. The first draw of `rng` seeds the initial sequences, so the same seed always
 * starts from the same sequences (with `iterations: 0`, the result is the best of them).
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
): Float32Array => {
  const { candidates, horizon, iterations, lr } = workload
  const actionDim = problem.definition.actionDim
  const [low, high] = problem.bounds
  const initial = tf.tidy(() =>
    tf
      .randomNormal([horizon, candidates, actionDim], 0, gradientInitialStd, "float32", rng.seed())
      .clipByValue(low, high)
  ) as tf.Tensor3D
  const actions = tf.variable(initial)
  initial.dispose()
  const optimizer = adamOptimizer({ learningRate: lr, beta1, beta2, epsilon })
  const totalCost = (): tf.Scalar => sequenceCosts(problem, actions).sum()
  try {
    for (let step = 0; step < iterations; step++) {
      optimizer.minimize(totalCost, false, [actions])
      tf.tidy(() => {
        actions.assign(actions.clipByValue(low, high) as tf.Tensor3D)
      })
    }
    const best = tf.tidy(() =>
      tf.gather(actions, sequenceCosts(problem, actions).argMin(), 1).reshape([horizon, actionDim])
    )
    try {
      return best.dataSync() as Float32Array
    } finally {
      best.dispose()
    }
  } finally {
    optimizer.dispose()
    actions.dispose()
  }
}
