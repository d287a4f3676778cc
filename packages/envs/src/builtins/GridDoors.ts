/**
 * `grid-doors`: a discrete-action grid world of three rooms joined by one-cell doors. The agent
 * moves one cell per step (or stays) and must reach a goal cell in another room; to get from the
 * left room to the bottom-right one it has to pass through the top-right room, so the shortest
 * path first leads away from the goal.
 *
 * @module
 */
import { Box, Discrete, describeValue, InvalidValueError, type Random } from "@telos/core"
import { defineEnv, type EnvSpec } from "../define/DefineEnv.js"
import type { TransitionResult } from "../define/EnvDefinition.js"
import { checkOptionNames, type ResetOptionValues } from "../define/Options.js"
import { svgDocument } from "../define/Svg.js"

/**
 * The map, row by row from the top: `#` wall, `.` free. Column 4 splits the left room from the
 * right; row 4 splits the right side in two. Doors at (4, 2) and (6, 4).
 */
const rows: ReadonlyArray<string> = [
  "....#....",
  "....#....",
  ".........",
  "....#....",
  "....##.##",
  "....#....",
  "....#....",
  "....#....",
  "....#...."
]

/** Columns of the grid. */
const width = 9
/** Rows of the grid. */
const height = 9

const isFreeCell = (x: number, y: number): boolean =>
  Number.isInteger(x) &&
  Number.isInteger(y) &&
  x >= 0 &&
  x < width &&
  y >= 0 &&
  y < height &&
  rows[y]?.[x] === "."

// Rooms by their interior bounds; a door belongs to no room.
const roomOfCell = (x: number, y: number): number | undefined => {
  if (!isFreeCell(x, y)) return undefined
  if (x <= 3) return 0
  if (x >= 5 && y <= 3) return 1
  if (x >= 5 && y >= 5) return 2
  return undefined
}

/**
 * The layout of `grid-doors`: its size, which cells are free and which room (0 left, 1 top
 * right, 2 bottom right) a cell belongs to; doors and walls belong to none.
 *
 * @example
 * ```ts
 * gridDoorsLayout.isFree(4, 2) // true: the door between the left and the top-right room
 * gridDoorsLayout.roomOf(4, 2) // undefined
 * gridDoorsLayout.roomOf(7, 7) // 2
 * ```
 */
export const gridDoorsLayout = {
  width,
  height,
  rows,
  /** Whether the cell `(x, y)` is inside the grid and free (integer coordinates only). */
  isFree: isFreeCell,
  /** The room of the cell `(x, y)` (0, 1 or 2), or `undefined` for a door, a wall or outside. */
  roomOf: roomOfCell
} as const

/**
 * The five actions of `grid-doors`, as the integers `step` takes. `up` decreases `y` (row 0 is
 * the top row).
 *
 * @example
 * ```ts
 * env.step(gridDoorsActions.right)
 * ```
 */
export const gridDoorsActions = {
  /** Stay in the cell. */
  stay: 0,
  /** One row up (`y - 1`). */
  up: 1,
  /** One row down (`y + 1`). */
  down: 2,
  /** One column left (`x - 1`). */
  left: 3,
  /** One column right (`x + 1`). */
  right: 4
} as const

const moves: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [0, -1],
  [0, 1],
  [-1, 0],
  [1, 0]
]

/**
 * The state of `grid-doors`: the agent's cell and the goal's cell.
 *
 * @example
 * ```ts
 * const state: GridDoorsState = { x: 0, y: 0, goalX: 7, goalY: 7 }
 * ```
 */
export interface GridDoorsState {
  /** The agent's column, 0 to 8. */
  readonly x: number
  /** The agent's row, 0 (top) to 8. */
  readonly y: number
  /** The goal's column. */
  readonly goalX: number
  /** The goal's row. */
  readonly goalY: number
}

/**
 * A cell as an observation: `[x / 8, y / 8]`, so both coordinates lie in `[0, 1]`.
 *
 * @example
 * ```ts
 * gridDoorsObservation(4, 2) // Float64Array [0.5, 0.25]
 * ```
 */
export const gridDoorsObservation = (x: number, y: number): Float64Array =>
  Float64Array.of(x / (width - 1), y / (height - 1))

const roomCells: ReadonlyArray<readonly [number, number]> = Array.from(
  { length: width * height },
  (_, i) => [i % width, Math.floor(i / width)] as const
).filter(([x, y]) => roomOfCell(x, y) !== undefined)

const readCellOption = (options: ResetOptionValues, name: string): readonly [number, number] | undefined => {
  const value = options?.[name]
  if (value === undefined) return undefined
  const cell = Array.isArray(value) && value.length === 2 ? value : undefined
  if (cell === undefined || !isFreeCell(cell[0], cell[1])) {
    throw new InvalidValueError({
      field: `options.${name}`,
      expected: "a free cell [x, y] of integers in [0, 8] (see gridDoorsLayout)",
      received: describeValue(value)
    })
  }
  return [cell[0] as number, cell[1] as number]
}

const pick = <T>(items: ReadonlyArray<T>, rng: Random): T => items[rng.integer(items.length)] as T

const cellRoom = (cell: readonly [number, number]): number | undefined => roomOfCell(cell[0], cell[1])

const initialState = (rng: Random, options: ResetOptionValues): GridDoorsState => {
  checkOptionNames(options, ["start", "goal"])
  const fixedStart = readCellOption(options, "start")
  const fixedGoal = readCellOption(options, "goal")
  // Both draws happen even when an option fixes the cell, so fixing one moves no other draw.
  const goalRoom = fixedGoal === undefined ? undefined : cellRoom(fixedGoal)
  const drawnStart = pick(
    roomCells.filter((cell) => goalRoom === undefined || cellRoom(cell) !== goalRoom),
    rng
  )
  const start = fixedStart ?? drawnStart
  const startRoom = cellRoom(start)
  const drawnGoal = pick(
    roomCells.filter((cell) => startRoom === undefined || cellRoom(cell) !== startRoom),
    rng
  )
  const goal = fixedGoal ?? drawnGoal
  if (goal[0] === start[0] && goal[1] === start[1]) {
    throw new InvalidValueError({
      field: "options.goal",
      expected: "a cell other than the start",
      received: describeValue(goal)
    })
  }
  return { x: start[0], y: start[1], goalX: goal[0], goalY: goal[1] }
}

const atGoal = (state: GridDoorsState): boolean => state.x === state.goalX && state.y === state.goalY

/**
 * One step of `grid-doors`: the move of `action[0]` (an index of {@link gridDoorsActions}),
 * unless it would leave the grid or enter a wall, in which case the agent stays. Reward -1, or 0
 * on the step that reaches the goal, which terminates the episode.
 *
 * @example
 * ```ts
 * gridDoorsTransition({ x: 3, y: 2, goalX: 7, goalY: 1 }, Float64Array.of(gridDoorsActions.right))
 * // { state: { x: 4, y: 2, ... }, reward: -1, terminated: false }
 * ```
 */
export const gridDoorsTransition = (
  state: GridDoorsState,
  action: Float64Array
): TransitionResult<GridDoorsState> => {
  const [dx, dy] = moves[action[0] as number] as readonly [number, number]
  const moved = isFreeCell(state.x + dx, state.y + dy)
  const next = moved ? { ...state, x: state.x + dx, y: state.y + dy } : state
  const success = atGoal(next)
  return { state: next, reward: success ? 0 : -1, terminated: success }
}

const render = (state: GridDoorsState): string => {
  const cells = rows
    .flatMap((row, y) =>
      [...row].map((cell, x) =>
        cell === "#" ? `<rect x="${x}" y="${y}" width="1" height="1" fill="#2d3436"/>` : ""
      )
    )
    .join("")
  return svgDocument(
    { width: 270, height: 270, viewBox: `0 0 ${width} ${height}` },
    `<rect width="${width}" height="${height}" fill="#fafafa"/>` +
      cells +
      `<rect x="${state.goalX + 0.15}" y="${state.goalY + 0.15}" width="0.7" height="0.7" fill="#f1c40f"/>` +
      `<circle cx="${state.x + 0.5}" cy="${state.y + 0.5}" r="0.32" fill="#1b6ac9"/>`
  )
}

/**
 * The `grid-doors` environment: a 9 x 9 grid of three rooms joined by one-cell doors. Actions
 * `Discrete(5)` (stay, up, down, left, right; see {@link gridDoorsActions}); observation the
 * agent's cell `[x / 8, y / 8]`; the start and the goal are drawn from the seed in different
 * rooms. Reward -1 per step, 0 on reaching the goal, which terminates; 80 steps. Reset options:
 * `{ start?: [x, y], goal?: [x, y] }` (free cells). Info: `{ goal, position, success }`, with
 * `goal` observation-shaped and `position` the agent's cell `[x, y]`.
 *
 * @example
 * ```ts
 * const env = gridDoors.make()
 * env.reset({ seed: 0, options: { start: [0, 2], goal: [7, 1] } })
 * env.step(gridDoorsActions.right) // observation [0.125, 0.25]
 * ```
 */
export const gridDoors: EnvSpec<GridDoorsState, Discrete> = defineEnv<GridDoorsState, Discrete>({
  id: "grid-doors",
  description: "A 9 x 9 grid of three rooms joined by one-cell doors; reach a goal cell in another room.",
  observationSpace: new Box({ low: 0, high: 1, shape: [2] }),
  actionSpace: new Discrete(5),
  maxEpisodeSteps: 80,
  initialState,
  transition: gridDoorsTransition,
  observe: (state) => gridDoorsObservation(state.x, state.y),
  info: (state) => ({
    goal: gridDoorsObservation(state.goalX, state.goalY),
    position: [state.x, state.y],
    success: atGoal(state)
  }),
  render
})
