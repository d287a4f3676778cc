import { InvalidValueError, Random, rollout } from "@telos/core"
import {
  addCosts,
  coordinatePosition,
  goalCost,
  gradientPlanner,
  keepOutZone,
  linearPosition,
  penaltyCost,
  quadraticFeatureSize,
  quadraticFeatures,
  quadraticPosition
} from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { shiftModel } from "../fixtures.js"

const states = (points: ReadonlyArray<readonly [number, number]>) =>
  tf.tensor3d(
    points.flatMap((point) => [point[0], point[1]]),
    [points.length, 1, 2]
  )

describe("keepOutZone", () => {
  const zone = keepOutZone({ center: [0, 0], radius: 1, position: coordinatePosition() })

  it("is violated by how deep predicted states go into the zone, not by the start", () => {
    const violation = tf.tidy(() =>
      zone
        .violation(
          states([
            [0, 0],
            [0.5, 0],
            [2, 2],
            [0, -0.75]
          ]),
          tf.zeros([3, 1, 2]) as tf.Tensor3D
        )
        .dataSync()
    )
    expect(violation[0]).toBeCloseTo(0.5 + 0.25, 5)
  })

  it("is zero for any trajectory that stays outside", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
            fc.double({ min: 1.01, max: 5, noNaN: true })
          ),
          {
            minLength: 2,
            maxLength: 6
          }
        ),
        (polar) => {
          const points = polar.map(
            ([angle, radius]) => [radius * Math.cos(angle), radius * Math.sin(angle)] as const
          )
          const value = tf.tidy(
            () =>
              zone.violation(states(points), tf.zeros([points.length - 1, 1, 2]) as tf.Tensor3D).dataSync()[0]
          )
          expect(value).toBe(0)
        }
      )
    )
  })

  it("reads positions through a linear probe too", () => {
    // Latent [2x, 2y] read back by W = 0.5 I.
    const probe = keepOutZone({
      center: [0, 0],
      radius: 1,
      position: linearPosition([0.5, 0, 0, 0.5], [0, 0], 2)
    })
    const violation = tf.tidy(() =>
      probe
        .violation(
          states([
            [9, 9],
            [1, 0]
          ]),
          tf.zeros([1, 1, 2]) as tf.Tensor3D
        )
        .dataSync()
    )
    expect(violation[0]).toBeCloseTo(0.5, 5)
    expect(() => linearPosition([1, 2, 3], [0, 0], 2)).toThrow(InvalidValueError)
  })

  it("rejects a non-positive radius and a negative penalty weight", () => {
    expect(() => keepOutZone({ center: [0, 0], radius: 0, position: coordinatePosition() })).toThrow(
      /keepOutZone/
    )
    expect(() => penaltyCost(zone, -1)).toThrow(/penaltyCost.weight/)
  })
})

describe("a keep-out zone as a penalty", () => {
  it("steers the gradient planner around the zone, without leaking tensors", () => {
    // From (-1, 0) to (1, 0) in 10 steps of up to 0.3; a zone of radius 0.4 sits in the way.
    const model = shiftModel(2, 1, 0.3)
    const zone = keepOutZone({ center: [0, 0], radius: 0.4, position: coordinatePosition() })
    const starts = tf.tensor2d([[-1, 0]])
    const before = tf.memory().numTensors
    const plan = gradientPlanner({ iterations: 150, restarts: 8, learningRate: 0.1, initialStd: 0.5 }).plan(
      {
        model,
        initialStates: starts,
        cost: addCosts(goalCost({ goal: [[1, 0]] }), penaltyCost(zone, 20)),
        horizon: 10
      },
      Random.fromSeed(3)
    )
    expect(tf.memory().numTensors).toBe(before)
    const violation = tf.tidy(() => {
      const actions = tf.tensor3d(plan.actions, [1, 10, 2]).transpose([1, 0, 2]) as tf.Tensor3D
      return zone.violation(rollout(model, starts, actions), actions).dataSync()[0]
    })
    starts.dispose()
    expect(violation).toBeLessThan(0.05)
    const end = plan.predictedStates.slice(20, 22)
    expect(Math.hypot((end[0] as number) - 1, end[1] as number)).toBeLessThan(0.3)
  })
})

describe("quadratic probes", () => {
  it("lays out each latent, then its products z_i z_j for i <= j", () => {
    expect(Array.from(quadraticFeatures([2, 3], 2))).toEqual([2, 3, 4, 6, 9])
    expect(quadraticFeatureSize(16)).toBe(16 + 136)
    expect(() => quadraticFeatures([1, 2, 3], 2)).toThrow(/quadraticFeatures.latents/)
  })

  it("reads on the backend what the features and weights give on the host, with finite gradients", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: 9, maxLength: 9 }),
        fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 18, maxLength: 18 }),
        (latent, weights) => {
          const size = 3
          const read = quadraticPosition(weights, [0.5, -0.5], size)
          const features = quadraticFeatures(latent, size)
          const width = quadraticFeatureSize(size)
          const before = tf.memory().numTensors
          const [values, gradient] = tf.tidy(() => {
            const latents = tf.tensor2d(latent, [3, size])
            const positions = read(latents)
            const slope = tf.grad((input: tf.Tensor) => read(input as tf.Tensor2D).sum())(latents)
            return [positions.arraySync() as Array<Array<number>>, Array.from(slope.dataSync())]
          })
          expect(tf.memory().numTensors).toBe(before)
          for (let row = 0; row < 3; row++) {
            for (let axis = 0; axis < 2; axis++) {
              let expected = axis === 0 ? 0.5 : -0.5
              for (let index = 0; index < width; index++) {
                expected += (features[row * width + index] as number) * (weights[index * 2 + axis] as number)
              }
              expect(values[row]?.[axis]).toBeCloseTo(expected, 3)
            }
          }
          expect(gradient.every(Number.isFinite)).toBe(true)
        }
      ),
      { numRuns: 20 }
    )
  })

  it("rejects weights of the wrong size, naming it", () => {
    expect(() => quadraticPosition(new Float32Array(4), [0, 0], 2)).toThrow(/quadraticPosition/)
  })
})
