/**
 * The cost contract. A cost scores predicted trajectories: it maps the states `[T + 1, B, D]` and
 * the actions `[T, B, A]` of `B` candidate trajectories to one energy per candidate `[B]`. Costs
 * are differentiable TensorFlow.js functions, so a planner can descend them.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs"

/** A differentiable energy over candidate trajectories; lower is better. */
export interface Cost {
  /** A short name for reports, e.g. `"goal"` or `"0.01 * action-magnitude"`. */
  readonly name: string
  /** The energy of each candidate `[B]`, given its states `[T + 1, B, D]` and actions `[T, B, A]`. */
  evaluate(states: tf.Tensor3D, actions: tf.Tensor3D): tf.Tensor1D
}
