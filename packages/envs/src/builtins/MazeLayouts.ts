/**
 * The built-in maze maps, in rising difficulty. Each is designed so that the shortest path between
 * typical start and goal cells first leads away from the goal: a planner that greedily closes the
 * straight-line distance stalls against a wall. As a measure, over the start/goal cell pairs the
 * mazes draw (at least half the longest shortest path apart), the share on which a greedy walk
 * over cells (step to the neighbour nearest the goal as the crow flies, stop when none is nearer)
 * gets stuck: u 86%, four-rooms 100%, medium 87%, large 100%.
 *
 * @module
 */

/**
 * A maze as its factory takes it: a name (the registry id is `maze-<name>`), a text map (`#`
 * wall, `.` free; see `parseMazeMap`) and the side of a cell in pixels.
 *
 * @example
 * ```ts
 * const corridor: MazeLayoutSpec = { name: "corridor", map: "#####\n#...#\n#####", cellSize: 8 }
 * ```
 */
export interface MazeLayoutSpec {
  /** The maze's name (the registry id is `maze-<name>`). */
  readonly name: string
  /** The text map: `#` wall, `.` free, one line per row. */
  readonly map: string
  /** Pixels per cell, an integer in [2, 64]; default 8 (a cell takes 3 to 4 full moves to cross). */
  readonly cellSize?: number
}

/**
 * U-maze, 7 x 7 cells (56 x 56 px): two corridors, two cells wide, joined at one end by a one-cell
 * gap; from one arm to the other the path runs away from the goal to the bend and back. Longest
 * shortest path: 12 cells.
 *
 * @example
 * ```ts
 * makeMaze(uMaze).make()
 * ```
 */
export const uMaze: MazeLayoutSpec = {
  name: "u",
  map: `
    #######
    #.....#
    #.....#
    #####.#
    #.....#
    #.....#
    #######`
}

/**
 * Four rooms, 11 x 11 cells (88 x 88 px), joined in a ring that is broken between the two top
 * rooms: from one top room to the other, the path goes down, across and back up. Longest shortest
 * path: 24 cells.
 *
 * @example
 * ```ts
 * makeMaze(fourRoomsMaze).make()
 * ```
 */
export const fourRoomsMaze: MazeLayoutSpec = {
  name: "four-rooms",
  map: `
    ###########
    #....#....#
    #....#....#
    #....#....#
    #....#....#
    ##.#####.##
    #....#....#
    #....#....#
    #.........#
    #....#....#
    ###########`
}

/**
 * A medium maze, 10 x 10 cells (80 x 80 px), of short corridors and small chambers with loops.
 * Longest shortest path: 18 cells.
 *
 * @example
 * ```ts
 * makeMaze(mediumMaze).make()
 * ```
 */
export const mediumMaze: MazeLayoutSpec = {
  name: "medium",
  map: `
    ##########
    #..#.....#
    #..#.##..#
    ##...#..##
    #..#.#.#.#
    #.##.#...#
    #....###.#
    #.##...#.#
    #..#.#...#
    ##########`
}

/**
 * A large maze, 14 x 14 cells (112 x 112 px), of long winding corridors. Longest shortest path:
 * 37 cells.
 *
 * @example
 * ```ts
 * makeMaze(largeMaze).make()
 * ```
 */
export const largeMaze: MazeLayoutSpec = {
  name: "large",
  map: `
    ##############
    #.....#......#
    #.###.#.####.#
    #.#...#....#.#
    #.#.######.#.#
    #.#......#.#.#
    #.####.#.#.#.#
    #....#.#...#.#
    ####.#.#####.#
    #....#.....#.#
    #.########.#.#
    #.#......#...#
    #...####.....#
    ##############`
}

/**
 * The built-in mazes by name.
 *
 * @example
 * ```ts
 * Object.keys(mazeLayouts) // ["u", "four-rooms", "medium", "large"]
 * ```
 */
export const mazeLayouts: Readonly<Record<"u" | "four-rooms" | "medium" | "large", MazeLayoutSpec>> = {
  u: uMaze,
  "four-rooms": fourRoomsMaze,
  medium: mediumMaze,
  large: largeMaze
}

/**
 * The names of the built-in mazes.
 *
 * @example
 * ```ts
 * const name: MazeLayoutName = "four-rooms"
 * ```
 */
export type MazeLayoutName = keyof typeof mazeLayouts
