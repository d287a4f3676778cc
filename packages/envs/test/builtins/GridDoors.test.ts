import { InvalidValueError, Random } from "@telos/core"
import { checkEnv, envRegistry, gridDoors, gridDoorsActions, gridDoorsLayout } from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { thrownBy } from "../support.js"

type Cell = readonly [number, number]

const { stay, up, down, left, right } = gridDoorsActions
const offsets: Readonly<Record<number, Cell>> = {
  [stay]: [0, 0],
  [up]: [0, -1],
  [down]: [0, 1],
  [left]: [-1, 0],
  [right]: [1, 0]
}
const moves: ReadonlyArray<readonly [number, Cell]> = [
  [up, [0, -1]],
  [down, [0, 1]],
  [left, [-1, 0]],
  [right, [1, 0]]
]

const freeCells: ReadonlyArray<Cell> = gridDoorsLayout.rows.flatMap((row, y) =>
  [...row].flatMap((cell, x): Array<Cell> => (cell === "." ? [[x, y]] : []))
)

const cellOf = (observation: ArrayLike<number>): Cell => [
  Math.round((observation[0] as number) * 8),
  Math.round((observation[1] as number) * 8)
]

const started = (start: Cell, goal: Cell) => {
  const env = gridDoors.make()
  env.reset({ seed: 0, options: { start: [...start], goal: [...goal] } })
  return env
}

// Breadth-first search from the goal over the map text: the action that lowers the distance.
const shortestPathPolicy = (goal: Cell): ((cell: Cell) => number) => {
  const key = ([x, y]: Cell) => `${x},${y}`
  const distance = new Map<string, number>([[key(goal), 0]])
  const queue: Array<Cell> = [goal]
  for (let head = 0; head < queue.length; head++) {
    const [x, y] = queue[head] as Cell
    for (const [, [dx, dy]] of moves) {
      const next: Cell = [x + dx, y + dy]
      if (gridDoorsLayout.rows[next[1]]?.[next[0]] === "." && !distance.has(key(next))) {
        distance.set(key(next), (distance.get(key([x, y])) as number) + 1)
        queue.push(next)
      }
    }
  }
  return (cell) => {
    const here = distance.get(key(cell)) as number
    const best = moves.find(([, [dx, dy]]) => distance.get(key([cell[0] + dx, cell[1] + dy])) === here - 1)
    return best === undefined ? stay : best[0]
  }
}

describe("grid-doors", () => {
  it("has three rooms joined by the two one-cell doors", () => {
    expect(freeCells).toHaveLength(70)
    const rooms = [0, 1, 2].map((room) => freeCells.filter(([x, y]) => gridDoorsLayout.roomOf(x, y) === room))
    expect(rooms.map((cells) => cells.length)).toEqual([36, 16, 16])
    expect(freeCells.filter(([x, y]) => gridDoorsLayout.roomOf(x, y) === undefined)).toEqual([
      [4, 2],
      [6, 4]
    ])
  })

  it("moves one cell per action, stays on 'stay', and stays put at walls and the grid's edge", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...freeCells),
        fc.constantFrom(stay, up, down, left, right),
        (start, action) => {
          const goal: Cell = start[0] === 0 && start[1] === 0 ? [8, 8] : [0, 0]
          const env = started(start, goal)
          const [dx, dy] = offsets[action] as Cell
          const target: Cell = [start[0] + dx, start[1] + dy]
          const expected = gridDoorsLayout.isFree(target[0], target[1]) ? target : start
          const { observation, info } = env.step(action)
          expect(cellOf(observation)).toEqual(expected)
          expect(info.position).toEqual([...expected])
        }
      ),
      { numRuns: 300 }
    )
  })

  it("lets the agent through a door only along the door's passage", () => {
    expect(cellOf(started([3, 2], [8, 0]).step(right).observation)).toEqual([4, 2])
    expect(cellOf(started([4, 2], [8, 0]).step(right).observation)).toEqual([5, 2])
    expect(cellOf(started([4, 2], [8, 0]).step(up).observation)).toEqual([4, 2])
    expect(cellOf(started([3, 1], [8, 0]).step(right).observation)).toEqual([3, 1])
    expect(cellOf(started([6, 3], [8, 8]).step(down).observation)).toEqual([6, 4])
    expect(cellOf(started([6, 4], [8, 8]).step(down).observation)).toEqual([6, 5])
    expect(cellOf(started([7, 3], [8, 8]).step(down).observation)).toEqual([7, 3])
  })

  it("draws start and goal from the seed, in different rooms, reporting the goal as an observation", () => {
    const goals = new Set<string>()
    for (let seed = 0; seed < 300; seed++) {
      const { observation, info } = gridDoors.make().reset({ seed })
      const start = cellOf(observation)
      const goal = cellOf(info.goal as Float64Array)
      goals.add(goal.join(","))
      const startRoom = gridDoorsLayout.roomOf(start[0], start[1])
      expect(startRoom).toBeDefined()
      expect(gridDoorsLayout.roomOf(goal[0], goal[1])).not.toBe(startRoom)
      expect(gridDoorsLayout.roomOf(goal[0], goal[1])).toBeDefined()
      expect(Array.from(info.goal as Float64Array)).toEqual([goal[0] / 8, goal[1] / 8])
      expect(info.success).toBe(false)
      expect(gridDoors.make().reset({ seed })).toEqual({ observation, info })
    }
    expect(goals.size).toBeGreaterThan(40)
  })

  it("keeps a drawn goal out of a fixed start's room, and a drawn start out of a fixed goal's room", () => {
    for (let seed = 0; seed < 50; seed++) {
      const fixedStart = gridDoors.make().reset({ seed, options: { start: [1, 1] } })
      expect(gridDoorsLayout.roomOf(...cellOf(fixedStart.info.goal as Float64Array))).not.toBe(0)
      const fixedGoal = gridDoors.make().reset({ seed, options: { goal: [7, 7] } })
      expect(gridDoorsLayout.roomOf(...cellOf(fixedGoal.observation))).not.toBe(2)
    }
  })

  it("rejects bad reset options, naming them", () => {
    const env = gridDoors.make()
    for (const start of [[4, 0], [9, 0], [0.5, 0], [0], "corner"]) {
      const error = thrownBy(() => env.reset({ options: { start } }))
      expect(error).toBeInstanceOf(InvalidValueError)
      expect(error).toMatchObject({ field: "options.start" })
    }
    expect(thrownBy(() => env.reset({ options: { start: [1, 1], goal: [1, 1] } }))).toMatchObject({
      field: "options.goal"
    })
    expect(thrownBy(() => env.reset({ options: { target: [1, 1] } }))).toMatchObject({
      field: "options.target"
    })
  })

  it("pays -1 per step, 0 on the step that reaches the goal, and terminates there with success", () => {
    const env = started([5, 3], [7, 3])
    expect(env.step(right)).toMatchObject({ reward: -1, terminated: false, info: { success: false } })
    expect(env.step(right)).toMatchObject({
      reward: 0,
      terminated: true,
      truncated: false,
      info: { success: true }
    })
    expect(thrownBy(() => env.step(stay))).toBeInstanceOf(InvalidValueError)
  })

  it("truncates after 80 steps without reaching the goal", () => {
    const env = started([0, 0], [8, 8])
    for (let step = 1; step < 80; step++) expect(env.step(stay)).toMatchObject({ truncated: false })
    expect(env.step(stay)).toMatchObject({ terminated: false, truncated: true })
  })

  it("gives the same trajectory for the same seed and actions", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 60 }),
        (seed, actions) => {
          const run = () => {
            const env = gridDoors.make()
            const results: Array<unknown> = [env.reset({ seed })]
            for (const action of actions) {
              const result = env.step(action)
              results.push(result)
              if (result.terminated || result.truncated) break
            }
            return results
          }
          expect(run()).toEqual(run())
        }
      )
    )
  })

  it("is solvable: a shortest-path policy reaches every goal from every start in another room", () => {
    let pairs = 0
    for (const start of freeCells) {
      const startRoom = gridDoorsLayout.roomOf(start[0], start[1])
      for (const goal of freeCells) {
        const goalRoom = gridDoorsLayout.roomOf(goal[0], goal[1])
        if (startRoom === undefined || goalRoom === undefined || goalRoom === startRoom) continue
        const policy = shortestPathPolicy(goal)
        const env = started(start, goal)
        let cell = start
        let result = env.step(policy(cell))
        while (!result.terminated && !result.truncated) {
          cell = cellOf(result.observation)
          result = env.step(policy(cell))
        }
        expect(result).toMatchObject({ terminated: true, reward: 0, info: { success: true } })
        pairs += 1
      }
    }
    expect(pairs).toBe(36 * 32 + 16 * 52 * 2)
  })

  it("takes integer actions only, and samples them from Discrete(5)", () => {
    const env = gridDoors.make()
    env.reset({ seed: 0 })
    expect(gridDoors.definition.actionSpace).toMatchObject({ _tag: "Discrete", n: 5, start: 0 })
    for (const action of [5, -1, 1.5, [1]]) {
      expect(thrownBy(() => env.step(action as number))).toMatchObject({
        _tag: "InvalidValueError",
        field: "action"
      })
    }
    expect(() => env.step(env.actionSpace.sample(Random.fromSeed(1)))).not.toThrow()
  })

  it("passes checkEnv, is registered, and renders walls, goal and agent as SVG", () => {
    expect(checkEnv(gridDoors).warnings).toEqual([])
    expect(envRegistry.get("grid-doors")).toBe(gridDoors)
    const env = gridDoors.make()
    env.reset({ seed: 0, options: { start: [0, 0], goal: [8, 8] } })
    const svg = env.render()
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/)
    expect(svg.match(/fill="#2d3436"/g)).toHaveLength(81 - 70)
    expect(svg).toContain('<circle cx="0.5" cy="0.5"')
    expect(svg).toContain('x="8.15" y="8.15"')
  })
})
