/**
 * `unicycle`: a vehicle with a heading (a differential-drive robot, kinematic unicycle model) in a
 * walled square arena. It drives along its heading at a bounded speed (slower in reverse) and
 * turns at a bounded rate; it cannot move sideways, so reaching a place beside it takes a turn
 * first (nonholonomic). The goal is a PLACE: success when the vehicle is within 0.15 of the target
 * position, whatever its heading; the episode then terminates.
 *
 * Dynamics (forward Euler, `dt = 0.1`): `x' = x + v cos(theta) dt`, `y' = y + v sin(theta) dt`,
 * both clamped to the arena (a wall stops the motion into it), then `theta' = theta + omega dt`.
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
  readVectorOption,
  svgDocument,
  type TransitionResult
} from "@telos/envs"
import * as tf from "@tensorflow/tfjs"

/** The vehicle's constants. */
export const unicycleConstants = {
  /** The arena is `[-halfWidth, halfWidth]^2`. */
  halfWidth: 1.5,
  timeStep: 0.1,
  /** Forward speed lies in `[-maxReverseSpeed, maxForwardSpeed]`. */
  maxForwardSpeed: 1,
  maxReverseSpeed: 0.5,
  /** Turn rate lies in `[-maxTurnRate, maxTurnRate]` (rad/s). */
  maxTurnRate: 1.5,
  /** Drawn starts and targets lie in `[-spawnExtent, spawnExtent]^2`. */
  spawnExtent: 1.2,
  /** Drawn starts and targets are at least this far apart. */
  minimumStartGoalDistance: 1,
  /** Success: within this distance of the target, any heading. */
  successDistance: 0.15,
  maxEpisodeSteps: 150
} as const

const {
  halfWidth,
  timeStep,
  maxForwardSpeed,
  maxReverseSpeed,
  maxTurnRate,
  spawnExtent,
  minimumStartGoalDistance,
  successDistance
} = unicycleConstants

/** The state: position, heading (wrapped to `[-pi, pi)`) and the target. */
export interface UnicycleState {
  readonly x: number
  readonly y: number
  readonly theta: number
  readonly goalX: number
  readonly goalY: number
}

/** Actions `[forward speed, turn rate]`: speed in `[-0.5, 1]`, turn rate in `[-1.5, 1.5]`. */
export const unicycleActionSpace = new Box({
  low: [-maxReverseSpeed, -maxTurnRate],
  high: [maxForwardSpeed, maxTurnRate]
})

/** Observations `[x, y, cos theta, sin theta]`. */
export const unicycleObservationSpace = new Box({
  low: [-halfWidth, -halfWidth, -1, -1],
  high: [halfWidth, halfWidth, 1, 1]
})

/** The goal constrains only the position. */
export const unicycleGoalDimensions: ReadonlyArray<number> = Object.freeze([0, 1])

const wrapAngle = (angle: number): number => {
  const period = 2 * Math.PI
  const remainder = (angle + Math.PI) % period
  return (remainder < 0 ? remainder + period : remainder) - Math.PI
}

const clampToArena = (value: number): number => Math.min(halfWidth, Math.max(-halfWidth, value))

/** The vehicle's distance to the target. */
export const unicycleDistance = (state: UnicycleState): number =>
  Math.hypot(state.x - state.goalX, state.y - state.goalY)

/** One step. Reward: minus the distance to the target. Terminates within 0.15 of it. */
export const unicycleTransition = (
  state: UnicycleState,
  action: Float64Array
): TransitionResult<UnicycleState> => {
  const speed = action[0] as number
  const turnRate = action[1] as number
  const next = {
    x: clampToArena(state.x + speed * Math.cos(state.theta) * timeStep),
    y: clampToArena(state.y + speed * Math.sin(state.theta) * timeStep),
    theta: wrapAngle(state.theta + turnRate * timeStep),
    goalX: state.goalX,
    goalY: state.goalY
  }
  const distance = unicycleDistance(next)
  return { state: next, reward: -distance, terminated: distance < successDistance }
}

const arenaPoint = new Box({ low: -halfWidth, high: halfWidth, shape: [2] })

const drawPoint = (rng: Random): readonly [number, number] => [
  rng.uniformIn(-spawnExtent, spawnExtent),
  rng.uniformIn(-spawnExtent, spawnExtent)
]

const initialState = (rng: Random, options: ResetOptionValues): UnicycleState => {
  checkOptionNames(options, ["start", "goal"])
  const fixedStart = readVectorOption(options, "start", arenaPoint)
  const fixedGoal = readVectorOption(options, "goal", arenaPoint)
  const theta = rng.uniformIn(-Math.PI, Math.PI)
  for (;;) {
    const [x, y] =
      fixedStart === undefined ? drawPoint(rng) : [fixedStart[0] as number, fixedStart[1] as number]
    const [goalX, goalY] =
      fixedGoal === undefined ? drawPoint(rng) : [fixedGoal[0] as number, fixedGoal[1] as number]
    const state = { x, y, theta, goalX, goalY }
    const bothFixed = fixedStart !== undefined && fixedGoal !== undefined
    if (bothFixed || unicycleDistance(state) >= minimumStartGoalDistance) return state
  }
}

const render = (state: UnicycleState): string => {
  const noseX = state.x + 0.12 * Math.cos(state.theta)
  const noseY = state.y + 0.12 * Math.sin(state.theta)
  return svgDocument(
    { width: 240, height: 240, viewBox: "-1.6 -1.6 3.2 3.2" },
    `<g transform="scale(1, -1)">` +
      `<rect x="-1.5" y="-1.5" width="3" height="3" fill="#fafafa" stroke="#333" stroke-width="0.03"/>` +
      `<circle cx="${state.goalX}" cy="${state.goalY}" r="${successDistance}" fill="#2a9d4a" opacity="0.6"/>` +
      `<circle cx="${state.x}" cy="${state.y}" r="0.07" fill="#1f5fbf"/>` +
      `<line x1="${state.x}" y1="${state.y}" x2="${noseX}" y2="${noseY}" stroke="#c0392b" stroke-width="0.03"/>` +
      `</g>`
  )
}

/**
 * The vehicle as a differentiable world model over `[x, y, cos theta, sin theta]`: the position
 * moves along the current heading and is clipped to the arena; the heading turns by the
 * angle-addition formulas, so no `atan2` enters the graph.
 */
export const unicycleModel = (): WorldModel => ({
  name: "unicycle-dynamics",
  latentSize: 4,
  actionSpace: unicycleActionSpace,
  stride: 1,
  encode: (observations) => {
    checkMatrix(observations, 4, "observations")
    return tf.cast(observations, "float32") as tf.Tensor2D
  },
  step: (states, actions) => {
    checkStepShapes(states, actions, 4, 2)
    return tf.tidy(() => {
      const [x, y, cosine, sine] = tf.split(states, 4, 1) as [
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D
      ]
      const [speed, turnRate] = tf.split(actions, 2, 1) as [tf.Tensor2D, tf.Tensor2D]
      const travel = tf.mul(speed, timeStep)
      const newX = tf.clipByValue(tf.add(x, tf.mul(travel, cosine)), -halfWidth, halfWidth)
      const newY = tf.clipByValue(tf.add(y, tf.mul(travel, sine)), -halfWidth, halfWidth)
      const turn = tf.mul(turnRate, timeStep)
      const turnCos = tf.cos(turn)
      const turnSin = tf.sin(turn)
      const newCos = tf.sub(tf.mul(cosine, turnCos), tf.mul(sine, turnSin))
      const newSin = tf.add(tf.mul(sine, turnCos), tf.mul(cosine, turnSin))
      return tf.concat([newX, newY, newCos, newSin], 1) as tf.Tensor2D
    })
  }
})

/**
 * The `unicycle` environment. Observation `[x, y, cos theta, sin theta]`, action
 * `[speed in [-0.5, 1], turn rate in [-1.5, 1.5]]`, goal a place (`goalDimensions` `[0, 1]`; goal
 * observation `[gx, gy, 1, 0]`, heading ignored), reward minus the distance, success (termination)
 * within 0.15, 150 steps. Reset options: `{ start?: [x, y], goal?: [x, y] }` (the heading is
 * always drawn). Info: `{ goal, success, distance }`.
 */
export const unicycle = defineEnv({
  id: "unicycle",
  description: "A kinematic unicycle (speed and turn rate) in a walled arena; drive to a place.",
  observationSpace: unicycleObservationSpace,
  actionSpace: unicycleActionSpace,
  maxEpisodeSteps: unicycleConstants.maxEpisodeSteps,
  goalDimensions: unicycleGoalDimensions,
  initialState,
  transition: unicycleTransition,
  observe: (state) => Float64Array.of(state.x, state.y, Math.cos(state.theta), Math.sin(state.theta)),
  info: (state) => {
    const distance = unicycleDistance(state)
    return {
      goal: Float64Array.of(state.goalX, state.goalY, 1, 0),
      success: distance < successDistance,
      distance
    }
  },
  render,
  groundTruthModel: unicycleModel
})

export default unicycle
