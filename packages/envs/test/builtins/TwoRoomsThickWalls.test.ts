/**
 * The thick-walled Two-Rooms, the variant telos shipped as `two-rooms` before that became PLDM's
 * `DotWall`: these are its former tests, unchanged but for the names (its trajectories are pinned
 * bit for bit in NavigationRegression.test.ts).
 */
import { InvalidValueError, type StepResult } from "@telos/core"
import {
  envRegistry,
  insideWall,
  makeTwoRoomsThickWalls,
  type NavigationState,
  twoRoomsThickWalls,
  twoRoomsThickWallsPixels
} from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  thickWallsGeometry,
  thickWallsLayout,
  thickWallsSide
} from "../../src/builtins/TwoRoomsThickWallsLayout.js"
import { displacements, freePoints, segmentAvoidsWalls } from "../navigationSupport.js"
import { thrownBy } from "../support.js"

const positionOf = (observation: Float64Array): [number, number] => [observation[0]!, observation[1]!]
const at = (x: number, y: number): NavigationState => ({ x, y, goalX: 0, goalY: 0, windX: 0, windY: 0 })
const goalOf = (info: Readonly<Record<string, unknown>>): [number, number] => {
  const goal = info.goal as Float64Array
  return [goal[0]!, goal[1]!]
}

describe("two-rooms-thick-walls geometry", () => {
  it("has 5-px borders, a 3-px middle wall at [31, 34) and a door at y in [6, 14)", () => {
    const free: ReadonlyArray<readonly [number, number]> = [
      [5, 5],
      [58.99, 58.99],
      [30.99, 30],
      [34, 30],
      [32, 6],
      [32, 13.99],
      [31, 10]
    ]
    const walls: ReadonlyArray<readonly [number, number]> = [
      [4.99, 30],
      [59, 30],
      [20, 4.99],
      [20, 59],
      [31, 30],
      [33.99, 30],
      [32, 5.99],
      [32, 14],
      [32, 58]
    ]
    for (const [x, y] of free) expect(insideWall(thickWallsLayout, x, y)).toBe(false)
    for (const [x, y] of walls) expect(insideWall(thickWallsLayout, x, y)).toBe(true)
    expect([thickWallsSide(30.99), thickWallsSide(31), thickWallsSide(33.99), thickWallsSide(34)]).toEqual([
      "left",
      "door",
      "door",
      "right"
    ])
  })
})

describe("two-rooms-thick-walls episodes", () => {
  it("draws start and goal in opposite rooms, 2.6 px clear of the walls, each room equally often", () => {
    const env = twoRoomsThickWalls.make()
    let agentLeft = 0
    for (let seed = 0; seed < 400; seed++) {
      const { observation, info } = env.reset({ seed })
      const [x, y] = positionOf(observation)
      const [goalX, goalY] = goalOf(info)
      const sides = [thickWallsSide(x), thickWallsSide(goalX)].sort()
      expect(sides).toEqual(["left", "right"])
      if (thickWallsSide(x) === "left") agentLeft++
      for (const [pointX, pointY] of [
        [x, y],
        [goalX, goalY]
      ] as const) {
        expect(pointY).toBeGreaterThanOrEqual(5 + 2.6)
        expect(pointY).toBeLessThanOrEqual(59 - 2.6)
        const [low, high] = pointX < 31 ? [5, 31] : [34, 59]
        expect(pointX).toBeGreaterThanOrEqual(low + 2.6)
        expect(pointX).toBeLessThanOrEqual(high - 2.6)
      }
    }
    expect(agentLeft).toBeGreaterThan(150)
    expect(agentLeft).toBeLessThan(250)
  })

  it("never enters a wall, leaves the arena, or changes room except through the door", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.option(freePoints(thickWallsLayout, 5, 59), { nil: undefined }),
        fc.array(displacements(2.45), { minLength: 1, maxLength: 200, size: "max" }),
        (seed, start, actions) => {
          const env = twoRoomsThickWalls.make()
          let [x, y] = positionOf(
            env.reset({ seed, ...(start === undefined ? {} : { options: { start } }) }).observation
          )
          for (const [dx, dy] of actions) {
            const result = env.step([dx, dy])
            const [nextX, nextY] = positionOf(result.observation)
            expect(insideWall(thickWallsLayout, nextX, nextY)).toBe(false)
            expect(nextX >= 5 && nextX < 59 && nextY >= 5 && nextY < 59).toBe(true)
            expect(segmentAvoidsWalls(thickWallsLayout, x, y, nextX, nextY, 0.5)).toBe(true)
            // Entering the middle wall's slab from a room means crossing its face, along the
            // action's line (the push-back off a wall is vertical there), inside the door.
            const before = thickWallsSide(x)
            const after = thickWallsSide(nextX)
            if (before !== after && before !== "door") {
              const face = before === "left" ? 31 : 34
              const crossingY = y + ((face - x) / dx) * dy
              expect(crossingY).toBeGreaterThanOrEqual(6)
              expect(crossingY).toBeLessThan(14)
            }
            ;[x, y] = [nextX, nextY]
            if (result.terminated || result.truncated) break
          }
        }
      ),
      {
        numRuns: 150,
        // A move that rounded onto the bottom wall's face (y = 59) once ended inside it.
        examples: [
          [
            0,
            [5, 58.99999999997629],
            [
              [2.45, -2.4499999999762947],
              [3e-323, -1.0544776707170904e-186],
              [7.4e-323, 2.45],
              [0, -2.45]
            ]
          ]
        ]
      }
    )
  })

  it("crosses to the other room through the door", () => {
    const env = twoRoomsThickWalls.make()
    env.reset({ seed: 0, options: { start: [28, 10], goal: [50, 10] } })
    let last = env.step([2, 0])
    for (let step = 0; step < 3; step++) last = env.step([2, 0])
    expect(positionOf(last.observation)).toEqual([36, 10])
    expect(last.reward).toBeCloseTo(-14, 12)
  })

  it("steps a batch exactly as single copies seeded seed + i", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.array(displacements(2.45), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 40,
          size: "max"
        }),
        (seed, batches) => {
          const vector = twoRoomsThickWalls.makeVector(3)
          const singles = [0, 1, 2].map(() => twoRoomsThickWalls.make())
          const ended = [false, false, false]
          expect(vector.reset({ seed }).map((result) => result.observation)).toEqual(
            singles.map((env, index) => env.reset({ seed: seed + index }).observation)
          )
          for (const actions of batches) {
            const batched = vector.step(actions)
            singles.forEach((env, index) => {
              // Next-step autoreset: the step after an episode's end is spent on a reset.
              let expected: StepResult<Float64Array>
              if (ended[index]) {
                const { observation, info } = env.reset()
                expected = { observation, reward: 0, terminated: false, truncated: false, info }
              } else expected = env.step(actions[index]!)
              ended[index] = expected.terminated || expected.truncated
              expect(batched[index]).toEqual(expected)
            })
          }
        }
      ),
      { numRuns: 30 }
    )
  })

  it("succeeds when ((x - gx)^2 + (y - gy)^2) / 2 < 1, and rewards minus the distance", () => {
    const env = twoRoomsThickWalls.make()
    env.reset({ options: { start: [20, 20], goal: [21, 21] } })
    const boundary = env.step([0, 0])
    expect(boundary).toMatchObject({ terminated: false, info: { success: false } })
    expect(boundary.reward).toBe(-Math.SQRT2)
    env.reset({ options: { start: [20, 20], goal: [21, 20.999999] } })
    expect(env.step([0, 0])).toMatchObject({ terminated: true, truncated: false, info: { success: true } })
    env.reset({ options: { start: [20, 20], goal: [22.4, 21] } })
    const reached = env.step([1.5, 0.5])
    expect(reached).toMatchObject({ terminated: true, info: { success: true } })
    expect(reached.reward).toBeCloseTo(-Math.hypot(0.9, 0.5), 12)
  })

  it("truncates after 200 steps", () => {
    const env = twoRoomsThickWalls.make()
    env.reset({ options: { start: [10, 50], goal: [50, 50] } })
    for (let step = 1; step < 200; step++) expect(env.step([0, 0]).truncated).toBe(false)
    expect(env.step([0, 0])).toMatchObject({ terminated: false, truncated: true })
    expect(twoRoomsThickWalls.definition.maxEpisodeSteps).toBe(thickWallsGeometry.maxEpisodeSteps)
  })

  it("keeps the fixed start's room for the goal and names bad reset options", () => {
    const env = twoRoomsThickWalls.make()
    for (let seed = 0; seed < 20; seed++) {
      const { info } = env.reset({ seed, options: { start: [50, 30] } })
      expect(thickWallsSide(goalOf(info)[0])).toBe("left")
    }
    expect(thrownBy(() => env.reset({ options: { start: [32, 30] } }))).toMatchObject({
      _tag: "InvalidValueError",
      field: "options.start"
    })
    expect(thrownBy(() => env.reset({ options: { goal: [2, 30] } }))).toMatchObject({
      field: "options.goal[0]"
    })
    expect(thrownBy(() => env.reset({ options: { wind: "east" } }))).toMatchObject({ field: "options.wind" })
    env.reset({ seed: 0 })
    expect(thrownBy(() => env.step([2.5, 0]))).toMatchObject({ field: "action[0]" })
  })

  it("renders the walls, the goal and the agent as SVG", () => {
    const env = twoRoomsThickWalls.make()
    env.reset({ seed: 0 })
    const svg = env.render()
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/)
    expect(svg.match(/<circle/g)).toHaveLength(2)
  })
})

describe("two-rooms-thick-walls observations and options", () => {
  it("observes [x, y] by default, inside the observation space", () => {
    const env = twoRoomsThickWalls.make()
    const { observation } = env.reset({ seed: 2 })
    expect(observation).toHaveLength(2)
    expect(env.observationSpace.low).toEqual(Float64Array.of(5, 5))
    expect(env.observationSpace.high).toEqual(Float64Array.of(59, 59))
    expect(env.observationSpace.contains(observation)).toBe(true)
    expect(twoRoomsThickWalls.hasGroundTruthModel).toBe(true)
  })

  it("observes the 2-channel image scaled to [0, 1] and reports the goal as an image too", () => {
    const env = twoRoomsThickWallsPixels.make()
    const { observation, info } = env.reset({ seed: 2, options: { start: [20.5, 30.5], goal: [45.5, 12.5] } })
    expect(env.observationSpace.shape).toEqual([2, 64, 64])
    expect(env.observationSpace.contains(observation)).toBe(true)
    const image = twoRoomsThickWallsPixels.definition.image!
    const expected = image.render(at(20.5, 30.5))
    expect(Array.from(observation)).toEqual(Array.from(expected, (value) => value / 255))
    expect(observation[30 * 64 + 20]).toBe(1)
    expect(info.goalImage).toEqual(image.render(at(45.5, 12.5)))
    expect(goalOf(info)).toEqual([45.5, 12.5])
    expect(twoRoomsThickWallsPixels.hasGroundTruthModel).toBe(false)

    const small = makeTwoRoomsThickWalls({ observation: "pixels", imageSize: 32 })
    expect(small.id).toBe("two-rooms-thick-walls-pixels-32")
    expect(small.make().reset({ seed: 0 }).observation).toHaveLength(2 * 32 * 32)
    expect(makeTwoRoomsThickWalls({ imageSize: 32 }).definition.image?.width).toBe(32)
  })

  it("names the field of a bad factory option", () => {
    for (const [options, field] of [
      [{ observation: "rgb" }, "options.observation"],
      [{ imageSize: 7 }, "options.imageSize"],
      [{ imageSize: 32.5 }, "options.imageSize"],
      [{ imageSize: "64" }, "options.imageSize"],
      [{ size: 64 }, "options.size"],
      [42, "options"]
    ] as const) {
      const error = thrownBy(() => makeTwoRoomsThickWalls(options as never))
      expect(error).toBeInstanceOf(InvalidValueError)
      expect((error as InvalidValueError).field).toBe(field)
    }
  })

  it("is registered as two-rooms-thick-walls and two-rooms-thick-walls-pixels, with its own model", () => {
    expect(envRegistry.get("two-rooms-thick-walls")).toBe(twoRoomsThickWalls)
    expect(envRegistry.get("two-rooms-thick-walls-pixels")).toBe(twoRoomsThickWallsPixels)
    expect(twoRoomsThickWalls.groundTruthModel().name).toBe("two-rooms-thick-walls-dynamics")
    expect(twoRoomsThickWalls.description).toMatch(
      /5-px borders.*half a pixel early.*without sideways noise.*door rows 6-13/
    )
  })

  it("reports no wallHit and keeps the pixel-centre convention i + 0.5", () => {
    const env = twoRoomsThickWalls.make()
    expect(env.reset({ seed: 0 }).info).not.toHaveProperty("wallHit")
    // The dot's peak is at the pixel whose square holds the agent: (20, 30) for [20.5, 30.5].
    const pixels = twoRoomsThickWallsPixels.definition.image!.render(at(20.5, 30.5))
    expect(pixels[30 * 64 + 20]).toBe(255)
  })
})
