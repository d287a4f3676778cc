import { repulsionCost } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { invalidField } from "../fixtures.js"

/** The cost of `states` `[T + 1][C][D]` under `options`. */
const evaluate = (
  options: Parameters<typeof repulsionCost>[0],
  states: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>
): Array<number> => {
  const tensor = tf.tensor3d(states.map((step) => step.map((row) => [...row])))
  const actions = tf.zeros([states.length - 1, states[0]?.length ?? 0, 1]) as tf.Tensor3D
  try {
    const cost = repulsionCost(options).evaluate(tensor, actions)
    const values = Array.from(cost.dataSync())
    cost.dispose()
    return values
  } finally {
    tf.dispose([tensor, actions])
  }
}

/** The same sum, written out on the host. */
const bump = (point: ReadonlyArray<number>, at: ReadonlyArray<number>, height: number, width: number) =>
  height *
  Math.exp(-point.reduce((sum, value, index) => sum + (value - (at[index] as number)) ** 2, 0) / width ** 2)

describe("repulsionCost", () => {
  it("is the mean over steps 1..T of the summed Gaussian bumps, each problem's candidates against their own points", () => {
    // Two problems, two candidates each, two points each (the second problem's second unused: height 0).
    const options = {
      points: Float32Array.from([0, 0, 4, 0, 10, 10, 99, 99]),
      heights: Float32Array.from([2, 3, 5, 0]),
      problems: 2,
      latentSize: 2,
      width: 2
    }
    const states = [
      [
        [50, 50],
        [50, 50],
        [50, 50],
        [50, 50]
      ],
      [
        [1, 0],
        [3, 1],
        [10, 11],
        [99, 99]
      ],
      [
        [0, 0],
        [4, 0],
        [12, 10],
        [0, 0]
      ]
    ]
    const expected = [0, 1, 2, 3].map((candidate) => {
      const problem = Math.floor(candidate / 2)
      const steps = [1, 2].map((step) => {
        const at = states[step]?.[candidate] as ReadonlyArray<number>
        return [0, 1].reduce((sum, slot) => {
          const index = problem * 2 + slot
          const point = [options.points[index * 2], options.points[index * 2 + 1]] as Array<number>
          return sum + bump(point, at, options.heights[index] as number, options.width)
        }, 0)
      })
      return (steps[0] as number) / 2 + (steps[1] as number) / 2
    })
    const values = evaluate(options, states)
    values.forEach((value, index) => {
      expect(value).toBeCloseTo(expected[index] as number, 4)
    })
    // The start (step 0) is not scored: far from every point it would add nothing anyway, so
    // check a candidate that starts on a point and then leaves.
    const leaving = evaluate(
      { ...options, problems: 1, points: options.points.slice(0, 4), heights: options.heights.slice(0, 2) },
      [[[0, 0]], [[40, 40]]]
    )
    expect(leaving[0]).toBeCloseTo(0, 6)
  })

  it("pushes a plan off its points: the gradient points away from the nearest point", () => {
    const cost = repulsionCost({
      points: Float32Array.from([0, 0]),
      heights: Float32Array.from([1]),
      problems: 1,
      latentSize: 2,
      width: 1
    })
    const actions = tf.zeros([1, 1, 1]) as tf.Tensor3D
    const states = tf.tensor3d([[[0.3, -0.2]], [[0.3, -0.2]]])
    const gradient = tf.grad((input: tf.Tensor) => cost.evaluate(input as tf.Tensor3D, actions).sum())(states)
    const [, , x, y] = gradient.dataSync()
    // Descending the cost moves the latent further from the point, along the direction it lies in.
    expect(x as number).toBeLessThan(0)
    expect(y as number).toBeGreaterThan(0)
    tf.dispose([actions, states, gradient])
  })

  it("is never negative, zero without heights, and falls as the plan moves away from a point", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.float({ min: Math.fround(0.1), max: 10, noNaN: true }),
        fc.float({ min: Math.fround(0.2), max: 3, noNaN: true }),
        (point, height, width) => {
          const options = {
            points: Float32Array.from(point),
            heights: Float32Array.from([height]),
            problems: 1,
            latentSize: 3,
            width
          }
          const at = (offset: number) => [[...point], point.map((value) => value + offset)]
          const [near, far] = [0.1, 2].map(
            (offset) =>
              evaluate(options, [
                [at(offset)[0] as Array<number>],
                [at(offset)[1] as Array<number>]
              ])[0] as number
          ) as [number, number]
          const none = evaluate({ ...options, heights: Float32Array.from([0]) }, [
            [point],
            [point]
          ])[0] as number
          return near >= far && far >= 0 && none === 0
        }
      ),
      { numRuns: 30 }
    )
  })

  it("rejects points and heights that do not match, bad widths, NaN and negative heights, and states of another size", () => {
    const options = {
      points: Float32Array.from([0, 0]),
      heights: Float32Array.from([1]),
      problems: 1,
      latentSize: 2,
      width: 1
    }
    expect(invalidField(() => repulsionCost({ ...options, points: Float32Array.from([0, 0, 0]) }))).toBe(
      "repulsionCost.points"
    )
    expect(invalidField(() => repulsionCost({ ...options, width: 0 }))).toBe("repulsionCost.width")
    expect(invalidField(() => repulsionCost({ ...options, problems: 0 }))).toBe("repulsionCost.problems")
    expect(invalidField(() => repulsionCost({ ...options, heights: Float32Array.from([Number.NaN]) }))).toBe(
      "repulsionCost.heights"
    )
    expect(invalidField(() => repulsionCost({ ...options, heights: Float32Array.from([-1]) }))).toBe(
      "repulsionCost.heights"
    )
    expect(invalidField(() => evaluate(options, [[[0, 0, 0]], [[0, 0, 0]]]))).toBe("repulsionCost states")
  })

  it("leaves no tensors behind", () => {
    const before = tf.memory().numTensors
    evaluate(
      {
        points: Float32Array.from([0, 0]),
        heights: Float32Array.from([1]),
        problems: 1,
        latentSize: 2,
        width: 1
      },
      [[[0, 0]], [[1, 1]]]
    )
    expect(tf.memory().numTensors).toBe(before)
  })
})
