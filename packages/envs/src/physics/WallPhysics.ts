/**
 * The point dynamics of the navigation worlds drawn as wall rectangles (the mazes,
 * two-rooms-thick-walls, two-rooms-wind): the agent moves by a displacement, and a move that would
 * enter a wall stops at the first wall it touches, pushed back off that wall by a small random
 * offset, after PLDM's Two-Rooms (`two-rooms` itself follows PLDM's exact rule, in
 * `TwoRoomsPhysics`). Collision is continuous (the whole segment is tested against each wall
 * rectangle), so no move tunnels through a wall, however long it is. This is the hot path of data
 * collection: it allocates nothing and tests only the walls near the move.
 *
 * @module
 */
import type { Random } from "@telos/core"
import type { WallLayout } from "./WallLayout.js"

/**
 * How far the agent is pushed back off a wall it runs into: uniform in `[minimum, maximum)` pixels
 * along the wall's normal. PLDM draws the offset as the absolute value of a normal of std 0.5 and
 * adds a shift along the wall; this rule keeps a positive minimum, so the agent stays visibly off
 * the wall, and no shift. The mean (0.275) is what the ground-truth models of these worlds use.
 *
 * @example
 * ```ts
 * wallPushback.maximum // 0.5
 * ```
 */
export const wallPushback = { minimum: 0.05, maximum: 0.5 } as const

// Walls are bucketed on a square grid of this many pixels, so that a move (at most a few pixels
// long) is tested only against the few walls around it.
const bucketSize = 8

// Stand-ins for "everything outside the arena": large finite rectangles, since infinite bounds
// would turn the slab arithmetic below into NaN (0 * Infinity).
const outside = 1e9

/**
 * A {@link WallLayout} prepared for fast collision: rectangle bounds in flat arrays, bucketed on a
 * grid. The area outside the arena counts as wall, so a layout without border walls still keeps
 * the agent inside it. Build one with {@link compileWalls}.
 *
 * @example
 * ```ts
 * const walls: CompiledWalls = compileWalls(thickWallsLayout)
 * walls.rectangleCount // 6 walls + 4 outside the arena
 * ```
 */
export interface CompiledWalls {
  readonly layout: WallLayout
  readonly rectangleCount: number
  readonly left: Float64Array
  readonly top: Float64Array
  readonly right: Float64Array
  readonly bottom: Float64Array
  readonly bucketColumns: number
  readonly bucketRows: number
  /** Bucket `b` (row-major) holds `bucketItems[bucketStart[b] .. bucketStart[b + 1])`. */
  readonly bucketStart: Int32Array
  readonly bucketItems: Int32Array
}

const clampIndex = (value: number, count: number): number =>
  value < 0 ? 0 : value >= count ? count - 1 : value

/**
 * Prepares a layout for {@link moveWithWalls}. Do it once per layout, not per move.
 *
 * @example
 * ```ts
 * const walls = compileWalls({ width: 64, height: 64, walls: [{ x: 31, y: 0, width: 3, height: 64 }] })
 * ```
 */
export const compileWalls = (layout: WallLayout): CompiledWalls => {
  const { width, height } = layout
  const rectangles = [
    ...layout.walls.map((wall) => [wall.x, wall.y, wall.x + wall.width, wall.y + wall.height] as const),
    [-outside, -outside, 0, height + outside] as const,
    [width, -outside, width + outside, height + outside] as const,
    [-outside, -outside, width + outside, 0] as const,
    [-outside, height, width + outside, height + outside] as const
  ]
  const count = rectangles.length
  const left = new Float64Array(count)
  const top = new Float64Array(count)
  const right = new Float64Array(count)
  const bottom = new Float64Array(count)
  const bucketColumns = Math.max(1, Math.ceil(width / bucketSize))
  const bucketRows = Math.max(1, Math.ceil(height / bucketSize))
  const members: Array<Array<number>> = Array.from({ length: bucketColumns * bucketRows }, () => [])
  rectangles.forEach(([x0, y0, x1, y1], index) => {
    left[index] = x0
    top[index] = y0
    right[index] = x1
    bottom[index] = y1
    // Clamping puts the rectangles outside the arena into the edge buckets, where moves leave it.
    const column0 = clampIndex(Math.floor(x0 / bucketSize), bucketColumns)
    const column1 = clampIndex(Math.floor(x1 / bucketSize), bucketColumns)
    const row0 = clampIndex(Math.floor(y0 / bucketSize), bucketRows)
    const row1 = clampIndex(Math.floor(y1 / bucketSize), bucketRows)
    for (let row = row0; row <= row1; row++) {
      for (let column = column0; column <= column1; column++)
        members[row * bucketColumns + column]?.push(index)
    }
  })
  const bucketStart = new Int32Array(members.length + 1)
  members.forEach((bucket, index) => {
    bucketStart[index + 1] = (bucketStart[index] as number) + bucket.length
  })
  return {
    layout,
    rectangleCount: count,
    left,
    top,
    right,
    bottom,
    bucketColumns,
    bucketRows,
    bucketStart,
    bucketItems: Int32Array.from(members.flat())
  }
}

/**
 * Whether `(x, y)` lies inside a wall of compiled walls (or outside the arena). Agrees with
 * `insideWall` everywhere except on the arena's far edges `x = width` and `y = height`, which
 * count as outside here: {@link moveWithWalls} never leaves the agent there.
 *
 * @example
 * ```ts
 * insideCompiledWall(compileWalls(thickWallsLayout), 32, 30) // true
 * ```
 */
export const insideCompiledWall = (walls: CompiledWalls, x: number, y: number): boolean => {
  if (!(x >= 0 && x < walls.layout.width && y >= 0 && y < walls.layout.height)) return true
  const bucket =
    clampIndex(Math.floor(y / bucketSize), walls.bucketRows) * walls.bucketColumns +
    clampIndex(Math.floor(x / bucketSize), walls.bucketColumns)
  const { left, top, right, bottom, bucketItems } = walls
  const end = walls.bucketStart[bucket + 1] as number
  for (let item = walls.bucketStart[bucket] as number; item < end; item++) {
    const index = bucketItems[item] as number
    if (x >= (left[index] as number) && x < (right[index] as number)) {
      if (y >= (top[index] as number) && y < (bottom[index] as number)) return true
    }
  }
  return false
}

/**
 * Moves the agent from `(x, y)` by `(dx, dy)` and writes where it ends into `target[0]`,
 * `target[1]`; returns `target`. The start must be outside every wall.
 *
 * A move that enters no wall ends at `(x + dx, y + dy)` exactly. Otherwise the agent stops at the
 * first point where the segment touches a wall (both coordinates stop there: it does not slide
 * along the wall) and is pushed back off that wall along its normal by an offset drawn from `rng`
 * (see {@link wallPushback}); `rng` is drawn from only on contact. In the rare cases that the pushed
 * point would lie inside another wall (free gaps narrower than the offset), or that the end point
 * rounds onto a wall's face, the agent stays where it started, so it never ends inside a wall.
 *
 * @example
 * ```ts
 * const walls = compileWalls(thickWallsLayout)
 * const end = new Float64Array(2)
 * moveWithWalls(walls, 20, 30, 2, 1, rng, end) // end = [22, 31]: no wall on the way
 * moveWithWalls(walls, 30, 30, 2.4, 0, rng, end) // end[0] in (30.5, 30.95]: stopped by the wall at x = 31
 * ```
 */
export const moveWithWalls = (
  walls: CompiledWalls,
  x: number,
  y: number,
  dx: number,
  dy: number,
  rng: Random,
  target: Float64Array
): Float64Array => {
  const endX = x + dx
  const endY = y + dy
  const { left, top, right, bottom, bucketItems, bucketStart, bucketColumns, bucketRows } = walls
  // The buckets under the move's bounding box hold every wall it could touch.
  const column0 = clampIndex(Math.floor((dx < 0 ? endX : x) / bucketSize), bucketColumns)
  const column1 = clampIndex(Math.floor((dx < 0 ? x : endX) / bucketSize), bucketColumns)
  const row0 = clampIndex(Math.floor((dy < 0 ? endY : y) / bucketSize), bucketRows)
  const row1 = clampIndex(Math.floor((dy < 0 ? y : endY) / bucketSize), bucketRows)
  let contactTime = Number.POSITIVE_INFINITY
  let contactWall = -1
  let contactAlongX = false
  for (let row = row0; row <= row1; row++) {
    for (let column = column0; column <= column1; column++) {
      const bucket = row * bucketColumns + column
      const end = bucketStart[bucket + 1] as number
      for (let item = bucketStart[bucket] as number; item < end; item++) {
        const index = bucketItems[item] as number
        const x0 = left[index] as number
        const x1 = right[index] as number
        const y0 = top[index] as number
        const y1 = bottom[index] as number
        // Slab test on the half-open rectangle [x0, x1) x [y0, y1): the times at which the moving
        // point is inside each axis' slab; it enters the rectangle when it is inside both.
        let enterX: number
        let leaveX: number
        if (dx > 0) {
          if (x >= x1) continue
          enterX = (x0 - x) / dx
          leaveX = (x1 - x) / dx
        } else if (dx < 0) {
          if (x < x0) continue
          enterX = (x1 - x) / dx
          leaveX = (x0 - x) / dx
        } else {
          if (x < x0 || x >= x1) continue
          enterX = Number.NEGATIVE_INFINITY
          leaveX = Number.POSITIVE_INFINITY
        }
        let enterY: number
        let leaveY: number
        if (dy > 0) {
          if (y >= y1) continue
          enterY = (y0 - y) / dy
          leaveY = (y1 - y) / dy
        } else if (dy < 0) {
          if (y < y0) continue
          enterY = (y1 - y) / dy
          leaveY = (y0 - y) / dy
        } else {
          if (y < y0 || y >= y1) continue
          enterY = Number.NEGATIVE_INFINITY
          leaveY = Number.POSITIVE_INFINITY
        }
        const enter = Math.max(enterX, enterY)
        const leave = Math.min(leaveX, leaveY)
        // The start is outside every wall, so `enter >= 0`; `enter < leave` ignores segments
        // that only graze a corner.
        if (enter < leave && enter <= 1 && enter < contactTime) {
          contactTime = enter
          contactWall = index
          contactAlongX = enterX >= enterY
        }
      }
    }
  }
  if (contactWall < 0) {
    // The sum can round onto a wall's face that the slab times put just past the move's end (from
    // 56.55, a move of 2.45 ends at 59 exactly, the face of a wall there); the agent stays put.
    const roundedIntoWall = insideCompiledWall(walls, endX, endY)
    target[0] = roundedIntoWall ? x : endX
    target[1] = roundedIntoWall ? y : endY
    return target
  }
  const offset = rng.uniformIn(wallPushback.minimum, wallPushback.maximum)
  let stopX: number
  let stopY: number
  // The contact coordinate along the normal is the wall's face itself, not a rounded product.
  if (contactAlongX) {
    stopX = dx > 0 ? (left[contactWall] as number) - offset : (right[contactWall] as number) + offset
    stopY = y + contactTime * dy
  } else {
    stopX = x + contactTime * dx
    stopY = dy > 0 ? (top[contactWall] as number) - offset : (bottom[contactWall] as number) + offset
  }
  if (insideCompiledWall(walls, stopX, stopY)) {
    stopX = x
    stopY = y
  }
  target[0] = stopX
  target[1] = stopY
  return target
}
