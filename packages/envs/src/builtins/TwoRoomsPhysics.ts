/**
 * The move rule of `two-rooms`: PLDM's `DotWall.step` and its contact test
 * (`check_wall_intersect`), in the coordinates of `TwoRoomsLayout`. A move that touches no wall
 * line ends on the float32 sum of position and action. A move that does stops where its line meets
 * the wall it touches (it does not slide), is pushed back off the wall by the absolute value of a
 * normal of std 0.5 and along it by a normal of std 0.5, all drawn from the environment's seeded
 * random stream, and is then kept inside its room by PLDM's clamp.
 *
 * @module
 */
import type { Random } from "@telos/core"
import type { NavigationPhysics } from "./Navigation.js"
import { insideTwoRoomsWall, twoRoomsGeometry } from "./TwoRoomsLayout.js"

/**
 * The noise of a contact, as PLDM draws it: the push-back off the wall is `std * |N(0, 1)|` (mean
 * `std * sqrt(2 / pi)`, about 0.399 px) and the shift along the wall `std * N(0, 1)`. A point the
 * noise takes onto or past a bound of the room's box is put `clampMargin` inside it.
 *
 * @example
 * ```ts
 * twoRoomsContactNoise.std // 0.5
 * ```
 */
export const twoRoomsContactNoise = { std: 0.5, clampMargin: 0.3 } as const

const { borderLow, borderHigh, wallLeft, wallRight, wallCentre, doorLow, doorHigh } = twoRoomsGeometry
const { std, clampMargin } = twoRoomsContactNoise
const float32 = Math.fround

/** Whether a move from `from` to `to` crosses or touches the line at `line` (one coordinate). */
const reaches = (from: number, to: number, line: number): boolean =>
  Math.sign(from - line) * Math.sign(to - line) <= 0

/**
 * Where the move's line crosses the vertical line `x = line`, as a height, or NaN for no contact:
 * no crossing, or (for a face with the door in it) a crossing inside the door's span. A move that
 * lies on the line counts as crossing at its start.
 */
const verticalContact = (
  x: number,
  y: number,
  toX: number,
  dx: number,
  dy: number,
  line: number,
  door: boolean
): number => {
  if (!reaches(x, toX, line)) return Number.NaN
  const height = dx === 0 ? y : y + ((line - x) * dy) / dx
  return door && height >= doorLow && height <= doorHigh ? Number.NaN : height
}

/** Where the move's line crosses the horizontal line `y = line`, as an `x`, or NaN for none. */
const horizontalContact = (
  x: number,
  y: number,
  toY: number,
  dx: number,
  dy: number,
  line: number
): number => {
  if (!reaches(y, toY, line)) return Number.NaN
  return dy === 0 ? x : x + ((line - y) * dx) / dy
}

/**
 * PLDM's clamp of a contact's end into `[low, high]` followed by its margin rule: a value the clamp
 * leaves on a bound (it reached or passed it) goes `clampMargin` inside.
 */
const clampInside = (value: number, low: number, high: number): number =>
  value <= low ? float32(low + clampMargin) : value >= high ? float32(high - clampMargin) : value

/**
 * Moves the agent of `two-rooms` from `(x, y)` by `(dx, dy)`, writes where it ends into
 * `target[0]`, `target[1]` (float32 numbers), and returns whether the move touched a wall. The
 * checks run in PLDM's order:
 *
 * 1. A move from `y <= 14` that crosses the door's edge `y = 14` towards larger `y`, at
 *    `31 <= x <= 33` (at `x = cx`), stops on that edge: it ends at `(cx + 0.5 n0, 14 - 0.5 |n1|)`.
 *    Likewise from `y >= 6` across the edge `y = 6` towards smaller `y`, ending at
 *    `(cx + 0.5 n0, 6 + 0.5 |n1|)`. No clamp follows.
 * 2. Otherwise the side is chosen by `x < 32`: left, the lines `x = 4` and `x = 31` (open in the
 *    door's span) and the box `[4, 31]`; right, `x = 33` (open in the door's span) and `x = 59`
 *    and the box `[33, 59]`. The first vertical line the move reaches (crossing it, or touching it
 *    at either end) and the first of `y = 4`, `y = 59` each give a candidate contact, each with two
 *    normals drawn (the vertical one's first); the candidate nearer the start wins, a tie going to
 *    the horizontal one. The end is the contact point pushed back towards the start's side by
 *    `0.5 |n|` and shifted along the wall by `0.5 n'`, clamped into the side's box and `[4, 59]`,
 *    and put 0.3 inside any bound it reached.
 * 3. With no contact the move ends at `(fround(x + dx), fround(y + dy))`.
 *
 * `rng` is drawn from only on contact. Two cases differ from PLDM, which would leave the agent
 * inside the middle wall or at NaN there: where PLDM divides by a zero displacement (a move exactly
 * along an axis) the contact is the limit of nearby moves, and a move that starts exactly on a
 * door edge and leaves the passage through it stops on that edge. As a last guard, a move that
 * would still end inside a wall (only rounding at a corner of the door could cause it) stays where
 * it started and reports contact.
 *
 * @example
 * ```ts
 * const end = new Float64Array(2)
 * twoRoomsMove(20, 30, 2, -1.5, rng, end) // false; end = [22, 28.5]
 * twoRoomsMove(30, 30, 2.4, 0, rng, end) // true; end[0] < 31, pushed back off the face x = 31
 * ```
 */
export const twoRoomsMove = (
  x: number,
  y: number,
  dx: number,
  dy: number,
  rng: Random,
  target: Float64Array
): boolean => {
  const toX = float32(x + float32(dx))
  const toY = float32(y + float32(dy))
  // The displacement actually travelled: exact in float64, as both ends are float32 numbers.
  const moveX = toX - x
  const moveY = toY - y

  if (moveY > 0 && toY > doorHigh && y <= doorHigh) {
    const edgeX = horizontalContact(x, y, toY, moveX, moveY, doorHigh)
    if (edgeX >= wallLeft && edgeX <= wallRight) {
      const along = std * rng.normal()
      const back = std * Math.abs(rng.normal())
      target[0] = float32(edgeX + along)
      target[1] = float32(doorHigh - back)
      return true
    }
  }
  if (moveY < 0 && toY < doorLow && y >= doorLow) {
    const edgeX = horizontalContact(x, y, toY, moveX, moveY, doorLow)
    if (edgeX >= wallLeft && edgeX <= wallRight) {
      const along = std * rng.normal()
      const back = std * Math.abs(rng.normal())
      target[0] = float32(edgeX + along)
      target[1] = float32(doorLow + back)
      return true
    }
  }

  const left = x < wallCentre
  const lowX: number = left ? borderLow : wallRight
  const highX: number = left ? wallLeft : borderHigh
  let verticalLine = lowX
  let height = verticalContact(x, y, toX, moveX, moveY, lowX, !left)
  if (Number.isNaN(height)) {
    verticalLine = highX
    height = verticalContact(x, y, toX, moveX, moveY, highX, left)
  }
  let horizontalLine: number = borderLow
  let across = horizontalContact(x, y, toY, moveX, moveY, borderLow)
  if (Number.isNaN(across)) {
    horizontalLine = borderHigh
    across = horizontalContact(x, y, toY, moveX, moveY, borderHigh)
  }
  const vertical = !Number.isNaN(height)
  const horizontal = !Number.isNaN(across)

  if (!vertical && !horizontal) {
    if (insideTwoRoomsWall(toX, toY)) {
      target[0] = x
      target[1] = y
      return true
    }
    target[0] = toX
    target[1] = toY
    return false
  }

  let verticalEndX = 0
  let verticalEndY = 0
  if (vertical) {
    verticalEndX = verticalLine + std * Math.abs(rng.normal()) * Math.sign(x - verticalLine)
    verticalEndY = height + std * rng.normal()
  }
  let horizontalEndX = 0
  let horizontalEndY = 0
  if (horizontal) {
    horizontalEndX = across + std * rng.normal()
    horizontalEndY = horizontalLine + std * Math.abs(rng.normal()) * Math.sign(y - horizontalLine)
  }
  const verticalWins =
    vertical &&
    (!horizontal ||
      (verticalLine - x) ** 2 + (height - y) ** 2 < (across - x) ** 2 + (horizontalLine - y) ** 2)
  target[0] = clampInside(float32(verticalWins ? verticalEndX : horizontalEndX), lowX, highX)
  target[1] = clampInside(float32(verticalWins ? verticalEndY : horizontalEndY), borderLow, borderHigh)
  return true
}

/**
 * The physics of `two-rooms` for `defineNavigationEnv`: {@link twoRoomsMove}, and free points
 * judged as stored, after rounding to float32.
 *
 * @example
 * ```ts
 * twoRoomsPhysics.insideWall(58.99999999, 30) // true: rounds to 59, the border line
 * ```
 */
export const twoRoomsPhysics: NavigationPhysics = {
  insideWall: (x, y) => insideTwoRoomsWall(float32(x), float32(y)),
  move: twoRoomsMove
}
