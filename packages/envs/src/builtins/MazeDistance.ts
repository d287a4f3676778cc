/**
 * Shortest-path distances on a maze map, in cells: breadth-first search over free cells, moving
 * between the four side neighbours. The mazes use them to draw start and goal far apart along the
 * path (not as the crow flies) and to size their step budgets.
 *
 * @module
 */
import { describeValue, InvalidValueError } from "@telos/core"
import type { MazeMap } from "./MazeMap.js"

/**
 * A cell of a maze map, counted from 0 at the top-left.
 *
 * @example
 * ```ts
 * const cell: MazeCell = { row: 1, column: 3 }
 * ```
 */
export interface MazeCell {
  /** The row, from 0 at the top. */
  readonly row: number
  /** The column, from 0 at the left. */
  readonly column: number
}

const checkCell = (map: MazeMap, cell: MazeCell, field: string): number => {
  const { row, column } = cell
  if (
    !Number.isInteger(row) ||
    !Number.isInteger(column) ||
    row < 0 ||
    column < 0 ||
    row >= map.rows ||
    column >= map.columns
  ) {
    throw new InvalidValueError({
      field,
      expected: `a cell with row in [0, ${map.rows - 1}] and column in [0, ${map.columns - 1}]`,
      received: `{ row: ${describeValue(row)}, column: ${describeValue(column)} }`
    })
  }
  return row * map.columns + column
}

/**
 * The distance in cells from `from` to every cell, row-major; -1 for walls and cells that cannot
 * be reached (and for every cell when `from` is a wall).
 *
 * @example
 * ```ts
 * const map = parseMazeMap("#####\n#...#\n#.#.#\n#####")
 * mazeDistances(map, { row: 1, column: 1 })[2 * 5 + 3] // 3: right, right, down
 * ```
 */
export const mazeDistances = (map: MazeMap, from: MazeCell): Int32Array => {
  const { rows, columns, free } = map
  const distances = new Int32Array(rows * columns).fill(-1)
  const origin = checkCell(map, from, "from")
  if (free[origin] !== 1) return distances
  const queue = new Int32Array(rows * columns)
  let head = 0
  let tail = 0
  distances[origin] = 0
  queue[tail++] = origin
  while (head < tail) {
    const cell = queue[head++] as number
    const next = (distances[cell] as number) + 1
    const row = Math.floor(cell / columns)
    const column = cell - row * columns
    // The four side neighbours that exist; each enters the queue once, at its shortest distance.
    const neighbours = [
      row > 0 ? cell - columns : -1,
      row < rows - 1 ? cell + columns : -1,
      column > 0 ? cell - 1 : -1,
      column < columns - 1 ? cell + 1 : -1
    ]
    for (const neighbour of neighbours) {
      if (neighbour >= 0 && free[neighbour] === 1 && distances[neighbour] === -1) {
        distances[neighbour] = next
        queue[tail++] = neighbour
      }
    }
  }
  return distances
}

/**
 * The shortest-path distance in cells between two cells; `Infinity` when either is a wall or no
 * path joins them.
 *
 * @example
 * ```ts
 * const map = parseMazeMap("#####\n#...#\n#.#.#\n#####")
 * mazeDistance(map, { row: 2, column: 1 }, { row: 2, column: 3 }) // 4: up, across twice, down
 * ```
 */
export const mazeDistance = (map: MazeMap, from: MazeCell, to: MazeCell): number => {
  const distance = mazeDistances(map, from)[checkCell(map, to, "to")] as number
  return distance < 0 ? Number.POSITIVE_INFINITY : distance
}
