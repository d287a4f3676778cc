/**
 * Top-down images of the navigation worlds drawn as wall rectangles (the mazes,
 * two-rooms-thick-walls, two-rooms-wind), in the style of PLDM's Two-Rooms: channel 0 shows the
 * agent as a Gaussian dot (std 1.3 arena pixels, peak 255), channel 1 the walls (255 inside a
 * wall). `two-rooms` draws PLDM's own picture instead (`twoRoomsImage`). The wall channel is drawn
 * once; each frame copies it and touches only the small patch of pixels around the dot, so
 * rendering costs microseconds and, given a target, allocates nothing.
 *
 * @module
 */
import { describeValue, InvalidValueError } from "@telos/core"
import type { ImageRenderer } from "../define/EnvDefinition.js"
import { insideWall, type WallLayout } from "../physics/WallLayout.js"

/**
 * The agent's dot: its standard deviation in arena pixels (PLDM's 1.3), scaled with the image.
 *
 * @example
 * ```ts
 * navigationDotStd // 1.3
 * ```
 */
export const navigationDotStd = 1.3

/**
 * A position in arena pixels.
 *
 * @example
 * ```ts
 * const point: ArenaPoint = { x: 20.5, y: 31 }
 * ```
 */
export interface ArenaPoint {
  readonly x: number
  readonly y: number
}

// Beyond this many standard deviations the dot's value times 255 is below 1 and truncates to 0:
// exp(-d^2 / 2) * 255 < 1 when d > sqrt(2 ln 255).
const dotReach = Math.sqrt(2 * Math.log(255))

/**
 * The buffer a renderer draws into: the caller's `target` when it has the image's `length`, else
 * a new one; a target of another length is an `InvalidValueError`.
 *
 * @example
 * ```ts
 * const pixels = renderTarget(target, 2 * 64 * 64)
 * ```
 */
export const renderTarget = (target: Uint8Array | undefined, length: number): Uint8Array => {
  const pixels = target ?? new Uint8Array(length)
  if (pixels.length !== length) {
    throw new InvalidValueError({
      field: "target",
      expected: `a Uint8Array of length ${length}`,
      received: `length ${pixels.length}`
    })
  }
  return pixels
}

/**
 * Draws a layout and a point as a square `[2, size, size]` image, `uint8`, channel-major.
 *
 * Geometry: the arena is scaled by `size / max(width, height)` and anchored at the top-left corner;
 * image pixel `(i, j)` covers arena points `[i, i + 1) x [j, j + 1)` divided by that scale, so at
 * scale 1 the pixel containing the agent is `(floor(x), floor(y))`. A pixel belongs to a wall
 * when its centre does (`insideWall`); pixels beyond a non-square arena count as wall. The dot's
 * value at a pixel is `floor(255 exp(-d^2 / (2 s^2)))`, with `d` the distance from the pixel's
 * centre to the agent and `s` the scaled std; PLDM truncates to `uint8` the same way.
 *
 * @example
 * ```ts
 * const image = navigationImage(thickWallsLayout, 64)
 * const pixels = image.render({ x: 20, y: 30 }) // Uint8Array(2 * 64 * 64)
 * image.render({ x: 21, y: 30 }, pixels) // redraws in place and returns `pixels`
 * ```
 */
export const navigationImage = (layout: WallLayout, size: number): ImageRenderer<ArenaPoint> => {
  if (!Number.isInteger(size) || size < 1) {
    throw new InvalidValueError({
      field: "imageSize",
      expected: "a positive integer",
      received: describeValue(size)
    })
  }
  const scale = size / Math.max(layout.width, layout.height)
  const plane = size * size
  const background = new Uint8Array(2 * plane)
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      if (insideWall(layout, (column + 0.5) / scale, (row + 0.5) / scale)) {
        background[plane + row * size + column] = 255
      }
    }
  }
  const std = navigationDotStd * scale
  const reach = dotReach * std
  const twoVariance = 2 * std * std
  // Per-axis Gaussian factors of the patch; the dot is separable, exp(-dx^2 - dy^2) = product.
  const patchLength = 2 * Math.ceil(reach) + 2
  const columnFactors = new Float64Array(patchLength)
  const rowFactors = new Float64Array(patchLength)
  const render = (point: ArenaPoint, target?: Uint8Array): Uint8Array => {
    const pixels = renderTarget(target, 2 * plane)
    pixels.set(background)
    const centreX = point.x * scale
    const centreY = point.y * scale
    // Pixels whose centre (index + 0.5) is within `reach` of the dot on both axes.
    const column0 = Math.max(0, Math.ceil(centreX - reach - 0.5))
    const column1 = Math.min(size - 1, Math.floor(centreX + reach - 0.5))
    const row0 = Math.max(0, Math.ceil(centreY - reach - 0.5))
    const row1 = Math.min(size - 1, Math.floor(centreY + reach - 0.5))
    for (let column = column0; column <= column1; column++) {
      const offset = column + 0.5 - centreX
      columnFactors[column - column0] = Math.exp(-(offset * offset) / twoVariance)
    }
    for (let row = row0; row <= row1; row++) {
      const offset = row + 0.5 - centreY
      rowFactors[row - row0] = Math.exp(-(offset * offset) / twoVariance)
    }
    for (let row = row0; row <= row1; row++) {
      const rowFactor = 255 * (rowFactors[row - row0] as number)
      const base = row * size
      for (let column = column0; column <= column1; column++) {
        // A Uint8Array store truncates, as PLDM's cast to uint8 does.
        pixels[base + column] = rowFactor * (columnFactors[column - column0] as number)
      }
    }
    return pixels
  }
  return { channels: 2, height: size, width: size, render }
}
