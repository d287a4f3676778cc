/**
 * The geometry of `two-rooms`: PLDM's `DotWall` at its defaults (64 x 64 image, border walls at 5,
 * wall centred on x = 32 and 3 px wide, door centred on y = 10 with half-span 4), in PLDM's
 * coordinates: `x` is the image column and `y` the row (y grows downwards), and the centre of
 * pixel `(row r, column c)` is the point `(x, y) = (c, r)`.
 *
 * - The borders are the lines `x = 4`, `x = 59`, `y = 4` and `y = 59`: the free space lies inside
 *   the open square `(4, 59)^2`.
 * - The middle wall is the band `31 <= x <= 33`: its faces, the lines `x = 31` and `x = 33`, stop
 *   the agent except where it crosses them at a height in the door, `6 <= y <= 14` (inclusive at
 *   both ends). The door's passage is the closed box `[31, 33] x [6, 14]`; inside it the door's
 *   edges `y = 6` and `y = 14` stop the agent.
 * - Positions are float32 numbers, as PLDM's tensors are: a move without contact ends on the
 *   float32 sum of position and action.
 *
 * The move rule is in `TwoRoomsPhysics`, the ground-truth model in `TwoRoomsModel`.
 *
 * @module
 */
import { describeValue, InvalidValueError, type Random } from "@telos/core"
import type { Doorway, ImageRenderer } from "../define/EnvDefinition.js"
import type { Rectangle, WallLayout } from "../physics/WallLayout.js"
import type { EpisodePlacement } from "./Navigation.js"
import { type ArenaPoint, navigationDotStd, renderTarget } from "./NavigationImage.js"

/**
 * The numbers of `two-rooms` (see the module comment for how they fit together).
 *
 * @example
 * ```ts
 * const { wallLeft, wallRight } = twoRoomsGeometry // the faces x = 31 and x = 33
 * ```
 */
export const twoRoomsGeometry = {
  /** The image side, and the arena's: PLDM's `img_size`. */
  arenaSize: 64,
  /** The low border line, `x = 4` and `y = 4` (PLDM: `border_wall_loc - 1`). */
  borderLow: 4,
  /** The high border line, `x = 59` and `y = 59` (PLDM: `img_size - border_wall_loc`). */
  borderHigh: 59,
  /** The middle wall's left face. */
  wallLeft: 31,
  /** The middle wall's right face. */
  wallRight: 33,
  /** The middle wall's centre: a move from `x < 32` is judged against the left room's lines. */
  wallCentre: 32,
  /** The door's lower edge in `y` (towards the top of the image). */
  doorLow: 6,
  /** The door's upper edge in `y` (towards the bottom of the image). */
  doorHigh: 14,
  /**
   * Starts and goals are drawn at least this far inside their room: PLDM's `padding`, two dot
   * standard deviations, so the dot never overlaps a wall in the first and last frames.
   */
  spawnMargin: 2.6,
  /** PLDM's evaluation runs 200 steps. */
  maxEpisodeSteps: 200,
  /**
   * Success when the mean squared per-coordinate error is below 1, PLDM's `done` and its
   * evaluator's threshold: `((x - gx)^2 + (y - gy)^2) / 2 < 1`, i.e. squared distance below 2.
   */
  successSquaredDistance: 2
} as const

const { arenaSize, borderLow, borderHigh, wallLeft, wallRight, wallCentre, doorLow, doorHigh, spawnMargin } =
  twoRoomsGeometry

/**
 * Whether `(x, y)` is blocked in `two-rooms`: on or beyond a border line, or in the middle wall's
 * band outside the door's rows. The faces inside the door's span are free. NaN is blocked.
 *
 * @example
 * ```ts
 * insideTwoRoomsWall(31, 10) // false: on the face, inside the door's span
 * insideTwoRoomsWall(32, 15) // true
 * insideTwoRoomsWall(4, 30) // true: on the border line
 * ```
 */
export const insideTwoRoomsWall = (x: number, y: number): boolean =>
  !(x > borderLow && x < borderHigh && y > borderLow && y < borderHigh) ||
  (x >= wallLeft && x <= wallRight && (y < doorLow || y > doorHigh))

/**
 * Whether pixel `(row, column)` of the 64 x 64 wall channel is lit, as PLDM draws it: the border
 * lines (rows and columns 4 and 59, full length) and the middle wall's columns 31 to 33 on every
 * row outside the door's rows 6 to 14, beyond the borders too. Pixels outside the border lines are
 * dark otherwise. 411 pixels in all.
 *
 * @example
 * ```ts
 * twoRoomsWallPixel(0, 32) // true: the middle wall runs to the image's edge
 * twoRoomsWallPixel(14, 32) // false: the door's last row
 * ```
 */
export const twoRoomsWallPixel = (row: number, column: number): boolean =>
  (column >= wallLeft && column <= wallRight && (row < doorLow || row > doorHigh)) ||
  column === borderLow ||
  column === borderHigh ||
  row === borderLow ||
  row === borderHigh

/**
 * The lit pixels of the wall channel as rectangles in PLDM's coordinates (pixel `c` covers
 * `[c - 0.5, c + 0.5)`), for pictures. Collision does not read it: the walls that stop the agent
 * are the lines of {@link insideTwoRoomsWall}, which run through these pixels' centres.
 *
 * @example
 * ```ts
 * twoRoomsLayout.walls.length // 6: four border lines, the middle wall above and below the door
 * ```
 */
export const twoRoomsLayout: WallLayout = {
  width: arenaSize,
  height: arenaSize,
  walls: [
    { x: -0.5, y: borderLow - 0.5, width: arenaSize, height: 1 },
    { x: -0.5, y: borderHigh - 0.5, width: arenaSize, height: 1 },
    { x: borderLow - 0.5, y: -0.5, width: 1, height: arenaSize },
    { x: borderHigh - 0.5, y: -0.5, width: 1, height: arenaSize },
    { x: wallLeft - 0.5, y: -0.5, width: wallRight - wallLeft + 1, height: doorLow },
    {
      x: wallLeft - 0.5,
      y: doorHigh + 0.5,
      width: wallRight - wallLeft + 1,
      height: arenaSize - doorHigh - 1
    }
  ]
}

/**
 * The door as a doorway for exploration (`doorwayWalkPolicy`): aims drawn across the wall's band
 * (x 31-33) and over the door's middle rows, 2 px clear of its edges at y 6 and 14 (PLDM's
 * `expert_traj_door_padding`), crossed along x.
 *
 * @example
 * ```ts
 * twoRoomsDoor.centre // [32, 10]
 * ```
 */
export const twoRoomsDoor: Doorway = {
  centre: [wallCentre, (doorLow + doorHigh) / 2],
  halfExtent: [(wallRight - wallLeft) / 2, (doorHigh - doorLow) / 2 - 2],
  axis: [1, 0]
}

/**
 * The square `[4, 59]^2` that holds every free point: the box of state observations.
 *
 * @example
 * ```ts
 * twoRoomsFreeBounds.width // 55
 * ```
 */
export const twoRoomsFreeBounds: Rectangle = {
  x: borderLow,
  y: borderLow,
  width: borderHigh - borderLow,
  height: borderHigh - borderLow
}

/**
 * Where a point of `two-rooms` is: the left room (`x < 31`), the right room (`x > 33`), or the
 * door's passage through the middle wall (`31 <= x <= 33`).
 *
 * @example
 * ```ts
 * twoRoomsSide(20) // "left"
 * twoRoomsSide(33) // "door"
 * ```
 */
export const twoRoomsSide = (x: number): "left" | "door" | "right" =>
  x < wallLeft ? "left" : x > wallRight ? "right" : "door"

const float32Point = (point: ArenaPoint): ArenaPoint => ({ x: Math.fround(point.x), y: Math.fround(point.y) })

/**
 * Draws start and goal as PLDM's `DotWall` does at its "medium" level (the one its evaluation
 * uses): an `x` uniform in the left room's `[6.6, 28.4]`, an `x` uniform in the right room's
 * `[35.6, 56.4]`, the start's `y` and the goal's `y`, each uniform in `[6.6, 56.4]` (every range
 * `spawnMargin` inside the room), then a fair coin for the room of the agent; the goal takes the
 * other room's `x`. A fixed start (reset option) decides the agent's room instead (left when
 * `x < 32`, PLDM's side rule); a fixed goal replaces the drawn one. The same five draws happen
 * either way. Every coordinate is rounded to float32.
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
  const leftX = rng.uniformIn(borderLow + spawnMargin, wallLeft - spawnMargin)
  const rightX = rng.uniformIn(wallRight + spawnMargin, borderHigh - spawnMargin)
  const startY = rng.uniformIn(borderLow + spawnMargin, borderHigh - spawnMargin)
  const goalY = rng.uniformIn(borderLow + spawnMargin, borderHigh - spawnMargin)
  const coinSaysLeft = rng.uniform() >= 0.5
  const agentLeft = fixed.start === undefined ? coinSaysLeft : fixed.start.x < wallCentre
  return {
    start: float32Point(fixed.start ?? { x: agentLeft ? leftX : rightX, y: startY }),
    goal: float32Point(fixed.goal ?? { x: agentLeft ? rightX : leftX, y: goalY })
  }
}

// Beyond this distance the dot's value, 255 exp(-d^2 / (2 std^2)), is at most 255/256 and
// truncates to 0.
const dotReach = Math.sqrt(2 * navigationDotStd ** 2 * Math.log(256))

/**
 * Draws `two-rooms` as PLDM does: a `[2, size, size]` `uint8` image, channel-major. Channel 0 is
 * the dot, `uint8(255 exp(-d^2 / (2 * 1.3^2)))` (truncated) with `d` the distance from the pixel's
 * centre to the agent; channel 1 the walls of {@link twoRoomsWallPixel}. At size 64 this is PLDM's
 * frame pixel for pixel. Another size draws the same 64-px arena scaled: image pixel `i` is
 * centred at arena coordinate `(i + 0.5) * 64 / size - 0.5` and shows the wall pixel under that
 * point.
 *
 * @example
 * ```ts
 * const image = twoRoomsImage(64)
 * const pixels = image.render({ x: 20, y: 30 }) // pixels[30 * 64 + 20] === 255
 * image.render({ x: 21, y: 30 }, pixels) // redraws in place and returns `pixels`
 * ```
 */
export const twoRoomsImage = (size: number): ImageRenderer<ArenaPoint> => {
  if (!Number.isInteger(size) || size < 1) {
    throw new InvalidValueError({
      field: "imageSize",
      expected: "a positive integer",
      received: describeValue(size)
    })
  }
  const scale = size / arenaSize
  const plane = size * size
  const arenaCoordinate = (index: number): number => (index + 0.5) / scale - 0.5
  const background = new Uint8Array(2 * plane)
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      const arenaRow = Math.floor((row + 0.5) / scale)
      const arenaColumn = Math.floor((column + 0.5) / scale)
      if (twoRoomsWallPixel(arenaRow, arenaColumn)) background[plane + row * size + column] = 255
    }
  }
  const twoVariance = 2 * navigationDotStd ** 2
  // The image indices whose centre lies within `dotReach` of `centre`, on one axis.
  const firstIndex = (centre: number): number =>
    Math.max(0, Math.ceil((centre - dotReach + 0.5) * scale - 0.5))
  const lastIndex = (centre: number): number =>
    Math.min(size - 1, Math.floor((centre + dotReach + 0.5) * scale - 0.5))
  const render = (point: ArenaPoint, target?: Uint8Array): Uint8Array => {
    const pixels = renderTarget(target, 2 * plane)
    pixels.set(background)
    const row1 = lastIndex(point.y)
    const column0 = firstIndex(point.x)
    const column1 = lastIndex(point.x)
    for (let row = firstIndex(point.y); row <= row1; row++) {
      const offsetY = arenaCoordinate(row) - point.y
      const base = row * size
      for (let column = column0; column <= column1; column++) {
        const offsetX = arenaCoordinate(column) - point.x
        // A Uint8Array store truncates, as PLDM's cast to uint8 does.
        pixels[base + column] = 255 * Math.exp(-(offsetX * offsetX + offsetY * offsetY) / twoVariance)
      }
    }
    return pixels
  }
  return { channels: 2, height: size, width: size, render }
}
