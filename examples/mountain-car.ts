/**
 * `mountain-car`: Gymnasium's MountainCarContinuous-v0, equation for equation. A car in a valley
 * (position in `[-1.2, 0.6]`) must reach the flag at 0.45 on the right hilltop, but its engine
 * (a force in `[-1, 1]`) is too weak to climb straight up: it has to back up the left slope first
 * and build momentum. Per step: `v' = clip(v + 0.0015 force - 0.0025 cos(3x), ±0.07)`,
 * `x' = clip(x + v', -1.2, 0.6)`, and the left wall stops the car (`v' = 0` when it sits at -1.2
 * moving left). Reward: 100 on reaching the flag, minus `0.1 force^2` every step. An out-of-range
 * force is clipped, as Gymnasium does. Starts at rest in `[-0.6, -0.4]`; 999 steps.
 *
 * A user-style environment: it imports only the public packages.
 *
 * @module
 */
import { Box, checkMatrix, checkStepShapes, type Random, type WorldModel } from "@telos/core"
import {
  checkOptionNames,
  defineEnv,
  type ResetOptionValues,
  svgDocument,
  type TransitionResult
} from "@telos/envs"
import * as tf from "@tensorflow/tfjs"

/** Gymnasium's constants for MountainCarContinuous-v0. */
export const mountainCarConstants = {
  minPosition: -1.2,
  maxPosition: 0.6,
  maxSpeed: 0.07,
  /** The flag: success once the car is at or past it, moving right or still. */
  goalPosition: 0.45,
  goalVelocity: 0,
  /** Velocity gained per unit of force and step. */
  power: 0.0015,
  /** The slope's pull: `gravity * cos(3 x)` per step. */
  gravity: 0.0025,
  /** Starts are drawn uniformly in `[startLow, startHigh]`, at rest. */
  startLow: -0.6,
  startHigh: -0.4,
  maxEpisodeSteps: 999
} as const

const { minPosition, maxPosition, maxSpeed, goalPosition, goalVelocity, power, gravity } =
  mountainCarConstants

/** The state: position and velocity. */
export interface MountainCarState {
  readonly position: number
  readonly velocity: number
}

/** The engine's force, in `[-1, 1]`. */
export const mountainCarActionSpace = new Box({ low: -1, high: 1, shape: [1] })

/** Observations `[position, velocity]`. */
export const mountainCarObservationSpace = new Box({
  low: [minPosition, -maxSpeed],
  high: [maxPosition, maxSpeed]
})

/** Whether the car has reached the flag. */
export const atFlag = (state: MountainCarState): boolean =>
  state.position >= goalPosition && state.velocity >= goalVelocity

/** One step of Gymnasium's `MountainCarContinuous-v0.step` (the force arrives clipped). */
export const mountainCarTransition = (
  state: MountainCarState,
  action: Float64Array
): TransitionResult<MountainCarState> => {
  const force = Math.min(Math.max(action[0] as number, -1), 1)
  let velocity = state.velocity + force * power - gravity * Math.cos(3 * state.position)
  velocity = Math.min(Math.max(velocity, -maxSpeed), maxSpeed)
  let position = state.position + velocity
  position = Math.min(Math.max(position, minPosition), maxPosition)
  if (position === minPosition && velocity < 0) velocity = 0
  const next = { position, velocity }
  const terminated = atFlag(next)
  return { state: next, reward: (terminated ? 100 : 0) - 0.1 * force * force, terminated }
}

const initialState = (rng: Random, options: ResetOptionValues): MountainCarState => {
  checkOptionNames(options, [])
  return {
    position: rng.uniformIn(mountainCarConstants.startLow, mountainCarConstants.startHigh),
    velocity: 0
  }
}

/** The hill's height at `x`, as Gymnasium draws it. */
const height = (x: number): number => Math.sin(3 * x) * 0.45 + 0.55

const render = (state: MountainCarState): string => {
  const points = Array.from({ length: 61 }, (_, i) => {
    const x = minPosition + ((maxPosition - minPosition) * i) / 60
    return `${x.toFixed(3)},${height(x).toFixed(3)}`
  }).join(" ")
  return svgDocument(
    { width: 300, height: 200, viewBox: "-1.25 -0.05 1.9 1.2" },
    `<g transform="translate(0, 1.1) scale(1, -1)">` +
      `<polyline points="${points}" fill="none" stroke="#333" stroke-width="0.015"/>` +
      `<line x1="${goalPosition}" y1="${height(goalPosition)}" x2="${goalPosition}" y2="${height(goalPosition) + 0.15}" stroke="#2a9d4a" stroke-width="0.015"/>` +
      `<circle cx="${state.position}" cy="${height(state.position) + 0.03}" r="0.03" fill="#1f5fbf"/>` +
      `</g>`
  )
}

/**
 * The car as a differentiable world model over `[position, velocity]`: the clips are clips, and
 * the left wall's stop is a mask (a `step` of the overshoot, gradient zero) on the velocity.
 */
export const mountainCarModel = (): WorldModel => ({
  name: "mountain-car-dynamics",
  latentSize: 2,
  actionSpace: mountainCarActionSpace,
  stride: 1,
  encode: (observations) => {
    checkMatrix(observations, 2, "observations")
    return tf.cast(observations, "float32") as tf.Tensor2D
  },
  step: (states, actions) => {
    checkStepShapes(states, actions, 2, 1)
    return tf.tidy(() => {
      const position = tf.slice(states, [0, 0], [-1, 1])
      const velocity = tf.slice(states, [0, 1], [-1, 1])
      const force = tf.clipByValue(actions, -1, 1)
      const pulled = tf.sub(
        tf.add(velocity, tf.mul(force, power)),
        tf.mul(tf.cos(tf.mul(position, 3)), gravity)
      )
      const newVelocity = tf.clipByValue(pulled, -maxSpeed, maxSpeed)
      const unclamped = tf.add(position, newVelocity)
      const hitWall = tf.step(tf.sub(minPosition, unclamped))
      const newPosition = tf.clipByValue(unclamped, minPosition, maxPosition)
      const keptVelocity = tf.mul(newVelocity, tf.sub(1, hitWall))
      return tf.concat([newPosition, keptVelocity], 1) as tf.Tensor2D
    })
  }
})

/**
 * The `mountain-car` environment (Gymnasium's MountainCarContinuous-v0). Observation
 * `[position, velocity]`, action force in `[-1, 1]` (clipped beyond), the goal a place
 * (`goalDimensions: [0]`, goal observation `[0.45, 0]`), success (termination) at the flag, 999
 * steps. Info: `{ goal, success, position }`.
 */
export const mountainCar = defineEnv({
  id: "mountain-car",
  description: "Gymnasium's MountainCarContinuous-v0: build momentum in a valley to reach the flag.",
  observationSpace: mountainCarObservationSpace,
  actionSpace: mountainCarActionSpace,
  outOfRangeActions: "clip",
  maxEpisodeSteps: mountainCarConstants.maxEpisodeSteps,
  goal: [goalPosition, goalVelocity],
  goalDimensions: [0],
  initialState,
  transition: mountainCarTransition,
  observe: (state) => Float64Array.of(state.position, state.velocity),
  info: (state) => ({
    goal: Float64Array.of(goalPosition, goalVelocity),
    success: atFlag(state),
    position: state.position
  }),
  render,
  groundTruthModel: mountainCarModel
})

export default mountainCar
