/**
 * The `mlp-wm` world model of the performance workloads, in plain TensorFlow.js ops:
 * `s_next = s + W3 relu(W2 relu(W1 [s; a] + b1) + b2) + b3`, Glorot-uniform weights and zero biases
 * drawn from a seeded {@link Random}, and the planning cost
 * `||s_T - g||^2 + 0.01 * sum_t ||a_t||^2` from a fixed random start and goal.
 *
 * It is deliberately not the `@telos/worldmodel` predictor: the workloads fix one architecture,
 * and timing it through a general-purpose model would measure that model's extra checks as well.
 *
 * @module
 */
import { fusedDense, type Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { actionCostWeight, type PerfWorldModelDefinition } from "./Workloads.js"

/** The predictor's weights: `w1` is `[stateDim + actionDim, hidden]`, the biases are vectors. */
export interface MlpWorldModelWeights {
  readonly w1: tf.Tensor2D
  readonly b1: tf.Tensor1D
  readonly w2: tf.Tensor2D
  readonly b2: tf.Tensor1D
  readonly w3: tf.Tensor2D
  readonly b3: tf.Tensor1D
}

/**
 * A `[fanIn, fanOut]` matrix drawn uniformly from `±sqrt(6 / (fanIn + fanOut))` (Glorot and
 * Bengio's limit), drawn on the host from `rng` so that the same seed gives the same weights on
 * every backend.
 *
 * @example
 * ```ts
 * const weights = glorotUniform(Random.fromSeed(0), 68, 256) // [68, 256]
 * ```
 */
export const glorotUniform = (rng: Random, fanIn: number, fanOut: number): tf.Tensor2D => {
  const limit = Math.sqrt(6 / (fanIn + fanOut))
  const values = Float32Array.from({ length: fanIn * fanOut }, () => rng.uniformIn(-limit, limit))
  return tf.tensor2d(values, [fanIn, fanOut])
}

/**
 * A `[size]` vector of standard normal numbers drawn on the host from `rng`.
 *
 * @example
 * ```ts
 * const goal = standardNormalVector(Random.fromSeed(0), 64)
 * ```
 */
export const standardNormalVector = (rng: Random, size: number): tf.Tensor1D =>
  tf.tensor1d(Float32Array.from({ length: size }, () => rng.normal()))

/**
 * Fresh predictor weights for `definition`: Glorot-uniform matrices (first, second, third layer, in
 * that order from `rng`) and zero biases. The caller owns (and disposes) the tensors.
 *
 * @example
 * ```ts
 * const weights = initialMlpWeights(perfWorkloads.worldModel, Random.fromSeed(0))
 * weights.w1.shape // [68, 256]
 * ```
 */
export const initialMlpWeights = (
  definition: PerfWorldModelDefinition,
  rng: Random
): MlpWorldModelWeights => {
  const { stateDim, actionDim, hidden } = definition
  return {
    w1: glorotUniform(rng, stateDim + actionDim, hidden),
    b1: tf.zeros([hidden]),
    w2: glorotUniform(rng, hidden, hidden),
    b2: tf.zeros([hidden]),
    w3: glorotUniform(rng, hidden, stateDim),
    b3: tf.zeros([stateDim])
  }
}

/**
 * One predictor step: states `[B, stateDim]` and actions `[B, actionDim]` to the next states.
 * Each layer is a {@link dense} layer: one fused kernel forward, a gradient that the WebAssembly
 * backend computes at full speed.
 *
 * @example
 * ```ts
 * const next = predictNextState(weights, states, actions) // [B, stateDim]
 * ```
 */
export const predictNextState = (
  weights: MlpWorldModelWeights,
  states: tf.Tensor2D,
  actions: tf.Tensor2D
): tf.Tensor2D =>
  tf.tidy(() => {
    const input = tf.concat([states, actions], 1)
    const first = fusedDense(input, weights.w1, weights.b1, "relu")
    const second = fusedDense(first, weights.w2, weights.b2, "relu")
    return states.add(fusedDense(second, weights.w3, weights.b3))
  })

/**
 * The actions of each time step of a time-major batch `[T, B, A]`, as `T` matrices `[B, A]`.
 *
 * @example
 * ```ts
 * for (const action of stepActions(actions)) state = predictNextState(weights, state, action)
 * ```
 */
export const stepActions = (actions: tf.Tensor3D): ReadonlyArray<tf.Tensor2D> => {
  const [steps, batch, size] = actions.shape
  // TensorFlow.js's gradient of a one-element unstack is broken; a reshape is the same thing there.
  return steps === 1 ? [actions.reshape([batch, size])] : (tf.unstack(actions) as Array<tf.Tensor2D>)
}

/** The fixed planning problem of the workloads: the world model, a start state and a goal state. */
export interface MlpPlanningProblem {
  readonly definition: PerfWorldModelDefinition
  readonly weights: MlpWorldModelWeights
  /** `s_0`, `[stateDim]`. */
  readonly start: tf.Tensor1D
  /** `g`, `[stateDim]`. */
  readonly goal: tf.Tensor1D
  /** Every action component lies in `[low, high]`. */
  readonly bounds: readonly [low: number, high: number]
  /** Releases every tensor of the problem. */
  readonly dispose: () => void
}

/**
 * Builds the planning problem from `rng`: the predictor's weights first, then the start and the
 * goal as standard normal vectors (as the PyTorch reference draws them).
 *
 * @example
 * ```ts
 * const problem = makeMlpPlanningProblem(perfWorkloads.worldModel, perfWorkloads.actionBounds, Random.fromSeed(0))
 * try { ... } finally { problem.dispose() }
 * ```
 */
export const makeMlpPlanningProblem = (
  definition: PerfWorldModelDefinition,
  bounds: readonly [low: number, high: number],
  rng: Random
): MlpPlanningProblem => {
  const weights = initialMlpWeights(definition, rng)
  const start = standardNormalVector(rng, definition.stateDim)
  const goal = standardNormalVector(rng, definition.stateDim)
  return {
    definition,
    weights,
    start,
    goal,
    bounds,
    dispose: () => tf.dispose([...Object.values(weights), start, goal])
  }
}

/**
 * The final predicted states `[B, stateDim]` of action sequences `[T, B, A]` from the start state.
 *
 * @example
 * ```ts
 * const final = finalStates(problem, actions)
 * ```
 */
export const finalStates = (problem: MlpPlanningProblem, actions: tf.Tensor3D): tf.Tensor2D =>
  tf.tidy(() => {
    const batch = actions.shape[1]
    let state: tf.Tensor2D = tf.broadcastTo(problem.start.reshape([1, -1]), [
      batch,
      problem.definition.stateDim
    ])
    for (const action of stepActions(actions)) state = predictNextState(problem.weights, state, action)
    return state
  })

/**
 * The cost of every sequence of a time-major batch `[T, B, A]`:
 * `||s_T - g||^2 + 0.01 * sum_t ||a_t||^2`, a vector `[B]`. Differentiable in the actions.
 *
 * @example
 * ```ts
 * const costs = sequenceCosts(problem, actions) // [B]
 * ```
 */
export const sequenceCosts = (problem: MlpPlanningProblem, actions: tf.Tensor3D): tf.Tensor1D =>
  tf.tidy(() => {
    const miss = finalStates(problem, actions).sub(problem.goal).square().sum(1)
    return miss.add(actions.square().sum([0, 2]).mul(actionCostWeight))
  })
