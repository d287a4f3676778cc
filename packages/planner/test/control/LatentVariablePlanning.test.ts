import { Box, InvalidValueError, Random, rollout, type WorldModel } from "@telos/core"
import { goalCost, gradientPlanner, latentVariableEnsemble, mppiPlanner } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

/** s' = s + 0.1 a + z: the latent variable is a drift the agent must counter. */
const driftModel: WorldModel = {
  name: "drift",
  latentSize: 2,
  actionSpace: new Box({ low: -1, high: 1, shape: [2] }),
  stride: 1,
  encode: (observations) => tf.tidy(() => observations.toFloat() as tf.Tensor2D),
  step: (states, actions, latentVariable) =>
    tf.tidy(() => {
      const moved = states.add(actions.mul(0.1))
      return (latentVariable === undefined ? moved : moved.add(latentVariable)) as tf.Tensor2D
    })
}

describe("latentVariableEnsemble", () => {
  it("rolls every candidate out once per z, as separate rollouts would", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })),
          {
            minLength: 1,
            maxLength: 4
          }
        ),
        fc.integer(),
        (samples, seed) => {
          const ensemble = latentVariableEnsemble(driftModel, samples)
          const rng = Random.fromSeed(seed)
          const actionValues = Array.from({ length: 3 * 2 * 2 }, () => rng.uniformIn(-1, 1))
          const together = tf.tidy(() =>
            rollout(
              ensemble.model,
              ensemble.model.encode(
                tf.tensor2d([
                  [0.1, 0.2],
                  [0.3, -0.4]
                ])
              ),
              tf.tensor3d(actionValues, [3, 2, 2])
            ).arraySync()
          )
          samples.forEach((z, future) => {
            const alone = tf.tidy(() => {
              let state = tf.tensor2d([
                [0.1, 0.2],
                [0.3, -0.4]
              ]) as tf.Tensor2D
              const states = [state.arraySync()]
              const actions = tf.tensor3d(actionValues, [3, 2, 2])
              for (let step = 0; step < 3; step++) {
                const action = actions.slice([step, 0, 0], [1, -1, -1]).reshape([2, 2]) as tf.Tensor2D
                state = driftModel.step(state, action, tf.tensor2d([z, z]))
                states.push(state.arraySync())
              }
              return states
            })
            for (let step = 0; step <= 3; step++) {
              for (let candidate = 0; candidate < 2; candidate++) {
                for (let dimension = 0; dimension < 2; dimension++) {
                  expect(together[step]?.[candidate]?.[future * 2 + dimension]).toBeCloseTo(
                    alone[step]?.[candidate]?.[dimension] as number,
                    5
                  )
                }
              }
            }
          })
        }
      ),
      { numRuns: 20 }
    )
  })

  it("aggregates the futures' costs by their mean or their worst", () => {
    const samples = [
      [0, 0],
      [1, 0],
      [0, 2]
    ]
    const costs = (aggregate: "mean" | "worst") =>
      tf.tidy(() => {
        const ensemble = latentVariableEnsemble(driftModel, samples, aggregate)
        const states = rollout(
          ensemble.model,
          ensemble.model.encode(tf.tensor2d([[0, 0]])),
          tf.zeros([1, 1, 2]) as tf.Tensor3D
        )
        return Array.from(
          ensemble
            .cost(goalCost({ goal: [[0, 0]] }))
            .evaluate(states, tf.zeros([1, 1, 2]) as tf.Tensor3D)
            .dataSync()
        )
      })
    // Terminal squared distances of the three futures: 0, 1 and 4.
    expect(costs("mean")[0]).toBeCloseTo(5 / 3, 5)
    expect(costs("worst")[0]).toBeCloseTo(4, 5)
  })

  it("lets a planner counter a drift it cannot observe", () => {
    const ensemble = latentVariableEnsemble(driftModel, [[0.05, 0]])
    const starts = tf.tidy(() => ensemble.model.encode(tf.tensor2d([[0, 0]])))
    const goals = tf.tensor2d([[0, 0]])
    const plan = gradientPlanner({ iterations: 80, restarts: 2, learningRate: 0.2 }).plan(
      {
        model: ensemble.model,
        initialStates: starts,
        cost: ensemble.cost(goalCost({ goal: goals, mode: "running" })),
        horizon: 5
      },
      Random.fromSeed(0)
    )
    tf.dispose([starts, goals])
    // Each step drifts +0.05 in x; standing still takes a = -0.5 in x (0.1 a = -0.05).
    for (let step = 0; step < 5; step++) expect(plan.actions[step * 2]).toBeCloseTo(-0.5, 1)
  })

  it("plans with a sampling planner, keeps the tensor count, and hands back the first future", () => {
    const ensemble = latentVariableEnsemble(
      driftModel,
      [
        [0.02, 0],
        [-0.02, 0]
      ],
      "worst"
    )
    const before = tf.memory().numTensors
    const starts = tf.tidy(() =>
      ensemble.model.encode(
        tf.tensor2d([
          [0, 0],
          [0.5, 0.5]
        ])
      )
    )
    expect(starts.shape).toEqual([2, 4])
    const first = ensemble.firstFuture(starts)
    expect(first.arraySync()).toEqual([
      [0, 0],
      [0.5, 0.5]
    ])
    const plan = mppiPlanner({ samples: 32, iterations: 2 }).plan(
      {
        model: ensemble.model,
        initialStates: starts,
        cost: ensemble.cost(goalCost({ goal: first })),
        horizon: 4
      },
      Random.fromSeed(1)
    )
    expect(plan.actions.length).toBe(2 * 4 * 2)
    tf.dispose([starts, first])
    expect(tf.memory().numTensors).toBe(before)
  })

  it("rejects empty, ragged or non-finite samples naming them", () => {
    expect(() => latentVariableEnsemble(driftModel, [])).toThrow(InvalidValueError)
    expect(() => latentVariableEnsemble(driftModel, [[1, 0], [1]])).toThrow(/samples/)
    expect(() => latentVariableEnsemble(driftModel, [[Number.NaN, 0]])).toThrow(/samples/)
  })
})
