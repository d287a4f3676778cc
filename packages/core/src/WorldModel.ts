/**
 * The world model contract. Perception (`encode`) maps observations to latent states; the
 * predictor (`step`) maps a latent state and an action to the next latent state. Both are
 * TensorFlow.js functions, so a planner can differentiate a whole predicted trajectory with
 * respect to the actions.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"
import { InvalidValueError } from "./Errors.js"
import type { Box } from "./Space.js"

/** A differentiable model of how the world responds to actions, in latent space. */
export interface WorldModel {
  /** A short name for reports. */
  readonly name: string
  /** Size `D` of a latent state. */
  readonly latentSize: number
  /** The actions `step` accepts; planners keep their actions inside it. */
  readonly actionSpace: Box
  /** Primitive environment steps per model step (1 for the lowest level of a hierarchy). */
  readonly stride: number
  /** Perception: observations `[B, ...]` to latent states `[B, D]`. */
  encode(observations: tf.Tensor): tf.Tensor2D
  /** Prediction: latent states `[B, D]` and actions `[B, A]` to the next latent states `[B, D]`. */
  step(states: tf.Tensor2D, actions: tf.Tensor2D, latentVariable?: tf.Tensor2D): tf.Tensor2D
}

/**
 * Predicts a whole trajectory: from latent states `[B, D]` and actions `[T, B, A]` to the states
 * `[T + 1, B, D]`, the first being the start.
 *
 * @example
 * ```ts
 * const states = tf.tidy(() => rollout(model, start, actions)) // [T + 1, B, D]
 * ```
 */
export const rollout = (model: WorldModel, initial: tf.Tensor2D, actions: tf.Tensor3D): tf.Tensor3D =>
  tf.tidy(() => {
    const states: Array<tf.Tensor2D> = [initial]
    let state = initial
    // TensorFlow.js's gradient of a one-element unstack is broken; a reshape is the same thing there.
    const [steps, batch, size] = actions.shape
    const perStep =
      steps === 1
        ? [actions.reshape([batch, size]) as tf.Tensor2D]
        : (tf.unstack(actions) as Array<tf.Tensor2D>)
    for (const action of perStep) {
      state = model.step(state, action)
      states.push(state)
    }
    return tf.stack(states) as tf.Tensor3D
  })

/**
 * Checks that a tensor is a matrix `[B, columns]`, so a mis-shaped input is a typed error naming
 * `field` instead of a silent broadcast.
 */
export const checkMatrix = (tensor: tf.Tensor, columns: number, field: string): void => {
  if (tensor.rank !== 2 || tensor.shape[1] !== columns) {
    throw new InvalidValueError({
      field,
      expected: `a tensor of shape [B, ${columns}]`,
      received: `shape [${tensor.shape.join(", ")}]`
    })
  }
}

/**
 * Checks the inputs of a model step: states `[B, latentSize]` and actions `[B, actionSize]`.
 *
 * @example
 * ```ts
 * checkStepShapes(states, actions, 4, 2)
 * ```
 */
export const checkStepShapes = (
  states: tf.Tensor,
  actions: tf.Tensor,
  latentSize: number,
  actionSize: number
): void => {
  checkMatrix(states, latentSize, "states")
  checkMatrix(actions, actionSize, "actions")
  if (states.shape[0] !== actions.shape[0]) {
    throw new InvalidValueError({
      field: "actions",
      expected: `${states.shape[0]} rows, one per state`,
      received: `${actions.shape[0]} rows`
    })
  }
}

/**
 * A coarser model made of a finer one: each action is held for `steps` of `model`'s steps, so one
 * step of the result is `steps` of `model` under the same action (stride `steps` times
 * `model.stride`, the same latent and actions). With a ground-truth model it is the ground truth
 * of a level above that moves in straight runs: a ceiling for hierarchies, whose learned levels
 * have richer macro-actions. Throws an `InvalidValueError` when `steps` is not a positive integer.
 *
 * @example
 * ```ts
 * const upper = holdActions(pointMass.groundTruthModel(), 5) // stride 5
 * ```
 */
export const holdActions = (model: WorldModel, steps: number): WorldModel => {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new InvalidValueError({ field: "steps", expected: "a positive integer", received: String(steps) })
  }
  return {
    name: `${model.name}, each action held ${steps} steps`,
    latentSize: model.latentSize,
    actionSpace: model.actionSpace,
    stride: model.stride * steps,
    encode: (observations) => model.encode(observations),
    step: (states, actions, latentVariable) =>
      tf.tidy(() => {
        let state = states
        for (let step = 0; step < steps; step++) state = model.step(state, actions, latentVariable)
        return state
      })
  }
}
