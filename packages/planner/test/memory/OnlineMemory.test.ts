import { Random } from "@telos/core"
import {
  cemPlanner,
  type DistanceMetric,
  flatAgent,
  goalCost,
  hierarchicalAgent,
  type OnlineMemory,
  type PlanningLevel,
  runEpisodes,
  stallMemory
} from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { invalidField } from "../fixtures.js"
import { leakyPlaneModel, walledEnv, walledModel } from "../walledWorld.js"

/** A batch memory of 2-D latents with the given goals, and a way to feed it positions. */
const started = (goals: ReadonlyArray<readonly [number, number]>, options = {}) => {
  const memory = stallMemory({ stepLength: 1, window: 4, stallDistance: 1.5, width: 3, ...options }).start(
    Float32Array.from(goals.flat()),
    2
  )
  const at = (positions: ReadonlyArray<readonly [number, number]>, running = positions.map(() => true)) =>
    memory.observe(Float32Array.from(positions.flat()), running)
  return { memory, at }
}

/** The cost of one predicted step `[C][2]` (start and one step) under `cost`. */
const costOf = (
  cost: ReturnType<ReturnType<typeof started>["memory"]["cost"]>,
  step: ReadonlyArray<readonly [number, number]>
) => {
  if (cost === undefined) return undefined
  const states = tf.tensor3d([step.map((point) => [...point]), step.map((point) => [...point])])
  const actions = tf.zeros([1, step.length, 2]) as tf.Tensor3D
  const values = cost.evaluate(states, actions)
  const result = Array.from(values.dataSync())
  tf.dispose([states, actions, values])
  return result
}

describe("stallMemory", () => {
  it("records where an episode stayed for a window of plans, and nothing for one that moves", () => {
    const { memory, at } = started([
      [10, 0],
      [10, 0]
    ])
    for (let plan = 0; plan < 5; plan++) {
      at([
        [0.1 * plan, 0],
        [plan * 1, 0]
      ])
    }
    expect(memory.remembered()).toEqual([1, 0])
    // Only the stalled episode's rows carry a term; the moving one alone has none.
    expect(memory.cost([1])).toBeUndefined()
    const [onPoint, away] = costOf(memory.cost([0]), [
      [0.4, 0],
      [20, 0]
    ]) as Array<number>
    // The height is the squared latent distance from the stall point (0.4, 0) to the goal (10, 0).
    expect(onPoint).toBeCloseTo(9.6 ** 2, 3)
    expect(away).toBeLessThan(1e-3)
  })

  it("measures a point's height in the unit of the level's cost: the squared distance or the distance", () => {
    const { memory, at } = started([[10, 0]], { strength: 2 })
    for (let plan = 0; plan < 5; plan++) at([[0.4, 0]])
    const height = (heights?: DistanceMetric) =>
      (costOf(memory.cost([0], heights), [[0.4, 0]]) as Array<number>)[0] as number
    expect(height()).toBeCloseTo(2 * 9.6 ** 2, 2)
    expect(height("squared")).toBeCloseTo(2 * 9.6 ** 2, 2)
    expect(height("distance")).toBeCloseTo(2 * 9.6, 4)
    expect(invalidField(() => memory.cost([0], "cosine" as DistanceMetric))).toBe("stallMemory heights")
  })

  it("waits a whole window before recording the next stall, and keeps at most its capacity of points", () => {
    const { memory, at } = started([[10, 0]], { capacity: 2 })
    for (let plan = 0; plan < 13; plan++) at([[0, 0]])
    // Stalls at the 5th, 9th and 13th plan (one a window), of which two are kept.
    expect(memory.remembered()).toEqual([2])
  })

  it("passes over episodes that are not running", () => {
    const { memory, at } = started([
      [10, 0],
      [10, 0]
    ])
    for (let plan = 0; plan < 8; plan++)
      at(
        [
          [0, 0],
          [0, 0]
        ],
        [true, false]
      )
    expect(memory.remembered()).toEqual([1, 0])
  })

  it("records at most one stall a window after the first full window, exactly that many for an agent that never moves", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.float({ min: -3, max: 3, noNaN: true }), fc.float({ min: -3, max: 3, noNaN: true })),
          {
            minLength: 1,
            maxLength: 12
          }
        ),
        fc.integer({ min: 1, max: 6 }),
        (positions, window) => {
          const moving = stallMemory({ stepLength: 1, window, capacity: 20 }).start(
            Float32Array.from([5, 5]),
            2
          )
          const still = stallMemory({ stepLength: 1, window, capacity: 20 }).start(
            Float32Array.from([5, 5]),
            2
          )
          positions.forEach((position) => {
            moving.observe(Float32Array.from(position), [true])
            still.observe(Float32Array.from(positions[0] as [number, number]), [true])
          })
          const most = Math.floor((positions.length - 1) / window)
          return (moving.remembered()[0] as number) <= most && still.remembered()[0] === most
        }
      ),
      { numRuns: 60 }
    )
  })

  it("rejects bad options, goals and observations, naming them", () => {
    expect(invalidField(() => stallMemory({ stepLength: 0 }))).toBe("stallMemory.stepLength")
    expect(invalidField(() => stallMemory({ stepLength: 1, window: 1.5 }))).toBe("stallMemory.window")
    expect(invalidField(() => stallMemory({ stepLength: 1, width: Number.NaN }))).toBe("stallMemory.width")
    expect(invalidField(() => stallMemory({ stepLength: 1, capacity: 0 }))).toBe("stallMemory.capacity")
    expect(invalidField(() => stallMemory({ stepLength: 1 }).start(Float32Array.from([1, 2, 3]), 2))).toBe(
      "stallMemory goals"
    )
    const memory = stallMemory({ stepLength: 1 }).start(Float32Array.from([1, 2]), 2)
    expect(invalidField(() => memory.observe(Float32Array.from([1, 2, 3, 4]), [true]))).toBe(
      "stallMemory latents"
    )
  })
})

describe("an agent with the stall memory", () => {
  // Low in the left room, the goal low in the right one: the latent distance has its minimum
  // against the wall, and a 5-step plan cannot see the door high up.
  const start = [8, 2] as const
  const goal = [14, 2] as const
  const level0 = (): PlanningLevel => ({
    model: walledModel(),
    planner: cemPlanner({ samples: 64, iterations: 4, elites: 8 }),
    horizon: 5,
    cost: (targets) => goalCost({ goal: targets, mode: "running" })
  })
  const run = (online: boolean, levels: ReadonlyArray<PlanningLevel> = [level0()]) => {
    const agent = hierarchicalAgent(
      levels,
      online ? { onlineMemory: stallMemory({ stepLength: 1, width: 3 }) } : {}
    )
    return runEpisodes([walledEnv(start, goal, 150)], [0], agent, { rng: Random.fromSeed(3) })
  }

  it("gets round a wall that a flat planner without it stays against", () => {
    const without = run(false)
    const withMemory = run(true)
    expect(without.episodes[0]?.success).toBe(false)
    expect(withMemory.episodes[0]?.success).toBe(true)
  })

  it("serves every level of a hierarchy, and leaves no tensors behind", () => {
    const before = tf.memory().numTensors
    // The level above leaks through the wall, so it leads into it as well; its costs are recorded.
    const costNames: Array<string> = []
    const cem = cemPlanner({ samples: 32, iterations: 3, elites: 4 })
    const upper: PlanningLevel = {
      model: leakyPlaneModel(),
      planner: {
        ...cem,
        plan: (problem, rng) => {
          costNames.push(problem.cost.name)
          return cem.plan(problem, rng)
        }
      },
      horizon: 3
    }
    const agent = hierarchicalAgent([level0(), upper], {
      onlineMemory: stallMemory({ stepLength: 1, window: 4 })
    })
    const episodes = runEpisodes([walledEnv(start, goal, 30)], [0], agent, { rng: Random.fromSeed(1) })
    expect(episodes.episodes[0]?.success).toBe(false)
    expect(costNames[0]).not.toMatch(/repulsion/)
    expect(costNames.some((name) => name.includes("repulsion"))).toBe(true)
    expect(tf.memory().numTensors).toBe(before)
  })

  it("starts afresh for every batch: nothing of one batch's stalls reaches the next", () => {
    const memory = stallMemory({ stepLength: 1, window: 2 })
    const first = memory.start(Float32Array.from([5, 5]), 2)
    for (let plan = 0; plan < 4; plan++) first.observe(Float32Array.from([0, 0]), [true])
    expect(first.remembered()).toEqual([1])
    expect(memory.start(Float32Array.from([5, 5]), 2).remembered()).toEqual([0])
  })

  it("is told each level's unit: level 0's and the level above's own, squared unless they say otherwise", () => {
    const units = (bottom: DistanceMetric | undefined, top: DistanceMetric | undefined) => {
      const told = new Set<string>()
      const stalls = stallMemory({ stepLength: 1, window: 2 })
      const spy: OnlineMemory = {
        name: "spy",
        start: (goals, latentSize) => {
          const episodes = stalls.start(goals, latentSize)
          return {
            ...episodes,
            cost: (rows, heights) => {
              told.add(String(heights))
              return episodes.cost(rows, heights)
            }
          }
        }
      }
      const levels: Array<PlanningLevel> = [
        { ...level0(), ...(bottom === undefined ? {} : { memoryHeights: bottom }) },
        {
          model: leakyPlaneModel(),
          planner: cemPlanner({ samples: 16, iterations: 2, elites: 4 }),
          horizon: 3,
          ...(top === undefined ? {} : { memoryHeights: top })
        }
      ]
      runEpisodes([walledEnv(start, goal, 12)], [0], hierarchicalAgent(levels, { onlineMemory: spy }), {
        rng: Random.fromSeed(1)
      })
      return [...told].sort()
    }
    expect(units(undefined, "distance")).toEqual(["distance", "squared"])
    expect(units("distance", "squared")).toEqual(["distance", "squared"])
    expect(units("distance", "distance")).toEqual(["distance"])
  })

  it("is a flat agent's option too", () => {
    const agent = flatAgent({
      ...level0(),
      cost: level0().cost ?? (() => goalCost({ goal: [[0, 0]] })),
      onlineMemory: stallMemory({ stepLength: 1, width: 3 })
    })
    const episodes = runEpisodes([walledEnv(start, goal, 150)], [0], agent, { rng: Random.fromSeed(3) })
    expect(episodes.episodes[0]?.success).toBe(true)
  })
})
