/**
 * `moveWithWalls` as a differentiable world model over positions `[x, y]`: the ground truth
 * of any environment whose agent is a point moved by displacements among axis-aligned walls (the
 * mazes). A move stops at the first wall it enters, found by the same slab test as the physics,
 * batched over every wall at once; so the gradient with respect to the action is exact for free
 * moves and follows the contact point along a wall's face for blocked ones.
 *
 * @module
 */
import { checkStepShapes, InvalidValueError, type WorldModel } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { identityEncode } from "../define/GroundTruth.js"
import type { WallLayout } from "../physics/WallLayout.js"
import { type CompiledWalls, compileWalls, wallPushback } from "../physics/WallPhysics.js"
import { navigationActionSpace } from "./Navigation.js"
import { atLeast, greaterThan, lessThan } from "./StepMasks.js"

/**
 * Walls as tensors `[R, W]` (left, top, right, bottom faces of `W` rectangles): `R = 1` for walls
 * every row of a batch shares, `R = B` for a batch whose rows each have their own (padded with
 * rectangles far outside the arena to a common `W`).
 */
export interface WallTensors {
  /** Each rectangle's low x (its left face). */
  readonly left: tf.Tensor2D
  /** Each rectangle's low y. */
  readonly top: tf.Tensor2D
  /** Each rectangle's high x, excluded. */
  readonly right: tf.Tensor2D
  /** Each rectangle's high y, excluded. */
  readonly bottom: tf.Tensor2D
}

/** A {@link wallModel}: a world model that holds its walls as tensors until disposed. */
export interface WallWorldModel extends WorldModel {
  /** Frees the wall tensors; the model must not step afterwards. */
  dispose(): void
}

/**
 * How far the model puts a blocked agent from the wall: the mean of the physics' uniform
 * push-back.
 *
 * @example
 * ```ts
 * wallModelPushback // 0.275
 * ```
 */
export const wallModelPushback = (wallPushback.minimum + wallPushback.maximum) / 2

// Stands for "never" as a contact time: finite, so no infinity enters a product or a gradient.
const never = 1e6
// Displacements smaller than this count as none: their ratios would overflow float32 in the gradient.
const stillBelow = 1e-6

/** One axis' slab times: when the moving coordinate enters and leaves each wall's span, and whether it can. */
const slab = (
  start: tf.Tensor,
  delta: tf.Tensor,
  low: tf.Tensor,
  high: tf.Tensor
): { enter: tf.Tensor; leave: tf.Tensor; possible: tf.Tensor; face: tf.Tensor; sign: tf.Tensor } => {
  const forward = tf.step(tf.sub(delta, stillBelow))
  const backward = tf.step(tf.neg(tf.add(delta, stillBelow)))
  const still = tf.sub(1, tf.add(forward, backward))
  // Where the coordinate does not move its ratio is never used; the denominator is 1 there.
  const denominator = tf.add(delta, still)
  const face = tf.add(tf.mul(forward, low), tf.mul(backward, high))
  const far = tf.add(tf.mul(forward, high), tf.mul(backward, low))
  const moving = tf.sub(1, still)
  const enter = tf.add(tf.mul(moving, tf.div(tf.sub(face, start), denominator)), tf.mul(still, -never))
  const leave = tf.add(tf.mul(moving, tf.div(tf.sub(far, start), denominator)), tf.mul(still, never))
  // Moving up the axis it can reach a wall that ends above it; down, one that starts at or below
  // it; standing still, only one whose span holds it.
  const inSpan = tf.mul(atLeast(start, low), lessThan(start, high))
  const possible = tf.add(
    tf.add(tf.mul(forward, lessThan(start, high)), tf.mul(backward, atLeast(start, low))),
    tf.mul(still, inSpan)
  )
  return { enter, leave, possible, face, sign: tf.sub(forward, backward) }
}

/**
 * One step of `moveWithWalls` on positions `[B, 2]` and displacements `[B, 2]`: the move ends
 * where it first enters a wall, pushed back off the face it hit by {@link wallModelPushback}, or at
 * its end when it enters none. It differs from the physics in three ways: the push-back is its
 * mean, not a draw; a move that touches two walls at the same instant (a corner) stops at the mean
 * of the two contact points; and the physics' rule that keeps an agent in place when rounding or
 * a corner would put it inside a wall is not modelled. Inputs are assumed to lie in free space.
 *
 * @example
 * ```ts
 * const walls = wallTensors([compileWalls({ width: 64, height: 64, walls: [{ x: 31, y: 0, width: 3, height: 64 }] })])
 * const next = stepWithWalls(tf.tensor2d([[30, 10]]), tf.tensor2d([[2, 0]]), walls) // [[30.725, 10]]
 * ```
 */
export const stepWithWalls = (
  positions: tf.Tensor2D,
  displacements: tf.Tensor2D,
  walls: WallTensors,
  pushback: number = wallModelPushback
): tf.Tensor2D =>
  tf.tidy(() => {
    const [x, y] = tf.split(positions, 2, 1) as [tf.Tensor2D, tf.Tensor2D]
    const [dx, dy] = tf.split(displacements, 2, 1) as [tf.Tensor2D, tf.Tensor2D]
    const alongX = slab(x, dx, walls.left, walls.right)
    const alongY = slab(y, dy, walls.top, walls.bottom)
    const enter = tf.maximum(alongX.enter, alongY.enter)
    const leave = tf.minimum(alongX.leave, alongY.leave)
    // The start is outside every wall, so `enter >= 0`; `enter < leave` ignores moves that only
    // graze a corner, as the physics does.
    const touches = tf.mul(
      tf.mul(alongX.possible, alongY.possible),
      tf.mul(lessThan(enter, leave), tf.sub(1, greaterThan(enter, 1)))
    )
    const time = tf.add(tf.mul(touches, enter), tf.mul(tf.sub(1, touches), never))
    const first = tf.min(time, 1, true)
    // Every wall hit at the first contact time shares the stop (two at once only at a corner).
    const isFirst = tf.mul(touches, atLeast(first, time))
    const hits = tf.sum(isFirst, 1, true)
    const weights = tf.div(isFirst, tf.maximum(hits, 1))
    // Which face: the axis whose slab it entered last (the physics' `enterX >= enterY`).
    const normalX = atLeast(alongX.enter, alongY.enter)
    const normalY = tf.sub(1, normalX)
    const contactX = tf.add(x, tf.mul(first, dx))
    const contactY = tf.add(y, tf.mul(first, dy))
    const faceX = tf.sub(alongX.face, tf.mul(alongX.sign, pushback))
    const faceY = tf.sub(alongY.face, tf.mul(alongY.sign, pushback))
    const stopX = tf.sum(tf.mul(weights, tf.add(tf.mul(normalX, faceX), tf.mul(normalY, contactX))), 1, true)
    const stopY = tf.sum(tf.mul(weights, tf.add(tf.mul(normalY, faceY), tf.mul(normalX, contactY))), 1, true)
    const blocked = tf.minimum(hits, 1)
    const free = tf.sub(1, blocked)
    const newX = tf.add(tf.mul(blocked, stopX), tf.mul(free, tf.add(x, dx)))
    const newY = tf.add(tf.mul(blocked, stopY), tf.mul(free, tf.add(y, dy)))
    return tf.concat([newX, newY], 1) as tf.Tensor2D
  })

/**
 * The faces of compiled walls as tensors `[R, W]`, one row per entry (pass one layout for walls
 * a whole batch shares). Layouts with fewer rectangles are padded with rectangles far outside any
 * arena, which no move reaches.
 *
 * @example
 * ```ts
 * const walls = wallTensors([compileWalls(layout)])
 * ```
 */
export const wallTensors = (layouts: ReadonlyArray<CompiledWalls>): WallTensors => {
  if (layouts.length === 0) {
    throw new InvalidValueError({ field: "layouts", expected: "at least one layout", received: "none" })
  }
  const count = Math.max(...layouts.map((walls) => walls.rectangleCount))
  const faces = (pick: (walls: CompiledWalls) => Float64Array, padding: number): tf.Tensor2D => {
    const values = new Float32Array(layouts.length * count).fill(padding)
    layouts.forEach((walls, row) => {
      values.set(pick(walls), row * count)
    })
    return tf.tensor2d(values, [layouts.length, count])
  }
  // The padding rectangle [2 never, 3 never]^2 lies beyond every move's reach.
  return {
    left: faces((walls) => walls.left, 2 * never),
    top: faces((walls) => walls.top, 2 * never),
    right: faces((walls) => walls.right, 3 * never),
    bottom: faces((walls) => walls.bottom, 3 * never)
  }
}

/**
 * A layout's `moveWithWalls` dynamics as a world model over `[x, y]` (see
 * {@link stepWithWalls} for where it differs from the physics): the ground truth of an environment
 * with state observations in that layout. Its wall tensors live as long as the model; `dispose`
 * frees them.
 *
 * @example
 * ```ts
 * const model = wallModel({ width: 64, height: 64, walls: [{ x: 31, y: 0, width: 3, height: 64 }] }, "wall-dynamics")
 * const next = tf.tidy(() => model.step(tf.tensor2d([[20, 30]]), tf.tensor2d([[2, -1]]))) // [[22, 29]]
 * ```
 */
export const wallModel = (layout: WallLayout, name: string): WallWorldModel => {
  const walls = wallTensors([compileWalls(layout)])
  return {
    name,
    latentSize: 2,
    actionSpace: navigationActionSpace,
    stride: 1,
    encode: (observations) => identityEncode(observations, 2, "observations"),
    step: (states, actions) => {
      checkStepShapes(states, actions, 2, 2)
      return stepWithWalls(states, actions, walls)
    },
    dispose: () => {
      for (const face of Object.values(walls)) face.dispose()
    }
  }
}
