import { InvalidValueError } from "@telos/core"
import { insideWall, mazeLayouts, prepareMaze } from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { navigationDotStd, navigationImage } from "../../src/builtins/NavigationImage.js"
import { thickWallsLayout } from "../../src/builtins/TwoRoomsThickWallsLayout.js"
import { freePoints } from "../navigationSupport.js"
import { thrownBy } from "../support.js"

const peakOf = (pixels: Uint8Array, size: number): { value: number; indices: Array<number> } => {
  let value = 0
  for (let index = 0; index < size * size; index++) value = Math.max(value, pixels[index]!)
  const indices: Array<number> = []
  for (let index = 0; index < size * size; index++) if (pixels[index] === value) indices.push(index)
  return { value, indices }
}

describe("navigationImage", () => {
  it("draws the dot's peak at the pixel that holds the agent", () => {
    for (const size of [64, 32, 100]) {
      const image = navigationImage(thickWallsLayout, size)
      const scale = size / 64
      fc.assert(
        fc.property(freePoints(thickWallsLayout, 5, 59), ([x, y]) => {
          const pixels = image.render({ x, y })
          const { value, indices } = peakOf(pixels, size)
          const agentPixel = Math.floor(y * scale) * size + Math.floor(x * scale)
          expect(indices).toContain(agentPixel)
          expect(value).toBeGreaterThan(0)
        }),
        { numRuns: 100 }
      )
    }
  })

  it("draws PLDM's Gaussian: 255 exp(-d^2 / (2 * 1.3^2)), truncated", () => {
    const image = navigationImage(thickWallsLayout, 64)
    const pixels = image.render({ x: 20.5, y: 30.5 })
    expect(pixels[30 * 64 + 20]).toBe(255)
    for (const [column, row] of [
      [21, 30],
      [22, 31],
      [17, 28],
      [24, 30]
    ] as const) {
      const squared = (column + 0.5 - 20.5) ** 2 + (row + 0.5 - 30.5) ** 2
      expect(pixels[row * 64 + column]).toBe(
        Math.floor(255 * Math.exp(-squared / (2 * navigationDotStd ** 2)))
      )
    }
    // Five pixels away the dot has faded below one level.
    expect(pixels[30 * 64 + 25]).toBe(0)
  })

  it("shows the walls where insideWall holds at the pixel centres", () => {
    const large = prepareMaze(mazeLayouts.large)
    for (const [layout, size] of [
      [thickWallsLayout, 64],
      [thickWallsLayout, 48],
      [large.layout, 64],
      [large.layout, 112]
    ] as const) {
      const image = navigationImage(layout, size)
      const pixels = image.render({ x: 20, y: 20 })
      const scale = size / Math.max(layout.width, layout.height)
      for (let row = 0; row < size; row++) {
        for (let column = 0; column < size; column++) {
          const wall = insideWall(layout, (column + 0.5) / scale, (row + 0.5) / scale)
          expect(pixels[size * size + row * size + column]).toBe(wall ? 255 : 0)
        }
      }
    }
    // The thick-walled Two-Rooms at size 64: the middle wall is columns 31 to 33, the door rows 6 to 13.
    const pixels = navigationImage(thickWallsLayout, 64).render({ x: 10, y: 10 })
    const wallAt = (column: number, row: number): number => pixels[64 * 64 + row * 64 + column]!
    expect([30, 31, 32, 33, 34].map((column) => wallAt(column, 30))).toEqual([0, 255, 255, 255, 0])
    expect([5, 6, 13, 14].map((row) => wallAt(32, row))).toEqual([255, 0, 0, 255])
    expect([4, 5, 58, 59].map((row) => wallAt(20, row))).toEqual([255, 0, 0, 255])
  })

  it("redraws into a given target without allocating, erasing the previous dot", () => {
    const image = navigationImage(thickWallsLayout, 64)
    const target = new Uint8Array(2 * 64 * 64)
    expect(image.render({ x: 10, y: 10 }, target)).toBe(target)
    expect(image.render({ x: 40, y: 40 }, target)).toBe(target)
    expect(target).toEqual(image.render({ x: 40, y: 40 }))
    expect(target[10 * 64 + 10]).toBe(0)
    expect(image).toMatchObject({ channels: 2, height: 64, width: 64 })
  })

  it("rejects a target of the wrong length and a bad size", () => {
    const image = navigationImage(thickWallsLayout, 32)
    expect(thrownBy(() => image.render({ x: 10, y: 10 }, new Uint8Array(10)))).toMatchObject({
      _tag: "InvalidValueError",
      field: "target"
    })
    expect(thrownBy(() => navigationImage(thickWallsLayout, 0))).toBeInstanceOf(InvalidValueError)
  })
})
