/**
 * The geometry of `two-rooms-thick-walls` (and `two-rooms-wind`): Two-Rooms drawn as wall
 * rectangles, in arena pixels (x right, y down; pixel `(i, j)` covers `[i, i + 1) x [j, j + 1)`,
 * so a wall rectangle with integer corners covers whole pixels, and pixel centres sit at
 * `i + 0.5`, half a pixel off PLDM's coordinates):
 *
 * - arena 64 x 64; border walls 5 px thick on every side, `[0, 5)` and `[59, 64)`, so the free
 *   space is `[5, 59)` on both axes;
 * - the middle wall, 3 px wide, covers `x` in `[31, 34)`: pixel columns 31, 32 and 33. The left
 *   room is `x` in `[5, 31)` (26 px), the right room `x` in `[34, 59)` (25 px);
 * - the door, centred on `y = 10` and spanning 4 px either way, is `y` in `[6, 14)` (rows 6 to
 *   13); above it a one-pixel stub of the middle wall (`y` in `[5, 6)`) joins the top border,
 *   below it the wall runs from `y = 14` to the bottom border.
 *
 * In PLDM's coordinates the walls are solid half a pixel before PLDM's lines: see `TwoRoomsLayout`
 * for the geometry of `two-rooms`, which is PLDM's.
 *
 * @module
 */
import type { Random } from "@telos/core"
import type { Rectangle, WallLayout } from "../physics/WallLayout.js"
import type { EpisodePlacement } from "./Navigation.js"
import type { ArenaPoint } from "./NavigationImage.js"

/**
 * The numbers of the thick-walled Two-Rooms (see the module comment for how they fit together).
 *
 * @example
 * ```ts
 * const { wallLeft, wallWidth } = thickWallsGeometry // the middle wall covers [31, 34)
 * ```
 */
export const thickWallsGeometry = {
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
  thickWallsGeometry

/** The free space on each axis: `[freeLow, freeHigh)`. */
const freeLow = borderThickness
const freeHigh = arenaSize - borderThickness
const wallRight = wallLeft + wallWidth
const doorTop = doorCentre - doorHalfHeight
const doorBottom = doorCentre + doorHalfHeight

/**
 * The walls of the thick-walled Two-Rooms: four borders and the middle wall in two pieces around
 * the door.
 *
 * @example
 * ```ts
 * insideWall(thickWallsLayout, 32, 10) // false: in the door
 * insideWall(thickWallsLayout, 32, 30) // true
 * ```
 */
export const thickWallsLayout: WallLayout = {
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
 * The rectangle `[5, 59)^2` that holds every free point of the thick-walled Two-Rooms.
 *
 * @example
 * ```ts
 * thickWallsFreeBounds.width // 54
 * ```
 */
export const thickWallsFreeBounds: Rectangle = {
  x: freeLow,
  y: freeLow,
  width: freeHigh - freeLow,
  height: freeHigh - freeLow
}

/**
 * Where a point of the thick-walled Two-Rooms is: the left room (`x < 31`), the right room
 * (`x >= 34`), or the door's passage through the middle wall.
 *
 * @example
 * ```ts
 * thickWallsSide(20) // "left"
 * thickWallsSide(32) // "door"
 * ```
 */
export const thickWallsSide = (x: number): "left" | "door" | "right" =>
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
 * Draws start and goal of the thick-walled Two-Rooms in opposite rooms: which room holds the agent
 * is a fair coin, then each point is uniform over its room's free space at least `spawnMargin`
 * from every wall. A fixed start (reset option) decides the agent's room (left when `x < 32.5`,
 * the middle of the wall); a fixed goal replaces the drawn one. The same five draws happen either
 * way.
 *
 * @example
 * ```ts
 * const { start, goal } = placeThickWallsEpisode(Random.fromSeed(0), { start: undefined, goal: undefined })
 * ```
 */
export const placeThickWallsEpisode = (
  rng: Random,
  fixed: { readonly start: ArenaPoint | undefined; readonly goal: ArenaPoint | undefined }
): EpisodePlacement => {
  const coinSaysLeft = rng.uniform() < 0.5
  const agentLeft = fixed.start === undefined ? coinSaysLeft : fixed.start.x < wallLeft + wallWidth / 2
  const start = drawInRoom(rng, agentLeft)
  const goal = drawInRoom(rng, !agentLeft)
  return { start: fixed.start ?? start, goal: fixed.goal ?? goal }
}
