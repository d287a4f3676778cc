/**
 * The cost module: differentiable energies over predicted trajectories, and combinators that add
 * and weight them. Every cost maps states `[T + 1, B, D]` and actions `[T, B, A]` to `[B]`.
 *
 * @module
 */
import type { Cost } from "@telos/core"
import { InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"

/** Which predicted states a goal cost looks at. */
export type GoalCostMode = "terminal" | "running"

/** Options of {@link goalCost}. */
export interface GoalCostOptions {
  /**
   * Goal latents, one row per planning problem (`[N, D]`), as a tensor the caller owns or as
   * host rows. Candidates are matched to goals problem-major: with `B = N * R` candidates,
   * candidates `n * R ... n * R + R - 1` are scored against goal `n`.
   */
  readonly goal: tf.Tensor2D | ReadonlyArray<ArrayLike<number>>
  /** `"terminal"` scores the last predicted state; `"running"` the mean over states 1..T. */
  readonly mode?: GoalCostMode
  /** Per-dimension weights of the squared distance (all 1 by default). */
  readonly weights?: ArrayLike<number>
}

const goalTensor = (goal: GoalCostOptions["goal"]): tf.Tensor2D => {
  if (goal instanceof tf.Tensor) return goal
  const rows = goal.map((row) => Array.from(row))
  return tf.tensor2d(rows)
}

/**
 * Squared, optionally weighted, Euclidean distance between predicted latents and the goal latent.
 *
 * @example
 * ```ts
 * const reach = goalCost({ goal: [[0.5, 0.5, 0, 0]], weights: [1, 1, 0.1, 0.1], mode: "running" })
 * ```
 */
export const goalCost = (options: GoalCostOptions): Cost => {
  const mode = options.mode ?? "terminal"
  const weights = options.weights === undefined ? undefined : Array.from(options.weights)
  if (weights?.some((weight) => !Number.isFinite(weight) || weight < 0)) {
    throw new InvalidValueError({
      field: "goalCost.weights",
      expected: "finite, non-negative numbers",
      received: weights.join(", ")
    })
  }
  return {
    name: `goal (${mode})`,
    evaluate: (states) =>
      tf.tidy(() => {
        const goal = goalTensor(options.goal)
        const [steps, candidates, size] = states.shape
        const problems = goal.shape[0]
        if (goal.shape[1] !== size || candidates % problems !== 0) {
          throw new InvalidValueError({
            field: "goalCost.goal",
            expected: `[N, ${size}] with N dividing the ${candidates} candidates`,
            received: `[${goal.shape.join(", ")}]`
          })
        }
        const scored =
          mode === "terminal"
            ? states.slice([steps - 1, 0, 0], [1, -1, -1])
            : states.slice([1, 0, 0], [-1, -1, -1])
        const grouped = scored.reshape([scored.shape[0], problems, candidates / problems, size])
        let squared = grouped.sub(goal.reshape([1, problems, 1, size])).square()
        if (weights !== undefined) squared = squared.mul(tf.tensor1d(weights))
        return squared.sum(3).mean(0).reshape([candidates]) as tf.Tensor1D
      })
  }
}

/**
 * Sum over the horizon of the squared action norm, `sum_t ||a_t||^2`: discourages large forces.
 *
 * @example
 * ```ts
 * const cost = addCosts(goalCost({ goal }), scaleCost(0.01, actionMagnitudeCost()))
 * ```
 */
export const actionMagnitudeCost = (): Cost => ({
  name: "action-magnitude",
  evaluate: (_states, actions) => tf.tidy(() => actions.square().sum([0, 2]) as tf.Tensor1D)
})

/** `weight * cost`. */
export const scaleCost = (weight: number, cost: Cost): Cost => {
  if (!Number.isFinite(weight)) {
    throw new InvalidValueError({
      field: "scaleCost.weight",
      expected: "a finite number",
      received: String(weight)
    })
  }
  return {
    name: `${weight} * ${cost.name}`,
    evaluate: (states, actions) => tf.tidy(() => cost.evaluate(states, actions).mul(weight) as tf.Tensor1D)
  }
}

/** The sum of several costs. */
export const addCosts = (...costs: ReadonlyArray<Cost>): Cost => {
  if (costs.length === 0) {
    throw new InvalidValueError({ field: "addCosts", expected: "at least one cost", received: "none" })
  }
  return {
    name: costs.map((cost) => cost.name).join(" + "),
    evaluate: (states, actions) =>
      tf.tidy(() => tf.addN(costs.map((cost) => cost.evaluate(states, actions))) as tf.Tensor1D)
  }
}
