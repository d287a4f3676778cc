import {
  activateBestBackend,
  Box,
  compiledStepTotals,
  fusedDense,
  type Plan,
  type Planner,
  Random,
  type WorldModel
} from "@telos/core"
import { cemPlanner, goalCost, gradientPlanner, mppiPlanner } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"

// Planning iterations compile into one native call each on the native backend; the plans must be
// the ones the kernels make, whatever the planner.

let original = ""
beforeAll(async () => {
  await tf.ready()
  original = tf.getBackend()
  await activateBestBackend({ preferred: "native" })
})
afterAll(async () => {
  await tf.setBackend(original)
})
afterEach(() => {
  delete process.env.TELOS_COMPILE
})

/** A small residual MLP world model with fixed weights, the shape of a learned predictor. */
const mlpModel = (): WorldModel & { readonly dispose: () => void } => {
  const rng = Random.fromSeed(11)
  const matrix = (rows: number, columns: number) =>
    tf.tensor2d(
      Float32Array.from({ length: rows * columns }, () => rng.normal() * 0.3),
      [rows, columns]
    )
  const w1 = matrix(6, 16)
  const w2 = matrix(16, 4)
  const b1 = tf.zeros([16]) as tf.Tensor1D
  const b2 = tf.zeros([4]) as tf.Tensor1D
  return {
    name: "mlp",
    latentSize: 4,
    actionSpace: new Box({ low: -1, high: 1, shape: [2] }),
    stride: 1,
    encode: (observations) => observations as tf.Tensor2D,
    step: (states, actions) =>
      tf.tidy(() => {
        const hidden = fusedDense(tf.concat([states, actions], 1), w1, b1, "relu")
        return states.add(fusedDense(hidden, w2, b2)) as tf.Tensor2D
      }),
    dispose: () => tf.dispose([w1, w2, b1, b2])
  }
}

const plannersUnderTest: ReadonlyArray<Planner> = [
  gradientPlanner({ iterations: 12, restarts: 6 }),
  cemPlanner({ samples: 48, elites: 6, iterations: 5 }),
  mppiPlanner({ samples: 48, iterations: 5 })
]

describe("compiled planning iterations", () => {
  for (const planner of plannersUnderTest) {
    it(`${planner.name}: plans as the kernels do with its iterations compiled, no tensor left`, () => {
      const model = mlpModel()
      const starts = tf.tensor2d([
        [0.1, -0.2, 0.3, 0],
        [0.5, 0.5, -0.5, 0.2]
      ])
      const problem = {
        model,
        initialStates: starts,
        cost: goalCost({
          goal: [
            [1, 0, 0, 0.5],
            [-0.5, 0.5, 0, 0]
          ]
        }),
        horizon: 6
      }
      const before = tf.memory().numTensors
      const compiledBefore = compiledStepTotals().compiledRuns
      const plans: Array<Plan> = []
      for (let call = 0; call < 3; call++) plans.push(planner.plan(problem, Random.fromSeed(call)))
      expect(compiledStepTotals().compiledRuns).toBeGreaterThan(compiledBefore)
      expect(tf.memory().numTensors).toBe(before)
      process.env.TELOS_COMPILE = "0"
      const kernelPlans = [0, 1, 2].map((seed) => planner.plan(problem, Random.fromSeed(seed)))
      plans.forEach((plan, call) => {
        const reference = kernelPlans[call] as Plan
        plan.cost.forEach((cost, index) => {
          expect(cost).toBeCloseTo(reference.cost[index] as number, 4)
        })
        plan.actions.forEach((action, index) => {
          expect(action).toBeCloseTo(reference.actions[index] as number, 3)
        })
        plan.trace.forEach((value, index) => {
          expect(value).toBeCloseTo(reference.trace[index] as number, 4)
        })
      })
      tf.dispose(starts)
      model.dispose()
    })
  }
})
