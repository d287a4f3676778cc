import { Box, type Env, Random, type WorldModel } from "@telos/core"
import { buildLandmarkGraph, type LandmarkGraph, type LatentTrajectories } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import { shiftModel } from "./fixtures.js"

/**
 * A small two-room world for memory tests: rooms `x` in `[0, 10]` and `[12, 22]`, `y` in `[0, 10]`,
 * with a wall between them open only for `y` in `[8, 10]`.
 */
export const walledMove = (x: number, y: number, dx: number, dy: number): readonly [number, number] => {
  const nextX = Math.min(22, Math.max(0, x + dx))
  const nextY = Math.min(10, Math.max(0, y + dy))
  const overlapsWall = Math.min(x, nextX) < 12 && Math.max(x, nextX) > 10
  // A move that touches the wall's slab anywhere below the door is refused whole.
  return overlapsWall && Math.min(y, nextY) < 8 ? [x, y] : [nextX, nextY]
}

/** Random walks (steps up to 1 per axis) in the walled world, as recorded latents. */
export const walledWalks = (episodes: number, length: number, seed: number): LatentTrajectories => {
  const rng = Random.fromSeed(seed)
  const latents = new Float32Array(episodes * length * 2)
  for (let episode = 0; episode < episodes; episode++) {
    let x = rng.uniform() < 0.5 ? rng.uniformIn(0, 10) : rng.uniformIn(12, 22)
    let y = rng.uniformIn(0, 10)
    let heading = rng.uniformIn(-Math.PI, Math.PI)
    for (let step = 0; step < length; step++) {
      latents.set([x, y], (episode * length + step) * 2)
      heading += rng.uniformIn(-0.6, 0.6)
      ;[x, y] = walledMove(x, y, Math.cos(heading), Math.sin(heading))
    }
  }
  return { latentSize: 2, latents, episodeLengths: Array.from({ length: episodes }, () => length) }
}

/** The walled world's landmark graph, from walks enough that recorded passages join every landmark to every other. */
export const walledGraph = (): LandmarkGraph =>
  buildLandmarkGraph(walledWalks(200, 150, 1), { landmarks: 40 }, Random.fromSeed(0))

/** A macro model (stride 15) of the plane that knows no wall, as a level model that leaks through one. */
export const leakyPlaneModel = (): WorldModel => ({ ...shiftModel(2, 1, 1.5), name: "plane x15", stride: 15 })

/**
 * The walled world as a world model (the latent is the position, an action a move of up to 1 per
 * axis): `walledMove` on tensors. A move refused by the wall leaves the state where it was.
 */
export const walledModel = (): WorldModel => ({
  name: "walled world",
  latentSize: 2,
  actionSpace: new Box({ low: -1, high: 1, shape: [2] }),
  stride: 1,
  encode: (observations) => tf.tidy(() => observations.toFloat().reshape([-1, 2]) as tf.Tensor2D),
  step: (states, actions) =>
    tf.tidy(() => {
      const moved = states.add(actions).clipByValue(0, 22)
      const next = tf.concat(
        [moved.slice([0, 0], [-1, 1]), moved.slice([0, 1], [-1, 1]).clipByValue(0, 10)],
        1
      )
      const [x, y] = tf.split(states, 2, 1) as [tf.Tensor2D, tf.Tensor2D]
      const [nextX, nextY] = tf.split(next, 2, 1) as [tf.Tensor2D, tf.Tensor2D]
      const overlaps = tf.logicalAnd(tf.minimum(x, nextX).less(12), tf.maximum(x, nextX).greater(10))
      const blocked = tf.logicalAnd(overlaps, tf.minimum(y, nextY).less(8))
      return tf.where(blocked.tile([1, 2]), states, next) as tf.Tensor2D
    })
})

/** The walled world as an environment: from `start` to `goal`, reached within 0.5. */
export const walledEnv = (
  start: readonly [number, number],
  goal: readonly [number, number],
  maxEpisodeSteps: number
): Env => {
  let position: readonly [number, number] = start
  let steps = 0
  const actionSpace = new Box({ low: -1, high: 1, shape: [2] })
  const distance = () => Math.hypot(position[0] - goal[0], position[1] - goal[1])
  return {
    id: "walled",
    observationSpace: new Box({ low: 0, high: 22, shape: [2] }),
    actionSpace,
    maxEpisodeSteps,
    reset: () => {
      position = start
      steps = 0
      return { observation: Float64Array.from(position), info: { goal: Float64Array.from(goal) } }
    },
    step: (action) => {
      const move = Array.from(action as ArrayLike<number>, (value) => Math.min(1, Math.max(-1, value)))
      position = walledMove(position[0], position[1], move[0] as number, move[1] as number)
      steps++
      const success = distance() < 0.5
      return {
        observation: Float64Array.from(position),
        reward: -distance(),
        terminated: success,
        truncated: !success && steps >= maxEpisodeSteps,
        info: { success, goal: Float64Array.from(goal) }
      }
    },
    render: () => "<svg/>"
  }
}
