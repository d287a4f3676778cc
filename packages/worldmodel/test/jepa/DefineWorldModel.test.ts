import { Box, InvalidValueError } from "@telos/core"
import { defineWorldModel } from "@telos/worldmodel"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

const drift = (
  step = (states: tf.Tensor2D, actions: tf.Tensor2D) => states.add(actions.mul(0.1)) as tf.Tensor2D
) =>
  defineWorldModel({
    name: "drift",
    latentSize: 2,
    actionSpace: new Box({ low: -1, high: 1, shape: [2] }),
    encode: (observations) => observations.toFloat() as tf.Tensor2D,
    step
  })

describe("defineWorldModel", () => {
  it("passes well-shaped inputs through to the definition", () => {
    const model = drift()
    const next = tf.tidy(() => model.step(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, -1]])).arraySync())
    expect(next[0]?.[0]).toBeCloseTo(1.1)
    expect(next[0]?.[1]).toBeCloseTo(1.9)
    expect(model.stride).toBe(1)
  })

  it("rejects states or actions of the wrong shape, naming them", () => {
    const model = drift()
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        (stateColumns, actionColumns) => {
          fc.pre(stateColumns !== 2 || actionColumns !== 2)
          const before = tf.memory().numTensors
          const states = tf.zeros([3, stateColumns]) as tf.Tensor2D
          const actions = tf.zeros([3, actionColumns]) as tf.Tensor2D
          try {
            model.step(states, actions)
            return false
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidValueError)
            expect((error as InvalidValueError).field).toBe(stateColumns !== 2 ? "states" : "actions")
            return true
          } finally {
            tf.dispose([states, actions])
            expect(tf.memory().numTensors).toBe(before)
          }
        }
      )
    )
  })

  it("rejects a batch mismatch between states and actions", () => {
    const model = drift()
    expect(() => tf.tidy(() => model.step(tf.zeros([3, 2]), tf.zeros([2, 2])))).toThrow(
      /actions: expected 3 rows/
    )
  })

  it("rejects a definition whose step returns the wrong shape, without leaking it", () => {
    const model = drift((states) => states.sum(1, true) as tf.Tensor2D)
    const before = tf.memory().numTensors
    expect(() => tf.tidy(() => model.step(tf.zeros([3, 2]), tf.zeros([3, 2])))).toThrow(/drift.step output/)
    expect(tf.memory().numTensors).toBe(before)
  })

  it("rejects a latent size or stride that is not a positive integer", () => {
    const actionSpace = new Box({ low: -1, high: 1, shape: [1] })
    const base = {
      name: "bad",
      actionSpace,
      encode: (o: tf.Tensor) => o as tf.Tensor2D,
      step: (s: tf.Tensor2D) => s
    }
    expect(() => defineWorldModel({ ...base, latentSize: 0 })).toThrow(/bad.latentSize/)
    expect(() => defineWorldModel({ ...base, latentSize: 2, stride: 1.5 })).toThrow(/bad.stride/)
  })
})
