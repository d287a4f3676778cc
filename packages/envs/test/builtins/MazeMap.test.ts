import { InvalidValueError } from "@telos/core"
import { insideWall, MazeMapError, mazeLayouts, mazeWallLayout, parseMazeMap } from "@telos/envs"
import { describe, expect, it } from "vitest"
import { thrownBy } from "../support.js"

describe("parseMazeMap", () => {
  it("reads an indented map, ignoring blank lines around it", () => {
    const map = parseMazeMap(`
      #####
      #.#.#
      #...#
      #####
    `)
    expect(map).toMatchObject({ rows: 4, columns: 5 })
    expect(Array.from(map.free.subarray(5, 15))).toEqual([0, 1, 0, 1, 0, 0, 1, 1, 1, 0])
    expect(parseMazeMap("##\r\n..\r\n").rows).toBe(2)
  })

  it("names the line and column of a bad character, counted in the text as given", () => {
    const error = thrownBy(() => parseMazeMap("\n  #####\n  #.x.#\n  #####"))
    expect(error).toBeInstanceOf(MazeMapError)
    expect(error).toBeInstanceOf(InvalidValueError)
    expect(error).toMatchObject({
      _tag: "InvalidValueError",
      line: 3,
      column: 5,
      field: "map line 3, column 5",
      received: '"x"'
    })
    expect((error as MazeMapError).message).toContain("map line 3, column 5")
    expect(thrownBy(() => parseMazeMap("#. #"))).toMatchObject({ line: 1, column: 3, received: '" "' })
  })

  it("names a row of the wrong length and a blank row inside the map", () => {
    expect(thrownBy(() => parseMazeMap("####\n#..#\n#..\n####"))).toMatchObject({
      line: 3,
      column: 4,
      expected: "4 cells, as on line 1",
      received: "3 cells"
    })
    expect(thrownBy(() => parseMazeMap("####\n#..##\n####"))).toMatchObject({ line: 2, column: 5 })
    expect(thrownBy(() => parseMazeMap("####\n\n#..#"))).toMatchObject({
      line: 2,
      column: 1,
      received: "a blank line"
    })
  })

  it("refuses an empty map and one with fewer than two free cells", () => {
    expect(thrownBy(() => parseMazeMap("  \n "))).toMatchObject({ _tag: "InvalidValueError", field: "map" })
    expect(thrownBy(() => parseMazeMap("###\n#.#\n###"))).toMatchObject({ field: "map" })
    expect(thrownBy(() => parseMazeMap(42 as never))).toMatchObject({ field: "map" })
  })
})

describe("mazeWallLayout", () => {
  it("covers exactly the wall cells, with few rectangles", () => {
    for (const spec of Object.values(mazeLayouts)) {
      const map = parseMazeMap(spec.map)
      const layout = mazeWallLayout(map, 8)
      expect(layout).toMatchObject({ width: map.columns * 8, height: map.rows * 8 })
      for (let row = 0; row < map.rows; row++) {
        for (let column = 0; column < map.columns; column++) {
          for (const [dx, dy] of [
            [0.5, 0.5],
            [4, 4],
            [7.99, 7.99]
          ] as const) {
            expect(insideWall(layout, column * 8 + dx, row * 8 + dy)).toBe(
              map.free[row * map.columns + column] === 0
            )
          }
        }
      }
      const wallCells = map.free.reduce((count, free) => count + (1 - free), 0)
      expect(layout.walls.length).toBeLessThan(wallCells / 2)
    }
  })
})
