/**
 * The Two-Rooms dynamics as differentiable world models over positions `[x, y]`, for testing
 * planners without learning: `twoRoomsModel` for `two-rooms` (PLDM's `DotWall`) and
 * `twoRoomsThickWallsModel` for `two-rooms-thick-walls` and `two-rooms-wind`. Collision with walls
 * is decided by masks built from `tf.step` (TensorFlow.js cannot differentiate comparison ops,
 * even where their gradient is zero), so the graph has no `tf.where` and its gradient is zero
 * across a wall and exact elsewhere.
 *
 * @module
 */
import { checkMatrix, checkStepShapes, InvalidValueError, type WorldModel } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { identityEncode } from "../define/GroundTruth.js"
import { navigationActionSpace } from "./Navigation.js"
import { atLeast, greaterThan, lessThan } from "./StepMasks.js"
import { twoRoomsGeometry } from "./TwoRoomsLayout.js"
import { twoRoomsContactNoise } from "./TwoRoomsPhysics.js"
import { thickWallsGeometry } from "./TwoRoomsThickWallsLayout.js"
import { wallModelPushback } from "./WallModel.js"

/**
 * How far `twoRoomsModel` places a blocked agent from the wall: the mean of `two-rooms`' push-back,
 * `0.5 |N(0, 1)|`, that is `0.5 sqrt(2 / pi)`.
 *
 * @example
 * ```ts
 * twoRoomsModelPushback // 0.3989...
 * ```
 */
export const twoRoomsModelPushback = twoRoomsContactNoise.std * Math.sqrt(2 / Math.PI)

/**
 * How far `twoRoomsThickWallsModel` places a blocked agent from the wall: the mean of the uniform
 * push-back of `two-rooms-thick-walls`.
 *
 * @example
 * ```ts
 * twoRoomsThickWallsModelPushback // 0.275
 * ```
 */
export const twoRoomsThickWallsModelPushback = wallModelPushback

/** The walls a model stops at, in its environment's coordinates. */
interface ModelWalls {
  readonly name: string
  /** The low border: blocked below it (at or below it for lines). */
  readonly borderLow: number
  /** The high border: blocked at or above it. */
  readonly borderHigh: number
  /** The middle wall's faces. */
  readonly wallLeft: number
  readonly wallRight: number
  /** The door's span in `y`. */
  readonly doorLow: number
  readonly doorHigh: number
  readonly pushback: number
  /**
   * PLDM's walls are lines: a point on a border line or a face is blocked, the passage and the
   * door are closed intervals. Thick walls are half-open pixel rectangles: the passage is
   * `[wallLeft, wallRight)` and the door `[doorLow, doorHigh)`.
   */
  readonly lines: boolean
}

const pldmWalls: ModelWalls = {
  name: "two-rooms-dynamics",
  borderLow: twoRoomsGeometry.borderLow,
  borderHigh: twoRoomsGeometry.borderHigh,
  wallLeft: twoRoomsGeometry.wallLeft,
  wallRight: twoRoomsGeometry.wallRight,
  doorLow: twoRoomsGeometry.doorLow,
  doorHigh: twoRoomsGeometry.doorHigh,
  pushback: twoRoomsModelPushback,
  lines: true
}

const thickWalls: ModelWalls = {
  name: "two-rooms-thick-walls-dynamics",
  borderLow: thickWallsGeometry.borderThickness,
  borderHigh: thickWallsGeometry.arenaSize - thickWallsGeometry.borderThickness,
  wallLeft: thickWallsGeometry.wallLeft,
  wallRight: thickWallsGeometry.wallLeft + thickWallsGeometry.wallWidth,
  doorLow: thickWallsGeometry.doorCentre - thickWallsGeometry.doorHalfHeight,
  doorHigh: thickWallsGeometry.doorCentre + thickWallsGeometry.doorHalfHeight,
  pushback: twoRoomsThickWallsModelPushback,
  lines: false
}

// Keeps a denominator away from zero where its ratio is used (the sign follows the motion); where
// the ratio is not used the denominator is exactly 1. No branch divides by zero, so no NaN enters
// a mask or a gradient.
const tinyStep = 1e-6

/**
 * `value` where no mask is set, `replacement[i]` where `masks[i]` is (masks are disjoint 0/1).
 * Products with exact 0 and 1, so an unmasked value comes through bit for bit.
 */
const replaceWhere = (
  value: tf.Tensor,
  cases: ReadonlyArray<readonly [mask: tf.Tensor, replacement: number]>
): tf.Tensor => {
  let keep: tf.Tensor = tf.onesLike(value)
  let result: tf.Tensor = tf.zerosLike(value)
  for (const [mask, replacement] of cases) {
    keep = tf.sub(keep, mask)
    result = tf.add(result, tf.mul(mask, replacement))
  }
  return tf.add(result, tf.mul(value, keep))
}

// One step on positions [B, 2] and displacements [B, 2] (action plus drift); see twoRoomsModel.
const stepPositions = (
  walls: ModelWalls,
  positions: tf.Tensor2D,
  displacements: tf.Tensor2D
): tf.Tensor2D => {
  const { borderLow, borderHigh, wallLeft, wallRight, doorLow, doorHigh, pushback, lines } = walls
  /** 1 where `a` is beyond `bound` on the high side: past a line, or at or past a rectangle's edge. */
  const pastHigh = (a: tf.Tensor, bound: number): tf.Tensor =>
    lines ? greaterThan(a, bound) : atLeast(a, bound)
  /** 1 where `a` is blocked by the low border: on or below its line, or below its rectangle. */
  const pastLow = (a: tf.Tensor, bound: number): tf.Tensor =>
    lines ? tf.sub(1, greaterThan(a, bound)) : lessThan(a, bound)
  /** 1 where `low <= a` and `a` is not past `high`. */
  const within = (a: tf.Tensor, low: number, high: number): tf.Tensor =>
    tf.mul(atLeast(a, low), tf.sub(1, pastHigh(a, high)))
  /** A border stops the move on its own axis: the coordinate goes to the face minus the push-back. */
  const stopAtBorders = (coordinate: tf.Tensor): tf.Tensor =>
    replaceWhere(coordinate, [
      [pastLow(coordinate, borderLow), borderLow + pushback],
      [atLeast(coordinate, borderHigh), borderHigh - pushback]
    ])

  const [x, y] = tf.split(positions, 2, 1) as [tf.Tensor2D, tf.Tensor2D]
  const [dx, dy] = tf.split(displacements, 2, 1) as [tf.Tensor2D, tf.Tensor2D]
  const rawX = tf.add(x, dx)
  const rawY = tf.add(y, dy)

  // Entering the middle wall's band from either room.
  const startsLeft = lessThan(x, wallLeft)
  const startsRight = pastHigh(x, wallRight)
  const fromLeft = tf.mul(startsLeft, atLeast(rawX, wallLeft))
  const fromRight = tf.mul(startsRight, tf.sub(1, pastHigh(rawX, wallRight)))
  const crossing = tf.add(fromLeft, fromRight)
  const notCrossing = tf.sub(1, crossing)
  const denominatorX = tf.add(
    tf.add(tf.mul(dx, crossing), notCrossing),
    tf.mul(tf.sub(fromLeft, fromRight), tinyStep)
  )
  // Each face's offset from x; zero where the move does not cross, so the fractions are 0 there.
  const entryOffset = tf.sub(
    tf.add(tf.mul(fromLeft, wallLeft), tf.mul(fromRight, wallRight)),
    tf.mul(x, crossing)
  )
  const exitOffset = tf.sub(
    tf.add(tf.mul(fromLeft, wallRight), tf.mul(fromRight, wallLeft)),
    tf.mul(x, crossing)
  )
  const entryHeight = tf.add(y, tf.mul(dy, tf.div(entryOffset, denominatorX)))
  const exitHeight = tf.add(y, tf.mul(dy, tf.minimum(tf.div(exitOffset, denominatorX), 1)))
  const throughDoor = tf.mul(within(entryHeight, doorLow, doorHigh), within(exitHeight, doorLow, doorHigh))
  const blocked = tf.sub(1, throughDoor)

  // Leaving the door's height while inside the passage.
  const startsInside = tf.sub(1, tf.add(startsLeft, startsRight))
  const upwards = tf.mul(startsInside, lessThan(rawY, doorLow))
  const downwards = tf.mul(startsInside, pastHigh(rawY, doorHigh))
  const leaving = tf.add(upwards, downwards)
  const denominatorY = tf.add(
    tf.add(tf.mul(dy, leaving), tf.sub(1, leaving)),
    tf.mul(tf.sub(downwards, upwards), tinyStep)
  )
  const edgeOffset = tf.sub(tf.add(tf.mul(upwards, doorLow), tf.mul(downwards, doorHigh)), tf.mul(y, leaving))
  const edgeX = tf.add(x, tf.mul(dx, tf.div(edgeOffset, denominatorY)))
  const hitsEdge = within(edgeX, wallLeft, wallRight)

  const newX = replaceWhere(stopAtBorders(rawX), [
    [tf.mul(fromLeft, blocked), wallLeft - pushback],
    [tf.mul(fromRight, blocked), wallRight + pushback]
  ])
  const newY = replaceWhere(stopAtBorders(rawY), [
    [tf.mul(upwards, hitsEdge), doorLow + pushback],
    [tf.mul(downwards, hitsEdge), doorHigh - pushback]
  ])
  return tf.concat([newX, newY], 1) as tf.Tensor2D
}

const checkDrift = (states: tf.Tensor2D, drift: tf.Tensor2D): void => {
  checkMatrix(drift, 2, "latentVariable")
  if (drift.shape[0] !== states.shape[0]) {
    throw new InvalidValueError({
      field: "latentVariable",
      expected: `${states.shape[0]} rows, one drift per state`,
      received: `${drift.shape[0]} rows`
    })
  }
}

const modelOf = (walls: ModelWalls): WorldModel => ({
  name: walls.name,
  latentSize: 2,
  actionSpace: navigationActionSpace,
  stride: 1,
  encode: (observations) => identityEncode(observations, 2, "observations"),
  step: (states, actions, latentVariable) => {
    checkStepShapes(states, actions, 2, 2)
    if (latentVariable !== undefined) checkDrift(states, latentVariable)
    return tf.tidy(() =>
      stepPositions(walls, states, latentVariable === undefined ? actions : tf.add(actions, latentVariable))
    )
  }
})

/**
 * The dynamics of `two-rooms` (PLDM's `DotWall`) as a world model over `[x, y]`, batched over the
 * first dimension. The optional latent variable `[B, 2]` is a drift added to every action; without
 * it the model predicts still air.
 *
 * Exact, up to float32 rounding, for every move the environment lets through without touching a
 * wall, including moves through the door at any angle: a move that crosses a face of the middle
 * wall (`x = 31` from the left room, `x = 33` from the right) passes when its height where it
 * crosses that face and where it crosses the other face (or ends, inside the passage) both lie in
 * the door `[6, 14]`; the height is linear along the move, so the whole crossing is then in the
 * door. Where a wall is touched the model differs from the environment in three ways:
 *
 * 1. it is blocked on one axis only and slides along the wall (the other coordinate moves in
 *    full), where the environment stops both coordinates at the contact point;
 * 2. it pushes back off the wall by the mean push-back, `0.5 sqrt(2 / pi)` (about 0.399 px), with
 *    no shift along the wall (the environment's shift has mean zero) and without the environment's
 *    clamp near corners;
 * 3. a move that enters the door's passage and hits the door's edge inside it is put back at the
 *    face it entered by (`x = 31 - 0.399` or `33 + 0.399`), where the environment stops it at the
 *    edge, inside the passage. (Starting inside the passage, hitting an edge stops it at
 *    `y = 6 + 0.399` or `14 - 0.399`, as the environment does on average.)
 *
 * Either way it never predicts a point inside a wall: a position in the middle wall's band always
 * has its height in the door. Inputs are assumed to lie in free space, as encoded observations and
 * the model's own predictions do.
 *
 * @example
 * ```ts
 * const model = twoRoomsModel()
 * const next = tf.tidy(() => model.step(tf.tensor2d([[20, 30]]), tf.tensor2d([[2, -1]]))) // [[22, 29]]
 * ```
 */
export const twoRoomsModel = (): WorldModel => modelOf(pldmWalls)

/**
 * The dynamics of `two-rooms-thick-walls` as a world model over `[x, y]`, batched over the first
 * dimension. The optional latent variable `[B, 2]` is a drift added to every action, which is how
 * `two-rooms-wind`'s hidden wind enters; without it the model predicts still air.
 *
 * Exact, up to float32 rounding, for every move the environment lets through without touching a
 * wall, including moves through the door at any angle: a move that crosses the middle wall's
 * slab `[31, 34)` passes when its height where it enters the slab and where it leaves it (or
 * ends, inside it) both lie in the door `[6, 14)`. Where a wall is touched it differs from the
 * environment as `twoRoomsModel` does from `two-rooms` (sliding, the fixed mean push-back, here
 * 0.275 px, and a door edge hit after entering the passage put back at the face), and it never
 * predicts a point inside a wall.
 *
 * @example
 * ```ts
 * const model = twoRoomsThickWallsModel()
 * const windy = tf.tidy(() => model.step(tf.tensor2d([[20, 30]]), tf.tensor2d([[2, -1]]), tf.tensor2d([[0.75, 0]])))
 * ```
 */
export const twoRoomsThickWallsModel = (): WorldModel => modelOf(thickWalls)
