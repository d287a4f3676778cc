/**
 * Helpers shared by the tests of the navigation worlds (wall physics, two-rooms, mazes).
 *
 * @module
 */
import { insideWall, type WallLayout } from "@telos/envs"
import * as fc from "fast-check"

/**
 * Whether the straight segment from `(x0, y0)` to `(x1, y1)` keeps out of every wall shrunk by
 * `tolerance` on each side, checked at steps of at most 0.01 px: finer than any wall, so a
 * crossing cannot slip between. A tolerance of 0.5 allows for the push-back off a wall, which
 * moves the end of a blocked move at most that far off the path it travelled.
 *
 * @example
 * ```ts
 * expect(segmentAvoidsWalls(thickWallsLayout, 20, 30, 40, 30, 0)).toBe(false)
 * ```
 */
export const segmentAvoidsWalls = (
  layout: WallLayout,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  tolerance: number
): boolean => {
  const samples = Math.max(2, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 0.01))
  for (let sample = 0; sample <= samples; sample++) {
    const t = sample / samples
    const x = x0 + t * (x1 - x0)
    const y = y0 + t * (y1 - y0)
    for (const wall of layout.walls) {
      const insideX = x >= wall.x + tolerance && x < wall.x + wall.width - tolerance
      if (insideX && y >= wall.y + tolerance && y < wall.y + wall.height - tolerance) return false
    }
  }
  return true
}

/**
 * Points of the arena `[low, high)^2` outside every wall of `layout`.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(freePoints(thickWallsLayout, 5, 59), ([x, y]) => !insideWall(thickWallsLayout, x, y)))
 * ```
 */
export const freePoints = (layout: WallLayout, low: number, high: number): fc.Arbitrary<[number, number]> =>
  fc
    .tuple(
      fc.double({ min: low, max: high, maxExcluded: true, noNaN: true }),
      fc.double({ min: low, max: high, maxExcluded: true, noNaN: true })
    )
    .filter(([x, y]) => !insideWall(layout, x, y))

/**
 * Displacements in `[-bound, bound]^2` that hit the extremes often, so that walls get hit.
 *
 * @example
 * ```ts
 * fc.sample(displacements(2.45), 3) // e.g. [[2.45, -0.3], [-2.45, -2.45], [1.1, 0.7]]
 * ```
 */
export const displacements = (bound: number): fc.Arbitrary<[number, number]> => {
  const component = fc.oneof(
    fc.double({ min: -bound, max: bound, noNaN: true }),
    fc.constantFrom(-bound, bound, 0)
  )
  return fc.tuple(component, component)
}
