import { Box, InvalidValueError, LevelConfigError, Random, type WorldModel } from "@telos/core"
import {
  addCosts,
  cemPlanner,
  checkHierarchy,
  coordinatePosition,
  countingWorldModel,
  flatAgent,
  goalCost,
  gradientPlanner,
  hierarchicalAgent,
  hierarchySubgoals,
  keepOutZone,
  type PlanningLevel,
  penaltyCost,
  runEpisodes,
  type SubgoalDirector
} from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { shiftEnv, shiftModel } from "../fixtures.js"

/**
 * The shift world seen `stride` primitive steps at a time: a macro-action `m` in [-1, 1]^2 stands
 * for `stride` primitive actions equal to `m`, so the level moves `0.1 * stride * m`.
 */
const macroModel = (stride: number): WorldModel => ({
  ...shiftModel(2, 1, 0.1 * stride),
  name: `shift x${stride}`,
  stride
})

/** Points of the plane in `[-bound, bound]^2`. */
const point = (bound: number) =>
  fc.tuple(
    fc.float({ min: -bound, max: bound, noNaN: true }),
    fc.float({ min: -bound, max: bound, noNaN: true })
  )

const primitive = (): PlanningLevel => ({
  model: shiftModel(2),
  planner: gradientPlanner({ iterations: 10, restarts: 2, learningRate: 0.3 }),
  horizon: 8,
  cost: (targets) => goalCost({ goal: targets, mode: "running" })
})

const upper = (stride: number, horizon = 4): PlanningLevel => ({
  model: macroModel(stride),
  planner: cemPlanner({ samples: 64, iterations: 4 }),
  horizon
})

describe("hierarchicalAgent", () => {
  it("with one level is exactly the flat agent", () => {
    const level = primitive()
    const flat = runEpisodes(
      [shiftEnv(2), shiftEnv(2)],
      [3, 4],
      flatAgent({
        model: level.model,
        planner: level.planner,
        horizon: level.horizon,
        cost: (targets) => goalCost({ goal: targets, mode: "running" })
      }),
      { rng: Random.fromSeed(7) }
    )
    const agent = hierarchicalAgent([level])
    expect(agent.levels).toBe(1)
    const single = runEpisodes([shiftEnv(2), shiftEnv(2)], [3, 4], agent, { rng: Random.fromSeed(7) })
    expect(single.episodes).toEqual(flat.episodes)
    expect(single.planningTraces).toEqual(flat.planningTraces)
    expect(single.agent.levelPlans).toEqual([])
  })

  it("reaches goals through two and three levels, leaving the tensor count where it was", () => {
    for (const levels of [
      [primitive(), upper(5)],
      [primitive(), upper(5), upper(20, 3)]
    ]) {
      const agent = hierarchicalAgent(levels)
      expect(agent.levels).toBe(levels.length)
      const before = tf.memory().numTensors
      const run = runEpisodes([shiftEnv(2), shiftEnv(2), shiftEnv(2)], [1, 2, 3], agent, {
        rng: Random.fromSeed(0)
      })
      expect(tf.memory().numTensors).toBe(before)
      expect(run.episodes.map((episode) => episode.success)).toEqual([true, true, true])
    }
  })

  it("replans each level at its own cadence", () => {
    const levels = [primitive(), { ...upper(5), replanInterval: 5 }, { ...upper(20, 3), replanInterval: 20 }]
    const run = runEpisodes([shiftEnv(2, 0.01, 41)], [9], hierarchicalAgent(levels), {
      rng: Random.fromSeed(0),
      isSuccess: () => false
    })
    const steps = run.episodes[0]?.steps ?? 0
    const plans = run.agent.levelPlans
    expect(plans[1]).toBe(Math.ceil(steps / 20))
    // Level 1 replans every 5 steps, and also whenever level 2 has handed it a new target.
    expect(plans[0]).toBeGreaterThanOrEqual(Math.ceil(steps / 5))
    expect(plans[0]).toBeLessThanOrEqual(Math.ceil(steps / 5) + Math.ceil(steps / 20))
  })

  it("tells each level's subgoals as they are handed down: level 1's are level 0's targets", () => {
    const levels = [primitive(), { ...upper(5), replanInterval: 5 }, { ...upper(20, 3), replanInterval: 20 }]
    const told: Array<{ level: number; episodes: ReadonlyArray<number>; subgoals: Float32Array }> = []
    const received: Array<Float32Array> = []
    const agent = hierarchicalAgent(levels, {
      onSubgoals: (level, episodes, subgoals) => told.push({ level, episodes, subgoals: subgoals.slice() }),
      wrapSubgoals: (director) => ({
        name: director.name,
        start: (goals) => {
          const tracker = director.start(goals)
          return {
            next: (states, running) => {
              const targets = tracker.next(states, running)
              received.push(targets.slice())
              return targets
            }
          }
        }
      })
    })
    const run = runEpisodes([shiftEnv(2, 0.01, 41), shiftEnv(2, 0.01, 41)], [9, 10], agent, {
      rng: Random.fromSeed(0),
      isSuccess: () => false
    })
    const plans = run.agent.levelPlans
    expect(told.filter((entry) => entry.level === 1)).toHaveLength(plans[0] as number)
    expect(told.filter((entry) => entry.level === 2)).toHaveLength(plans[1] as number)
    expect(told.every((entry) => entry.subgoals.length === 4 && entry.episodes.length > 0)).toBe(true)
    // Level 0 aims at what level 1 last told.
    const lastOfLevel1 = told.filter((entry) => entry.level === 1).at(-1)?.subgoals
    expect(received.at(-1)).toEqual(lastOfLevel1)
  })

  it("plans towards a memory's targets above the top level", () => {
    const memory: SubgoalDirector = {
      name: "fixed",
      start: (goals) => ({ next: () => Float32Array.from(goals, (_, index) => (index % 2 === 0 ? -2 : 0)) })
    }
    const director = hierarchySubgoals([upper(5)], 1, Random.fromSeed(0), { memory })
    const subgoal = director.start(Float32Array.from([2, 0])).next(Float32Array.from([0, 0]))
    // The memory says "go left" although the goal lies right: the subgoal follows the memory.
    expect(subgoal[0]).toBeLessThan(-0.3)
  })

  it("applies a guardrail at an upper level: its subgoals keep out of the zone", () => {
    const zone = keepOutZone({ center: [0.4, 0], radius: 0.3, position: coordinatePosition() })
    const guarded: PlanningLevel = {
      ...upper(5, 6),
      planner: cemPlanner({ samples: 128, iterations: 6 }),
      cost: (targets) => addCosts(goalCost({ goal: targets, mode: "running" }), penaltyCost(zone, 100))
    }
    // Following the subgoals from (0, 0) towards (1.2, 0): the straight way runs through the zone.
    const closestApproach = (level: PlanningLevel): number => {
      const tracker = hierarchySubgoals([level], 1, Random.fromSeed(0)).start(Float32Array.from([1.2, 0]))
      let position: Float32Array = Float32Array.from([0, 0])
      let closest = Number.POSITIVE_INFINITY
      for (let step = 0; step < 6; step++) {
        position = tracker.next(position)
        closest = Math.min(closest, Math.hypot((position[0] as number) - 0.4, position[1] as number))
      }
      return closest
    }
    expect(
      closestApproach({ ...guarded, cost: (targets) => goalCost({ goal: targets, mode: "running" }) })
    ).toBeLessThan(0.25)
    expect(closestApproach(guarded)).toBeGreaterThan(0.25)
  })
})

describe("subgoals handed down", () => {
  // A level hands down its own target when its first step ends within a quarter step of it, so the
  // level below may need a step and a quarter of primitive steps: 7 for a stride of 5.
  it("are latents the level below reaches within a step and a quarter of the level above: its planning cost falls", () => {
    fc.assert(
      fc.property(point(1), point(3), (start, goal) => {
        const tracker = hierarchySubgoals([upper(5)], 1, Random.fromSeed(0)).start(Float32Array.from(goal))
        const subgoal = tracker.next(Float32Array.from(start))
        const initialStates = tf.tensor2d([start])
        const target = tf.tensor2d([Array.from(subgoal)])
        try {
          const plan = gradientPlanner({ iterations: 40, restarts: 2, learningRate: 0.3 }).plan(
            { model: shiftModel(2), initialStates, cost: goalCost({ goal: target }), horizon: 7 },
            Random.fromSeed(1)
          )
          expect(plan.cost[0]).toBeLessThanOrEqual(plan.initialCost[0] as number)
          expect(plan.cost[0]).toBeLessThan(1e-3)
        } finally {
          tf.dispose([initialStates, target])
        }
      }),
      {
        numRuns: 12,
        examples: [
          [
            [0.895, 0],
            [0.3, 0]
          ]
        ]
      }
    )
  })
})

describe("subgoal anchors", () => {
  const anchors = Float32Array.from([-1, 0, 0.3, 0.2, 0.5, -0.4, 1, 1, 2, 0])
  const anchorRows = Array.from({ length: anchors.length / 2 }, (_, row) => [
    anchors[2 * row] as number,
    anchors[2 * row + 1] as number
  ])
  const nearestRow = (latent: ArrayLike<number>): Array<number> =>
    anchorRows.reduce((best, row) =>
      Math.hypot((row[0] as number) - (latent[0] as number), (row[1] as number) - (latent[1] as number)) <
      Math.hypot((best[0] as number) - (latent[0] as number), (best[1] as number) - (latent[1] as number))
        ? row
        : best
    )

  it("replace each predicted subgoal by the nearest anchor, and hand the target itself down unmoved", () => {
    fc.assert(
      fc.property(point(1), point(3), (start, goal) => {
        const free = hierarchySubgoals([upper(5)], 1, Random.fromSeed(0))
          .start(Float32Array.from(goal))
          .next(Float32Array.from(start))
        const anchored = hierarchySubgoals([upper(5)], 1, Random.fromSeed(0), { subgoalAnchors: anchors })
          .start(Float32Array.from(goal))
          .next(Float32Array.from(start))
        const handsDownGoal = free[0] === Math.fround(goal[0]) && free[1] === Math.fround(goal[1])
        const own = nearestRow(start)
        const goalAtOwnAnchor = nearestRow(Float32Array.from(goal)) === own
        if (handsDownGoal || goalAtOwnAnchor)
          expect(Array.from(anchored)).toEqual(Array.from(Float32Array.from(goal)))
        else if (nearestRow(free) !== own) expect(Array.from(anchored)).toEqual(nearestRow(free))
        // The first step stays at the agent's anchor: a later step's anchor is handed down (see the stall test).
        else expect(anchorRows).toContainEqual(Array.from(anchored))
      }),
      {
        numRuns: 30,
        examples: [
          [
            [0.9, 0],
            [0.95, 0]
          ]
        ]
      }
    )
  })

  it("never hand down the anchor the agent is at while the plan leaves it: the first later step's anchor goes down instead", () => {
    // Anchors 1.5 apart; the level moves at most 0.5 a step, so its first step stays nearest the start's anchor.
    const line = Float32Array.from([0, 0, 1.5, 0, 3, 0, 4.5, 0])
    const subgoal = hierarchySubgoals([upper(5)], 1, Random.fromSeed(0), { subgoalAnchors: line })
      .start(Float32Array.from([4.5, 0]))
      .next(Float32Array.from([0, 0]))
    expect(Array.from(subgoal)).toEqual([1.5, 0])
  })

  it("hand the target itself down when it is at the agent's anchor", () => {
    const line = Float32Array.from([0, 0, 1.5, 0, 3, 0])
    const subgoal = hierarchySubgoals([upper(5)], 1, Random.fromSeed(0), { subgoalAnchors: line })
      .start(Float32Array.from([0.6, 0]))
      .next(Float32Array.from([-0.6, 0]))
    expect(Array.from(subgoal)).toEqual([Math.fround(0.6), 0])
  })

  it("are refused when their rows do not match the latent size, or hold NaN", () => {
    const refused = (subgoalAnchors: Float32Array) => {
      try {
        hierarchySubgoals([upper(5)], 1, Random.fromSeed(0), { subgoalAnchors })
      } catch (caught) {
        return caught as InvalidValueError
      }
      throw new Error("accepted")
    }
    for (const bad of [
      Float32Array.from([1, 2, 3]),
      new Float32Array(0),
      Float32Array.from([0, Number.NaN])
    ]) {
      const error = refused(bad)
      expect(error).toBeInstanceOf(InvalidValueError)
      expect(error.field).toBe("subgoalAnchors")
    }
  })
})

describe("checkHierarchy", () => {
  const error = (levels: ReadonlyArray<PlanningLevel>): LevelConfigError => {
    try {
      checkHierarchy(levels)
    } catch (caught) {
      return caught as LevelConfigError
    }
    throw new Error("accepted")
  }

  it("rejects inconsistent strides and latent sizes, naming the level", () => {
    const strides = error([primitive(), upper(10), upper(15)])
    expect(strides).toBeInstanceOf(LevelConfigError)
    expect([strides.level, strides.field]).toEqual([2, "levels[2].model.stride"])
    const bottom = error([upper(5)])
    expect(bottom.level).toBe(0)
    const latent = error([primitive(), { ...upper(5), model: { ...macroModel(5), latentSize: 3 } }])
    expect([latent.level, latent.field]).toEqual([1, "levels[1].model.latentSize"])
    const horizon = error([primitive(), { ...upper(5), horizon: 0 }])
    expect(horizon.field).toBe("levels[1].horizon")
    expect(error([]).field).toBe("levels")
  })
})

describe("countingWorldModel", () => {
  it("counts the predictions a planner makes", () => {
    const counted = countingWorldModel(shiftModel(2))
    const initialStates = tf.tensor2d([[0, 0]])
    gradientPlanner({ iterations: 3, restarts: 2 }).plan(
      { model: counted.model, initialStates, cost: goalCost({ goal: [[1, 1]] }), horizon: 4 },
      Random.fromSeed(0)
    )
    initialStates.dispose()
    // Two restarts over four steps: the first scoring, three gradient iterations and the final
    // scoring (5 x 8), then the chosen plan's read-out (one problem over four steps).
    expect(counted.evaluations()).toBe(5 * 8 + 4)
    expect(new Box({ low: -1, high: 1, shape: [2] }).size).toBe(counted.model.actionSpace.size)
  })
})
