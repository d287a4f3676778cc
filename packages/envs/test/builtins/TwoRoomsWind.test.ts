import {
  envRegistry,
  insideWall,
  makeTwoRoomsWind,
  twoRoomsThickWalls,
  twoRoomsWind,
  twoRoomsWinds
} from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { thickWallsLayout } from "../../src/builtins/TwoRoomsThickWallsLayout.js"
import { displacements } from "../navigationSupport.js"
import { thrownBy } from "../support.js"

const windOf = (info: Readonly<Record<string, unknown>>): [number, number] => {
  const wind = info.wind as Float64Array
  return [wind[0]!, wind[1]!]
}

describe("two-rooms-wind", () => {
  it("draws one of four winds per episode, different across seeds, hidden from the observation", () => {
    const env = twoRoomsWind.make()
    const seen = new Set<string>()
    for (let seed = 0; seed < 40; seed++) {
      const { observation, info } = env.reset({ seed })
      expect(observation).toHaveLength(2)
      const [x, y] = windOf(info)
      expect(twoRoomsWinds.some((wind) => wind.x === x && wind.y === y)).toBe(true)
      seen.add(`${x},${y}`)
    }
    expect(seen.size).toBe(4)
  })

  it("shifts every free move by exactly the drift", () => {
    fc.assert(
      fc.property(fc.integer(), displacements(2.45), (seed, [dx, dy]) => {
        const env = twoRoomsWind.make()
        // The middle of the left room: no wall within 3.2 px.
        const { info } = env.reset({ seed, options: { start: [18, 32], goal: [50, 32] } })
        const [windX, windY] = windOf(info)
        const { observation } = env.step([dx, dy])
        expect(Array.from(observation)).toEqual([18 + (dx + windX), 32 + (dy + windY)])
      })
    )
  })

  it("still stops at walls, wind or not", () => {
    const env = twoRoomsWind.make()
    for (let seed = 0; seed < 20; seed++) {
      env.reset({ seed, options: { start: [29, 40], wind: "east" } })
      for (let step = 0; step < 10; step++) {
        const [x, y] = env.step([2.45, 0]).observation
        expect(x).toBeLessThan(31)
        expect(insideWall(thickWallsLayout, x!, y!)).toBe(false)
      }
    }
  })

  it("places start and goal as two-rooms-thick-walls does for the same seed, and lets the options fix the wind", () => {
    for (let seed = 0; seed < 20; seed++) {
      const windy = twoRoomsWind.make().reset({ seed })
      const still = twoRoomsThickWalls.make().reset({ seed })
      expect(windy.observation).toEqual(still.observation)
      expect(windy.info.goal).toEqual(still.info.goal)
      expect(windOf(twoRoomsWind.make().reset({ seed, options: { wind: "north" } }).info)).toEqual([0, -0.75])
    }
    expect(thrownBy(() => twoRoomsWind.make().reset({ options: { wind: "up" } }))).toMatchObject({
      _tag: "InvalidValueError",
      field: "options.wind"
    })
  })

  it("is registered, offers pixels, and its model takes the wind as latent variable", () => {
    expect(envRegistry.get("two-rooms-wind")).toBe(twoRoomsWind)
    const pixels = makeTwoRoomsWind({ observation: "pixels", imageSize: 32 })
    expect(pixels.id).toBe("two-rooms-wind-pixels-32")
    expect(pixels.make().reset({ seed: 0 }).info.wind).toBeInstanceOf(Float64Array)
    expect(twoRoomsWind.groundTruthModel().name).toBe("two-rooms-thick-walls-dynamics")
  })
})
