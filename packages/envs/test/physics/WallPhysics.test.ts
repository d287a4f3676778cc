import { Random } from "@telos/core"
import { insideWall, mazeLayouts, prepareMaze, type WallLayout } from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { thickWallsLayout } from "../../src/builtins/TwoRoomsThickWallsLayout.js"
import {
  compileWalls,
  insideCompiledWall,
  moveWithWalls,
  wallPushback
} from "../../src/physics/WallPhysics.js"
import { displacements, freePoints, segmentAvoidsWalls } from "../navigationSupport.js"

const thickWalls = compileWalls(thickWallsLayout)
const largeMaze = prepareMaze(mazeLayouts.large)
const largeMazeWalls = compileWalls(largeMaze.layout)

const move = (
  walls: ReturnType<typeof compileWalls>,
  x: number,
  y: number,
  dx: number,
  dy: number,
  seed = 0
): [number, number] => {
  const end = moveWithWalls(walls, x, y, dx, dy, Random.fromSeed(seed), new Float64Array(2))
  return [end[0]!, end[1]!]
}

describe("moveWithWalls", () => {
  it("moves exactly by the displacement when no wall is in the way", () => {
    expect(move(thickWalls, 20, 30, 2, -1.5)).toEqual([22, 28.5])
    expect(move(thickWalls, 28, 10, 2.45, 0.5)).toEqual([30.45, 10.5])
    // Through the door, from one room into the other.
    expect(move(thickWalls, 30, 10, 5, 1)).toEqual([35, 11])
  })

  it("stops at the first wall, pushed back along its normal by an offset in [0.05, 0.5)", () => {
    for (let seed = 0; seed < 50; seed++) {
      // Straight into the middle wall's left face at x = 31.
      const [x, y] = move(thickWalls, 30, 30, 2.4, 0, seed)
      expect(31 - x).toBeGreaterThanOrEqual(wallPushback.minimum)
      expect(31 - x).toBeLessThan(wallPushback.maximum)
      expect(y).toBe(30)
      // Diagonally into the bottom border at y = 59: both coordinates stop at the contact.
      const [bottomX, bottomY] = move(thickWalls, 20, 58, 2, 2, seed)
      expect(bottomX).toBe(21)
      expect(59 - bottomY).toBeGreaterThanOrEqual(wallPushback.minimum)
      expect(59 - bottomY).toBeLessThan(wallPushback.maximum)
      // Into the right face at x = 34 from the right room: the face itself is free, the wall is left of it.
      const [rightX] = move(thickWalls, 35, 30, -2, 0, seed)
      expect(rightX - 34).toBeGreaterThanOrEqual(wallPushback.minimum)
    }
  })

  it("writes into the target it is given and returns it", () => {
    const target = new Float64Array(2)
    expect(moveWithWalls(thickWalls, 20, 20, 1, 1, Random.fromSeed(0), target)).toBe(target)
    expect(Array.from(target)).toEqual([21, 21])
  })

  it("draws from the random stream only on contact", () => {
    const rng = Random.fromSeed(9)
    moveWithWalls(thickWalls, 20, 20, 1, 1, rng, new Float64Array(2))
    expect(rng.uniform()).toBe(Random.fromSeed(9).uniform())
  })

  it("does not tunnel through a wall, however long the move", () => {
    // 10-px moves across the 3-px middle wall, below the door: always stopped on the left.
    fc.assert(
      fc.property(
        fc.double({ min: 25, max: 30.9, noNaN: true }),
        fc.double({ min: 16, max: 56, noNaN: true }),
        fc.double({ min: 4, max: 10, noNaN: true }),
        fc.integer(),
        (x, y, length, seed) => {
          const [endX] = move(thickWalls, x, y, length, 0, seed)
          expect(endX).toBeLessThan(31)
        }
      )
    )
  })

  it("never ends inside a wall, and the straight path to where it ends crosses none", () => {
    // The path travelled is free; the straight line to the pushed-back end strays at most the
    // push-back (0.5 px) from it.
    const layouts: ReadonlyArray<readonly [WallLayout, ReturnType<typeof compileWalls>, number, number]> = [
      [thickWallsLayout, thickWalls, 5, 59],
      [largeMaze.layout, largeMazeWalls, 8, 104]
    ]
    for (const [layout, walls, low, high] of layouts) {
      fc.assert(
        fc.property(
          freePoints(layout, low, high),
          displacements(12),
          fc.integer(),
          ([x, y], [dx, dy], seed) => {
            const [endX, endY] = move(walls, x, y, dx, dy, seed)
            expect(insideWall(layout, endX, endY)).toBe(false)
            expect(segmentAvoidsWalls(layout, x, y, endX, endY, wallPushback.maximum)).toBe(true)
          }
        ),
        { numRuns: 300 }
      )
    }
  })

  it("stays put when the end point rounds onto a wall's face", () => {
    // 56.55 + 2.45 is 59 exactly in floating point, the bottom wall's face, although the slab
    // times put the face just past the move's end (found by the two-rooms property test).
    const [endX, endY] = move(thickWalls, 7.45, 56.55, 7.4e-323, 2.45)
    expect(insideWall(thickWallsLayout, endX, endY)).toBe(false)
    expect([endX, endY]).toEqual([7.45, 56.55])
  })

  it("keeps the agent inside an arena without border walls", () => {
    const open = compileWalls({ width: 20, height: 10, walls: [] })
    fc.assert(
      fc.property(
        freePoints({ width: 20, height: 10, walls: [] }, 0, 10),
        displacements(30),
        ([x, y], [dx, dy]) => {
          const [endX, endY] = move(open, x, y, dx, dy)
          expect(endX).toBeGreaterThanOrEqual(0)
          expect(endX).toBeLessThan(20)
          expect(endY).toBeGreaterThanOrEqual(0)
          expect(endY).toBeLessThan(10)
        }
      )
    )
  })

  it("gives the same end for the same random stream", () => {
    fc.assert(
      fc.property(
        freePoints(thickWallsLayout, 5, 59),
        displacements(2.45),
        fc.integer(),
        ([x, y], [dx, dy], seed) => {
          expect(move(thickWalls, x, y, dx, dy, seed)).toEqual(move(thickWalls, x, y, dx, dy, seed))
        }
      )
    )
  })
})

describe("insideCompiledWall", () => {
  it("agrees with insideWall inside the arena", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 64, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 64, maxExcluded: true, noNaN: true }),
        (x, y) => {
          expect(insideCompiledWall(thickWalls, x, y)).toBe(insideWall(thickWallsLayout, x, y))
        }
      ),
      { numRuns: 500 }
    )
    expect(insideCompiledWall(thickWalls, -0.1, 30)).toBe(true)
    expect(insideCompiledWall(thickWalls, 64, 30)).toBe(true)
  })
})
