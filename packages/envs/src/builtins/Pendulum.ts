/**
 * `pendulum`: Gymnasium's Pendulum-v1, equation for equation. A rigid pole swings about a pivot
 * under gravity and a bounded torque; the task is to hold it upright (`theta = 0`) with little
 * speed and little effort. The episode never terminates; it is truncated after 200 steps.
 *
 * @module
 */
import { Box, checkStepShapes, type Random, type WorldModel } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { defineEnv, type EnvSpec } from "../define/DefineEnv.js"
import type { TransitionResult } from "../define/EnvDefinition.js"
import { identityEncode } from "../define/GroundTruth.js"
import { checkOptionNames, type ResetOptionValues, readNumberOption } from "../define/Options.js"
import { svgDocument } from "../define/Svg.js"

/**
 * Pendulum-v1's constants.
 *
 * @example
 * ```ts
 * pendulumConstants.maxTorque // 2
 * ```
 */
export const pendulumConstants = {
  /** Gravitational acceleration. */
  gravity: 10,
  /** The pole's mass. */
  mass: 1,
  /** The pole's length. */
  length: 1,
  /** Seconds per step. */
  timeStep: 0.05,
  /** The angular velocity's bound (rad/s); the velocity is clipped to `[-8, 8]`. */
  maxSpeed: 8,
  /** The torque's bound: actions lie in `[-2, 2]`. */
  maxTorque: 2
} as const

const { gravity, mass, length, timeStep, maxSpeed, maxTorque } = pendulumConstants

// The coefficients of sin(theta) and of the torque in the angular acceleration.
const gravityCoefficient = (3 * gravity) / (2 * length)
const torqueCoefficient = 3 / (mass * length * length)

/**
 * The state of `pendulum`: the angle from upright (not wrapped) and the angular velocity.
 *
 * @example
 * ```ts
 * const state: PendulumState = { theta: Math.PI, thetaDot: 0 } // hanging down, at rest
 * ```
 */
export interface PendulumState {
  /** The angle from upright, in radians (0 up; not wrapped). */
  readonly theta: number
  /** The angular velocity, in rad/s, within `[-8, 8]`. */
  readonly thetaDot: number
}

/**
 * The torque `[u]`, in `[-2, 2]`.
 *
 * @example
 * ```ts
 * pendulumActionSpace.contains([1.5]) // true
 * ```
 */
export const pendulumActionSpace = new Box({ low: -maxTorque, high: maxTorque, shape: [1] })

/**
 * Observations `[cos(theta), sin(theta), thetaDot]`.
 *
 * @example
 * ```ts
 * pendulumObservationSpace.high // [1, 1, 8]
 * ```
 */
export const pendulumObservationSpace = new Box({ low: [-1, -1, -maxSpeed], high: [1, 1, maxSpeed] })

/**
 * Wraps an angle into `[-pi, pi)`: `((angle + pi) mod 2 pi) - pi` with a floored modulo, as
 * Gymnasium's `angle_normalize` computes it in Python.
 *
 * @example
 * ```ts
 * normalizeAngle(3.5 * Math.PI) // -Math.PI / 2
 * ```
 */
export const normalizeAngle = (angle: number): number => {
  const period = 2 * Math.PI
  // JavaScript's % is C's fmod (exact); Python's float % shifts a negative remainder by the period.
  const remainder = (angle + Math.PI) % period
  return (remainder < 0 ? remainder + period : remainder) - Math.PI
}

/**
 * One step of Pendulum-v1. The reward is computed from the state before the update.
 *
 * @example
 * ```ts
 * pendulumTransition({ theta: Math.PI / 4, thetaDot: 0.5 }, Float64Array.of(1.5))
 * // reward -0.6441..., thetaDot 1.2553..., theta 0.8481...
 * ```
 */
export const pendulumTransition = (
  state: PendulumState,
  action: Float64Array
): TransitionResult<PendulumState> => {
  const torque = action[0] as number
  const { theta, thetaDot } = state
  const cost = normalizeAngle(theta) ** 2 + 0.1 * thetaDot ** 2 + 0.001 * torque ** 2
  const acceleration = gravityCoefficient * Math.sin(theta) + torqueCoefficient * torque
  const newThetaDot = Math.min(maxSpeed, Math.max(-maxSpeed, thetaDot + acceleration * timeStep))
  const newTheta = theta + newThetaDot * timeStep
  return { state: { theta: newTheta, thetaDot: newThetaDot }, reward: -cost, terminated: false }
}

const initialState = (rng: Random, options: ResetOptionValues): PendulumState => {
  checkOptionNames(options, ["theta", "thetaDot"])
  const fixedTheta = readNumberOption(options, "theta", -Infinity, Infinity)
  const fixedThetaDot = readNumberOption(options, "thetaDot", -maxSpeed, maxSpeed)
  // Both draws happen whether or not an option fixes them, so fixing one leaves the other's
  // draw unchanged for a given seed.
  const theta = rng.uniformIn(-Math.PI, Math.PI)
  const thetaDot = rng.uniformIn(-1, 1)
  return { theta: fixedTheta ?? theta, thetaDot: fixedThetaDot ?? thetaDot }
}

const render = (state: PendulumState): string => {
  // theta = 0 points straight up; SVG's y axis points down.
  const tipX = Math.sin(state.theta)
  const tipY = -Math.cos(state.theta)
  return svgDocument(
    { width: 240, height: 240, viewBox: "-1.3 -1.3 2.6 2.6" },
    `<rect x="-1.3" y="-1.3" width="2.6" height="2.6" fill="#fafafa"/>` +
      `<line x1="0" y1="0" x2="${tipX}" y2="${tipY}" stroke="#c0392b" stroke-width="0.16" stroke-linecap="round"/>` +
      `<circle cx="0" cy="0" r="0.06" fill="#333"/>`
  )
}

/**
 * Pendulum-v1 as a differentiable world model over the observation `[cos, sin, thetaDot]`.
 * The new angle's cosine and sine come from the angle-addition formulas, so no `atan2` (and no
 * wrap-around discontinuity) enters the graph.
 *
 * @example
 * ```ts
 * const model = pendulumModel()
 * const next = tf.tidy(() => model.step(tf.tensor2d([[1, 0, 0]]), tf.tensor2d([[2]])))
 * ```
 */
export const pendulumModel = (): WorldModel => ({
  name: "pendulum-dynamics",
  latentSize: 3,
  actionSpace: pendulumActionSpace,
  stride: 1,
  encode: (observations) => identityEncode(observations, 3, "observations"),
  step: (states, actions) => {
    checkStepShapes(states, actions, 3, 1)
    return tf.tidy(() => {
      const [cosine, sine, thetaDot] = tf.split(states, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]
      const acceleration = tf.add(tf.mul(sine, gravityCoefficient), tf.mul(actions, torqueCoefficient))
      const newThetaDot = tf.clipByValue(
        tf.add(thetaDot, tf.mul(acceleration, timeStep)),
        -maxSpeed,
        maxSpeed
      )
      const turn = tf.mul(newThetaDot, timeStep)
      const turnCosine = tf.cos(turn)
      const turnSine = tf.sin(turn)
      const newCosine = tf.sub(tf.mul(cosine, turnCosine), tf.mul(sine, turnSine))
      const newSine = tf.add(tf.mul(sine, turnCosine), tf.mul(cosine, turnSine))
      return tf.concat([newCosine, newSine, newThetaDot], 1) as tf.Tensor2D
    })
  }
})

/**
 * Whether the pole is balanced: upright within 0.1 rad and turning slower than 0.5 rad/s.
 *
 * @example
 * ```ts
 * pendulumBalanced(0.05, 0.1) // true
 * pendulumBalanced(Math.PI, 0) // false
 * ```
 */
export const pendulumBalanced = (theta: number, thetaDot: number): boolean =>
  Math.abs(normalizeAngle(theta)) < 0.1 && Math.abs(thetaDot) < 0.5

/**
 * The `pendulum` environment (Gymnasium Pendulum-v1). Observation `[cos, sin, thetaDot]`, torque
 * in `[-2, 2]` (a finite torque outside is clipped onto the bound, as Gymnasium does), reward `-(theta^2 + 0.1 thetaDot^2 + 0.001 u^2)` with `theta` wrapped to
 * `[-pi, pi)`, 200 steps. Reset options: `{ theta?: number, thetaDot?: number }`. Info:
 * `{ theta, thetaDot, success }`, `success` when the pole is balanced (see {@link pendulumBalanced}).
 * Gymnasium's task has no goal of its own; the definition names upright and still, `[1, 0, 0]`, as
 * the goal observation planners aim at.
 *
 * @example
 * ```ts
 * const env = pendulum.make()
 * env.reset({ seed: 0, options: { theta: Math.PI, thetaDot: 0 } })
 * const { reward } = env.step([2])
 * ```
 */
export const pendulum: EnvSpec<PendulumState, Box> = defineEnv<PendulumState, Box>({
  id: "pendulum",
  description: "Gymnasium's Pendulum-v1: swing a pole upright and hold it with a bounded torque.",
  observationSpace: pendulumObservationSpace,
  actionSpace: pendulumActionSpace,
  // Pendulum-v1 clips the torque inside step rather than rejecting it.
  outOfRangeActions: "clip",
  maxEpisodeSteps: 200,
  initialState,
  transition: pendulumTransition,
  observe: (state) => Float64Array.of(Math.cos(state.theta), Math.sin(state.theta), state.thetaDot),
  info: (state) => ({
    theta: state.theta,
    thetaDot: state.thetaDot,
    success: pendulumBalanced(state.theta, state.thetaDot)
  }),
  goal: [1, 0, 0],
  // Upright matters more than still, as in Gymnasium's reward; a full-weight speed term makes
  // "hold the pole half-way up" a cheaper plan than the swing-up that needs speed.
  goalDimensions: [0, 1, 2],
  goalWeights: [1, 1, 0.01],
  render,
  groundTruthModel: pendulumModel
})
