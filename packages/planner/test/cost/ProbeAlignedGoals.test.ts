import { InvalidValueError } from "@telos/core"
import { probeAlignedGoals, probedGoalCost, probeReadout } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

/** A linear "encoder" from observations [N, 3] to latents [N, 4]. */
const linearModel = (matrix: ReadonlyArray<number>) => ({
  encode: (observations: tf.Tensor) =>
    tf.tidy(() =>
      (observations as tf.Tensor2D).matMul(tf.tensor2d(matrix as Array<number>, [3, 4]))
    ) as tf.Tensor2D
})

const finite = fc.float({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true })

describe("probeAlignedGoals", () => {
  it("moves each encoded goal so that the probe reads the goal's own coordinates (property)", () => {
    fc.assert(
      fc.property(
        fc.array(finite, { minLength: 12, maxLength: 12 }),
        fc.array(finite, { minLength: 8, maxLength: 8 }),
        fc.array(finite, { minLength: 2, maxLength: 2 }),
        fc.array(finite, { minLength: 6, maxLength: 6 }),
        (encoder, weights, bias, goals) => {
          // A probe with well separated columns: the read-out of two independent directions.
          const probeWeights = weights.map(
            (value, index) => value * 0.1 + (index === 0 || index === 3 ? 1 : 0)
          )
          const probe = { latentSize: 4, outputSize: 2, weights: probeWeights, bias }
          const align = probeAlignedGoals(linearModel(encoder), probe, [2, 0])
          const before = tf.memory().numTensors
          const aligned = align(tf.tensor2d(goals, [2, 3]))
          const read = tf.tidy(() => aligned.matMul(tf.tensor2d(probeWeights, [4, 2])).add(tf.tensor1d(bias)))
          const values = read.arraySync() as Array<Array<number>>
          tf.dispose([aligned, read])
          expect(tf.memory().numTensors).toBe(before + 1)
          for (const [row, [x, y]] of values.entries()) {
            expect(x).toBeCloseTo(goals[row * 3 + 2] as number, 3)
            expect(y).toBeCloseTo(goals[row * 3] as number, 3)
          }
        }
      ),
      { numRuns: 50 }
    )
  })

  it("leaves a goal whose latent the probe already reads right where it is", () => {
    // The encoder copies the observation into the latent; the probe reads latent coordinates 0 and 1.
    const encoder = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]
    const probe = { latentSize: 4, outputSize: 2, weights: [1, 0, 0, 1, 0, 0, 0, 0], bias: [0, 0] }
    const align = probeAlignedGoals(linearModel(encoder), probe, [0, 1])
    const aligned = align(tf.tensor2d([[0.3, -0.4, 0.9]]))
    expect(Array.from(aligned.dataSync())).toEqual([
      0.30000001192092896, -0.4000000059604645, 0.8999999761581421, 0
    ])
    aligned.dispose()
  })

  it("rejects coordinates that do not match the probe's outputs, and a probe of dependent columns", () => {
    const probe = { latentSize: 4, outputSize: 2, weights: [1, 1, 0, 0, 0, 0, 0, 0], bias: [0, 0] }
    expect(() => probeAlignedGoals(linearModel(new Array(12).fill(0)), probe, [0])).toThrow(InvalidValueError)
    expect(() => probeAlignedGoals(linearModel(new Array(12).fill(0)), probe, [0, 1])).toThrow(
      /full column rank/
    )
  })
})

describe("probedGoalCost's weights", () => {
  it("weigh each read-out quantity's squared difference, and must be one per probe output", () => {
    const probe = { latentSize: 2, outputSize: 2, weights: [1, 0, 0, 1], bias: [0, 0] }
    const goal = tf.tensor2d([[0, 0]])
    const states = tf.tensor3d([[[1, 2]], [[1, 2]]]) // [T + 1 = 2, B = 1, D = 2]
    const actions = tf.zeros([1, 1, 1]) as tf.Tensor3D
    const plain = probedGoalCost({ goal, probe, mode: "running" }).evaluate(states, actions)
    const weighted = probedGoalCost({ goal, probe, mode: "running", weights: [1, 0.25] }).evaluate(
      states,
      actions
    )
    expect(plain.dataSync()[0]).toBeCloseTo(1 + 4, 5)
    expect(weighted.dataSync()[0]).toBeCloseTo(1 + 0.25 * 4, 5)
    expect(() => probedGoalCost({ goal, probe, weights: [1] })).toThrow(/probedGoalCost.weights/)
    tf.dispose([goal, states, actions, plain, weighted])
  })

  it("judge the read-out quantities by their distance with the distance metric, and no other metric", () => {
    const probe = { latentSize: 2, outputSize: 2, weights: [1, 0, 0, 1], bias: [0, 0] }
    const goal = tf.tensor2d([[0, 0]])
    const states = tf.tensor3d([[[3, 4]], [[3, 4]]])
    const actions = tf.zeros([1, 1, 1]) as tf.Tensor3D
    const cost = probedGoalCost({ goal, probe, mode: "running", weights: [1, 0.25], metric: "distance" })
    const value = cost.evaluate(states, actions)
    expect(value.dataSync()[0]).toBeCloseTo(Math.sqrt(9 + 0.25 * 16), 5)
    expect(cost.name).toContain("distance")
    expect(() => probedGoalCost({ goal, probe, metric: "cosine" as "distance" })).toThrow(
      /probedGoalCost.metric/
    )
    tf.dispose([goal, states, actions, value])
  })
})

describe("a quadratic probe", () => {
  // Latent [a, b]: features [a, b, a², ab, b²]; the read-outs are a + 0.1 b² and b - 0.2 ab + 0.5.
  const probe = {
    latentSize: 2,
    outputSize: 2,
    weights: [1, 0, 0, 1, 0, 0, 0, -0.2, 0.1, 0],
    bias: [0, 0.5],
    features: "quadratic" as const
  }
  const host = (a: number, b: number) => [a + 0.1 * b * b, b - 0.2 * a * b + 0.5]

  it("reads the latent and its pairwise products on the backend, as on the host (property)", () => {
    fc.assert(
      fc.property(finite, finite, (a, b) => {
        const read = probeReadout(probe)
        const values = tf.tidy(() => read(tf.tensor2d([[a, b]])).arraySync()) as Array<Array<number>>
        const [x, y] = host(a, b)
        expect(values[0]?.[0]).toBeCloseTo(x as number, 4)
        expect(values[0]?.[1]).toBeCloseTo(y as number, 4)
      }),
      { numRuns: 50 }
    )
  })

  it("aligns a goal until the curved read-out reads the goal's coordinates", () => {
    // The encoder copies the first two observation numbers into the latent.
    const model = {
      encode: (observations: tf.Tensor) =>
        tf.tidy(() => (observations as tf.Tensor2D).slice([0, 0], [-1, 2])) as tf.Tensor2D
    }
    const goals = [
      [0.5, -0.5, 0],
      [-1, 1, 0]
    ]
    const aligned = probeAlignedGoals(model, probe, [0, 1])(tf.tensor2d(goals))
    const [first, second] = aligned.arraySync() as Array<[number, number]>
    aligned.dispose()
    for (const [index, latent] of [first, second].entries()) {
      const [x, y] = host(...(latent as [number, number]))
      expect(x).toBeCloseTo(goals[index]?.[0] as number, 3)
      expect(y).toBeCloseTo(goals[index]?.[1] as number, 3)
    }
  })

  it("judges a goal through the quadratic read-out, and rejects weights of the linear width", () => {
    const cost = probedGoalCost({ goal: tf.tensor2d([[0, 0]]), probe, mode: "terminal" })
    const value = tf.tidy(
      () => cost.evaluate(tf.tensor3d([[[0, 0]], [[1, 2]]]), tf.zeros([1, 1, 1])).dataSync()[0]
    )
    // Reads (1.4, 2.1) against the goal's (0, 0.5).
    expect(value).toBeCloseTo(1.4 ** 2 + 1.6 ** 2, 4)
    expect(() => probeReadout({ ...probe, weights: [1, 0, 0, 1] })).toThrow(InvalidValueError)
  })
})
