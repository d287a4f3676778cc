import { Box, type WorldModel } from "@telos/core"
import { verifyWorldModel } from "@telos/worldmodel"
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"

const model = (overrides: Partial<WorldModel> = {}): WorldModel => ({
  name: "drift",
  latentSize: 2,
  actionSpace: new Box({ low: -1, high: 1, shape: [2] }),
  stride: 1,
  encode: (observations) => tf.tidy(() => observations.toFloat() as tf.Tensor2D),
  step: (states, actions) => tf.tidy(() => states.add(actions.mul(0.1)) as tf.Tensor2D),
  ...overrides
})

const check = (candidate: WorldModel) => {
  const observations = tf.zeros([3, 2])
  try {
    return verifyWorldModel(candidate, observations, { horizon: 3 })
  } finally {
    observations.dispose()
  }
}

describe("verifyWorldModel", () => {
  it("finds nothing wrong with a conforming model", () => {
    expect(check(model())).toEqual({ model: "drift", problems: [] })
  })

  it("flags an encoder that returns the wrong shape", () => {
    const report = check(
      model({ encode: (observations) => tf.tidy(() => observations.sum(1, true) as tf.Tensor2D) })
    )
    expect(report.problems).toEqual(["encode returned shape [3, 1], expected [3, 2]"])
  })

  it("flags predictions that ignore the actions", () => {
    const report = check(model({ step: (states) => tf.tidy(() => states.mul(1) as tf.Tensor2D) }))
    expect(report.problems.join()).toMatch(/do not depend on the actions/)
  })

  it("flags non-finite predictions", () => {
    const report = check(
      model({ step: (states, actions) => tf.tidy(() => states.add(actions).div(0) as tf.Tensor2D) })
    )
    expect(report.problems.join()).toMatch(/non-finite states/)
  })

  it("flags a model that leaks tensors", () => {
    const leaky = model({
      step: (states, actions) => {
        tf.keep(tf.ones([1]))
        return tf.tidy(() => states.add(actions) as tf.Tensor2D)
      }
    })
    const report = check(leaky)
    expect(report.problems.join()).toMatch(/tensor\(s\) leaked/)
  })

  it("reports a model that throws instead of throwing itself", () => {
    const report = check(
      model({
        step: () => {
          throw new Error("boom")
        }
      })
    )
    expect(report.problems).toEqual(["the model threw: boom"])
  })
})
