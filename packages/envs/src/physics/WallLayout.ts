/**
 * Walled arenas, the geometry shared by the navigation worlds (the mazes, two-rooms-thick-walls,
 * two-rooms-wind; `two-rooms` uses a layout only for its SVG picture): a rectangle of free space in
 * pixel units with axis-aligned wall rectangles inside it. `x` grows to the right,
 * `y` downwards, as in images; a rectangle covers `[x, x + width) x [y, y + height)`.
 *
 * @module
 */

/** An axis-aligned rectangle in pixel units. */
export interface Rectangle {
  /** The left edge. */
  readonly x: number
  /** The top edge (`y` grows downwards). */
  readonly y: number
  /** Width in pixels. */
  readonly width: number
  /** Height in pixels. */
  readonly height: number
}

/** An arena of `width x height` pixels and the walls inside it. */
export interface WallLayout {
  /** The arena's width in pixels. */
  readonly width: number
  /** The arena's height in pixels. */
  readonly height: number
  /** The wall rectangles. */
  readonly walls: ReadonlyArray<Rectangle>
}

/**
 * Whether the point `(x, y)` lies inside a wall (or outside the arena).
 *
 * @example
 * ```ts
 * insideWall({ width: 64, height: 64, walls: [{ x: 32, y: 0, width: 3, height: 64 }] }, 33, 10) // true
 * ```
 */
export const insideWall = (layout: WallLayout, x: number, y: number): boolean => {
  if (!(x >= 0 && x <= layout.width && y >= 0 && y <= layout.height)) return true
  for (const wall of layout.walls) {
    if (x >= wall.x && x < wall.x + wall.width && y >= wall.y && y < wall.y + wall.height) return true
  }
  return false
}
