/**
 * `puck-rest`: a puck on a nearly frictionless table (an air-hockey puck), pushed by a bounded 2-D
 * force, that must come to REST on a target: it succeeds only when it is within 0.1 of the target
 * AND slower than 0.05, so flying through the target does not count. The puck starts already
 * moving, in a random direction; momentum is the whole difficulty. The walls of the square table
 * stop the motion into them (position clamped, that velocity component zeroed).
 *
 * Dynamics per axis (semi-implicit Euler, `dt = 0.1`): `v' = clip(v + (a - friction * v) dt,
 * ±maxSpeed)`, then `x' = x + v' dt`, clamped to the table.
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

/** The puck's constants. */
export const puckRestConstants = {
  /** The table is `[-halfWidth, halfWidth]^2`. */
  halfWidth: 1.5,
  timeStep: 0.1,
  /** Each acceleration component lies in `[-maxAcceleration, maxAcceleration]`. */
  maxAcceleration: 1,
  /** Viscous friction (1/s): about 1% of the speed is lost per step. */
  friction: 0.1,
  /** A bound on each velocity component (the puck's top speed per axis). */
  maxSpeed: 1.5,
  /** Drawn starts and targets lie in `[-spawnExtent, spawnExtent]^2`. */
  spawnExtent: 1.2,
  /** The start's speed is drawn in `[0, maxStartSpeed]`, in a uniform direction. */
  maxStartSpeed: 0.8,
  /** Drawn starts and targets are at least this far apart. */
  minimumStartGoalDistance: 1,
  /** Success: within this distance of the target... */
  successDistance: 0.1,
  /** ...and slower than this. */
  successSpeed: 0.05,
  maxEpisodeSteps: 150
} as const

const {
  halfWidth,
  timeStep,
  maxAcceleration,
  friction,
  maxSpeed,
  spawnExtent,
  maxStartSpeed,
  minimumStartGoalDistance,
  successDistance,
  successSpeed
} = puckRestConstants

/** The state: position, velocity and the target. */
export interface PuckRestState {
  readonly x: number
  readonly y: number
  readonly vx: number
  readonly vy: number
  readonly goalX: number
  readonly goalY: number
}

/** Accelerations `[ax, ay]`, each in `[-1, 1]`. */
export const puckRestActionSpace = new Box({ low: -maxAcceleration, high: maxAcceleration, shape: [2] })

/** Observations `[x, y, vx, vy]`. */
export const puckRestObservationSpace = new Box({
  low: [-halfWidth, -halfWidth, -maxSpeed, -maxSpeed],
  high: [halfWidth, halfWidth, maxSpeed, maxSpeed]
})

const moveAlongAxis = (
  position: number,
  velocity: number,
  acceleration: number
): readonly [number, number] => {
  const unclipped = velocity + (acceleration - friction * velocity) * timeStep
  const newVelocity = Math.min(maxSpeed, Math.max(-maxSpeed, unclipped))
  const newPosition = position + newVelocity * timeStep
  if (newPosition > halfWidth) return [halfWidth, 0]
  if (newPosition < -halfWidth) return [-halfWidth, 0]
  return [newPosition, newVelocity]
}

/** The puck's distance to the target. */
export const puckDistance = (state: PuckRestState): number =>
  Math.hypot(state.x - state.goalX, state.y - state.goalY)

/** The puck's speed. */
export const puckSpeed = (state: PuckRestState): number => Math.hypot(state.vx, state.vy)

/** Whether the puck rests on the target. */
export const puckAtRest = (state: PuckRestState): boolean =>
  puckDistance(state) < successDistance && puckSpeed(state) < successSpeed

/**
 * One step. Reward: minus the Euclidean distance from the observation to the goal observation
 * `[gx, gy, 0, 0]` (position error and speed together). Terminates once the puck rests on the target.
 */
export const puckRestTransition = (
  state: PuckRestState,
  action: Float64Array
): TransitionResult<PuckRestState> => {
  const [x, vx] = moveAlongAxis(state.x, state.vx, action[0] as number)
  const [y, vy] = moveAlongAxis(state.y, state.vy, action[1] as number)
  const next = { x, y, vx, vy, goalX: state.goalX, goalY: state.goalY }
  const error = Math.hypot(puckDistance(next), puckSpeed(next))
  return { state: next, reward: -error, terminated: puckAtRest(next) }
}

const tablePoint = new Box({ low: -halfWidth, high: halfWidth, shape: [2] })

const drawPoint = (rng: Random): readonly [number, number] => [
  rng.uniformIn(-spawnExtent, spawnExtent),
  rng.uniformIn(-spawnExtent, spawnExtent)
]

const initialState = (rng: Random, options: ResetOptionValues): PuckRestState => {
  checkOptionNames(options, ["start", "goal"])
  const fixedStart = readVectorOption(options, "start", tablePoint)
  const fixedGoal = readVectorOption(options, "goal", tablePoint)
  const speed = rng.uniformIn(0, maxStartSpeed)
  const heading = rng.uniformIn(-Math.PI, Math.PI)
  for (;;) {
    const [x, y] =
      fixedStart === undefined ? drawPoint(rng) : [fixedStart[0] as number, fixedStart[1] as number]
    const [goalX, goalY] =
      fixedGoal === undefined ? drawPoint(rng) : [fixedGoal[0] as number, fixedGoal[1] as number]
    const state = { x, y, vx: speed * Math.cos(heading), vy: speed * Math.sin(heading), goalX, goalY }
    const bothFixed = fixedStart !== undefined && fixedGoal !== undefined
    if (bothFixed || puckDistance(state) >= minimumStartGoalDistance) return state
  }
}

const render = (state: PuckRestState): string =>
  svgDocument(
    { width: 240, height: 240, viewBox: "-1.6 -1.6 3.2 3.2" },
    `<g transform="scale(1, -1)">` +
      `<rect x="-1.5" y="-1.5" width="3" height="3" fill="#eef6fb" stroke="#333" stroke-width="0.03"/>` +
      `<circle cx="${state.goalX}" cy="${state.goalY}" r="${successDistance}" fill="#2a9d4a" opacity="0.6"/>` +
      `<circle cx="${state.x}" cy="${state.y}" r="0.06" fill="#1f5fbf"/>` +
      `<line x1="${state.x}" y1="${state.y}" x2="${state.x + state.vx * 0.5}" y2="${state.y + state.vy * 0.5}" stroke="#c0392b" stroke-width="0.02"/>` +
      `</g>`
  )

/**
 * The puck as a differentiable world model over `[x, y, vx, vy]`. The speed limit is a clip; a
 * wall is a clip of the position and a mask (a `step` of the overshoot, gradient zero) on the
 * velocity component that hit it.
 */
export const puckRestModel = (): WorldModel => ({
  name: "puck-rest-dynamics",
  latentSize: 4,
  actionSpace: puckRestActionSpace,
  stride: 1,
  encode: (observations) => {
    checkMatrix(observations, 4, "observations")
    return tf.cast(observations, "float32") as tf.Tensor2D
  },
  step: (states, actions) => {
    checkStepShapes(states, actions, 4, 2)
    return tf.tidy(() => {
      const position = tf.slice(states, [0, 0], [-1, 2])
      const velocity = tf.slice(states, [0, 2], [-1, 2])
      const acceleration = tf.sub(actions, tf.mul(velocity, friction))
      const newVelocity = tf.clipByValue(
        tf.add(velocity, tf.mul(acceleration, timeStep)),
        -maxSpeed,
        maxSpeed
      )
      const unclamped = tf.add(position, tf.mul(newVelocity, timeStep))
      const hitWall = tf.step(tf.sub(tf.abs(unclamped), halfWidth))
      const newPosition = tf.clipByValue(unclamped, -halfWidth, halfWidth)
      const keptVelocity = tf.mul(newVelocity, tf.sub(1, hitWall))
      return tf.concat([newPosition, keptVelocity], 1) as tf.Tensor2D
    })
  }
})

/**
 * The `puck-rest` environment. Observation `[x, y, vx, vy]`, action acceleration in `[-1, 1]^2`,
 * goal observation `[gx, gy, 0, 0]` (the whole observation is the goal: no `goalDimensions`),
 * success (termination) within 0.1 of the target at a speed below 0.05, 150 steps. Reset options:
 * `{ start?: [x, y], goal?: [x, y] }` (the start velocity is always drawn). Info:
 * `{ goal, success, distance, speed }`.
 */
export const puckRest = defineEnv({
  id: "puck-rest",
  description: "A puck with momentum on a low-friction table must come to rest on a target.",
  observationSpace: puckRestObservationSpace,
  actionSpace: puckRestActionSpace,
  maxEpisodeSteps: puckRestConstants.maxEpisodeSteps,
  initialState,
  transition: puckRestTransition,
  observe: (state) => Float64Array.of(state.x, state.y, state.vx, state.vy),
  info: (state) => ({
    goal: Float64Array.of(state.goalX, state.goalY, 0, 0),
    success: puckAtRest(state),
    distance: puckDistance(state),
    speed: puckSpeed(state)
  }),
  render,
  groundTruthModel: puckRestModel
})

export default puckRest
