import { Random } from "@telos/core"
import {
  addCosts,
  cemPlanner,
  goalCost,
  hierarchySubgoals,
  type LandmarkGraph,
  type LatentTrajectories,
  landmarkHops,
  nearestLandmark,
  type PlanningLevel,
  passageConstraint,
  penaltyCost,
  strideHops
} from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { invalidField } from "../fixtures.js"
import { leakyPlaneModel, walledGraph } from "../walledWorld.js"

/** A graph on landmarks at `x = 0, 1, ...` of the given directed edges (latent size 2). */
const graphOf = (count: number, edges: ReadonlyArray<readonly [number, number]>): LandmarkGraph => ({
  latentSize: 2,
  count,
  landmarks: Float32Array.from({ length: count * 2 }, (_, index) => (index % 2 === 0 ? index / 2 : 0)),
  edges: Array.from({ length: count }, (_, from) =>
    edges.filter(([source]) => source === from).map(([, to]) => ({ to, length: 1, transitions: 2 }))
  )
})

describe("landmarkHops", () => {
  it("counts hops along edges taken both ways; unreachable landmarks count as many hops as there are landmarks", () => {
    const hops = landmarkHops(
      graphOf(4, [
        [0, 1],
        [1, 2],
        [2, 1]
      ])
    )
    expect(hops[0 * 4 + 2]).toBe(2)
    expect(hops[2 * 4 + 1]).toBe(1)
    // Walked only from 0 to 1, the passage still counts back.
    expect(hops[2 * 4 + 0]).toBe(2)
    expect(hops[3 * 4 + 0]).toBe(4)
    expect(hops[0 * 4 + 3]).toBe(4)
    expect([0, 1, 2, 3].map((index) => hops[index * 4 + index])).toEqual([0, 0, 0, 0])
  })

  it("is a shortest-route count: symmetric, one hop exactly along an edge, and never more than going through a third landmark", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 9 })
          .chain((count) =>
            fc.tuple(
              fc.constant(count),
              fc.array(fc.tuple(fc.nat(count - 1), fc.nat(count - 1)), { maxLength: 3 * count })
            )
          ),
        ([count, edges]) => {
          const hops = landmarkHops(graphOf(count, edges))
          for (let from = 0; from < count; from++) {
            for (let to = 0; to < count; to++) {
              const direct = edges.some(
                ([source, target]) => (source === from && target === to) || (source === to && target === from)
              )
              if (from !== to) expect(hops[from * count + to] === 1).toBe(direct)
              expect(hops[from * count + to]).toBe(hops[to * count + from])
              for (let through = 0; through < count; through++) {
                expect(hops[from * count + to]).toBeLessThanOrEqual(
                  Math.min(
                    count,
                    (hops[from * count + through] as number) + (hops[through * count + to] as number)
                  )
                )
              }
            }
          }
        }
      )
    )
  })
})

describe("strideHops", () => {
  // A corridor of landmarks at x = 0 ... 9 joined both ways, walked at one landmark a step.
  const corridor = graphOf(
    10,
    Array.from({ length: 9 }, (_, index) => [[index, index + 1] as const, [index + 1, index] as const]).flat()
  )
  const walk = (positions: ReadonlyArray<number>): LatentTrajectories => ({
    latentSize: 2,
    latents: Float32Array.from(positions.flatMap((x) => [x, 0])),
    episodeLengths: [positions.length]
  })

  it("reads how many hops recorded stretches of the stride span, at the quantile", () => {
    // Forth for 9 steps, then standing for 9: stretches of 3 span 3 hops early on and 0 at the end.
    const recorded = walk([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9])
    expect(strideHops(corridor, recorded, 3, 1)).toBe(3)
    expect(strideHops(corridor, recorded, 3, 0)).toBe(0)
    expect(strideHops(corridor, recorded, 1, 1)).toBe(1)
  })

  it("never falls as the quantile grows, and stays within what the walk can cover in a stride", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 12, maxLength: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (moves, first, second) => {
          // Steps of at most two landmarks forward.
          const positions: Array<number> = []
          for (const move of moves) positions.push(Math.min(9, (positions.at(-1) ?? 0) + move))
          const recorded = walk(positions)
          const [low, high] = first <= second ? [first, second] : [second, first]
          expect(strideHops(corridor, recorded, 2, low)).toBeLessThanOrEqual(
            strideHops(corridor, recorded, 2, high)
          )
          expect(strideHops(corridor, recorded, 3, high)).toBeLessThanOrEqual(6)
        }
      )
    )
  })

  it("refuses a stride that is not a positive integer, a quantile outside [0, 1], and episodes no longer than the stride", () => {
    const recorded = walk([0, 1, 2])
    expect(invalidField(() => strideHops(corridor, recorded, 0, 0.5))).toBe("strideHops.stride")
    expect(invalidField(() => strideHops(corridor, recorded, 1, 1.5))).toBe("strideHops.quantile")
    expect(invalidField(() => strideHops(corridor, recorded, 1, Number.NaN))).toBe("strideHops.quantile")
    expect(invalidField(() => strideHops(corridor, recorded, 3, 0.5))).toBe("strideHops.trajectories")
  })
})

describe("passageConstraint", () => {
  // Two rooms, x in [0, 10] and [12, 22], joined only by a door high up (y in [8, 10]); walks
  // enough that recorded passages join every landmark to every other.
  const graph = walledGraph()

  /** Violations of trajectories `[T + 1][B][2]`. */
  const violations = (
    trajectories: ReadonlyArray<ReadonlyArray<readonly [number, number]>>,
    maxHops: number
  ) => {
    const states = tf.tensor3d(trajectories.map((step) => step.map((point) => [...point])))
    const actions = tf.zeros([0, 0, 0]) as tf.Tensor3D
    try {
      const violation = passageConstraint(graph, { maxHops }).violation(states, actions)
      const values = Array.from(violation.dataSync())
      violation.dispose()
      return values
    } finally {
      tf.dispose([states, actions])
    }
  }

  it("lets small steps along recorded passages through and flags a step through the wall, for each candidate on its own", () => {
    // Candidate 0 walks up to the door, through it and down; candidate 1 jumps straight through the wall.
    const walk: Array<[number, number]> = [
      [8, 2],
      [8, 5],
      [9, 8.5],
      [11, 9],
      [13, 8.5],
      [14, 5],
      [14, 2]
    ]
    const jump: Array<[number, number]> = walk.map((_, step) => (step < 3 ? [9, 2] : [13, 2]))
    const [along, through] = violations(
      walk.map((point, step) => [point, jump[step] as [number, number]]),
      3
    )
    expect(along).toBe(0)
    const hops = landmarkHops(graph)
    const spanned = hops[
      nearestLandmark(graph, [9, 2]) * graph.count + nearestLandmark(graph, [13, 2])
    ] as number
    expect(spanned).toBeGreaterThan(3)
    expect(through).toBe(spanned - 3)
  })

  it("is never negative, zero for plans that stay put, and zero for a plan of no steps", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.float({ min: 0, max: 22, noNaN: true }), fc.float({ min: 0, max: 10, noNaN: true })),
          {
            minLength: 1,
            maxLength: 6
          }
        ),
        (points) => {
          for (const value of violations([points, points], 0)) expect(value).toBe(0)
          for (const value of violations([points, points.slice().reverse()], 2))
            expect(value).toBeGreaterThanOrEqual(0)
        }
      ),
      { numRuns: 20 }
    )
    expect(violations([[[1, 1]]], 0)).toEqual([0])
  })

  it("leaves the tensor count where it was", () => {
    const before = tf.memory().numTensors
    violations(
      [
        [
          [1, 1],
          [20, 1]
        ],
        [
          [20, 1],
          [1, 1]
        ]
      ],
      1
    )
    expect(tf.memory().numTensors).toBe(before)
  })

  it("refuses a maxHops that is not a non-negative integer, and states of another latent size, naming the field", () => {
    for (const maxHops of [-1, 1.5, Number.NaN]) {
      expect(invalidField(() => passageConstraint(graph, { maxHops }))).toBe("passageConstraint.maxHops")
    }
    const states = tf.zeros([2, 1, 3]) as tf.Tensor3D
    const actions = tf.zeros([0, 0, 0]) as tf.Tensor3D
    try {
      expect(() => passageConstraint(graph, { maxHops: 1 }).violation(states, actions)).toThrow(
        /latents of size 2/
      )
    } finally {
      tf.dispose([states, actions])
    }
  })

  it("keeps an upper level whose model passes through walls on recorded passages: its subgoals go round by the door", () => {
    // A macro model of the plane that knows no wall, as a level model that leaks through one.
    const level = (guarded: boolean): PlanningLevel => ({
      model: leakyPlaneModel(),
      planner: cemPlanner({ samples: 128, iterations: 6 }),
      horizon: 10,
      cost: (targets) =>
        guarded
          ? addCosts(
              goalCost({ goal: targets, mode: "running" }),
              penaltyCost(passageConstraint(graph, { maxHops: 1 }), 100)
            )
          : goalCost({ goal: targets, mode: "running" })
    })
    /** The lowest height at which the subgoals, followed from (8, 2) to (14, 8), cross between the rooms. */
    const lowestCrossing = (guarded: boolean): number => {
      const tracker = hierarchySubgoals([level(guarded)], 1, Random.fromSeed(0)).start(
        Float32Array.from([14, 8])
      )
      let position: Float32Array = Float32Array.from([8, 2])
      let lowest = Number.POSITIVE_INFINITY
      for (let step = 0; step < 12; step++) {
        const next = tracker.next(position)
        if ((position[0] as number) < 11 !== (next[0] as number) < 11) {
          lowest = Math.min(lowest, position[1] as number, next[1] as number)
        }
        position = next
      }
      expect(Math.hypot((position[0] as number) - 14, (position[1] as number) - 8)).toBeLessThan(1)
      return lowest
    }
    const before = tf.memory().numTensors
    expect(lowestCrossing(false)).toBeLessThan(7)
    expect(lowestCrossing(true)).toBeGreaterThan(7)
    expect(tf.memory().numTensors).toBe(before)
  })
})
