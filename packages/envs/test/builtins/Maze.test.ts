import { InvalidValueError, UnknownNameError } from "@telos/core"
import {
  envRegistry,
  insideWall,
  MazeMapError,
  makeMaze,
  mazeDistance,
  mazeFourRooms,
  mazeLarge,
  mazeLayouts,
  mazeMedium,
  mazeU,
  prepareMaze
} from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { displacements, segmentAvoidsWalls } from "../navigationSupport.js"
import { thrownBy } from "../support.js"

const cellOf = (x: number, y: number, cellSize = 8) => ({
  row: Math.floor(y / cellSize),
  column: Math.floor(x / cellSize)
})

describe("built-in mazes", () => {
  it("are registered with budgets and distances that grow with the maze", () => {
    const expected = [
      ["maze-u", mazeU, 12, 6, 100],
      ["maze-four-rooms", mazeFourRooms, 24, 12, 200],
      ["maze-medium", mazeMedium, 18, 9, 150],
      ["maze-large", mazeLarge, 37, 19, 250]
    ] as const
    for (const [id, spec, diameter, minimum, budget] of expected) {
      expect(envRegistry.get(id)).toBe(spec)
      expect(spec.definition.maxEpisodeSteps).toBe(budget)
      const maze = prepareMaze(mazeLayouts[id.slice(5) as keyof typeof mazeLayouts])
      expect(maze).toMatchObject({
        diameter,
        minimumStartGoalDistance: minimum,
        maxEpisodeSteps: budget,
        successRadius: 4
      })
      expect(Math.ceil((2 * diameter * 8) / 2.45 / 50) * 50).toBe(budget)
    }
  })

  it("draw start and goal in the middle half of free cells, at least the minimum distance apart", () => {
    for (const [name, spec] of [
      ["u", mazeU],
      ["four-rooms", mazeFourRooms],
      ["medium", mazeMedium],
      ["large", mazeLarge]
    ] as const) {
      const maze = prepareMaze(mazeLayouts[name])
      const env = spec.make()
      const distances = new Set<number>()
      for (let seed = 0; seed < 150; seed++) {
        const { observation, info } = env.reset({ seed })
        const goal = info.goal as Float64Array
        const start = cellOf(observation[0]!, observation[1]!)
        const end = cellOf(goal[0]!, goal[1]!)
        const distance = mazeDistance(maze.map, start, end)
        expect(distance).toBeGreaterThanOrEqual(maze.minimumStartGoalDistance)
        expect(distance).toBeLessThanOrEqual(maze.diameter)
        distances.add(distance)
        for (const coordinate of [observation[0]!, observation[1]!, goal[0]!, goal[1]!]) {
          expect(coordinate % 8).toBeGreaterThanOrEqual(2)
          expect(coordinate % 8).toBeLessThan(6)
        }
        expect(env.observationSpace.contains(observation)).toBe(true)
      }
      expect(distances.size).toBeGreaterThan(1)
    }
  })

  it("keep the agent out of the walls, with the two-rooms dynamics", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.constantFrom(mazeU, mazeFourRooms, mazeMedium, mazeLarge),
        fc.array(displacements(2.45), { minLength: 1, maxLength: 150, size: "max" }),
        (seed, spec, actions) => {
          const layout = prepareMaze(mazeLayouts[spec.id.slice(5) as keyof typeof mazeLayouts]).layout
          const env = spec.make()
          let [x, y] = env.reset({ seed }).observation as unknown as [number, number]
          for (const action of actions) {
            const result = env.step(action)
            const [nextX, nextY] = result.observation as unknown as [number, number]
            expect(insideWall(layout, nextX, nextY)).toBe(false)
            expect(segmentAvoidsWalls(layout, x, y, nextX, nextY, 0.5)).toBe(true)
            ;[x, y] = [nextX, nextY]
            if (result.terminated || result.truncated) break
          }
        }
      ),
      { numRuns: 60 }
    )
  })

  it("succeed strictly within half a cell of the goal", () => {
    const env = mazeU.make()
    env.reset({ options: { start: [12, 12], goal: [12, 16] } })
    expect(env.step([0, 0])).toMatchObject({ terminated: false, reward: -4, info: { success: false } })
    env.reset({ options: { start: [12, 12], goal: [12, 15.99] } })
    expect(env.step([0, 0])).toMatchObject({ terminated: true, info: { success: true } })
  })

  it("draw the other end far away when the reset options fix one", () => {
    const maze = prepareMaze(mazeLayouts.u)
    const env = mazeU.make()
    for (let seed = 0; seed < 30; seed++) {
      const fromStart = env.reset({ seed, options: { start: [12, 12] } }).info.goal as Float64Array
      expect(
        mazeDistance(maze.map, cellOf(12, 12), cellOf(fromStart[0]!, fromStart[1]!))
      ).toBeGreaterThanOrEqual(6)
      const toGoal = env.reset({ seed, options: { goal: [12, 12] } }).observation
      expect(mazeDistance(maze.map, cellOf(toGoal[0]!, toGoal[1]!), cellOf(12, 12))).toBeGreaterThanOrEqual(6)
    }
    expect(thrownBy(() => env.reset({ options: { start: [20, 28] } }))).toMatchObject({
      field: "options.start"
    })
    // A cell cut off from the rest has no cell far enough to pair with.
    const islands = makeMaze({ name: "islands", map: "#######\n#.....#\n#######\n#.#####\n#######" }).make()
    expect(thrownBy(() => islands.reset({ options: { start: [12, 28] } }))).toMatchObject({
      field: "options.start"
    })
    expect(thrownBy(() => islands.reset({ options: { goal: [12, 28] } }))).toMatchObject({
      field: "options.goal"
    })
    expect(islands.reset({ seed: 0 }).observation[1]).toBeLessThan(16)
  })
})

describe("makeMaze", () => {
  it("builds a maze of one's own, with pixel observations of the whole maze", () => {
    const zigzag = makeMaze(
      { name: "zigzag", map: "#######\n#.....#\n#####.#\n#.....#\n#.#####\n#.....#\n#######", cellSize: 6 },
      { observation: "pixels", imageSize: 42 }
    )
    expect(zigzag.id).toBe("maze-zigzag-pixels-42")
    const env = zigzag.make()
    const { observation, info } = env.reset({ seed: 3 })
    expect(env.observationSpace.shape).toEqual([2, 42, 42])
    expect(observation).toHaveLength(2 * 42 * 42)
    expect(info.goalImage).toBeInstanceOf(Uint8Array)
    // At 42 px for 42 px of maze, a wall pixel is a wall cell: the top-left corner.
    expect(observation[42 * 42]).toBe(1)
    expect(makeMaze("medium", { observation: "pixels" }).id).toBe("maze-medium-pixels")
  })

  it("names what is wrong with a layout", () => {
    expect(thrownBy(() => makeMaze("spiral" as never))).toBeInstanceOf(UnknownNameError)
    expect(thrownBy(() => makeMaze({ name: "My Maze", map: "#..#" }))).toMatchObject({ field: "layout.name" })
    expect(thrownBy(() => makeMaze({ name: "tiny", map: "#..#", cellSize: 1 }))).toMatchObject({
      field: "layout.cellSize"
    })
    const parseError = thrownBy(() => makeMaze({ name: "typo", map: "####\n#.o#\n####" }))
    expect(parseError).toBeInstanceOf(MazeMapError)
    expect(parseError).toMatchObject({ line: 2, column: 3 })
    expect(thrownBy(() => makeMaze({ name: "huge", map: ".".repeat(49) }))).toMatchObject({
      field: "layout.map"
    })
    expect(thrownBy(() => makeMaze("u", { observation: "depth" } as never))).toBeInstanceOf(InvalidValueError)
  })
})
