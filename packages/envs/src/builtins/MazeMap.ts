/**
 * Maze maps as text: one line per row of cells, `#` a wall cell, `.` a free one. Leading and
 * trailing blank lines and the indentation of each line are ignored, so a map can be written as
 * an indented template literal. A bad map is a {@link MazeMapError} that names the line and column
 * of the user's text.
 *
 * @module
 */
import { InvalidValueError } from "@telos/core"
import type { Rectangle, WallLayout } from "../physics/WallLayout.js"

/**
 * A map that does not parse: `line` and `column` (both from 1) point into the text as given.
 * It is an `InvalidValueError` (same tag, same handling by the command line) whose field reads
 * `map line L, column C`.
 *
 * @example
 * ```ts
 * try { parseMazeMap("###\n#x#\n###") } catch (error) {
 *   if (error instanceof MazeMapError) console.log(error.line, error.column) // 2 2
 * }
 * ```
 */
export class MazeMapError extends InvalidValueError {
  /** The line of the text at fault, from 1. */
  readonly line: number
  /** The column at fault, from 1. */
  readonly column: number

  constructor(position: {
    readonly line: number
    readonly column: number
    readonly expected: string
    readonly received: string
  }) {
    super({
      field: `map line ${position.line}, column ${position.column}`,
      expected: position.expected,
      received: position.received
    })
    this.line = position.line
    this.column = position.column
  }
}

/**
 * A parsed maze: `rows x columns` cells, row-major, `free[row * columns + column]` is 1 for a
 * free cell and 0 for a wall.
 *
 * @example
 * ```ts
 * const map: MazeMap = parseMazeMap("#####\n#...#\n#####")
 * map.free[1 * map.columns + 2] // 1
 * ```
 */
export interface MazeMap {
  /** Rows of cells. */
  readonly rows: number
  /** Columns of cells. */
  readonly columns: number
  /** Row-major: 1 for a free cell, 0 for a wall. */
  readonly free: Uint8Array
}

/**
 * Parses a text map. Every row must have as many cells as the first, and at least two cells must
 * be free.
 *
 * @example
 * ```ts
 * const map = parseMazeMap(`
 *   #####
 *   #.#.#
 *   #...#
 *   #####
 * `)
 * map.rows // 4
 * ```
 */
export const parseMazeMap = (text: string): MazeMap => {
  if (typeof text !== "string") {
    throw new InvalidValueError({ field: "map", expected: "a string", received: typeof text })
  }
  const lines = text.split(/\r?\n/)
  const filled = lines.map((line) => line.trim().length > 0)
  const first = filled.indexOf(true)
  const last = filled.lastIndexOf(true)
  if (first < 0) {
    throw new InvalidValueError({
      field: "map",
      expected: "rows of '#' (wall) and '.' (free)",
      received: "an empty map"
    })
  }
  const rows: Array<string> = []
  for (let index = first; index <= last; index++) {
    const line = lines[index] as string
    const content = line.trim()
    const indent = line.length - line.trimStart().length
    const lineNumber = index + 1
    if (content.length === 0) {
      throw new MazeMapError({
        line: lineNumber,
        column: 1,
        expected: "a row of '#' and '.'",
        received: "a blank line"
      })
    }
    for (let position = 0; position < content.length; position++) {
      const character = content[position] as string
      if (character !== "#" && character !== ".") {
        throw new MazeMapError({
          line: lineNumber,
          column: indent + position + 1,
          expected: "'#' (wall) or '.' (free)",
          received: JSON.stringify(character)
        })
      }
    }
    const width = (rows[0] ?? content).length
    if (content.length !== width) {
      throw new MazeMapError({
        line: lineNumber,
        column: indent + Math.min(content.length, width) + 1,
        expected: `${width} cells, as on line ${first + 1}`,
        received: `${content.length} cells`
      })
    }
    rows.push(content)
  }
  const columns = (rows[0] as string).length
  const free = new Uint8Array(rows.length * columns)
  rows.forEach((row, rowIndex) => {
    for (let column = 0; column < columns; column++)
      free[rowIndex * columns + column] = row[column] === "." ? 1 : 0
  })
  if (free.reduce((count, cell) => count + cell, 0) < 2) {
    throw new InvalidValueError({
      field: "map",
      expected: "at least two free cells ('.')",
      received: "fewer"
    })
  }
  return { rows: rows.length, columns, free }
}

/**
 * The walls of a maze whose cells are `cellSize` pixels square: wall cells merged into few
 * rectangles (runs along each row, then runs of identical rows stacked), since collision cost
 * grows with the number of rectangles near a move.
 *
 * @example
 * ```ts
 * mazeWallLayout(parseMazeMap("###\n#.#\n###"), 8).walls.length // 4: top row, two sides, bottom row
 * ```
 */
export const mazeWallLayout = (map: MazeMap, cellSize: number): WallLayout => {
  const { rows, columns, free } = map
  const walls: Array<Rectangle> = []
  // Open rectangles by their column span, grown downwards while the next row repeats the span.
  let open = new Map<string, { column: number; length: number; row: number; height: number }>()
  for (let row = 0; row <= rows; row++) {
    const next = new Map<string, { column: number; length: number; row: number; height: number }>()
    for (let column = 0; row < rows && column < columns; ) {
      if (free[row * columns + column] === 1) {
        column++
        continue
      }
      const start = column
      while (column < columns && free[row * columns + column] === 0) column++
      const key = `${start}:${column - start}`
      const above = open.get(key)
      next.set(
        key,
        above === undefined
          ? { column: start, length: column - start, row, height: 1 }
          : { ...above, height: above.height + 1 }
      )
      open.delete(key)
    }
    for (const run of open.values()) {
      walls.push({
        x: run.column * cellSize,
        y: run.row * cellSize,
        width: run.length * cellSize,
        height: run.height * cellSize
      })
    }
    open = next
  }
  return { width: columns * cellSize, height: rows * cellSize, walls }
}
