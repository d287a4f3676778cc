import { InvalidValueError } from "@telos/core"
import { actionMagnitudeCost, addCosts, type GoalCostMode, goalCost, scaleCost } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

// Two problems, two candidates each (B = 4), horizon 2, latent size 2, action size 1.
const states = () =>
  tf.tensor3d(
    [
      [
        [0, 0],
        [0, 0],
        [1, 1],
        [1, 1]
      ],
      [
        [1, 0],
        [0, 1],
        [1, 2],
        [2, 2]
      ],
      [
        [1, 1],
        [0, 0],
        [1, 1],
        [3, 1]
      ]
    ],
    [3, 4, 2]
  )
const actions = () =>
  tf.tensor3d(
    [
      [[1], [2], [0], [-1]],
      [[1], [0], [3], [1]]
    ],
    [2, 4, 1]
  )

describe("goalCost", () => {
  it("scores the terminal state against each problem's goal", () => {
    const cost = goalCost({
      goal: [
        [1, 1],
        [1, 1]
      ]
    })
    const values = tf.tidy(() => cost.evaluate(states(), actions()).arraySync())
    expect(values).toEqual([0, 2, 0, 4])
  })

  it("averages the running distance over the predicted states after the start", () => {
    const cost = goalCost({
      goal: [
        [1, 1],
        [1, 1]
      ],
      mode: "running",
      weights: [1, 0.5]
    })
    const values = tf.tidy(() => cost.evaluate(states(), actions()).arraySync())
    // candidate 0: t1 (1,0) -> 0.5, t2 (1,1) -> 0: mean 0.25
    expect(values[0]).toBeCloseTo(0.25)
    // candidate 3: t1 (2,2) -> 1 + 0.5, t2 (3,1) -> 4: mean 2.75
    expect(values[3]).toBeCloseTo(2.75)
  })

  it("measures one minus the cosine similarity with the cosine metric", () => {
    const cost = goalCost({
      goal: [
        [1, 1],
        [1, 1]
      ],
      metric: "cosine"
    })
    const values = tf.tidy(() => cost.evaluate(states(), actions()).arraySync())
    expect(values[0]).toBeCloseTo(0)
    expect(values[1]).toBeCloseTo(1)
    expect(values[2]).toBeCloseTo(0)
    expect(values[3]).toBeCloseTo(1 - 4 / Math.sqrt(20))
    expect(cost.name).toContain("cosine")
  })

  it("is blind to the scale of the latents with the cosine metric, and stays in [0, 2]", () => {
    const vector = fc.tuple(
      fc.float({ min: -5, max: 5, noNaN: true }),
      fc.float({ min: -5, max: 5, noNaN: true })
    )
    fc.assert(
      fc.property(
        vector,
        vector,
        fc.float({ min: Math.fround(0.1), max: 10, noNaN: true }),
        (latent, goal, scale) => {
          fc.pre(Math.hypot(...latent) > 0.1 && Math.hypot(...goal) > 0.1)
          const cost = goalCost({ goal: [goal], metric: "cosine" })
          const [plain, scaled] = tf.tidy(() => [
            cost
              .evaluate(tf.tensor3d([[latent]], [1, 1, 2]), tf.zeros([0, 1, 1]) as tf.Tensor3D)
              .arraySync()[0] as number,
            cost
              .evaluate(
                tf.tensor3d([[latent.map((value) => value * scale)]], [1, 1, 2]),
                tf.zeros([0, 1, 1]) as tf.Tensor3D
              )
              .arraySync()[0] as number
          ])
          expect(scaled).toBeCloseTo(plain, 4)
          expect(plain).toBeGreaterThanOrEqual(-1e-6)
          expect(plain).toBeLessThanOrEqual(2 + 1e-6)
        }
      ),
      { numRuns: 50 }
    )
  })

  it("is the root of the squared metric with the distance metric, weights included (property)", () => {
    const vector = fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 })
    fc.assert(
      fc.property(
        fc.array(vector, { minLength: 1, maxLength: 4 }),
        vector,
        fc.array(fc.float({ min: 0, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.constantFrom("running" as const, "terminal" as const),
        (path, goal, weights, mode) => {
          const trajectory = tf.tensor3d(
            path.map((latent) => [latent]),
            [path.length, 1, 3]
          )
          const none = tf.zeros([path.length - 1, 1, 1]) as tf.Tensor3D
          const per = (metric: "squared" | "distance") =>
            tf.tidy(
              () =>
                goalCost({ goal: [goal], weights, mode, metric })
                  .evaluate(trajectory, none)
                  .dataSync()[0]
            ) as number
          // The mean over the judged states of each state's distance.
          const judged = mode === "terminal" ? path.slice(-1) : path.length === 1 ? [] : path.slice(1)
          const expected =
            judged.length === 0
              ? Number.NaN
              : judged
                  .map((latent) =>
                    Math.sqrt(
                      latent.reduce(
                        (sum, value, index) =>
                          sum + (weights[index] as number) * (value - (goal[index] as number)) ** 2,
                        1e-12
                      )
                    )
                  )
                  .reduce((sum, value) => sum + value, 0) / judged.length
          if (judged.length > 0) expect(per("distance")).toBeCloseTo(expected, 3)
          if (mode === "terminal") expect(per("distance")).toBeCloseTo(Math.sqrt(per("squared") + 1e-12), 3)
          tf.dispose([trajectory, none])
        }
      ),
      { numRuns: 50 }
    )
    expect(goalCost({ goal: [[1, 1]], metric: "distance" }).name).toBe("goal (terminal, distance)")
  })

  it("has a finite gradient with the distance metric where a prediction meets its goal", () => {
    const cost = goalCost({ goal: [[1, 2]], metric: "distance", mode: "terminal" })
    const gradient = tf.tidy(() =>
      tf
        .grad((states: tf.Tensor) =>
          cost.evaluate(states as tf.Tensor3D, tf.zeros([0, 2, 1]) as tf.Tensor3D).sum()
        )(
          tf.tensor3d([
            [
              [1, 2],
              [4, 6]
            ]
          ])
        )
        .arraySync()
    )
    expect(gradient).toEqual([
      [
        [0, 0],
        [expect.closeTo(0.6, 5), expect.closeTo(0.8, 5)]
      ]
    ])
  })

  it("rejects an unknown metric, and weights with the cosine one", () => {
    expect(() => goalCost({ goal: [[1, 1]], metric: "manhattan" as "cosine" })).toThrow(/goalCost.metric/)
    expect(() => goalCost({ goal: [[1, 1]], metric: "cosine", weights: [1, 2] })).toThrow(/goalCost.weights/)
  })

  it("rejects a goal whose size does not match the latent, leaking no tensor", () => {
    const cost = goalCost({ goal: [[1, 1, 1]] })
    const [predicted, taken] = [states(), actions()]
    const before = tf.memory().numTensors
    expect(() => cost.evaluate(predicted, taken)).toThrow(/goalCost.goal/)
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([predicted, taken])
  })

  it("rejects negative weights with a typed error", () => {
    expect(() => goalCost({ goal: [[0, 0]], weights: [1, -1] })).toThrow(/goalCost.weights/)
  })

  it("rejects an unknown mode, an empty or ragged goal, and weights of another size than the goal", () => {
    const field = (options: Parameters<typeof goalCost>[0]): string | undefined => {
      try {
        goalCost(options)
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidValueError)
        return (error as InvalidValueError).field
      }
      return undefined
    }
    fc.assert(
      fc.property(
        fc.string().filter((mode) => mode !== "terminal" && mode !== "running"),
        (mode) => field({ goal: [[0, 0]], mode: mode as GoalCostMode }) === "goalCost.mode"
      ),
      { numRuns: 30 }
    )
    expect(field({ goal: [] })).toBe("goalCost.goal")
    expect(field({ goal: [[]] })).toBe("goalCost.goal[0]")
    expect(field({ goal: [[0, 0], [0]] })).toBe("goalCost.goal[1]")
    expect(field({ goal: [[0, Number.NaN]] })).toBe("goalCost.goal[0][1]")
    const empty = tf.zeros([0, 2]) as tf.Tensor2D
    expect(field({ goal: empty })).toBe("goalCost.goal")
    empty.dispose()
    // Weights must weigh every dimension of the goal, no more and no fewer (one weight used to
    // broadcast silently over all of them).
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 8 }), (size, count) => {
        fc.pre(count !== size)
        const goal = [Array.from({ length: size }, () => 0)]
        expect(field({ goal, weights: Array.from({ length: count }, () => 1) })).toBe("goalCost.weights")
        expect(field({ goal, weights: Array.from({ length: size }, () => 1) })).toBeUndefined()
      }),
      { numRuns: 30 }
    )
    const goal = tf.zeros([1, 3]) as tf.Tensor2D
    expect(field({ goal, weights: [1, 1] })).toBe("goalCost.weights")
    goal.dispose()
  })
})

describe("cost combinators", () => {
  it("adds and scales costs, and the sum is differentiable in the actions", () => {
    const cost = addCosts(
      goalCost({
        goal: [
          [1, 1],
          [1, 1]
        ]
      }),
      scaleCost(0.5, actionMagnitudeCost())
    )
    expect(cost.name).toBe("goal (terminal) + 0.5 * action-magnitude")
    const before = tf.memory().numTensors
    const values = tf.tidy(() => cost.evaluate(states(), actions()).arraySync())
    expect(values).toEqual([1, 4, 4.5, 5])
    const gradient = tf.tidy(
      () =>
        tf
          .grad((a: tf.Tensor) => cost.evaluate(states(), a as tf.Tensor3D))(actions())
          .arraySync() as number[][][]
    )
    expect(gradient[0]).toEqual([[1], [2], [0], [-1]])
    expect(tf.memory().numTensors).toBe(before)
  })

  it("refuses an empty sum and a non-finite weight", () => {
    expect(() => addCosts()).toThrow(/addCosts/)
    expect(() => scaleCost(Number.NaN, actionMagnitudeCost())).toThrow(/scaleCost.weight/)
  })
})
