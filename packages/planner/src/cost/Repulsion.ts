/**
 * A repulsion cost: Gaussian bumps in latent space around points a plan should keep away from.
 * The online memory puts them where an episode stalled, so the latent distance to the goal, which
 * has its minimum there (a wall between the agent and the goal), is raised until a way round
 * scores better.
 *
 * @module
 */
import type { Cost } from "@telos/core"
import { describeValue, InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"

/** Options of {@link repulsionCost}. */
export interface RepulsionOptions {
  /** The points, `[N, K, D]` row-major: `K` per planning problem (rows of height 0 are unused slots). */
  readonly points: Float32Array
  /** Each point's height, `[N, K]`: the cost at the point itself. */
  readonly heights: Float32Array
  /** Problems `N`. */
  readonly problems: number
  /** Latent size `D`. */
  readonly latentSize: number
  /** The distance at which a bump has fallen to 1/e of its height. */
  readonly width: number
}

const checkRepulsion = (options: RepulsionOptions): number => {
  const { problems, latentSize, width } = options
  for (const [field, value] of [
    ["problems", problems],
    ["latentSize", latentSize]
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidValueError({
        field: `repulsionCost.${field}`,
        expected: "a positive integer",
        received: describeValue(value)
      })
    }
  }
  if (typeof width !== "number" || !Number.isFinite(width) || width <= 0) {
    throw new InvalidValueError({
      field: "repulsionCost.width",
      expected: "a finite number > 0",
      received: describeValue(width)
    })
  }
  const slots = options.heights.length / problems
  if (!Number.isInteger(slots) || slots < 1 || options.points.length !== problems * slots * latentSize) {
    throw new InvalidValueError({
      field: "repulsionCost.points",
      expected: `[${problems}, K, ${latentSize}] points and [${problems}, K] heights`,
      received: `${options.points.length} point numbers and ${options.heights.length} heights`
    })
  }
  const finite = options.points.every(Number.isFinite) && options.heights.every(Number.isFinite)
  if (!finite || options.heights.some((height) => height < 0)) {
    throw new InvalidValueError({
      field: "repulsionCost.heights",
      expected: "finite points and finite heights >= 0",
      received: "NaN, Infinity or a negative height"
    })
  }
  return slots
}

/**
 * The mean over a plan's predicted steps (1..T) of `sum_k h_k exp(-|z - p_k|^2 / width^2)`, each
 * problem's candidates against their own points (grouped problem-major, as `goalCost` groups
 * them). Smooth, so the gradient planner is pushed off a point as the sampling planners are.
 *
 * @example
 * ```ts
 * // One problem, one point at the origin of a 2-D latent, height 4.
 * const cost = repulsionCost({ points: new Float32Array(2), heights: Float32Array.of(4), problems: 1, latentSize: 2, width: 1 })
 * ```
 */
export const repulsionCost = (options: RepulsionOptions): Cost => {
  const slots = checkRepulsion(options)
  const { problems, latentSize, width } = options
  return {
    name: `repulsion (${slots} points per problem)`,
    evaluate: (states) =>
      tf.tidy(() => {
        const [steps, candidates, size] = states.shape
        if (size !== latentSize || candidates % problems !== 0) {
          throw new InvalidValueError({
            field: "repulsionCost states",
            expected: `[T + 1, C, ${latentSize}] with the ${problems} problems dividing the C candidates`,
            received: `[${states.shape.join(", ")}]`
          })
        }
        if (steps < 2) return tf.zeros([candidates]) as tf.Tensor1D
        const perProblem = candidates / problems
        const predicted = states
          .slice([1, 0, 0], [steps - 1, candidates, size])
          .reshape([steps - 1, problems, perProblem, size])
          .transpose([1, 0, 2, 3])
          .reshape([problems, (steps - 1) * perProblem, size]) as tf.Tensor3D
        const points = tf.tensor3d(options.points, [problems, slots, size])
        // |z - p|^2 = |z|^2 + |p|^2 - 2 z.p: one batched product instead of a [N, T R, K, D] difference.
        const squared = predicted
          .square()
          .sum(2, true)
          .add(points.square().sum(2).expandDims(1))
          .sub(tf.matMul(predicted, points, false, true).mul(2))
          .relu()
        const bumps = squared
          .div(-(width * width))
          .exp()
          .mul(tf.tensor2d(options.heights, [problems, slots]).expandDims(1))
          .sum(2)
        return bumps
          .reshape([problems, steps - 1, perProblem])
          .mean(1)
          .reshape([candidates]) as tf.Tensor1D
      })
  }
}
