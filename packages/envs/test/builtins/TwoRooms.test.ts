import { InvalidValueError, Random, type StepResult } from "@telos/core"
import { envRegistry, makeTwoRooms, type NavigationState, twoRooms, twoRoomsPixels } from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  insideTwoRoomsWall,
  twoRoomsGeometry,
  twoRoomsImage,
  twoRoomsLayout,
  twoRoomsSide,
  twoRoomsWallPixel
} from "../../src/builtins/TwoRoomsLayout.js"
import { twoRoomsMove, twoRoomsPhysics } from "../../src/builtins/TwoRoomsPhysics.js"
import { insideWall } from "../../src/physics/WallLayout.js"
import { displacements } from "../navigationSupport.js"
import { thrownBy } from "../support.js"

const positionOf = (observation: Float64Array): [number, number] => [observation[0]!, observation[1]!]
const at = (x: number, y: number): NavigationState => ({ x, y, goalX: 0, goalY: 0, windX: 0, windY: 0 })
const goalOf = (info: Readonly<Record<string, unknown>>): [number, number] => {
  const goal = info.goal as Float64Array
  return [goal[0]!, goal[1]!]
}
const f32 = Math.fround

const move = (
  x: number,
  y: number,
  dx: number,
  dy: number,
  seed = 0
): { end: [number, number]; hit: boolean } => {
  const target = new Float64Array(2)
  const hit = twoRoomsMove(x, y, dx, dy, Random.fromSeed(seed), target)
  return { end: [target[0]!, target[1]!], hit }
}

const mean = (values: ReadonlyArray<number>): number =>
  values.reduce((total, value) => total + value, 0) / values.length

// Free points of two-rooms as the environment stores them (float32), a third of them near the door.
const freePoint = fc
  .oneof(
    fc.tuple(fc.double({ min: 4, max: 59, noNaN: true }), fc.double({ min: 4, max: 59, noNaN: true })),
    fc.tuple(fc.double({ min: 27, max: 37, noNaN: true }), fc.double({ min: 4, max: 17, noNaN: true }))
  )
  .map(([x, y]): [number, number] => [f32(x), f32(y)])
  .filter(([x, y]) => !insideTwoRoomsWall(x, y))

describe("two-rooms geometry (PLDM's DotWall)", () => {
  it("blocks the border lines 4 and 59 and the band 31 <= x <= 33 outside the door 6 <= y <= 14", () => {
    const free: ReadonlyArray<readonly [number, number]> = [
      [4.0001, 4.0001],
      [58.9999, 58.9999],
      [30.99, 30],
      [33.01, 30],
      [31, 6],
      [33, 14],
      [32, 10]
    ]
    const walls: ReadonlyArray<readonly [number, number]> = [
      [4, 30],
      [59, 30],
      [20, 4],
      [20, 59],
      [31, 30],
      [33, 30],
      [32, 5.99],
      [32, 14.01],
      [32, 4.5],
      [Number.NaN, 30]
    ]
    for (const [x, y] of free) expect(insideTwoRoomsWall(x, y), `(${x}, ${y})`).toBe(false)
    for (const [x, y] of walls) expect(insideTwoRoomsWall(x, y), `(${x}, ${y})`).toBe(true)
    expect([30.99, 31, 33, 33.01].map(twoRoomsSide)).toEqual(["left", "door", "door", "right"])
    expect(twoRoomsGeometry).toMatchObject({ borderLow: 4, borderHigh: 59, wallLeft: 31, wallRight: 33 })
  })

  it("draws its layout as the lit pixels of PLDM's wall channel, 411 of them", () => {
    let lit = 0
    for (let row = 0; row < 64; row++) {
      for (let column = 0; column < 64; column++) {
        const wall = twoRoomsWallPixel(row, column)
        if (wall) lit++
        expect(insideWall(twoRoomsLayout, column, row), `pixel (${row}, ${column})`).toBe(wall)
      }
    }
    expect(lit).toBe(411)
  })
})

describe("two-rooms moves", () => {
  it("lands a move without contact on the float32 sum, drawing nothing from the stream", () => {
    const rng = Random.fromSeed(9)
    const target = new Float64Array(2)
    expect(twoRoomsMove(20.1, 30.3, 1.7, -0.9, rng, target)).toBe(false)
    expect(Array.from(target)).toEqual([f32(20.1 + f32(1.7)), f32(30.3 + f32(-0.9))])
    expect(Array.from(target)).not.toEqual([20.1 + 1.7, 30.3 - 0.9])
    expect(rng.uniform()).toBe(Random.fromSeed(9).uniform())
  })

  it("stops where the move's line meets a face, pushed back by 0.5 |N(0, 1)| and along it by 0.5 N(0, 1)", () => {
    const pushes: Array<number> = []
    const shifts: Array<number> = []
    for (let seed = 0; seed < 2000; seed++) {
      // The line from (30, 30) along (2.4, 1.2) meets the face x = 31 at y = 30.5.
      const { end, hit } = move(30, 30, 2.4, 1.2, seed)
      expect(hit).toBe(true)
      pushes.push(31 - end[0])
      shifts.push(end[1] - 30.5)
      expect(f32(end[0])).toBe(end[0])
      expect(f32(end[1])).toBe(end[1])
    }
    expect(Math.min(...pushes)).toBeGreaterThan(0)
    expect(mean(pushes)).toBeCloseTo(0.5 * Math.sqrt(2 / Math.PI), 1)
    expect(Math.abs(mean(shifts))).toBeLessThan(0.05)
    expect(Math.sqrt(mean(shifts.map((shift) => shift * shift)))).toBeCloseTo(0.5, 1)
    // From the right room the face is x = 33, and the push-back points right.
    for (let seed = 0; seed < 50; seed++) expect(move(34, 30, -2, 0, seed).end[0]).toBeGreaterThan(33)
  })

  it("passes the door with its ends included, and stops at the door's edges inside the passage", () => {
    expect(move(29, 10, 2.45, 0)).toEqual({ end: [31.45, 10].map(f32), hit: false })
    // Along lines through the corners of the door: the face is open at y = 14 and y = 6 exactly.
    expect(move(29, 12, 2, 2)).toEqual({ end: [31, 14], hit: false })
    expect(move(29, 8, 2, -2)).toEqual({ end: [31, 6], hit: false })
    expect(move(29, 12.01, 2, 2).hit).toBe(true)
    for (let seed = 0; seed < 50; seed++) {
      // Out of the passage across y = 14 (at x = 32.125) and across y = 6 (at x = 32.15).
      const down = move(32, 13, 0.25, 2, seed)
      expect(down.hit).toBe(true)
      expect(down.end[1]).toBeLessThanOrEqual(14)
      expect(down.end[1]).toBeGreaterThan(14 - 2.5)
      expect(Math.abs(down.end[0] - 32.125)).toBeLessThan(2.5)
      const up = move(32, 7, 0.3, -2, seed)
      expect(up.hit).toBe(true)
      expect(up.end[1]).toBeGreaterThanOrEqual(6)
      expect(up.end[1]).toBeLessThan(6 + 2.5)
    }
  })

  it("keeps the nearer of two contacts at a corner and clamps 0.3 inside the room's box", () => {
    let clamped = 0
    for (let seed = 0; seed < 200; seed++) {
      // The face x = 31 is met at y = 4.2, nearer than the border y = 4 (met at x = 31.1).
      const { end, hit } = move(30.8, 4.6, 0.6, -1.2, seed)
      expect(hit).toBe(true)
      expect(end[0]).toBeLessThan(31)
      expect(end[0]).toBeGreaterThan(4)
      expect(end[1]).toBeGreaterThan(4)
      if (end[1] === f32(4.3)) clamped++
    }
    // The shift along the face takes y to 4 or below (then 4.3) a third of the time.
    expect(clamped).toBeGreaterThan(40)
    expect(clamped).toBeLessThan(100)
  })

  it("takes the limit where PLDM divides by a zero displacement, and stops a move leaving an edge it starts on", () => {
    for (let seed = 0; seed < 50; seed++) {
      // Straight down out of the passage: PLDM's edge test sees NaN and lets the agent into the wall.
      const down = move(32, 13, 0, 2.4, seed)
      expect(down.hit).toBe(true)
      expect(insideTwoRoomsWall(...down.end)).toBe(false)
      // Straight up into the border: PLDM's contact x is NaN.
      const border = move(20, 5, 0, -2, seed)
      expect(border.hit).toBe(true)
      expect(border.end.every(Number.isFinite)).toBe(true)
      expect(border.end[1]).toBeGreaterThan(4)
      // From the door's upper edge itself, down and out of the passage.
      const edge = move(32, 14, 0.5, 1, seed)
      expect(edge.hit).toBe(true)
      expect(edge.end[1]).toBeLessThanOrEqual(14)
    }
  })

  it("never ends inside a wall, and changes room only through the door", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        freePoint,
        fc.array(displacements(2.45), { minLength: 1, maxLength: 120, size: "max" }),
        (seed, start, actions) => {
          const env = twoRooms.make()
          let [x, y] = positionOf(env.reset({ seed, options: { start } }).observation)
          for (const [dx, dy] of actions) {
            const result = env.step([dx, dy])
            const [nextX, nextY] = positionOf(result.observation)
            expect(insideTwoRoomsWall(nextX, nextY)).toBe(false)
            if (twoRoomsSide(x) !== twoRoomsSide(nextX)) {
              // The move's own line crosses the faces between the two sides inside the door's span;
              // a contact's noise may also shift the agent sideways through the door's opening.
              const [toX, toY] = result.info.wallHit ? [x + dx, y + dy] : [nextX, nextY]
              const facesInDoor = [31, 33]
                .filter((face) => (x - face) * (nextX - face) <= 0 && toX !== x)
                .every((face) => {
                  const height = y + ((face - x) / (toX - x)) * (toY - y)
                  return height >= 6 - 1e-9 && height <= 14 + 1e-9
                })
              const throughOpening = result.info.wallHit === true && nextY >= 6 && nextY <= 14
              expect(facesInDoor || throughOpening, `from (${x}, ${y}) by (${dx}, ${dy})`).toBe(true)
            }
            ;[x, y] = [nextX, nextY]
            if (result.terminated || result.truncated) break
          }
        }
      ),
      {
        numRuns: 300,
        // Out of the passage from its corner (31, 6), then across the face x = 31 into the border.
        examples: [
          [
            -2013233121,
            [31, 6],
            [
              [0, -2.45],
              [-2.45, -2.45],
              [0, 0]
            ]
          ]
        ]
      }
    )
  })
})

describe("two-rooms episodes", () => {
  it("draws start and goal over PLDM's ranges in opposite rooms, each room equally often", () => {
    const env = twoRooms.make()
    let agentLeft = 0
    const xs: Array<number> = []
    const ys: Array<number> = []
    for (let seed = 0; seed < 400; seed++) {
      const { observation, info } = env.reset({ seed })
      const [x, y] = positionOf(observation)
      const [goalX, goalY] = goalOf(info)
      expect([twoRoomsSide(x), twoRoomsSide(goalX)].sort()).toEqual(["left", "right"])
      if (twoRoomsSide(x) === "left") agentLeft++
      for (const value of [x, y, goalX, goalY]) expect(f32(value)).toBe(value)
      xs.push(x, goalX)
      ys.push(y, goalY)
    }
    const slack = 1e-6
    const left = xs.filter((x) => x < 32)
    const right = xs.filter((x) => x > 32)
    for (const [values, low, high] of [
      [left, 6.6, 28.4],
      [right, 35.6, 56.4],
      [ys, 6.6, 56.4]
    ] as const) {
      expect(Math.min(...values)).toBeGreaterThanOrEqual(low - slack)
      expect(Math.max(...values)).toBeLessThanOrEqual(high + slack)
      // The whole range is used, not a narrower one.
      expect(Math.min(...values)).toBeLessThan(low + 0.5)
      expect(Math.max(...values)).toBeGreaterThan(high - 0.5)
    }
    expect(agentLeft).toBeGreaterThan(150)
    expect(agentLeft).toBeLessThan(250)
  })

  it("crosses to the other room through the door", () => {
    const env = twoRooms.make()
    env.reset({ seed: 0, options: { start: [28, 10], goal: [50, 10] } })
    let last = env.step([2, 0])
    for (let step = 0; step < 3; step++) last = env.step([2, 0])
    expect(positionOf(last.observation)).toEqual([36, 10])
    expect(last.info.wallHit).toBe(false)
    expect(last.reward).toBe(-14)
  })

  it("reports wallHit: false after a reset and a free move, true on contact", () => {
    const env = twoRooms.make()
    expect(env.reset({ seed: 0, options: { start: [29, 30] } }).info.wallHit).toBe(false)
    expect(env.step([1, 0]).info.wallHit).toBe(false)
    const blocked = env.step([2, 0])
    expect(blocked.info.wallHit).toBe(true)
    expect(positionOf(blocked.observation)[0]).toBeLessThan(31)
  })

  it("gives the same trajectory for the same seed, and other contact noise for another", () => {
    const run = (seed: number): Array<number> => {
      const env = twoRooms.make()
      env.reset({ seed, options: { start: [25, 30], goal: [50, 50] } })
      return Array.from({ length: 20 }, () => Array.from(env.step([2.45, 0.3]).observation)).flat()
    }
    expect(run(3)).toEqual(run(3))
    expect(run(4)).not.toEqual(run(3))
  })

  it("clips actions outside the box onto it, and still rejects NaN", () => {
    const [clipped, onBound] = [
      [5, -3],
      [2.45, -2.45]
    ].map((action) => {
      const env = twoRooms.make()
      env.reset({ seed: 1, options: { start: [20, 30] } })
      return env.step(action)
    })
    expect(clipped).toEqual(onBound)
    expect(twoRooms.definition.outOfRangeActions).toBe("clip")
    const env = twoRooms.make()
    env.reset({ seed: 0 })
    expect(thrownBy(() => env.step([Number.NaN, 0]))).toMatchObject({ field: "action[0]" })
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
          const vector = twoRooms.makeVector(3)
          const singles = [0, 1, 2].map(() => twoRooms.make())
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
    const env = twoRooms.make()
    env.reset({ options: { start: [20, 20], goal: [21, 21] } })
    const boundary = env.step([0, 0])
    expect(boundary).toMatchObject({ terminated: false, info: { success: false } })
    expect(boundary.reward).toBe(-Math.SQRT2)
    env.reset({ options: { start: [20, 20], goal: [21, 20.999] } })
    expect(env.step([0, 0])).toMatchObject({ terminated: true, truncated: false, info: { success: true } })
    env.reset({ options: { start: [20, 20], goal: [22.5, 21] } })
    const reached = env.step([1.5, 0.5])
    expect(reached).toMatchObject({ terminated: true, info: { success: true } })
    expect(reached.reward).toBe(-Math.hypot(1, 0.5))
  })

  it("truncates after 200 steps", () => {
    const env = twoRooms.make()
    env.reset({ options: { start: [10, 50], goal: [50, 50] } })
    for (let step = 1; step < 200; step++) expect(env.step([0, 0]).truncated).toBe(false)
    expect(env.step([0, 0])).toMatchObject({ terminated: false, truncated: true })
    expect(twoRooms.definition.maxEpisodeSteps).toBe(twoRoomsGeometry.maxEpisodeSteps)
  })

  it("puts the goal in the room across PLDM's side rule (x < 32) from a fixed start, rounded to float32", () => {
    const env = twoRooms.make()
    for (let seed = 0; seed < 20; seed++) {
      expect(twoRoomsSide(goalOf(env.reset({ seed, options: { start: [50, 30] } }).info)[0])).toBe("left")
      expect(twoRoomsSide(goalOf(env.reset({ seed, options: { start: [31.5, 10] } }).info)[0])).toBe("right")
      expect(twoRoomsSide(goalOf(env.reset({ seed, options: { start: [32.5, 10] } }).info)[0])).toBe("left")
    }
    const { observation, info } = env.reset({ options: { start: [10.1, 20.2], goal: [50.3, 40.7] } })
    expect(positionOf(observation)).toEqual([f32(10.1), f32(20.2)])
    expect(goalOf(info)).toEqual([f32(50.3), f32(40.7)])
    // Points just inside the borders are accepted, as the reference's positions need.
    expect(positionOf(env.reset({ options: { start: [4.0013, 58.99995] } }).observation)).toEqual([
      f32(4.0013),
      f32(58.99995)
    ])
  })

  it("names bad reset options", () => {
    const env = twoRooms.make()
    for (const start of [
      [32, 30],
      [4, 30],
      [31, 5.5],
      [58.999999999, 30]
    ]) {
      expect(
        thrownBy(() => env.reset({ options: { start } })),
        `[${start}]`
      ).toMatchObject({
        _tag: "InvalidValueError",
        field: "options.start"
      })
    }
    expect(twoRoomsPhysics.insideWall(58.999999999, 30)).toBe(true)
    expect(thrownBy(() => env.reset({ options: { goal: [2, 30] } }))).toMatchObject({
      field: "options.goal[0]"
    })
    expect(thrownBy(() => env.reset({ options: { wind: "east" } }))).toMatchObject({ field: "options.wind" })
  })

  it("renders the walls, the goal and the agent as SVG", () => {
    const env = twoRooms.make()
    env.reset({ seed: 0 })
    const svg = env.render()
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/)
    expect(svg.match(/<circle/g)).toHaveLength(2)
    expect(svg.match(/<rect/g)).toHaveLength(1 + twoRoomsLayout.walls.length)
  })
})

describe("two-rooms observations and options", () => {
  it("observes [x, y] by default, inside the observation space [4, 59]^2", () => {
    const env = twoRooms.make()
    const { observation } = env.reset({ seed: 2 })
    expect(observation).toHaveLength(2)
    expect(env.observationSpace.low).toEqual(Float64Array.of(4, 4))
    expect(env.observationSpace.high).toEqual(Float64Array.of(59, 59))
    expect(env.observationSpace.contains(observation)).toBe(true)
    expect(twoRooms.hasGroundTruthModel).toBe(true)
    expect(twoRooms.groundTruthModel().name).toBe("two-rooms-dynamics")
  })

  it("observes PLDM's 2-channel image scaled to [0, 1] and reports the goal as an image too", () => {
    const env = twoRoomsPixels.make()
    const { observation, info } = env.reset({ seed: 2, options: { start: [20, 30], goal: [45.5, 12.5] } })
    expect(env.observationSpace.shape).toEqual([2, 64, 64])
    expect(env.observationSpace.contains(observation)).toBe(true)
    const image = twoRoomsPixels.definition.image!
    const expected = image.render(at(20, 30))
    expect(Array.from(observation)).toEqual(Array.from(expected, (value) => value / 255))
    // Pixel centres sit at integer coordinates: the dot at (20, 30) peaks at row 30, column 20.
    expect(observation[30 * 64 + 20]).toBe(1)
    expect(expected[30 * 64 + 21]).toBe(Math.floor(255 * Math.exp(-1 / 3.38)))
    expect(info.goalImage).toEqual(image.render(at(45.5, 12.5)))
    expect(info.position).toEqual(Float64Array.of(20, 30))
    expect(goalOf(info)).toEqual([45.5, 12.5])
    expect(twoRoomsPixels.hasGroundTruthModel).toBe(false)
  })

  it("draws PLDM's wall channel at 64 and the same arena scaled at other sizes", () => {
    const channel = (pixels: Uint8Array, size: number) => pixels.subarray(size * size)
    const at64 = channel(twoRoomsImage(64).render(at(20, 30)), 64)
    expect(at64.filter((value) => value === 255)).toHaveLength(411)
    const wallAt = (column: number, row: number): number => at64[row * 64 + column]!
    expect([30, 31, 32, 33, 34].map((column) => wallAt(column, 30))).toEqual([0, 255, 255, 255, 0])
    expect([5, 6, 14, 15].map((row) => wallAt(32, row))).toEqual([255, 0, 0, 255])
    expect([3, 4, 5, 58, 59, 60].map((row) => wallAt(20, row))).toEqual([0, 255, 0, 0, 255, 0])
    // Twice the size: each arena pixel becomes a 2 x 2 block.
    const at128 = channel(twoRoomsImage(128).render(at(20, 30)), 128)
    for (let row = 0; row < 128; row++) {
      for (let column = 0; column < 128; column++) {
        expect(at128[row * 128 + column]).toBe(at64[(row >> 1) * 64 + (column >> 1)])
      }
    }
    const small = makeTwoRooms({ observation: "pixels", imageSize: 32 })
    expect(small.id).toBe("two-rooms-pixels-32")
    expect(small.make().reset({ seed: 0 }).observation).toHaveLength(2 * 32 * 32)
    expect(makeTwoRooms({ imageSize: 32 }).definition.image?.width).toBe(32)
    expect(thrownBy(() => twoRoomsImage(0))).toBeInstanceOf(InvalidValueError)
    expect(thrownBy(() => twoRoomsImage(64).render(at(20, 30), new Uint8Array(3)))).toMatchObject({
      field: "target"
    })
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
      const error = thrownBy(() => makeTwoRooms(options as never))
      expect(error).toBeInstanceOf(InvalidValueError)
      expect((error as InvalidValueError).field).toBe(field)
    }
  })

  it("is registered as two-rooms and two-rooms-pixels", () => {
    expect(envRegistry.get("two-rooms")).toBe(twoRooms)
    expect(envRegistry.get("two-rooms-pixels")).toBe(twoRoomsPixels)
    expect(twoRooms.description).toContain("DotWall")
  })
})
