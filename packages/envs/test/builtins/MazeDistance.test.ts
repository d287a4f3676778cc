import { mazeDistance, mazeDistances, parseMazeMap } from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { thrownBy } from "../support.js"

describe("mazeDistances", () => {
  it("computes shortest paths in cells on a hand-made map", () => {
    const map = parseMazeMap(`
      #######
      #...#.#
      #.#.#.#
      #.#...#
      #######`)
    // Distances from the top-left free cell (row 1, column 1); -1 for walls.
    expect(Array.from(mazeDistances(map, { row: 1, column: 1 }))).toEqual([
      ...[-1, -1, -1, -1, -1, -1, -1],
      ...[-1, 0, 1, 2, -1, 8, -1],
      ...[-1, 1, -1, 3, -1, 7, -1],
      ...[-1, 2, -1, 4, 5, 6, -1],
      ...[-1, -1, -1, -1, -1, -1, -1]
    ])
    expect(mazeDistance(map, { row: 3, column: 1 }, { row: 1, column: 5 })).toBe(10)
    expect(mazeDistance(map, { row: 1, column: 5 }, { row: 3, column: 1 })).toBe(10)
  })

  it("reports unreachable cells and walls as -1 (Infinity for a single distance)", () => {
    const map = parseMazeMap("#####\n#.#.#\n#####")
    expect(mazeDistance(map, { row: 1, column: 1 }, { row: 1, column: 3 })).toBe(Number.POSITIVE_INFINITY)
    expect(Array.from(mazeDistances(map, { row: 0, column: 0 })).every((distance) => distance === -1)).toBe(
      true
    )
    expect(thrownBy(() => mazeDistances(map, { row: 3, column: 0 }))).toMatchObject({ field: "from" })
    expect(thrownBy(() => mazeDistance(map, { row: 1, column: 1 }, { row: 1, column: 1.5 }))).toMatchObject({
      field: "to"
    })
  })

  it("agrees with relaxing every edge until nothing changes, on random maps", () => {
    const maps = fc
      .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 2, max: 7 }))
      .chain(([rows, columns]) =>
        fc.array(fc.boolean(), { minLength: rows * columns, maxLength: rows * columns }).map((cells) =>
          Array.from({ length: rows }, (_, row) =>
            cells
              .slice(row * columns, (row + 1) * columns)
              .map((free, column) => (free || (row === 0 && column < 2) ? "." : "#"))
              .join("")
          ).join("\n")
        )
      )
    fc.assert(
      fc.property(maps, (text) => {
        const map = parseMazeMap(text)
        const { rows, columns, free } = map
        // Bellman-Ford style: slow, obviously right.
        const expected = new Array<number>(rows * columns).fill(Number.POSITIVE_INFINITY)
        expected[0] = 0
        for (let changed = true; changed; ) {
          changed = false
          for (let cell = 0; cell < rows * columns; cell++) {
            if (free[cell] !== 1) continue
            const row = Math.floor(cell / columns)
            const column = cell % columns
            for (const [r, c] of [
              [row - 1, column],
              [row + 1, column],
              [row, column - 1],
              [row, column + 1]
            ] as const) {
              if (r < 0 || c < 0 || r >= rows || c >= columns || free[r * columns + c] !== 1) continue
              const through = expected[r * columns + c]! + 1
              if (through < expected[cell]!) {
                expected[cell] = through
                changed = true
              }
            }
          }
        }
        const actual = Array.from(mazeDistances(map, { row: 0, column: 0 }), (distance) =>
          distance < 0 ? Number.POSITIVE_INFINITY : distance
        )
        expect(actual).toEqual(expected)
      })
    )
  })
})
