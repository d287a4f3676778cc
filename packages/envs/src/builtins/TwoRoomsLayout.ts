/**
 * The geometry of PLDM's Two-Rooms, in arena pixels (x right, y down; pixel `(i, j)` covers
 * `[i, i + 1) x [j, j + 1)`, so a wall rectangle with integer corners covers whole pixels):
 *
 * - arena 64 x 64; border walls 5 px thick on every side, `[0, 5)` and `[59, 64)`, so the free
 *   space is `[5, 59)` on both axes (PLDM: one-pixel border lines at pixels 4 and 59, the same
 *   54 free pixels 5..58);
 * - the middle wall, 3 px wide, covers `x` in `[31, 34)`: pixel columns 31, 32 and 33, centred on
 *   column 32 exactly as PLDM draws it (PLDM centres pixel `i` at coordinate `i`, this arena at
 *   `i + 0.5`, so its coordinates are PLDM's plus half a pixel). The left room is `x` in `[5, 31)`
 *   (26 px), the right room `x` in `[34, 59)` (25 px);
 * - the door, centred on `y = 10` and spanning 4 px either way, is `y` in `[6, 14)`; above it a
 *   one-pixel stub of the middle wall (`y` in `[5, 6)`) joins the top border, below it the wall
 *   runs from `y = 14` to the bottom border.
 *
 * @module
 */
import type { Random } from "@telos/core"
import type { Rectangle, WallLayout } from "../physics/WallLayout.js"
import type { EpisodePlacement } from "./Navigation.js"
import type { ArenaPoint } from "./NavigationImage.js"

/**
 * The numbers of Two-Rooms (see the module comment for how they fit together).
 *
 * @example
 * ```ts
 * const { wallLeft, wallWidth } = twoRoomsGeometry // the middle wall covers [31, 34)
 * ```
 */
export const twoRoomsGeometry = {
  arenaSize: 64,
  borderThickness: 5,
  /** The middle wall's left face. */
  wallLeft: 31,
  wallWidth: 3,
  doorCentre: 10,
  doorHalfHeight: 4,
  /**
   * Starts and goals are drawn at least this far from every wall: PLDM's margin of two dot
   * standard deviations, so the dot never overlaps a wall in the first and last frames.
   */
  spawnMargin: 2.6,
  maxEpisodeSteps: 200,
  /**
   * Success when the mean squared per-coordinate error is below 1:
   * `((x - gx)^2 + (y - gy)^2) / 2 < 1`, i.e. squared distance below 2.
   */
  successSquaredDistance: 2
} as const

const { arenaSize, borderThickness, wallLeft, wallWidth, doorCentre, doorHalfHeight, spawnMargin } =
  twoRoomsGeometry

/** The free space on each axis: `[freeLow, freeHigh)`. */
const freeLow = borderThickness
const freeHigh = arenaSize - borderThickness
const wallRight = wallLeft + wallWidth
const doorTop = doorCentre - doorHalfHeight
const doorBottom = doorCentre + doorHalfHeight

/**
 * The walls of Two-Rooms: four borders and the middle wall in two pieces around the door.
 *
 * @example
 * ```ts
 * insideWall(twoRoomsLayout, 32, 10) // false: in the door
 * insideWall(twoRoomsLayout, 32, 30) // true
 * ```
 */
export const twoRoomsLayout: WallLayout = {
  width: arenaSize,
  height: arenaSize,
  walls: [
    { x: 0, y: 0, width: arenaSize, height: borderThickness },
    { x: 0, y: freeHigh, width: arenaSize, height: borderThickness },
    { x: 0, y: 0, width: borderThickness, height: arenaSize },
    { x: freeHigh, y: 0, width: borderThickness, height: arenaSize },
    { x: wallLeft, y: freeLow, width: wallWidth, height: doorTop - freeLow },
    { x: wallLeft, y: doorBottom, width: wallWidth, height: freeHigh - doorBottom }
  ]
}

/**
 * The rectangle `[5, 59)^2` that holds every free point.
 *
 * @example
 * ```ts
 * twoRoomsFreeBounds.width // 54
 * ```
 */
export const twoRoomsFreeBounds: Rectangle = {
  x: freeLow,
  y: freeLow,
  width: freeHigh - freeLow,
  height: freeHigh - freeLow
}

/**
 * Where a point of Two-Rooms is: the left room (`x < 31`), the right room (`x >= 34`), or the
 * door's passage through the middle wall.
 *
 * @example
 * ```ts
 * twoRoomsSide(20) // "left"
 * twoRoomsSide(32) // "door"
 * ```
 */
export const twoRoomsSide = (x: number): "left" | "door" | "right" =>
  x < wallLeft ? "left" : x >= wallRight ? "right" : "door"

const drawInRoom = (rng: Random, left: boolean): ArenaPoint => {
  const low = left ? freeLow : wallRight
  const high = left ? wallLeft : freeHigh
  return {
    x: rng.uniformIn(low + spawnMargin, high - spawnMargin),
    y: rng.uniformIn(freeLow + spawnMargin, freeHigh - spawnMargin)
  }
}

/**
 * Draws start and goal in opposite rooms, as PLDM does: which room holds the agent is a fair coin,
 * then each point is uniform over its room's free space at least `spawnMargin` from every wall.
 * A fixed start (reset option) decides the agent's room (left when `x < 32.5`, the middle of the
 * wall); a fixed goal replaces the drawn one. The same five draws happen either way.
 *
 * @example
 * ```ts
 * const { start, goal } = placeTwoRoomsEpisode(Random.fromSeed(0), { start: undefined, goal: undefined })
 * ```
 */
export const placeTwoRoomsEpisode = (
  rng: Random,
  fixed: { readonly start: ArenaPoint | undefined; readonly goal: ArenaPoint | undefined }
): EpisodePlacement => {
  const coinSaysLeft = rng.uniform() < 0.5
  const agentLeft = fixed.start === undefined ? coinSaysLeft : fixed.start.x < wallLeft + wallWidth / 2
  const start = drawInRoom(rng, agentLeft)
  const goal = drawInRoom(rng, !agentLeft)
  return { start: fixed.start ?? start, goal: fixed.goal ?? goal }
}
