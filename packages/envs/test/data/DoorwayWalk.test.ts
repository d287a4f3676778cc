import { Box, InvalidValueError, Random } from "@telos/core"
import {
  checkDoorway,
  collectEpisodes,
  type Doorway,
  doorwayWalkPolicy,
  type ExplorationPolicy,
  randomWalkPolicy,
  twoRooms,
  twoRoomsPixels
} from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { thrownBy } from "../support.js"

const moves = new Box({ low: -2.45, high: 2.45, shape: [2] })
const twoRoomsDoor = twoRooms.definition.doorways?.[0] as Doorway

/** Episodes of `policy` in `two-rooms`, as the x of every step, one array per episode. */
const walks = (policy: ExplorationPolicy, episodes: number, episodeLength: number, seed: number) => {
  const result: Array<Array<number>> = []
  for (const chunk of collectEpisodes({
    spec: twoRooms,
    policy,
    transitions: episodes * episodeLength,
    episodeLength,
    seed
  })) {
    let row = 0
    for (const length of chunk.episodeLengths) {
      result.push(
        Array.from({ length: length + 1 }, (_, step) => chunk.observations[(row + step) * 2] as number)
      )
      row += length + 1
    }
  }
  return result
}

/** Whether an episode's x ever changes room (the middle wall is the band 31 <= x <= 33). */
const changesRoom = (xs: ReadonlyArray<number>): boolean => xs.some((x) => x > 33) && xs.some((x) => x < 31)

describe("doorwayWalkPolicy", () => {
  it("sends every episode through the door at rate 1, where a plain random walk seldom crosses", () => {
    const through = walks(doorwayWalkPolicy(moves, { doorways: [twoRoomsDoor], rate: 1 }), 60, 90, 3)
    const plain = walks(randomWalkPolicy(moves), 60, 90, 3)
    // An episode that reaches its goal on the way ends early; those that ran their 90 steps count.
    const full = through.filter((xs) => xs.length === 91)
    expect(full.length).toBeGreaterThan(40)
    expect(full.filter(changesRoom).length).toBe(full.length)
    expect(plain.filter(changesRoom).length).toBeLessThan(full.length / 2)
  })

  it("crosses in about the share asked for", () => {
    const episodes = walks(doorwayWalkPolicy(moves, { doorways: [twoRoomsDoor], rate: 0.5 }), 200, 90, 5)
    const plain = walks(randomWalkPolicy(moves), 200, 90, 5)
    const share = (set: ReadonlyArray<ReadonlyArray<number>>) => set.filter(changesRoom).length / set.length
    // Half are sent through; of the other half some cross by chance, as the plain walk's do.
    expect(share(episodes)).toBeGreaterThan(0.5 + share(plain) * 0.5 - 0.1)
    expect(share(episodes)).toBeLessThan(0.5 + share(plain) * 0.5 + 0.1)
  })

  it("is the random walk itself at rate 0, action for action", () => {
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        const walk = randomWalkPolicy(moves).startEpisode(Random.fromSeed(seed))
        const doorway = doorwayWalkPolicy(moves, { doorways: [twoRoomsDoor], rate: 0 }).startEpisode(
          Random.fromSeed(seed)
        )
        const at = Float64Array.of(10, 40)
        for (let step = 0; step < 20; step++) {
          expect(doorway.act(at, new Float64Array(2))).toEqual(walk.act(at, new Float64Array(2)))
        }
      })
    )
  })

  it("keeps every move in the box and within the walk's longest step, and repeats itself for a seed", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 60, noNaN: true }), fc.double({ min: 0, max: 60, noNaN: true })),
          {
            minLength: 1,
            maxLength: 30
          }
        ),
        (seed, rate, positions) => {
          const policy = doorwayWalkPolicy(moves, { doorways: [twoRoomsDoor], rate, maximumStep: 2 })
          const run = () => {
            const episode = policy.startEpisode(Random.fromSeed(seed))
            return positions.map(([x, y]) => episode.act(Float64Array.of(x, y), new Float64Array(2)).slice())
          }
          const actions = run()
          for (const action of actions) {
            expect(Math.abs(action[0] as number)).toBeLessThanOrEqual(2.45)
            expect(Math.abs(action[1] as number)).toBeLessThanOrEqual(2.45)
            expect(Math.hypot(action[0] as number, action[1] as number)).toBeLessThanOrEqual(2 + 1e-9)
          }
          expect(run()).toEqual(actions)
        }
      )
    )
  })

  it("records its rate and the walk's settings", () => {
    expect(doorwayWalkPolicy(moves, { doorways: [twoRoomsDoor], rate: 0.6 }).settings).toEqual({
      policy: "doorway-walk",
      concentration: 5,
      minimumStep: 0,
      maximumStep: 2.45,
      doorwayRate: 0.6
    })
  })

  it("rejects a rate outside [0, 1], a missing doorway and a broken one, naming the field", () => {
    for (const rate of [-0.1, 1.5, Number.NaN]) {
      const error = thrownBy(() => doorwayWalkPolicy(moves, { doorways: [twoRoomsDoor], rate }))
      expect(error).toBeInstanceOf(InvalidValueError)
      expect((error as InvalidValueError).field).toBe("rate")
    }
    const none = thrownBy(() => doorwayWalkPolicy(moves, { doorways: [], rate: 0.5 }))
    expect((none as InvalidValueError).field).toBe("doorways")
    const broken: ReadonlyArray<[Doorway, string]> = [
      [{ centre: [32, Number.NaN], halfExtent: [1, 2], axis: [1, 0] }, "doorways[0].centre"],
      [{ centre: [32, 10], halfExtent: [-1, 2], axis: [1, 0] }, "doorways[0].halfExtent"],
      [{ centre: [32, 10], halfExtent: [1, 2], axis: [0, 0] }, "doorways[0].axis"]
    ]
    for (const [doorway, field] of broken) {
      const error = thrownBy(() => doorwayWalkPolicy(moves, { doorways: [doorway], rate: 0.5 }))
      expect(error).toBeInstanceOf(InvalidValueError)
      expect((error as InvalidValueError).field).toBe(field)
    }
  })
})

describe("checkDoorway", () => {
  it("normalises the axis", () => {
    expect(checkDoorway({ centre: [1, 2], halfExtent: [0, 0], axis: [0, -3] }, "p").axis).toEqual([0, -1])
  })
})

describe("two-rooms' door as a doorway", () => {
  it("lies across the middle wall, within the door's rows, on the state variant only", () => {
    expect(twoRooms.definition.doorways).toHaveLength(1)
    expect(twoRoomsPixels.definition.doorways).toBeUndefined()
    const [x, y] = twoRoomsDoor.centre
    expect(x - twoRoomsDoor.halfExtent[0]).toBe(31)
    expect(x + twoRoomsDoor.halfExtent[0]).toBe(33)
    expect(y - twoRoomsDoor.halfExtent[1]).toBeGreaterThan(6)
    expect(y + twoRoomsDoor.halfExtent[1]).toBeLessThan(14)
  })
})
