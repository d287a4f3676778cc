import { actionMagnitudeCost, addCosts, goalCost, scaleCost } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
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

  it("rejects a goal whose size does not match the latent", () => {
    const cost = goalCost({ goal: [[1, 1, 1]] })
    expect(() => tf.tidy(() => cost.evaluate(states(), actions()))).toThrow(/goalCost.goal/)
  })

  it("rejects negative weights with a typed error", () => {
    expect(() => goalCost({ goal: [[0, 0]], weights: [1, -1] })).toThrow(/goalCost.weights/)
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
