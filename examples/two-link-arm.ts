/**
 * `two-link-arm`: a planar two-link arm pinned at the origin (links 1.0 and 0.8) whose joints are
 * driven by bounded velocity commands, as a position-controlled servo arm is. The elbow has a
 * hard joint limit of ±2.6 rad (the links cannot fold onto each other), so the reachable
 * workspace is an annulus of radii about 0.52 and 1.8. The goal is a REGION: a disc of radius 0.15
 * for the fingertip; any posture that puts the fingertip inside it succeeds, and the episode then
 * terminates.
 *
 * A user-style environment: it imports only the public packages.
 *
 * @module
 */
import {
  Box,
  checkMatrix,
  checkStepShapes,
  InvalidValueError,
  type Random,
  type WorldModel
} from "@telos/core"
import {
  checkOptionNames,
  defineEnv,
  type ResetOptionValues,
  readVectorOption,
  svgDocument,
  type TransitionResult
} from "@telos/envs"
import * as tf from "@tensorflow/tfjs"

/** The arm's constants. */
export const twoLinkArmConstants = {
  firstLinkLength: 1.0,
  secondLinkLength: 0.8,
  timeStep: 0.1,
  /** Each joint's commanded angular velocity lies in `[-maxJointSpeed, maxJointSpeed]` (rad/s). */
  maxJointSpeed: 1,
  /** The elbow angle (relative to the first link) is clamped to `[-elbowLimit, elbowLimit]`. */
  elbowLimit: 2.6,
  /** The goal disc's radius. */
  goalRadius: 0.15,
  /** Goal centres stay this far inside the reachable annulus. */
  goalMargin: 0.1,
  /** A drawn start puts the fingertip at least this far from the goal centre. */
  minimumStartDistance: 0.6,
  maxEpisodeSteps: 100
} as const

const {
  firstLinkLength: l1,
  secondLinkLength: l2,
  timeStep,
  maxJointSpeed,
  elbowLimit,
  goalRadius,
  goalMargin,
  minimumStartDistance
} = twoLinkArmConstants

/** The largest fingertip distance from the base (arm stretched). */
export const armOuterRadius = l1 + l2
/** The smallest fingertip distance from the base (elbow at its limit). */
export const armInnerRadius = Math.sqrt(l1 * l1 + l2 * l2 + 2 * l1 * l2 * Math.cos(elbowLimit))

/**
 * The state: shoulder angle `q1` (wrapped to `[-pi, pi)`), elbow angle `q2` relative to the first
 * link (in `[-elbowLimit, elbowLimit]`), and the goal disc's centre.
 */
export interface TwoLinkArmState {
  readonly q1: number
  readonly q2: number
  readonly goalX: number
  readonly goalY: number
}

/** Commanded joint velocities `[q1dot, q2dot]` in rad/s. */
export const twoLinkArmActionSpace = new Box({ low: -maxJointSpeed, high: maxJointSpeed, shape: [2] })

/** Observations `[cos q1, sin q1, cos q2, sin q2, tip x, tip y]`. */
export const twoLinkArmObservationSpace = new Box({
  low: [-1, -1, Math.cos(elbowLimit), -1, -armOuterRadius, -armOuterRadius],
  high: [1, 1, 1, 1, armOuterRadius, armOuterRadius]
})

/** The goal constrains only the fingertip. */
export const twoLinkArmGoalDimensions: ReadonlyArray<number> = Object.freeze([4, 5])

const wrapAngle = (angle: number): number => {
  const period = 2 * Math.PI
  const remainder = (angle + Math.PI) % period
  return (remainder < 0 ? remainder + period : remainder) - Math.PI
}

/** Forward kinematics: the fingertip of joint angles `q1`, `q2`. */
export const fingertip = (q1: number, q2: number): readonly [number, number] => [
  l1 * Math.cos(q1) + l2 * Math.cos(q1 + q2),
  l1 * Math.sin(q1) + l2 * Math.sin(q1 + q2)
]

/** The fingertip's distance to the goal disc's centre. */
export const armDistanceToGoal = (state: TwoLinkArmState): number => {
  const [x, y] = fingertip(state.q1, state.q2)
  return Math.hypot(x - state.goalX, y - state.goalY)
}

/** The observation of a state. */
export const twoLinkArmObserve = (state: TwoLinkArmState): Float64Array => {
  const [x, y] = fingertip(state.q1, state.q2)
  return Float64Array.of(Math.cos(state.q1), Math.sin(state.q1), Math.cos(state.q2), Math.sin(state.q2), x, y)
}

/**
 * One step: each joint turns by its commanded velocity times `timeStep`; the elbow stops at its
 * limit. Reward: minus the fingertip's distance to the goal REGION (0 inside the disc). Terminates
 * when the fingertip is inside the disc.
 */
export const twoLinkArmTransition = (
  state: TwoLinkArmState,
  action: Float64Array
): TransitionResult<TwoLinkArmState> => {
  const q1 = wrapAngle(state.q1 + (action[0] as number) * timeStep)
  const q2 = Math.min(elbowLimit, Math.max(-elbowLimit, state.q2 + (action[1] as number) * timeStep))
  const next = { q1, q2, goalX: state.goalX, goalY: state.goalY }
  const distance = armDistanceToGoal(next)
  const reward = distance > goalRadius ? goalRadius - distance : 0
  return { state: next, reward, terminated: distance < goalRadius }
}

/** Whether a point is a valid goal centre: inside the annulus shrunk by the margin. */
export const isReachableGoal = (x: number, y: number): boolean => {
  const radius = Math.hypot(x, y)
  return radius >= armInnerRadius + goalMargin && radius <= armOuterRadius - goalMargin
}

const workspacePoint = new Box({ low: -armOuterRadius, high: armOuterRadius, shape: [2] })

const initialState = (rng: Random, options: ResetOptionValues): TwoLinkArmState => {
  checkOptionNames(options, ["goal"])
  const fixedGoal = readVectorOption(options, "goal", workspacePoint)
  if (fixedGoal !== undefined && !isReachableGoal(fixedGoal[0] as number, fixedGoal[1] as number)) {
    throw new InvalidValueError({
      field: "options.goal",
      expected: `a point at a distance in [${(armInnerRadius + goalMargin).toFixed(3)}, ${armOuterRadius - goalMargin}] from the base`,
      received: `[${Array.from(fixedGoal).join(", ")}]`
    })
  }
  // Goal centre uniform in area over the shrunk annulus; start posture uniform in joint space,
  // redrawn until the fingertip is well outside the goal disc.
  const low = armInnerRadius + goalMargin
  const high = armOuterRadius - goalMargin
  const radius = Math.sqrt(rng.uniformIn(low * low, high * high))
  const angle = rng.uniformIn(-Math.PI, Math.PI)
  const goalX = fixedGoal?.[0] ?? radius * Math.cos(angle)
  const goalY = fixedGoal?.[1] ?? radius * Math.sin(angle)
  for (;;) {
    const state = {
      q1: rng.uniformIn(-Math.PI, Math.PI),
      q2: rng.uniformIn(-elbowLimit, elbowLimit),
      goalX,
      goalY
    }
    if (armDistanceToGoal(state) >= minimumStartDistance) return state
  }
}

const render = (state: TwoLinkArmState): string => {
  const elbowX = l1 * Math.cos(state.q1)
  const elbowY = l1 * Math.sin(state.q1)
  const [tipX, tipY] = fingertip(state.q1, state.q2)
  return svgDocument(
    { width: 240, height: 240, viewBox: "-2 -2 4 4" },
    `<g transform="scale(1, -1)">` +
      `<circle cx="0" cy="0" r="${armOuterRadius}" fill="#fafafa" stroke="#ccc" stroke-width="0.01"/>` +
      `<circle cx="0" cy="0" r="${armInnerRadius}" fill="#eee" stroke="#ccc" stroke-width="0.01"/>` +
      `<circle cx="${state.goalX}" cy="${state.goalY}" r="${goalRadius}" fill="#2a9d4a" opacity="0.6"/>` +
      `<polyline points="0,0 ${elbowX},${elbowY} ${tipX},${tipY}" fill="none" stroke="#1f5fbf" stroke-width="0.06"/>` +
      `<circle cx="0" cy="0" r="0.05" fill="#333"/>` +
      `</g>`
  )
}

/**
 * The arm as a differentiable world model over the observation. The shoulder turns by the
 * angle-addition formulas; the elbow angle is recovered with `atan2` (its limit keeps it away from
 * the wrap at ±pi), clipped to the limit, and its cosine and sine recomputed.
 */
export const twoLinkArmModel = (): WorldModel => ({
  name: "two-link-arm-dynamics",
  latentSize: 6,
  actionSpace: twoLinkArmActionSpace,
  stride: 1,
  encode: (observations) => {
    checkMatrix(observations, 6, "observations")
    return tf.cast(observations, "float32") as tf.Tensor2D
  },
  step: (states, actions) => {
    checkStepShapes(states, actions, 6, 2)
    return tf.tidy(() => {
      const [c1, s1, c2, s2] = tf.split(tf.slice(states, [0, 0], [-1, 4]), 4, 1) as Array<tf.Tensor2D>
      const [w1, w2] = tf.split(actions, 2, 1) as Array<tf.Tensor2D>
      const turn = tf.mul(w1 as tf.Tensor2D, timeStep)
      const turnCos = tf.cos(turn)
      const turnSin = tf.sin(turn)
      const newC1 = tf.sub(tf.mul(c1 as tf.Tensor2D, turnCos), tf.mul(s1 as tf.Tensor2D, turnSin))
      const newS1 = tf.add(tf.mul(s1 as tf.Tensor2D, turnCos), tf.mul(c1 as tf.Tensor2D, turnSin))
      const q2 = tf.atan2(s2 as tf.Tensor2D, c2 as tf.Tensor2D)
      const newQ2 = tf.clipByValue(tf.add(q2, tf.mul(w2 as tf.Tensor2D, timeStep)), -elbowLimit, elbowLimit)
      const newC2 = tf.cos(newQ2)
      const newS2 = tf.sin(newQ2)
      const outerCos = tf.sub(tf.mul(newC1, newC2), tf.mul(newS1, newS2))
      const outerSin = tf.add(tf.mul(newS1, newC2), tf.mul(newC1, newS2))
      const tipX = tf.add(tf.mul(newC1, l1), tf.mul(outerCos, l2))
      const tipY = tf.add(tf.mul(newS1, l1), tf.mul(outerSin, l2))
      return tf.concat([newC1, newS1, newC2, newS2, tipX, tipY], 1) as tf.Tensor2D
    })
  }
})

/**
 * The `two-link-arm` environment. Observation `[cos q1, sin q1, cos q2, sin q2, tip x, tip y]`,
 * action joint velocities in `[-1, 1]^2` rad/s, goal a disc of radius 0.15 for the fingertip
 * (`goalDimensions` `[4, 5]`), reward minus the distance to the disc, terminates inside it, 100
 * steps. Reset options: `{ goal?: [x, y] }`. Info: `{ goal, success, distance, goalRadius }`,
 * where `goal` is `[1, 0, 1, 0, gx, gy]` (only the fingertip part matters).
 */
export const twoLinkArm = defineEnv({
  id: "two-link-arm",
  description: "A velocity-controlled planar two-link arm with an elbow limit; put the fingertip in a disc.",
  observationSpace: twoLinkArmObservationSpace,
  actionSpace: twoLinkArmActionSpace,
  maxEpisodeSteps: twoLinkArmConstants.maxEpisodeSteps,
  goalDimensions: twoLinkArmGoalDimensions,
  initialState,
  transition: twoLinkArmTransition,
  observe: twoLinkArmObserve,
  info: (state) => {
    const distance = armDistanceToGoal(state)
    return {
      goal: Float64Array.of(1, 0, 1, 0, state.goalX, state.goalY),
      success: distance < goalRadius,
      distance,
      goalRadius
    }
  },
  render,
  groundTruthModel: twoLinkArmModel
})

export default twoLinkArm
