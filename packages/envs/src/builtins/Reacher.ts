/**
 * `reacher`: a planar two-link arm, pinned at the origin, that must bring its fingertip to a
 * target. Each joint is a damped double integrator driven by a bounded torque and stepped with
 * semi-implicit Euler; there are no joint limits and no contacts, so the dynamics are a smooth
 * function of state and action everywhere except where a joint's speed is clipped. Unlike
 * `point-mass`, the map from controls to the fingertip is nonlinear, so a planner must work
 * through the arm's kinematics.
 *
 * @module
 */
import {
  Box,
  checkStepShapes,
  describeValue,
  InvalidValueError,
  type Random,
  type WorldModel
} from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { defineEnv, type EnvSpec } from "../define/DefineEnv.js"
import type { TransitionResult } from "../define/EnvDefinition.js"
import { identityEncode } from "../define/GroundTruth.js"
import { checkOptionNames, type ResetOptionValues, readVectorOption } from "../define/Options.js"
import { svgDocument } from "../define/Svg.js"

/**
 * The constants of `reacher`.
 *
 * - Links 0.6 and 0.4: the reach is 1, so the fingertip lives in `[-1, 1]^2` like `point-mass`'s
 *   agent and goal costs and thresholds carry over between the two; unequal lengths leave a hole
 *   of radius 0.2 around the base that no target is drawn from.
 * - Per joint, `omega' = clip(omega + (torqueGain * torque - damping * omega) * timeStep, ±maxSpeed)`
 *   then `theta' = theta + omega' * timeStep`: the simplest dynamics with inertia and friction,
 *   identical in plain arithmetic and in TensorFlow.js ops.
 * - Sustained full torque would drive a joint to `torqueGain / damping = 4` rad/s; the clip at
 *   3 rad/s binds first, so speeds (and the observation box) are bounded and the fingertip moves
 *   at most `1 * 0.15 + 0.4 * 0.15 = 0.21` per step; from full speed, full counter-torque stops a
 *   joint in about 5 steps, well inside a planning horizon.
 *
 * @example
 * ```ts
 * reacherConstants.firstLinkLength + reacherConstants.secondLinkLength // 1
 * ```
 */
export const reacherConstants = {
  /** The link from the base (shoulder) to the elbow. */
  firstLinkLength: 0.6,
  /** The link from the elbow to the fingertip. */
  secondLinkLength: 0.4,
  /** Seconds per step. */
  timeStep: 0.05,
  /** Angular acceleration (rad/s^2) per unit of torque. */
  torqueGain: 8,
  /** Viscous friction (1/s): the deceleration per unit of angular velocity. */
  damping: 2,
  /** A bound (rad/s) on each joint's angular velocity. */
  maxSpeed: 3,
  /** Each joint's torque lies in `[-maxTorque, maxTorque]`. */
  maxTorque: 1,
  /**
   * The weight of the squared torques in the reward: small beside distances of order 1, so
   * reaching dominates, yet enough to prefer gentle motion once there.
   */
  controlCostWeight: 0.01,
  /**
   * Drawn targets stay this far inside the reachable annulus: at its edges the arm is fully
   * stretched or folded, where one direction of fingertip motion is lost.
   */
  targetMargin: 0.1,
  /** The episode succeeds (terminates) once the fingertip is this close: 5% of the reach. */
  successDistance: 0.05,
  /** Drawn starts put the fingertip at least this far from the target. */
  minimumStartTargetDistance: 0.2
} as const

const {
  firstLinkLength,
  secondLinkLength,
  timeStep,
  torqueGain,
  damping,
  maxSpeed,
  maxTorque,
  controlCostWeight,
  targetMargin,
  successDistance,
  minimumStartTargetDistance
} = reacherConstants

const reach = firstLinkLength + secondLinkLength
const innerRadius = Math.abs(firstLinkLength - secondLinkLength)

/**
 * The state of `reacher`: joint angles (not wrapped), joint angular velocities, and the target.
 * `theta1` is the first link's angle from the x axis; `theta2` is the second link's angle
 * relative to the first.
 *
 * @example
 * ```ts
 * const state: ReacherState = { theta1: 0, theta2: 0, omega1: 0, omega2: 0, targetX: 0, targetY: 0.5 }
 * ```
 */
export interface ReacherState {
  /** The first link's angle from the x axis, in radians. */
  readonly theta1: number
  /** The second link's angle relative to the first, in radians. */
  readonly theta2: number
  /** The first joint's angular velocity (rad/s). */
  readonly omega1: number
  /** The second joint's angular velocity (rad/s). */
  readonly omega2: number
  /** The target's x. */
  readonly targetX: number
  /** The target's y. */
  readonly targetY: number
}

/**
 * Joint torques `[torque1, torque2]`, each in `[-1, 1]`.
 *
 * @example
 * ```ts
 * reacherActionSpace.contains([1, -0.5]) // true
 * ```
 */
export const reacherActionSpace = new Box({ low: -maxTorque, high: maxTorque, shape: [2] })

/**
 * Observations `[cos theta1, sin theta1, cos theta2, sin theta2, omega1, omega2, fingertipX,
 * fingertipY]`. Cosines and sines instead of angles: they carry no wrap-around, and the next
 * ones follow from the angle-addition formulas, so the observation alone predicts the next.
 *
 * @example
 * ```ts
 * reacherObservationSpace.size // 8
 * ```
 */
export const reacherObservationSpace = new Box({
  low: [-1, -1, -1, -1, -maxSpeed, -maxSpeed, -reach, -reach],
  high: [1, 1, 1, 1, maxSpeed, maxSpeed, reach, reach]
})

/**
 * The weights a goal cost should give each observation dimension: 1 on the fingertip, 0
 * elsewhere. A goal observation ({@link reacherGoalObservation}, `info.goal`) fixes only where
 * the fingertip should be, not the arm's posture or speed.
 *
 * @example
 * ```ts
 * const cost = goalCost({ goal: [Array.from(info.goal)], weights: reacherGoalWeights })
 * ```
 */
export const reacherGoalWeights: ReadonlyArray<number> = Object.freeze([0, 0, 0, 0, 0, 0, 1, 1])

/**
 * The observation-shaped goal for a target: the fingertip components are the target, the rest 0
 * (ignored under {@link reacherGoalWeights}).
 *
 * @example
 * ```ts
 * reacherGoalObservation(0.3, -0.4) // Float64Array [0, 0, 0, 0, 0, 0, 0.3, -0.4]
 * ```
 */
export const reacherGoalObservation = (targetX: number, targetY: number): Float64Array =>
  Float64Array.of(0, 0, 0, 0, 0, 0, targetX, targetY)

/**
 * Where the fingertip is (forward kinematics).
 *
 * @example
 * ```ts
 * reacherFingertip({ theta1: 0, theta2: Math.PI / 2, omega1: 0, omega2: 0, targetX: 0, targetY: 0 })
 * // [0.6, 0.4]
 * ```
 */
export const reacherFingertip = (state: ReacherState): readonly [number, number] => {
  const outer = state.theta1 + state.theta2
  return [
    firstLinkLength * Math.cos(state.theta1) + secondLinkLength * Math.cos(outer),
    firstLinkLength * Math.sin(state.theta1) + secondLinkLength * Math.sin(outer)
  ]
}

/**
 * The distance from the fingertip to the target.
 *
 * @example
 * ```ts
 * reacherDistanceToTarget({ theta1: 0, theta2: 0, omega1: 0, omega2: 0, targetX: 0.5, targetY: 0 }) // 0.5
 * ```
 */
export const reacherDistanceToTarget = (state: ReacherState): number => {
  const [x, y] = reacherFingertip(state)
  return Math.hypot(x - state.targetX, y - state.targetY)
}

/**
 * The observation of a state, a point of {@link reacherObservationSpace}.
 *
 * @example
 * ```ts
 * reacherObservation({ theta1: 0, theta2: 0, omega1: 0, omega2: 0, targetX: 0, targetY: 0.5 })
 * // Float64Array [1, 0, 1, 0, 0, 0, 1, 0]
 * ```
 */
export const reacherObservation = (state: ReacherState): Float64Array => {
  const [x, y] = reacherFingertip(state)
  return Float64Array.of(
    Math.cos(state.theta1),
    Math.sin(state.theta1),
    Math.cos(state.theta2),
    Math.sin(state.theta2),
    state.omega1,
    state.omega2,
    x,
    y
  )
}

// One joint's semi-implicit Euler step: velocity first (clipped), then angle with the new velocity.
const turnJoint = (angle: number, velocity: number, torque: number): readonly [number, number] => {
  const acceleration = torqueGain * torque - damping * velocity
  const newVelocity = Math.min(maxSpeed, Math.max(-maxSpeed, velocity + acceleration * timeStep))
  return [angle + newVelocity * timeStep, newVelocity]
}

/**
 * One step of the arm. The reward is minus the fingertip's distance to the target after the move,
 * minus `0.01 * (torque1^2 + torque2^2)`; the episode terminates once that distance is below 0.05.
 *
 * @example
 * ```ts
 * reacherTransition(
 *   { theta1: 0, theta2: 0, omega1: 0, omega2: 0, targetX: 0, targetY: 0.5 },
 *   Float64Array.of(1, 0)
 * ) // state.omega1 = 0.4, state.theta1 = 0.02
 * ```
 */
export const reacherTransition = (
  state: ReacherState,
  action: Float64Array
): TransitionResult<ReacherState> => {
  const torque1 = action[0] as number
  const torque2 = action[1] as number
  const [theta1, omega1] = turnJoint(state.theta1, state.omega1, torque1)
  const [theta2, omega2] = turnJoint(state.theta2, state.omega2, torque2)
  const next = { theta1, theta2, omega1, omega2, targetX: state.targetX, targetY: state.targetY }
  const distance = reacherDistanceToTarget(next)
  const controlCost = controlCostWeight * (torque1 * torque1 + torque2 * torque2)
  return { state: next, reward: -distance - controlCost, terminated: distance < successDistance }
}

const anyAngles = new Box({ low: -Infinity, high: Infinity, shape: [2] })
const workspacePoint = new Box({ low: -reach, high: reach, shape: [2] })

// A fixed target must be reachable, or the episode could never succeed.
const readTarget = (options: ResetOptionValues): Float64Array | undefined => {
  const target = readVectorOption(options, "target", workspacePoint)
  if (target === undefined) return undefined
  const radius = Math.hypot(target[0] as number, target[1] as number)
  if (radius < innerRadius || radius > reach) {
    throw new InvalidValueError({
      field: "options.target",
      expected: `a reachable point, at a distance in [${innerRadius.toFixed(2)}, ${reach}] from the base`,
      received: `${describeValue(Array.from(target))} at distance ${radius.toPrecision(4)}`
    })
  }
  return target
}

// Uniform over the area of the annulus: the radius squared, not the radius, is uniform.
const drawTarget = (rng: Random): Float64Array => {
  const low = innerRadius + targetMargin
  const high = reach - targetMargin
  const radius = Math.sqrt(rng.uniformIn(low * low, high * high))
  const direction = rng.uniformIn(-Math.PI, Math.PI)
  return Float64Array.of(radius * Math.cos(direction), radius * Math.sin(direction))
}

const drawAngles = (rng: Random): Float64Array =>
  Float64Array.of(rng.uniformIn(-Math.PI, Math.PI), rng.uniformIn(-Math.PI, Math.PI))

const initialState = (rng: Random, options: ResetOptionValues): ReacherState => {
  checkOptionNames(options, ["angles", "target"])
  const fixedAngles = readVectorOption(options, "angles", anyAngles)
  const fixedTarget = readTarget(options)
  // Rejection sampling keeps accepted starts uniform; a random posture puts the fingertip far
  // enough from any target most of the time, so the loop ends quickly even with one part fixed.
  for (;;) {
    const angles = fixedAngles ?? drawAngles(rng)
    const target = fixedTarget ?? drawTarget(rng)
    const state = {
      theta1: angles[0] as number,
      theta2: angles[1] as number,
      omega1: 0,
      omega2: 0,
      targetX: target[0] as number,
      targetY: target[1] as number
    }
    const bothFixed = fixedAngles !== undefined && fixedTarget !== undefined
    if (bothFixed || reacherDistanceToTarget(state) >= minimumStartTargetDistance) return state
  }
}

const render = (state: ReacherState): string => {
  const elbowX = firstLinkLength * Math.cos(state.theta1)
  const elbowY = firstLinkLength * Math.sin(state.theta1)
  const [tipX, tipY] = reacherFingertip(state)
  return svgDocument(
    { width: 240, height: 240, viewBox: "-1.1 -1.1 2.2 2.2" },
    // SVG's y axis points down; the arm's points up.
    `<g transform="scale(1, -1)">` +
      `<rect x="-1.1" y="-1.1" width="2.2" height="2.2" fill="#fafafa"/>` +
      `<circle cx="0" cy="0" r="${reach}" fill="none" stroke="#bbb" stroke-width="0.01" stroke-dasharray="0.04 0.04"/>` +
      `<circle cx="${state.targetX}" cy="${state.targetY}" r="${successDistance}" fill="#2a9d4a"/>` +
      `<line x1="0" y1="0" x2="${elbowX}" y2="${elbowY}" stroke="#1f5fbf" stroke-width="0.05" stroke-linecap="round"/>` +
      `<line x1="${elbowX}" y1="${elbowY}" x2="${tipX}" y2="${tipY}" stroke="#4a8ae8" stroke-width="0.04" stroke-linecap="round"/>` +
      `<circle cx="0" cy="0" r="0.04" fill="#333"/>` +
      `<circle cx="${elbowX}" cy="${elbowY}" r="0.03" fill="#333"/>` +
      `<circle cx="${tipX}" cy="${tipY}" r="0.025" fill="#c0392b"/>` +
      `</g>`
  )
}

// Adds two angles given by their cosines and sines: cos(a + b) and sin(a + b).
const addAngles = (
  cosineA: tf.Tensor2D,
  sineA: tf.Tensor2D,
  cosineB: tf.Tensor2D,
  sineB: tf.Tensor2D
): readonly [tf.Tensor2D, tf.Tensor2D] => [
  tf.sub(tf.mul(cosineA, cosineB), tf.mul(sineA, sineB)),
  tf.add(tf.mul(sineA, cosineB), tf.mul(cosineA, sineB))
]

/**
 * The reacher dynamics as a differentiable world model over the 8-dimensional observation,
 * batched over the first dimension. The next angles' cosines and sines come from the
 * angle-addition formulas (no `atan2`, no wrap-around), and the fingertip from the new ones; the
 * fingertip columns of the input are not read, so a goal latent may hold anything else.
 *
 * @example
 * ```ts
 * const model = reacherModel()
 * const next = tf.tidy(() => model.step(tf.tensor2d([[1, 0, 1, 0, 0, 0, 1, 0]]), tf.tensor2d([[1, -1]])))
 * ```
 */
export const reacherModel = (): WorldModel => ({
  name: "reacher-dynamics",
  latentSize: 8,
  actionSpace: reacherActionSpace,
  stride: 1,
  encode: (observations) => identityEncode(observations, 8, "observations"),
  step: (states, actions) => {
    checkStepShapes(states, actions, 8, 2)
    return tf.tidy(() => {
      const [cosine1, sine1, cosine2, sine2, velocity] = tf.split(states, [1, 1, 1, 1, 2, 2], 1) as [
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D
      ]
      const acceleration = tf.sub(tf.mul(actions, torqueGain), tf.mul(velocity, damping))
      const newVelocity = tf.clipByValue(
        tf.add(velocity, tf.mul(acceleration, timeStep)),
        -maxSpeed,
        maxSpeed
      )
      const [turn1, turn2] = tf.split(tf.mul(newVelocity, timeStep), 2, 1) as [tf.Tensor2D, tf.Tensor2D]
      const [newCosine1, newSine1] = addAngles(cosine1, sine1, tf.cos(turn1), tf.sin(turn1))
      const [newCosine2, newSine2] = addAngles(cosine2, sine2, tf.cos(turn2), tf.sin(turn2))
      // The second link's absolute direction, theta1 + theta2.
      const [outerX, outerY] = addAngles(newCosine1, newSine1, newCosine2, newSine2)
      const fingertipX = tf.add(tf.mul(newCosine1, firstLinkLength), tf.mul(outerX, secondLinkLength))
      const fingertipY = tf.add(tf.mul(newSine1, firstLinkLength), tf.mul(outerY, secondLinkLength))
      return tf.concat(
        [newCosine1, newSine1, newCosine2, newSine2, newVelocity, fingertipX, fingertipY],
        1
      ) as tf.Tensor2D
    })
  }
})

/**
 * The `reacher` environment. Observation `[cos theta1, sin theta1, cos theta2, sin theta2,
 * omega1, omega2, fingertipX, fingertipY]`, action joint torques in `[-1, 1]^2`, reward minus the
 * fingertip's distance to the target minus `0.01 |torque|^2`, success (termination) within 0.05 of
 * the target, 100 steps at most. Reset options: `{ angles?: [theta1, theta2], target?: [x, y] }`
 * (the target reachable). Info: `{ goal, success, distance }`, where `goal` is observation-shaped
 * (target in the fingertip components, 0 elsewhere); weigh a goal cost with
 * {@link reacherGoalWeights}.
 *
 * @example
 * ```ts
 * const env = reacher.make()
 * const { info } = env.reset({ seed: 3, options: { target: [0.5, 0.3] } })
 * const result = env.step([1, -1])
 * ```
 */
export const reacher: EnvSpec<ReacherState, Box> = defineEnv<ReacherState, Box>({
  id: "reacher",
  description: "A planar two-link arm that brings its fingertip to a target with bounded joint torques.",
  observationSpace: reacherObservationSpace,
  actionSpace: reacherActionSpace,
  maxEpisodeSteps: 100,
  initialState,
  transition: reacherTransition,
  observe: reacherObservation,
  info: (state) => {
    const distance = reacherDistanceToTarget(state)
    return {
      goal: reacherGoalObservation(state.targetX, state.targetY),
      success: distance < successDistance,
      distance
    }
  },
  render,
  groundTruthModel: reacherModel
})
