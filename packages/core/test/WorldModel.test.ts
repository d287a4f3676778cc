import { Box, holdActions, resolveBackend, rollout, type WorldModel } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import * as fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/** s' = s A + a B: a linear world model with fixed matrices. */
class LinearModel implements WorldModel {
  readonly name = "linear"
  readonly stride = 1
  readonly actionSpace: Box
  readonly latentSize: number
  readonly stateMatrix: tf.Tensor2D
  readonly actionMatrix: tf.Tensor2D
  steps = 0

  constructor(
    stateMatrix: ReadonlyArray<ReadonlyArray<number>>,
    actionMatrix: ReadonlyArray<ReadonlyArray<number>>
  ) {
    this.latentSize = stateMatrix.length
    this.actionSpace = new Box({ low: -1, high: 1, shape: [actionMatrix.length] })
    this.stateMatrix = tf.tensor2d(stateMatrix.map((row) => [...row]))
    this.actionMatrix = tf.tensor2d(actionMatrix.map((row) => [...row]))
  }

  encode(observations: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => observations.reshape([observations.shape[0]!, -1]) as tf.Tensor2D)
  }

  step(states: tf.Tensor2D, actions: tf.Tensor2D): tf.Tensor2D {
    this.steps++
    // Deliberately not tidied: rollout must clean up after a model that leaves intermediates behind.
    const fromState = tf.matMul(states, this.stateMatrix)
    const fromAction = tf.matMul(actions, this.actionMatrix)
    return tf.add(fromState, fromAction)
  }

  dispose(): void {
    this.stateMatrix.dispose()
    this.actionMatrix.dispose()
  }
}

const matrix = (rows: number, columns: number) =>
  fc.array(
    fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: columns, maxLength: columns }),
    {
      minLength: rows,
      maxLength: rows
    }
  )

/** The same dynamics, by hand, in float64. */
const handRollout = (
  A: ReadonlyArray<ReadonlyArray<number>>,
  Bm: ReadonlyArray<ReadonlyArray<number>>,
  start: ReadonlyArray<ReadonlyArray<number>>,
  actions: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>
): Array<Array<Array<number>>> => {
  const states = [start.map((row) => [...row])]
  for (const action of actions) {
    const previous = states[states.length - 1]!
    states.push(
      previous.map((s, b) =>
        A[0]!.map((_, j) => {
          let sum = 0
          for (let i = 0; i < s.length; i++) sum += s[i]! * A[i]![j]!
          for (let k = 0; k < Bm.length; k++) sum += action[b]![k]! * Bm[k]![j]!
          return sum
        })
      )
    )
  }
  return states
}

let original: string

beforeAll(async () => {
  await tf.ready()
  original = tf.getBackend()
  await Effect.runPromise(resolveBackend({ preferred: "cpu", environment: {} }))
})

afterAll(async () => {
  await tf.setBackend(original)
})

describe("rollout", () => {
  it("predicts [T + 1, B, D] states that start at the start and match a hand loop", () => {
    const problem = fc
      .record({
        D: fc.integer({ min: 1, max: 4 }),
        A: fc.integer({ min: 1, max: 3 }),
        B: fc.integer({ min: 1, max: 4 }),
        T: fc.integer({ min: 0, max: 6 })
      })
      .chain(({ D, A, B, T }) =>
        fc.record({
          stateMatrix: matrix(D, D),
          actionMatrix: matrix(A, D),
          start: matrix(B, D),
          actions: fc.array(matrix(B, A), { minLength: T, maxLength: T })
        })
      )
    fc.assert(
      fc.property(problem, ({ stateMatrix, actionMatrix, start, actions }) => {
        const D = stateMatrix.length
        const A = actionMatrix.length
        const B = start.length
        const T = actions.length
        const model = new LinearModel(stateMatrix, actionMatrix)
        const initial = tf.tensor2d(
          start.map((row) => [...row]),
          [B, D]
        )
        const actionTensor = tf.tensor3d(
          actions.map((step) => step.map((row) => [...row])),
          [T, B, A]
        )
        const before = tf.memory().numTensors
        const states = rollout(model, initial, actionTensor)
        expect(states.shape).toEqual([T + 1, B, D])
        expect(model.steps).toBe(T)
        const values = states.arraySync()
        // The first state is the start, exactly (float32).
        expect(values[0]).toEqual(initial.arraySync())
        const expected = handRollout(stateMatrix, actionMatrix, start, actions)
        for (let t = 0; t <= T; t++)
          for (let b = 0; b < B; b++)
            for (let d = 0; d < D; d++) {
              expect(Math.abs(values[t]![b]![d]! - expected[t]![b]![d]!)).toBeLessThan(1e-4)
            }
        states.dispose()
        // Only the result was allocated, and it is gone.
        expect(tf.memory().numTensors).toBe(before)
        // The inputs are not disposed by rollout.
        expect(initial.isDisposed).toBe(false)
        expect(actionTensor.isDisposed).toBe(false)
        tf.dispose([initial, actionTensor])
        model.dispose()
      }),
      { numRuns: 60 }
    )
  })

  it("leaves the tensor count at its baseline", () => {
    const baseline = tf.memory().numTensors
    const model = new LinearModel(
      [
        [1, 0.1],
        [0, 1]
      ],
      [[0, 0.1]]
    )
    const initial = tf.zeros([3, 2]) as tf.Tensor2D
    const actions = tf.ones([10, 3, 1]) as tf.Tensor3D
    const withInputs = tf.memory().numTensors
    for (let i = 0; i < 5; i++) {
      const states = rollout(model, initial, actions)
      expect(tf.memory().numTensors).toBe(withInputs + 1)
      states.dispose()
    }
    expect(tf.memory().numTensors).toBe(withInputs)
    tf.dispose([initial, actions])
    model.dispose()
    expect(tf.memory().numTensors).toBe(baseline)
  })

  it("matches a hand-computed double integrator", () => {
    // Position and velocity; the action accelerates.
    const model = new LinearModel(
      [
        [1, 0],
        [1, 1]
      ],
      [[0, 1]]
    )
    const states = rollout(model, tf.tensor2d([[0, 0]]), tf.tensor3d([[[1]], [[1]], [[0]]]))
    expect(states.arraySync()).toEqual([[[0, 0]], [[0, 1]], [[1, 2]], [[3, 2]]])
    states.dispose()
    model.dispose()
  })

  it("is differentiable with respect to the actions", () => {
    const model = new LinearModel([[1]], [[1]])
    const initial = tf.tensor2d([[0]])
    const actions = tf.tensor3d([[[0.5]], [[0.25]], [[-1]]])
    const baseline = tf.memory().numTensors
    // Final state = sum of the actions, so every action's gradient is 1.
    const gradient = tf.grad((a: tf.Tensor) =>
      rollout(model, initial, a as tf.Tensor3D)
        .slice([3, 0, 0], [1, 1, 1])
        .sum()
    )(actions)
    expect(Array.from(gradient.dataSync())).toEqual([1, 1, 1])
    gradient.dispose()
    expect(tf.memory().numTensors).toBe(baseline)
    tf.dispose([initial, actions])
    model.dispose()
  })
})

describe("holdActions", () => {
  it("steps the finer model k times under the same action, at k times its stride (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 2, maxLength: 2 }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (steps, start, action) => {
          const model = new LinearModel(
            [
              [1, 0.1],
              [0, 0.9]
            ],
            [[0.5, 1]]
          )
          const held = holdActions(model, steps)
          expect(held.stride).toBe(steps)
          expect(held.latentSize).toBe(2)
          const [got, want] = tf.tidy(() => {
            const states = tf.tensor2d([start])
            const actions = tf.tensor2d([[action]])
            let expected = states
            for (let step = 0; step < steps; step++) expected = model.step(expected, actions)
            return [held.step(states, actions).arraySync(), expected.arraySync()]
          })
          expect(got[0]?.[0]).toBeCloseTo(want[0]?.[0] as number, 5)
          expect(got[0]?.[1]).toBeCloseTo(want[0]?.[1] as number, 5)
          expect(model.steps).toBe(2 * steps)
          model.dispose()
        }
      ),
      { numRuns: 30 }
    )
  })

  it("leaks no tensor, even around a model that leaves intermediates behind", () => {
    const model = new LinearModel([[1]], [[1]])
    const held = holdActions(model, 3)
    const states = tf.tensor2d([[0.5]])
    const actions = tf.tensor2d([[0.25]])
    const before = tf.memory().numTensors
    const next = held.step(states, actions)
    expect(next.arraySync()).toEqual([[1.25]])
    next.dispose()
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([states, actions])
    model.dispose()
  })

  it("refuses a number of steps that is not a positive integer", () => {
    const model = new LinearModel([[1]], [[1]])
    for (const steps of [0, -1, 2.5, Number.NaN]) {
      expect(() => holdActions(model, steps)).toThrow(
        expect.objectContaining({ _tag: "InvalidValueError", field: "steps" })
      )
    }
    model.dispose()
  })
})
