import { Random } from "@telos/core"
import {
  addCosts,
  cemPlanner,
  goalCost,
  hierarchySubgoals,
  type LandmarkGraph,
  landmarkHops,
  landmarkRouteCosts,
  nearestLandmark,
  type PlanningLevel,
  passageConstraint,
  penaltyCost
} from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { invalidField } from "../fixtures.js"
import { leakyPlaneModel, walledGraph } from "../walledWorld.js"

describe("landmarkRouteCosts", () => {
  // Two rooms, x in [0, 10] and [12, 22], joined only by a door high up (y in [8, 10]).
  const graph: LandmarkGraph = walledGraph()
  const hops = landmarkHops(graph)
  const route = landmarkRouteCosts(graph)

  /** The cost of plans `[T + 1][C][2]` towards targets `[N][2]`. */
  const costs = (
    plans: ReadonlyArray<ReadonlyArray<readonly [number, number]>>,
    targets: ReadonlyArray<readonly [number, number]>
  ): Array<number> => {
    const states = tf.tensor3d(plans.map((step) => step.map((point) => [...point])))
    const goal = tf.tensor2d(targets.map((point) => [...point]))
    const actions = tf.zeros([0, 0, 0]) as tf.Tensor3D
    try {
      const cost = route(goal).evaluate(states, actions)
      const values = Array.from(cost.dataSync())
      cost.dispose()
      return values
    } finally {
      tf.dispose([states, goal, actions])
    }
  }

  const hopsBetween = (from: readonly [number, number], to: readonly [number, number]) =>
    hops[nearestLandmark(graph, from) * graph.count + nearestLandmark(graph, to)] as number

  it("is the mean squared hops from each predicted step to the target, each problem's candidates to their own target", () => {
    const steps: Array<[number, number]> = [
      [2, 2],
      [8, 2],
      [14, 2]
    ]
    const other: Array<[number, number]> = [
      [20, 2],
      [20, 5],
      [20, 8]
    ]
    // Two problems of two candidates each: candidates 0, 1 go to the first target, 2, 3 to the second.
    const [first, second, third, fourth] = costs(
      steps.map((point, step) => [
        steps[0] as [number, number],
        point,
        other[step] as [number, number],
        point
      ]),
      [
        [14, 2],
        [20, 2]
      ]
    )
    const expected = (plan: ReadonlyArray<[number, number]>, target: [number, number]) =>
      plan.slice(1).reduce((sum, point) => sum + hopsBetween(point, target) ** 2, 0) / (plan.length - 1)
    expect(first).toBeCloseTo(expected([steps[0], steps[0], steps[0]] as Array<[number, number]>, [14, 2]), 5)
    expect(second).toBeCloseTo(expected(steps, [14, 2]), 5)
    expect(third).toBeCloseTo(expected(other, [20, 2]), 5)
    expect(fourth).toBeCloseTo(expected(steps, [20, 2]), 5)
  })

  it("counts the way round the wall: beside the wall across from the target costs more than up by the door", () => {
    const [besideWall, byDoor] = costs(
      [
        [
          [10, 2],
          [10, 9]
        ],
        [
          [10, 2],
          [10, 9]
        ]
      ],
      [[13, 2]]
    )
    expect(besideWall).toBeGreaterThan(byDoor as number)
    // In latents, the spot beside the wall is the closer one.
    expect(Math.hypot(13 - 10, 2 - 2)).toBeLessThan(Math.hypot(13 - 10, 2 - 9))
  })

  it("is zero at the target's landmark, never negative, and leaves the tensor count where it was", () => {
    const before = tf.memory().numTensors
    fc.assert(
      fc.property(
        fc.tuple(fc.float({ min: 0, max: 22, noNaN: true }), fc.float({ min: 0, max: 10, noNaN: true })),
        fc.tuple(fc.float({ min: 0, max: 22, noNaN: true }), fc.float({ min: 0, max: 10, noNaN: true })),
        (point, target) => {
          const [toItself, toTarget] = costs(
            [
              [
                [0, 0],
                [0, 0]
              ],
              [[...target], [...point]]
            ],
            [[...target]]
          )
          expect(toItself).toBe(0)
          expect(toTarget).toBeGreaterThanOrEqual(0)
        }
      ),
      { numRuns: 20 }
    )
    expect(tf.memory().numTensors).toBe(before)
  })

  it("refuses targets and plans of another latent size, or candidates the targets do not divide", () => {
    const wide = tf.zeros([1, 3]) as tf.Tensor2D
    const two = tf.zeros([2, 2]) as tf.Tensor2D
    const states = tf.zeros([2, 3, 2]) as tf.Tensor3D
    const actions = tf.zeros([0, 0, 0]) as tf.Tensor3D
    try {
      expect(invalidField(() => route(wide))).toBe("landmarkRouteCosts targets")
      expect(invalidField(() => route(two).evaluate(states, actions))).toBe("landmarkRouteCosts states")
    } finally {
      tf.dispose([wide, two, states, actions])
    }
  })

  it("takes a guarded upper level round by the door where the latent distance leaves it at the wall", () => {
    // A macro model of the plane that knows no wall, as a level model that leaks through one; the
    // passage guardrail keeps it from jumping the wall, and the target lies straight across.
    const passages = penaltyCost(passageConstraint(graph, { maxHops: 1 }), 100)
    const level = (withRoute: boolean): PlanningLevel => ({
      model: leakyPlaneModel(),
      planner: cemPlanner({ samples: 128, iterations: 6 }),
      horizon: 10,
      cost: (targets) =>
        addCosts(passages, withRoute ? route(targets) : goalCost({ goal: targets, mode: "running" }))
    })
    /** Where the subgoals, followed from (8, 2) towards (14, 2), end. */
    const end = (withRoute: boolean): Float32Array => {
      const tracker = hierarchySubgoals([level(withRoute)], 1, Random.fromSeed(0)).start(
        Float32Array.from([14, 2])
      )
      let position: Float32Array = Float32Array.from([8, 2])
      for (let step = 0; step < 16; step++) position = tracker.next(position)
      return position
    }
    expect(end(false)[0]).toBeLessThan(11)
    expect(Math.hypot((end(true)[0] as number) - 14, (end(true)[1] as number) - 2)).toBeLessThan(2)
  })
})
