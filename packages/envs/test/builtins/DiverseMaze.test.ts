import { InvalidValueError } from "@telos/core"
import {
  type DiverseMazeOptions,
  diverseMazeLayout,
  diverseMazeSplits,
  diverseMazeVariants,
  envRegistry,
  insideWall,
  makeDiverseMaze,
  mazeDistance,
  mazeDistances,
  mazeWallLayout,
  parseMazeMap,
  type WallLayout
} from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { navigationImage } from "../../src/builtins/NavigationImage.js"
import { displacements, segmentAvoidsWalls } from "../navigationSupport.js"
import { actionSequences, runActions, thrownBy } from "../support.js"

const blockOf = (x: number, y: number) => ({ row: Math.floor(y / 8), column: Math.floor(x / 8) })
const mapOf = (layout: number) => parseMazeMap(diverseMazeLayout(layout).map)
const wallsOf = (layout: number): WallLayout => mazeWallLayout(mapOf(layout), 8)

const variants = Object.entries(diverseMazeVariants).map(([name, variant]) => ({ name, ...variant }))
const heldOutLong: DiverseMazeOptions = { name: "test-long", ...diverseMazeVariants["held-out-long"]! }

describe("registered diverse mazes", () => {
  it("are PLDM's training and held-out sets, each also seen through 64 x 64 images", () => {
    const expected = [
      ["5", [0, 4], 1, 7],
      ["20", [0, 19], 1, 7],
      ["held-out", [40, 63], 1, 7],
      ["held-out-short", [40, 63], 1, 2],
      ["held-out-medium", [40, 63], 3, 4],
      ["held-out-long", [40, 63], 5, 7],
      ["validation-long", [20, 39], 5, 7]
    ] as const
    expect(Object.keys(diverseMazeVariants)).toEqual(expected.map(([name]) => name))
    for (const [name, [first, last], minimum, maximum] of expected) {
      const variant = diverseMazeVariants[name]!
      expect(variant.layouts).toEqual(Array.from({ length: last - first + 1 }, (_, offset) => first + offset))
      expect(variant.pathLength).toEqual({ minimum, maximum })
      const state = envRegistry.get(`diverse-maze-${name}`)
      const pixels = envRegistry.get(`diverse-maze-${name}-pixels`)
      expect(state.definition.observationSpace.shape).toEqual([2])
      expect(Array.from(state.definition.observationSpace.high)).toEqual([64, 64])
      expect(pixels.definition.observationSpace.shape).toEqual([2, 64, 64])
      expect(state.definition.maxEpisodeSteps).toBe(100)
      expect(state.hasGroundTruthModel).toBe(false)
      expect(state.description).toContain("PLDM's diverse-maze family")
      expect(state.description).toContain(`layouts ${first}-${last}`)
    }
  })
})

describe("makeDiverseMaze", () => {
  it("resets the same way for the same seed", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.constantFrom(...variants),
        actionSequences(2, 2.45, 30),
        (seed, variant, actions) => {
          // Episodes that end are reset without a seed: their next start follows from this one.
          const run = () => {
            const env = makeDiverseMaze(variant).make()
            const reset = env.reset({ seed })
            const steps = runActions(env, seed, actions)
            return { reset, steps }
          }
          expect(run()).toEqual(run())
        }
      ),
      { numRuns: 40 }
    )
  })

  it("draws a layout of the set and a start and goal whose path length lies in the range", () => {
    for (const variant of variants) {
      const env = makeDiverseMaze(variant).make()
      const layouts = new Set<number>()
      const lengths = new Set<number>()
      for (let seed = 0; seed < 150; seed++) {
        const { observation, info } = env.reset({ seed })
        const layout = info.layout as number
        const goal = info.goal as Float64Array
        expect(variant.layouts).toContain(layout)
        const pathLength = info.pathLength as number
        expect(pathLength).toBeGreaterThanOrEqual(variant.pathLength.minimum)
        expect(pathLength).toBeLessThanOrEqual(variant.pathLength.maximum)
        expect(
          mazeDistance(mapOf(layout), blockOf(observation[0]!, observation[1]!), blockOf(goal[0]!, goal[1]!))
        ).toBe(pathLength)
        for (const coordinate of [observation[0]!, observation[1]!, goal[0]!, goal[1]!]) {
          expect(coordinate % 8).toBeGreaterThanOrEqual(2)
          expect(coordinate % 8).toBeLessThan(6)
        }
        expect(Array.from(info.position as Float64Array)).toEqual(Array.from(observation))
        layouts.add(layout)
        lengths.add(pathLength)
      }
      // Uniform draws cover small sets and every length of a range.
      if (variant.layouts.length <= 5) expect(layouts.size).toBe(variant.layouts.length)
      else expect(layouts.size).toBeGreaterThan(10)
      for (let length = variant.pathLength.minimum; length <= variant.pathLength.maximum; length++) {
        expect(lengths.has(length)).toBe(true)
      }
    }
  })

  it("shows the episode's layout in the wall channel, the agent in the dot channel, the goal in goalImage", () => {
    const env = envRegistry.make("diverse-maze-held-out-pixels")
    for (let seed = 0; seed < 12; seed++) {
      const { observation, info } = env.reset({ seed })
      const layout = info.layout as number
      const map = mapOf(layout)
      const walls = Array.from({ length: 64 * 64 }, (_, pixel) => {
        const [row, column] = [Math.floor(pixel / 64), pixel % 64]
        return map.free[Math.floor(row / 8) * 8 + Math.floor(column / 8)] === 0 ? 1 : 0
      })
      expect(Array.from(observation.subarray(64 * 64))).toEqual(walls)
      const [x, y] = Array.from(info.position as Float64Array) as [number, number]
      expect(observation[Math.floor(y) * 64 + Math.floor(x)]).toBeGreaterThan(0.5)
      const [goalX, goalY] = Array.from(info.goal as Float64Array) as [number, number]
      const expected = navigationImage(mazeWallLayout(map, 8), 64).render({ x: goalX, y: goalY })
      expect(info.goalImage).toEqual(expected)
    }
    // Two layouts, two pictures: the wall channel follows the episode.
    const a = env.reset({ options: { layout: 40 } }).observation.slice(64 * 64)
    const b = env.reset({ options: { layout: 41 } }).observation.slice(64 * 64)
    expect(a).not.toEqual(b)
  })

  it("keeps the agent out of the walls of the episode's layout", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(displacements(2.45), { minLength: 1, maxLength: 100, size: "max" }),
        (seed, actions) => {
          const env = envRegistry.make("diverse-maze-20")
          const { observation, info } = env.reset({ seed })
          const walls = wallsOf(info.layout as number)
          let [x, y] = [observation[0]!, observation[1]!]
          for (const action of actions) {
            const result = env.step(action)
            const [nextX, nextY] = [result.observation[0]!, result.observation[1]!]
            expect(insideWall(walls, nextX, nextY)).toBe(false)
            expect(segmentAvoidsWalls(walls, x, y, nextX, nextY, 0.5)).toBe(true)
            ;[x, y] = [nextX, nextY]
            if (result.terminated || result.truncated) break
          }
        }
      ),
      { numRuns: 40 }
    )
  })

  it("stops the agent at a wall it runs into", () => {
    // Layout 0's row 1 is "##.....#": free from x = 16 to 56, the border wall beyond.
    expect(diverseMazeLayout(0).map.split("\n")[1]).toBe("##.....#")
    const env = makeDiverseMaze({ name: "wall", layouts: [0], pathLength: { minimum: 1, maximum: 7 } }).make()
    env.reset({ options: { start: [54, 12], goal: [20, 12] } })
    for (let step = 0; step < 5; step++) {
      const { observation } = env.step([2.45, 0])
      expect(observation[0]).toBeLessThan(56)
      expect(observation[0]).toBeGreaterThan(55)
    }
  })

  it("succeeds strictly within half a block of the goal, and ends the episode there", () => {
    const env = makeDiverseMaze(heldOutLong).make()
    const layout = 40
    // A free block of layout 40, and the start and goal points inside it.
    const block = mapOf(layout).free.indexOf(1)
    const [x, y] = [(block % 8) * 8 + 2, Math.floor(block / 8) * 8 + 2]
    env.reset({ options: { layout, start: [x, y], goal: [x, y + 4] } })
    expect(env.step([0, 0])).toMatchObject({
      terminated: false,
      reward: -4,
      info: { success: false, distance: 4 }
    })
    env.reset({ options: { layout, start: [x, y], goal: [x, y + 3.99] } })
    const result = env.step([0, 0])
    expect(result).toMatchObject({ terminated: true, info: { success: true, layout, pathLength: 0 } })
    expect(result.reward).toBeCloseTo(-3.99, 10)
  })

  it("keeps the fixed parts of an episode and draws the rest within the range", () => {
    const env = makeDiverseMaze(heldOutLong).make()
    const map = mapOf(45)
    const start = map.free.indexOf(1)
    const startPoint = [(start % 8) * 8 + 4, Math.floor(start / 8) * 8 + 4]
    const reachable = mazeDistances(map, { row: Math.floor(start / 8), column: start % 8 })
    const hasFarBlock = reachable.some((distance) => distance >= 5)
    for (let seed = 0; seed < 20; seed++) {
      const { info } = env.reset({ seed, options: { layout: 45 } })
      expect(info.layout).toBe(45)
      if (!hasFarBlock) continue
      const fromStart = env.reset({ seed, options: { layout: 45, start: startPoint } })
      expect(Array.from(fromStart.observation)).toEqual(startPoint)
      expect(fromStart.info.pathLength).toBeGreaterThanOrEqual(5)
      const goal = fromStart.info.goal as Float64Array
      expect(mazeDistance(map, blockOf(startPoint[0]!, startPoint[1]!), blockOf(goal[0]!, goal[1]!))).toBe(
        fromStart.info.pathLength
      )
      const toGoal = env.reset({ seed, options: { layout: 45, goal: startPoint } })
      expect(Array.from(toGoal.info.goal as Float64Array)).toEqual(startPoint)
      expect(toGoal.info.pathLength).toBeGreaterThanOrEqual(5)
    }
    expect(hasFarBlock).toBe(true)
    // With both ends fixed the range does not apply; the path length is still measured.
    const near = env.reset({ options: { layout: 45, start: startPoint, goal: startPoint } })
    expect(near.info.pathLength).toBe(0)
  })

  it("draws the episode's layout in SVG", () => {
    const env = envRegistry.make("diverse-maze-5")
    const { info } = env.reset({ seed: 1 })
    const svg = env.render()
    expect(svg).toContain('viewBox="0 0 64 64"')
    const rectangles = svg.match(/<rect /g)?.length ?? 0
    expect(rectangles).toBe(wallsOf(info.layout as number).walls.length + 1)
  })

  it("names what is wrong with its options", () => {
    const good: DiverseMazeOptions = { name: "good", layouts: [0, 1], pathLength: { minimum: 1, maximum: 7 } }
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{ ...good, name: "Not Good" }, "options.name"],
      [{ ...good, layouts: [] }, "options.layouts"],
      [{ ...good, layouts: "0-4" }, "options.layouts"],
      [{ ...good, layouts: [0, -1] }, "options.layouts[1]"],
      [{ ...good, layouts: [0, 1.5] }, "options.layouts[1]"],
      [{ ...good, layouts: [3, 1, 3] }, "options.layouts[2]"],
      [{ ...good, pathLength: undefined }, "options.pathLength"],
      [{ ...good, pathLength: { minimum: 0, maximum: 3 } }, "options.pathLength.minimum"],
      [{ ...good, pathLength: { minimum: 2.5, maximum: 3 } }, "options.pathLength.minimum"],
      [{ ...good, pathLength: { minimum: 3, maximum: 2 } }, "options.pathLength.maximum"],
      // Every layout crosses in at most 7 blocks: no pair is 8 apart.
      [{ ...good, pathLength: { minimum: 8, maximum: 9 } }, "options.pathLength"],
      [{ ...good, observation: "depth" }, "options.observation"],
      [{ ...good, imageSize: 3 }, "options.imageSize"],
      [{ ...good, maxEpisodeSteps: 0 }, "options.maxEpisodeSteps"],
      [{ ...good, layout: 3 }, "options.layout"],
      [null, "options"]
    ]
    for (const [options, field] of cases) {
      const error = thrownBy(() => makeDiverseMaze(options as DiverseMazeOptions))
      expect(error, field).toBeInstanceOf(InvalidValueError)
      expect(error, field).toMatchObject({ field })
    }
    expect(makeDiverseMaze({ ...good, observation: "pixels", imageSize: 32 }).id).toBe(
      "diverse-maze-good-pixels-32"
    )
    expect(makeDiverseMaze({ ...good, maxEpisodeSteps: 40 }).definition.maxEpisodeSteps).toBe(40)
  })

  it("names what is wrong with its reset options", () => {
    const env = makeDiverseMaze(heldOutLong).make()
    const map = mapOf(40)
    const free = map.free.indexOf(1)
    const freePoint = [(free % 8) * 8 + 4, Math.floor(free / 8) * 8 + 4]
    const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
      [{ layout: 3 }, "options.layout"],
      [{ layout: "40" }, "options.layout"],
      [{ layout: 40, start: [4, 4] }, "options.start"],
      [{ layout: 40, goal: [60, 60] }, "options.goal"],
      [{ start: [70, 10] }, "options.start[0]"],
      [{ start: [10] }, "options.start"],
      [{ strat: freePoint }, "options.strat"]
    ]
    for (const [options, field] of cases) {
      const error = thrownBy(() => env.reset({ options }))
      expect(error, field).toBeInstanceOf(InvalidValueError)
      expect(error, field).toMatchObject({ field })
    }
    // A block with no other block 5 to 7 away cannot be one end of a long episode.
    const centre = diverseMazeSplits
      .heldOut()
      .flatMap((layout) => {
        const layoutMap = mapOf(layout)
        return Array.from(layoutMap.free.keys())
          .filter((block) => layoutMap.free[block] === 1)
          .filter((block) =>
            mazeDistances(layoutMap, { row: Math.floor(block / 8), column: block % 8 }).every(
              (distance) => distance < 5
            )
          )
          .map((block) => ({ layout, point: [(block % 8) * 8 + 4, Math.floor(block / 8) * 8 + 4] }))
      })
      .at(0)
    expect(centre).toBeDefined()
    expect(
      thrownBy(() => env.reset({ options: { layout: centre!.layout, start: centre!.point } }))
    ).toMatchObject({
      field: "options.start"
    })
    expect(
      thrownBy(() => env.reset({ options: { layout: centre!.layout, goal: centre!.point } }))
    ).toMatchObject({
      field: "options.goal"
    })
  })
})
