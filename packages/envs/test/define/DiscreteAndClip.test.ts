/**
 * How defined environments take discrete actions and clip out-of-range ones, single and batched,
 * and how collection and exploration handle a discrete action space.
 */
import { Box, Discrete, InvalidValueError, Random } from "@telos/core"
import {
  collectEpisodes,
  defineEnv,
  type EnvDefinition,
  encodeAction,
  gridDoors,
  pointMass,
  uniformPolicy
} from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { thrownBy } from "../support.js"

interface Counter {
  readonly total: number
  readonly received: ReadonlyArray<ReadonlyArray<number>>
}

// Records exactly what transition receives, so the tests see the definition's side of step.
const recorder = <Space extends Box | Discrete>(
  actionSpace: Space,
  outOfRangeActions?: "reject" | "clip"
): EnvDefinition<Counter, Space> => ({
  id: "recorder",
  description: "Remembers every action it is given.",
  observationSpace: new Box({ low: -1e9, high: 1e9, shape: [1] }),
  actionSpace,
  ...(outOfRangeActions === undefined ? {} : { outOfRangeActions }),
  maxEpisodeSteps: 1000,
  initialState: () => ({ total: 0, received: [] }),
  transition: (state, action) => ({
    state: { total: state.total + (action[0] as number), received: [...state.received, Array.from(action)] },
    reward: 0,
    terminated: false
  }),
  observe: (state) => Float64Array.of(state.total),
  info: (state) => ({ received: state.received })
})

const box = new Box({ low: [-1, 0], high: [1, 2] })

describe("discrete action spaces", () => {
  it("hand transition the chosen integer as Float64Array.of(index)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: -3, max: 3 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (n, start, draws) => {
          const env = defineEnv(recorder(new Discrete(n, start))).make()
          env.reset({ seed: 0 })
          const actions = draws.map((draw) => start + (draw % n))
          let last: unknown = []
          for (const action of actions) last = env.step(action).info.received
          expect(last).toEqual(actions.map((action) => [action]))
        }
      )
    )
  })

  it("reject anything but an integer of the space, changing nothing", () => {
    const env = defineEnv(recorder(new Discrete(3, 1))).make()
    env.reset({ seed: 0 })
    for (const bad of [0, 4, 2.5, Number.NaN, Number.POSITIVE_INFINITY, [2], "2", undefined]) {
      const error = thrownBy(() => env.step(bad as number))
      expect(error).toBeInstanceOf(InvalidValueError)
      expect(error).toMatchObject({ field: "action", expected: "an integer in [1, 3]" })
    }
    expect(env.step(3).info.received).toEqual([[3]])
  })

  it("work batched: every copy gets its own integer, and a bad batch moves no copy", () => {
    const envs = defineEnv(recorder(new Discrete(4))).makeVector(3)
    envs.reset({ seed: 0 })
    expect(envs.step([0, 3, 2]).map((result) => result.info.received)).toEqual([[[0]], [[3]], [[2]]])
    expect(thrownBy(() => envs.step([1, 4, 1]))).toMatchObject({ field: "actions[1]" })
    expect(envs.step([1, 1, 1]).map((result) => result.observation[0])).toEqual([1, 4, 3])
  })

  it("cannot be combined with clipping", () => {
    expect(thrownBy(() => defineEnv(recorder(new Discrete(2), "clip")))).toMatchObject({
      _tag: "InvalidValueError",
      field: "definition.outOfRangeActions"
    })
    expect(
      thrownBy(() => defineEnv({ ...recorder(box), outOfRangeActions: "wrap" as "clip" }))
    ).toMatchObject({ field: "definition.outOfRangeActions" })
  })
})

describe('outOfRangeActions: "clip"', () => {
  const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true })

  it("puts each finite component on its nearest bound and keeps components inside exactly", () => {
    fc.assert(
      fc.property(finite, finite, (a, b) => {
        const env = defineEnv(recorder(box, "clip")).make()
        env.reset({ seed: 0 })
        const received = env.step([a, b]).info.received as ReadonlyArray<ReadonlyArray<number>>
        // Written so that -0 inside the box stays -0, as the environment keeps it.
        const clamp = (value: number, low: number, high: number) =>
          value < low ? low : Math.min(value, high)
        const expected = [clamp(a, -1, 1), clamp(b, 0, 2)]
        expect(received[0]).toEqual(expected)
        if (a >= -1 && a <= 1) expect(Object.is(received[0]?.[0], a)).toBe(true)
      })
    )
  })

  it("still rejects NaN, infinities and wrong lengths, naming the component", () => {
    const env = defineEnv(recorder(box, "clip")).make()
    env.reset({ seed: 0 })
    // A clippable component before the bad one must not hide it.
    expect(thrownBy(() => env.step([5, Number.NaN]))).toMatchObject({
      _tag: "InvalidValueError",
      field: "action[1]"
    })
    expect(thrownBy(() => env.step([Number.NEGATIVE_INFINITY, 1]))).toMatchObject({ field: "action[0]" })
    expect(thrownBy(() => env.step([5]))).toMatchObject({ field: "action" })
    expect(thrownBy(() => env.step(0.5))).toMatchObject({ field: "action" })
    expect(env.step([0, 1]).info.received).toEqual([[0, 1]])
  })

  it("clips batched actions the same way, and the default rejects", () => {
    const envs = defineEnv(recorder(box, "clip")).makeVector(2)
    envs.reset({ seed: 0 })
    expect(
      envs
        .step([
          [3, -3],
          [-0.5, 9]
        ])
        .map((result) => result.info.received)
    ).toEqual([[[1, 0]], [[-0.5, 2]]])
    expect(
      thrownBy(() =>
        envs.step([
          [0, 0],
          [0, Number.NaN]
        ])
      )
    ).toMatchObject({ field: "actions[1][1]" })
    const strict = defineEnv(recorder(box)).make()
    strict.reset({ seed: 0 })
    expect(thrownBy(() => strict.step([1.5, 0]))).toMatchObject({ field: "action[0]" })
  })
})

describe("collection and exploration with discrete actions", () => {
  it("uniformPolicy draws every choice of a Discrete space, and only those", () => {
    const episode = uniformPolicy(new Discrete(5, -2)).startEpisode(Random.fromSeed(3))
    const counts = new Map<number, number>()
    for (let i = 0; i < 5000; i++) {
      const [choice] = episode.act(new Float64Array(0), new Float64Array(1))
      counts.set(choice as number, (counts.get(choice as number) ?? 0) + 1)
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2])
    for (const count of counts.values()) expect(Math.abs(count - 1000)).toBeLessThan(150)
  })

  it("records one-hot actions, replaying exactly what the policy chose", () => {
    const options = {
      spec: gridDoors,
      policy: uniformPolicy(gridDoors.definition.actionSpace),
      transitions: 300,
      episodeLength: 40,
      seed: 5
    }
    const chunks = [...collectEpisodes(options)]
    const streams = Random.fromSeed(options.seed)
    let transitions = 0
    for (const chunk of chunks) {
      expect(chunk.actionSize).toBe(5)
      expect(chunk.actions).toHaveLength(chunk.transitions * 5)
      let row = 0
      for (const length of chunk.episodeLengths) {
        const dynamics = streams.split()
        const actor = options.policy.startEpisode(streams.split())
        let state = gridDoors.definition.initialState(dynamics, undefined)
        for (let t = 0; t < length; t++) {
          const action = actor.act(gridDoors.definition.observe(state), new Float64Array(1))
          const recorded = chunk.actions.subarray(row * 5, row * 5 + 5)
          expect(recorded).toEqual(Float32Array.from(encodeAction(gridDoors.definition.actionSpace, action)))
          state = gridDoors.definition.transition(state, action, dynamics).state
          row += 1
        }
      }
      transitions += chunk.transitions
    }
    expect(transitions).toBe(300)
  })

  it("keeps box datasets as they were: one column per component", () => {
    const [chunk] = collectEpisodes({
      spec: pointMass,
      policy: uniformPolicy(pointMass.definition.actionSpace),
      transitions: 20,
      episodeLength: 20,
      seed: 0
    })
    expect(chunk?.actionSize).toBe(2)
    expect(chunk?.actions).toHaveLength(40)
  })

  it("names the policy when it writes a choice outside the space", () => {
    const badPolicy = {
      id: "bad",
      settings: {},
      startEpisode: () => ({ act: (_observation: Float64Array, target: Float64Array) => target.fill(7) })
    }
    const error = thrownBy(() => [
      ...collectEpisodes({ spec: gridDoors, policy: badPolicy, transitions: 5, episodeLength: 5, seed: 0 })
    ])
    expect(error).toBeInstanceOf(InvalidValueError)
    expect(error).toMatchObject({ field: "bad.act" })
  })
})
