/**
 * `maze-*`: the point dynamics of `two-rooms-thick-walls` (`moveWithWalls`) in multi-room layouts
 * given as text maps, where the path to the goal first leads away from it: the case where a flat
 * planner stalls against a wall and a hierarchy should not. Start and goal are drawn far apart
 * along the maze's shortest paths; the step budget grows with the maze.
 *
 * @module
 */
import { type Box, describeValue, InvalidValueError, type Random, UnknownNameError } from "@telos/core"
import type { EnvSpec } from "../define/DefineEnv.js"
import type { Rectangle, WallLayout } from "../physics/WallLayout.js"
import { mazeDistances } from "./MazeDistance.js"
import { type MazeLayoutName, type MazeLayoutSpec, mazeLayouts } from "./MazeLayouts.js"
import { type MazeMap, mazeWallLayout, parseMazeMap } from "./MazeMap.js"
import {
  defineNavigationEnv,
  type EpisodePlacement,
  type NavigationOptions,
  type NavigationState,
  navigationMaxStep,
  readNavigationOptions
} from "./Navigation.js"
import type { ArenaPoint } from "./NavigationImage.js"
import { wallModel } from "./WallModel.js"

/**
 * A maze ready to play, with every number its environment uses.
 *
 * @example
 * ```ts
 * const maze = prepareMaze(uMaze)
 * maze.diameter // 12: the longest shortest path, in cells
 * ```
 */
export interface PreparedMaze {
  /** The maze's name (its registry id is `maze-<name>`). */
  readonly name: string
  /** The parsed map. */
  readonly map: MazeMap
  /** Pixels per cell. */
  readonly cellSize: number
  /** The walls in arena pixels, as the physics reads them. */
  readonly layout: WallLayout
  /** The smallest rectangle holding every free cell. */
  readonly freeBounds: Rectangle
  /** The longest shortest path between two free cells, in cells. */
  readonly diameter: number
  /** `distances[a * cells + b]`: the shortest path from cell `a` to cell `b` (-1: none). */
  readonly distances: Int16Array
  /** Start and goal cells are at least this many cells apart along the maze: half the diameter. */
  readonly minimumStartGoalDistance: number
  /** Success when the agent is closer to the goal than this: half a cell. */
  readonly successRadius: number
  /**
   * Twice the moves the diameter takes at full speed along one axis, rounded up to a multiple of
   * 50: `ceil(2 * diameter * cellSize / 2.45 / 50) * 50`.
   */
  readonly maxEpisodeSteps: number
}

/**
 * The most rows (and columns) a maze map may have; all pairwise distances are kept.
 *
 * @example
 * ```ts
 * mazeMaxSide // 48
 * ```
 */
export const mazeMaxSide = 48

const namePattern = /^[a-z0-9]+(-[a-z0-9]+)*$/

const checkSpec = (spec: MazeLayoutSpec): { readonly name: string; readonly cellSize: number } => {
  if (typeof spec !== "object" || spec === null) {
    throw new InvalidValueError({
      field: "layout",
      expected: "a layout name or { name, map, cellSize? }",
      received: describeValue(spec)
    })
  }
  if (typeof spec.name !== "string" || !namePattern.test(spec.name)) {
    throw new InvalidValueError({
      field: "layout.name",
      expected: 'lowercase letters and digits in hyphen-separated words, e.g. "my-maze"',
      received: describeValue(spec.name)
    })
  }
  const cellSize = spec.cellSize ?? 8
  if (typeof cellSize !== "number" || !Number.isInteger(cellSize) || cellSize < 2 || cellSize > 64) {
    throw new InvalidValueError({
      field: "layout.cellSize",
      expected: "an integer in [2, 64]",
      received: describeValue(cellSize)
    })
  }
  return { name: spec.name, cellSize }
}

const boundsOfFreeCells = (map: MazeMap, cellSize: number): Rectangle => {
  let rowLow = map.rows
  let rowHigh = -1
  let columnLow = map.columns
  let columnHigh = -1
  map.free.forEach((free, cell) => {
    if (free !== 1) return
    const row = Math.floor(cell / map.columns)
    const column = cell % map.columns
    rowLow = Math.min(rowLow, row)
    rowHigh = Math.max(rowHigh, row)
    columnLow = Math.min(columnLow, column)
    columnHigh = Math.max(columnHigh, column)
  })
  return {
    x: columnLow * cellSize,
    y: rowLow * cellSize,
    width: (columnHigh - columnLow + 1) * cellSize,
    height: (rowHigh - rowLow + 1) * cellSize
  }
}

/**
 * Parses and measures a maze: its walls, all shortest-path distances between cells, and the
 * numbers derived from them. Throws `MazeMapError` (line and column) for a bad map and
 * `InvalidValueError` for a bad name or cell size.
 *
 * @example
 * ```ts
 * prepareMaze({ name: "corridor", map: "#######\n#.....#\n#######" }).maxEpisodeSteps // 50
 * ```
 */
export const prepareMaze = (spec: MazeLayoutSpec): PreparedMaze => {
  const { name, cellSize } = checkSpec(spec)
  const map = parseMazeMap(spec.map)
  if (map.rows > mazeMaxSide || map.columns > mazeMaxSide) {
    throw new InvalidValueError({
      field: "layout.map",
      expected: `at most ${mazeMaxSide} rows and ${mazeMaxSide} columns`,
      received: `${map.rows} rows and ${map.columns} columns`
    })
  }
  const cells = map.rows * map.columns
  // Every pair's distance: a 48 x 48 map needs 11 MB of 16-bit entries at most.
  const distances = new Int16Array(cells * cells)
  let diameter = 0
  for (let cell = 0; cell < cells; cell++) {
    const fromCell = mazeDistances(map, { row: Math.floor(cell / map.columns), column: cell % map.columns })
    distances.set(fromCell, cell * cells)
    for (const distance of fromCell) diameter = Math.max(diameter, distance)
  }
  const unitsPerMove = navigationMaxStep / cellSize
  return {
    name,
    map,
    cellSize,
    layout: mazeWallLayout(map, cellSize),
    freeBounds: boundsOfFreeCells(map, cellSize),
    diameter,
    distances,
    minimumStartGoalDistance: Math.max(1, Math.ceil(diameter / 2)),
    successRadius: cellSize / 2,
    maxEpisodeSteps: Math.max(50, Math.ceil((2 * diameter) / unitsPerMove / 50) * 50)
  }
}

// How many cells lie at least the minimum distance from each cell, as a running sum, so that an
// episode can draw a uniform pair without listing them all.
const farPairCounts = (maze: PreparedMaze): Float64Array => {
  const cells = maze.map.rows * maze.map.columns
  const counts = new Float64Array(cells + 1)
  for (let start = 0; start < cells; start++) {
    let far = 0
    for (let goal = 0; goal < cells; goal++) {
      if ((maze.distances[start * cells + goal] as number) >= maze.minimumStartGoalDistance) far++
    }
    counts[start + 1] = (counts[start] as number) + far
  }
  return counts
}

// The `rank`-th cell (from 0) at least the minimum distance from `cell`.
const farCellOfRank = (maze: PreparedMaze, cell: number, rank: number): number => {
  const cells = maze.map.rows * maze.map.columns
  let seen = 0
  for (let other = 0; other < cells; other++) {
    if ((maze.distances[cell * cells + other] as number) >= maze.minimumStartGoalDistance) {
      if (seen === rank) return other
      seen++
    }
  }
  return -1
}

/**
 * A uniform point in the middle half of a cell (a quarter cell from each side), so it starts well
 * clear of the walls.
 */
const drawInCell = (maze: PreparedMaze, cell: number, rng: Random): ArenaPoint => {
  const { columns } = maze.map
  const size = maze.cellSize
  const left = (cell % columns) * size
  const top = Math.floor(cell / columns) * size
  return {
    x: left + rng.uniformIn(size / 4, (3 * size) / 4),
    y: top + rng.uniformIn(size / 4, (3 * size) / 4)
  }
}

const cellOf = (maze: PreparedMaze, point: ArenaPoint): number =>
  Math.floor(point.y / maze.cellSize) * maze.map.columns + Math.floor(point.x / maze.cellSize)

// A cell at least the minimum distance from `cell`, uniformly, for an episode with one end fixed.
const drawFarCell = (
  maze: PreparedMaze,
  counts: Float64Array,
  cell: number,
  rng: Random,
  field: string
): number => {
  const far = (counts[cell + 1] as number) - (counts[cell] as number)
  if (far === 0) {
    throw new InvalidValueError({
      field,
      expected: `a point with a free cell at least ${maze.minimumStartGoalDistance} cells away along the maze`,
      received: "a point in a cell with none"
    })
  }
  return farCellOfRank(maze, cell, rng.integer(far))
}

const placer = (maze: PreparedMaze) => {
  const counts = farPairCounts(maze)
  const cells = maze.map.rows * maze.map.columns
  const pairCount = counts[cells] as number
  return (
    rng: Random,
    fixed: { readonly start: ArenaPoint | undefined; readonly goal: ArenaPoint | undefined }
  ): EpisodePlacement => {
    let startCell: number
    let goalCell: number
    if (fixed.start !== undefined && fixed.goal === undefined) {
      startCell = cellOf(maze, fixed.start)
      goalCell = drawFarCell(maze, counts, startCell, rng, "options.start")
    } else if (fixed.goal !== undefined && fixed.start === undefined) {
      // Distances are symmetric, so the cells far from the goal are the starts it allows.
      goalCell = cellOf(maze, fixed.goal)
      startCell = drawFarCell(maze, counts, goalCell, rng, "options.goal")
    } else {
      // A uniform pair: the start is the cell whose range of the running sum holds the draw.
      const pair = rng.integer(pairCount)
      let low = 0
      let high = cells - 1
      while (low < high) {
        const middle = (low + high) >> 1
        if ((counts[middle + 1] as number) <= pair) low = middle + 1
        else high = middle
      }
      startCell = low
      goalCell = farCellOfRank(maze, startCell, pair - (counts[startCell] as number))
    }
    const start = drawInCell(maze, startCell, rng)
    const goal = drawInCell(maze, goalCell, rng)
    return { start: fixed.start ?? start, goal: fixed.goal ?? goal }
  }
}

const resolveSpec = (layout: MazeLayoutName | MazeLayoutSpec): MazeLayoutSpec => {
  if (typeof layout !== "string") return layout
  if (!Object.hasOwn(mazeLayouts, layout)) {
    throw new UnknownNameError({ kind: "maze layout", name: layout, known: Object.keys(mazeLayouts) })
  }
  return mazeLayouts[layout]
}

/**
 * Makes a maze environment from a built-in layout's name or a layout of one's own. The agent
 * moves as in `two-rooms-thick-walls` (displacements in `[-2.45, 2.45]^2`, walls stop it). Start
 * and goal are drawn as a uniform cell pair at least `minimumStartGoalDistance` (half the longest
 * shortest path) apart along the maze, each point uniform in the middle half of its cell. Success
 * (termination) within half a cell of the goal; reward minus the distance; step budget as in
 * {@link PreparedMaze}. Options as `makeTwoRooms`' (`observation`, `imageSize`); the image shows
 * the whole maze. Reset options: `{ start?: [x, y], goal?: [x, y] }` (with one end fixed, the
 * other is drawn at least the minimum distance away). Ids: `maze-<name>`, `maze-<name>-pixels`
 * (`-<size>` appended for a size other than 64). With state observations its ground-truth model is
 * {@link wallModel} of the layout.
 *
 * @example
 * ```ts
 * const fourRooms = makeMaze("four-rooms")
 * const mine = makeMaze({ name: "zigzag", map: "#####\n#...#\n###.#\n#...#\n#####" }, { observation: "pixels" })
 * ```
 */
export const makeMaze = (
  layout: MazeLayoutName | MazeLayoutSpec,
  options?: NavigationOptions
): EnvSpec<NavigationState, Box> => {
  const { observation, imageSize } = readNavigationOptions(options)
  const maze = prepareMaze(resolveSpec(layout))
  const pixelSuffix = imageSize === 64 ? "" : `-${imageSize}`
  const { rows, columns } = maze.map
  return defineNavigationEnv({
    id: observation === "state" ? `maze-${maze.name}` : `maze-${maze.name}-pixels${pixelSuffix}`,
    description:
      `Maze "${maze.name}" (${columns}x${rows} cells of ${maze.cellSize} px): reach a goal ` +
      `at least ${maze.minimumStartGoalDistance} cells away along the maze` +
      (observation === "state" ? "; state [x, y]." : ` from ${imageSize}x${imageSize} images.`),
    layout: maze.layout,
    freeBounds: maze.freeBounds,
    maxEpisodeSteps: maze.maxEpisodeSteps,
    successSquaredDistance: maze.successRadius ** 2,
    observation,
    imageSize,
    placeEpisode: placer(maze),
    groundTruthModel: () => wallModel(maze.layout, `maze-${maze.name}-dynamics`)
  })
}

/**
 * The registered `maze-u` (state observations).
 *
 * @example
 * ```ts
 * mazeU.make().reset({ seed: 0 })
 * ```
 */
export const mazeU: EnvSpec<NavigationState, Box> = makeMaze("u")

/**
 * The registered `maze-four-rooms` (state observations).
 *
 * @example
 * ```ts
 * mazeFourRooms.make().reset({ seed: 0 })
 * ```
 */
export const mazeFourRooms: EnvSpec<NavigationState, Box> = makeMaze("four-rooms")

/**
 * The registered `maze-medium` (state observations).
 *
 * @example
 * ```ts
 * mazeMedium.make().reset({ seed: 0 })
 * ```
 */
export const mazeMedium: EnvSpec<NavigationState, Box> = makeMaze("medium")

/**
 * The registered `maze-large` (state observations).
 *
 * @example
 * ```ts
 * mazeLarge.make().reset({ seed: 0 })
 * ```
 */
export const mazeLarge: EnvSpec<NavigationState, Box> = makeMaze("large")
