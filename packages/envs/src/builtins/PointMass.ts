/**
 * `point-mass`: a unit mass in the square arena `[-1, 1]^2`, pushed by a bounded force towards a
 * goal. A 2-D double integrator stepped with semi-implicit Euler; hitting a wall stops the motion
 * into that wall. The simplest task on which a planner must use velocity, not just position.
 *
 * @module
 */
import { Box, checkStepShapes, type Random, type WorldModel } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { defineEnv, type EnvSpec } from "../define/DefineEnv.js"
import type { TransitionResult } from "../define/EnvDefinition.js"
import { identityEncode } from "../define/GroundTruth.js"
import { checkOptionNames, type ResetOptionValues, readVectorOption } from "../define/Options.js"
import { svgDocument } from "../define/Svg.js"

/**
 * The physical constants of `point-mass`.
 *
 * @example
 * ```ts
 * pointMassConstants.timeStep // 0.1
 * ```
 */
export const pointMassConstants = {
  /** The mass pushed by the force. */
  mass: 1,
  /** Time per step. */
  timeStep: 0.1,
  /** The arena is `[-wall, wall]^2`. */
  wall: 1,
  /** Starts and goals are drawn from `[-spawnExtent, spawnExtent]^2`. */
  spawnExtent: 0.9,
  /** Drawn starts and goals are at least this far apart. */
  minimumStartGoalDistance: 0.5,
  /** The episode succeeds (terminates) once the agent is closer than this to the goal. */
  successDistance: 0.05,
  /**
   * A bound on each velocity component. From a standstill, speed squared grows by at most twice
   * the force times the distance covered, and the arena is 2 wide, so speeds stay near 2 at most.
   */
  speedBound: 3
} as const

const { mass, timeStep, wall, spawnExtent, minimumStartGoalDistance, successDistance, speedBound } =
  pointMassConstants

/**
 * The state of `point-mass`: position, velocity and goal.
 *
 * @example
 * ```ts
 * const state: PointMassState = { x: 0, y: 0, vx: 0, vy: 0, goalX: 0.5, goalY: 0.5 }
 * ```
 */
export interface PointMassState {
  /** Position along x, in `[-1, 1]`. */
  readonly x: number
  /** Position along y, in `[-1, 1]`. */
  readonly y: number
  /** Velocity along x. */
  readonly vx: number
  /** Velocity along y. */
  readonly vy: number
  /** The goal's x. */
  readonly goalX: number
  /** The goal's y. */
  readonly goalY: number
}

/**
 * Forces `[fx, fy]`, each in `[-1, 1]`.
 *
 * @example
 * ```ts
 * pointMassActionSpace.contains([0.5, -1]) // true
 * ```
 */
export const pointMassActionSpace = new Box({ low: -1, high: 1, shape: [2] })

/**
 * Observations `[x, y, vx, vy]`.
 *
 * @example
 * ```ts
 * pointMassObservationSpace.size // 4
 * ```
 */
export const pointMassObservationSpace = new Box({
  low: [-wall, -wall, -speedBound, -speedBound],
  high: [wall, wall, speedBound, speedBound]
})

const arenaPoint = new Box({ low: -wall, high: wall, shape: [2] })

// One axis of the semi-implicit Euler step: velocity first, then position with the new velocity.
const moveAlongAxis = (position: number, velocity: number, force: number): readonly [number, number] => {
  const newVelocity = velocity + (force / mass) * timeStep
  const newPosition = position + newVelocity * timeStep
  if (newPosition > wall) return [wall, 0]
  if (newPosition < -wall) return [-wall, 0]
  return [newPosition, newVelocity]
}

/**
 * The distance from the agent to the goal.
 *
 * @example
 * ```ts
 * distanceToGoal({ x: 0, y: 0, vx: 0, vy: 0, goalX: 0.3, goalY: 0.4 }) // 0.5
 * ```
 */
export const distanceToGoal = (state: PointMassState): number =>
  Math.hypot(state.x - state.goalX, state.y - state.goalY)

/**
 * One step of the point-mass dynamics; reward is minus the distance to the goal after the move.
 *
 * @example
 * ```ts
 * pointMassTransition({ x: 0, y: 0, vx: 0, vy: 0, goalX: 1, goalY: 0 }, Float64Array.of(1, 0))
 * // state.x = 0.01, state.vx = 0.1
 * ```
 */
export const pointMassTransition = (
  state: PointMassState,
  action: Float64Array
): TransitionResult<PointMassState> => {
  const [x, vx] = moveAlongAxis(state.x, state.vx, action[0] as number)
  const [y, vy] = moveAlongAxis(state.y, state.vy, action[1] as number)
  const next = { x, y, vx, vy, goalX: state.goalX, goalY: state.goalY }
  const distance = distanceToGoal(next)
  return { state: next, reward: -distance, terminated: distance < successDistance }
}

const drawPoint = (rng: Random): Float64Array =>
  Float64Array.of(rng.uniformIn(-spawnExtent, spawnExtent), rng.uniformIn(-spawnExtent, spawnExtent))

const initialState = (rng: Random, options: ResetOptionValues): PointMassState => {
  checkOptionNames(options, ["start", "goal"])
  const fixedStart = readVectorOption(options, "start", arenaPoint)
  const fixedGoal = readVectorOption(options, "goal", arenaPoint)
  // Rejection sampling keeps the accepted pairs uniform; from any point of the arena a far enough
  // goal exists, so the loop ends quickly even with one end fixed.
  for (;;) {
    const start = fixedStart ?? drawPoint(rng)
    const goal = fixedGoal ?? drawPoint(rng)
    const state = {
      x: start[0] as number,
      y: start[1] as number,
      vx: 0,
      vy: 0,
      goalX: goal[0] as number,
      goalY: goal[1] as number
    }
    const bothFixed = fixedStart !== undefined && fixedGoal !== undefined
    if (bothFixed || distanceToGoal(state) >= minimumStartGoalDistance) return state
  }
}

const render = (state: PointMassState): string =>
  svgDocument(
    { width: 240, height: 240, viewBox: "-1.1 -1.1 2.2 2.2" },
    // SVG's y axis points down; the arena's points up.
    `<g transform="scale(1, -1)">` +
      `<rect x="-1" y="-1" width="2" height="2" fill="#fafafa" stroke="#333" stroke-width="0.02"/>` +
      `<circle cx="${state.goalX}" cy="${state.goalY}" r="${successDistance}" fill="#2a9d4a"/>` +
      `<circle cx="${state.x}" cy="${state.y}" r="0.04" fill="#1f5fbf"/>` +
      `</g>`
  )

/**
 * The point-mass dynamics as a differentiable world model over `[x, y, vx, vy]`, batched over
 * the first dimension. The wall is a clip of the position and a mask on the velocity.
 *
 * @example
 * ```ts
 * const model = pointMassModel()
 * const next = tf.tidy(() => model.step(tf.tensor2d([[0, 0, 0, 0]]), tf.tensor2d([[1, 0]])))
 * ```
 */
export const pointMassModel = (): WorldModel => ({
  name: "point-mass-dynamics",
  latentSize: 4,
  actionSpace: pointMassActionSpace,
  stride: 1,
  encode: (observations) => identityEncode(observations, 4, "observations"),
  step: (states, actions) => {
    checkStepShapes(states, actions, 4, 2)
    return tf.tidy(() => {
      const position = tf.slice(states, [0, 0], [-1, 2])
      const velocity = tf.slice(states, [0, 2], [-1, 2])
      const newVelocity = tf.add(velocity, tf.mul(actions, timeStep / mass))
      const unclamped = tf.add(position, tf.mul(newVelocity, timeStep))
      // A step function (gradient zero) rather than a comparison: TensorFlow.js cannot
      // differentiate through comparison ops, even where their gradient would be zero.
      const hitWall = tf.step(tf.sub(tf.abs(unclamped), wall))
      const newPosition = tf.clipByValue(unclamped, -wall, wall)
      const keptVelocity = tf.mul(newVelocity, tf.sub(1, hitWall))
      return tf.concat([newPosition, keptVelocity], 1) as tf.Tensor2D
    })
  }
})

/**
 * The `point-mass` environment. Observation `[x, y, vx, vy]`, action force `[fx, fy]` in
 * `[-1, 1]^2`, reward minus the distance to the goal, success (termination) within 0.05 of it,
 * 100 steps at most. Reset options: `{ start?: [x, y], goal?: [x, y] }`. Info:
 * `{ goal, success, distance }`, where `goal` is observation-shaped (`[gx, gy, 0, 0]`) so that the
 * identity encoder of the ground-truth model maps it to the goal latent.
 *
 * @example
 * ```ts
 * const env = pointMass.make()
 * const { info } = env.reset({ seed: 3, options: { start: [0, 0] } })
 * const result = env.step([1, 0])
 * ```
 */
export const pointMass: EnvSpec<PointMassState, Box> = defineEnv<PointMassState, Box>({
  id: "point-mass",
  description: "A unit mass in [-1, 1]^2 pushed by a bounded 2-D force to a goal (double integrator).",
  observationSpace: pointMassObservationSpace,
  actionSpace: pointMassActionSpace,
  maxEpisodeSteps: 100,
  // Success is a distance between positions: the goal is a place.
  goalDimensions: [0, 1],
  initialState,
  transition: pointMassTransition,
  observe: (state) => Float64Array.of(state.x, state.y, state.vx, state.vy),
  info: (state) => {
    const distance = distanceToGoal(state)
    return {
      goal: Float64Array.of(state.goalX, state.goalY, 0, 0),
      success: distance < successDistance,
      distance
    }
  },
  render,
  groundTruthModel: pointMassModel
})
