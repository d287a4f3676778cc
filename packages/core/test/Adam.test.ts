import { adamOptimizer, fusedDense, HostAdamOptimizer } from "@telos/core"
import { registerNativeBackend } from "@telos/native"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { restoreBackendAfterAll } from "./support.js"

restoreBackendAfterAll()

beforeAll(async () => {
  await registerNativeBackend()
})

/**
 * Trains one parameter for `steps` steps on `sum(w * pull + 0.01 w^2)`. The pull keeps every
 * gradient away from zero: near a minimum Adam's normalised steps flip with the gradient's sign,
 * and float32 rounding alone would then send two exact implementations apart.
 */
const train = (
  optimizer: tf.Optimizer,
  start: Float32Array,
  pull: Float32Array,
  steps: number
): Float32Array => {
  const parameter = tf.tidy(() => tf.variable(tf.tensor1d(start)))
  const target = tf.tensor1d(pull)
  for (let step = 0; step < steps; step++) {
    optimizer.minimize(
      () => parameter.mul(target).add(parameter.square().mul(0.01)).sum() as tf.Scalar,
      false,
      [parameter]
    )
  }
  const values = parameter.dataSync() as Float32Array
  optimizer.dispose()
  tf.dispose([parameter, target])
  return values
}

const floats = (size: number, min: number) =>
  fc.float32Array({ minLength: size, maxLength: size, min, max: 4, noNaN: true, noDefaultInfinity: true })

/** Pulls of either sign, at least 0.5 in size. */
const pulls = (size: number) =>
  fc
    .tuple(floats(size, 0.5), fc.array(fc.boolean(), { minLength: size, maxLength: size }))
    .map(([sizes, negative]) => sizes.map((value, index) => (negative[index] ? -value : value)))

describe("HostAdamOptimizer", () => {
  // On wasm and native the update runs in place on the heap; on cpu on a copy.
  it.each(["cpu", "wasm", "native"])(
    "takes the same steps as TensorFlow.js's Adam on %s, to float32 rounding",
    async (backend) => {
      await tf.setBackend("cpu")
      const reference = (
        start: Float32Array,
        pull: Float32Array,
        steps: number,
        learningRate: number,
        beta1: number
      ) => train(tf.train.adam(learningRate, beta1, 0.999, 1e-8), start, pull, steps)
      const references: Array<Float32Array> = []
      const cases: Array<readonly [Float32Array, Float32Array, number, number, number]> = []
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 40 }).chain((size) => fc.tuple(floats(size, -4), pulls(size))),
          fc.constantFrom(1e-3, 1e-2, 0.1),
          fc.constantFrom(0.9, 0.5),
          fc.integer({ min: 1, max: 12 }),
          ([start, pull], learningRate, beta1, steps) => {
            cases.push([start, pull, steps, learningRate, beta1])
            references.push(reference(start, pull, steps, learningRate, beta1))
          }
        ),
        { numRuns: 30 }
      )
      await tf.setBackend(backend)
      for (const [index, [start, pull, steps, learningRate, beta1]] of cases.entries()) {
        const actual = train(new HostAdamOptimizer({ learningRate, beta1 }), start, pull, steps)
        for (const [entry, value] of (references[index] as Float32Array).entries()) {
          expect(actual[entry]).toBeCloseTo(value, 4)
        }
      }
    }
  )

  // WebAssembly's products cache their packed weights by the tensor's data: an update written into
  // a weight's own memory would be invisible to the next forward pass.
  it.each(["cpu", "wasm", "native"])(
    "hands each step's update to the next forward pass on %s",
    async (backend) => {
      await tf.setBackend(backend)
      const weights = tf.tidy(() =>
        tf.variable(tf.tensor2d([0.5, -0.3, 0.2, 0.8, -0.6, 0.1, 0.4, 0.7, -0.2], [3, 3]))
      )
      const bias = tf.tidy(() => tf.variable(tf.zeros([3]) as tf.Tensor1D))
      const input = tf.tensor2d([1, 2, 3, -1, 0.5, 2], [2, 3])
      const optimizer = new HostAdamOptimizer({ learningRate: 0.05 })
      const costs = Array.from({ length: 4 }, () => {
        const cost = optimizer.minimize(
          () => fusedDense(input, weights, bias, "relu").square().mean() as tf.Scalar,
          true,
          [weights, bias]
        )
        const value = cost?.dataSync()[0] as number
        cost?.dispose()
        return value
      })
      for (const [step, cost] of costs.slice(1).entries()) expect(cost).toBeLessThan(costs[step] as number)
      optimizer.dispose()
      tf.dispose([weights, bias, input])
    }
  )

  it("leaves a clone of a parameter as it was: shared values are not updated in place", async () => {
    await tf.setBackend("native")
    const parameter = tf.tidy(() => tf.variable(tf.tensor1d([1, 2, 3])))
    const snapshot = parameter.clone()
    const optimizer = new HostAdamOptimizer({ learningRate: 0.1 })
    optimizer.minimize(() => parameter.sum() as tf.Scalar, false, [parameter])
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3])
    expect(Array.from(parameter.dataSync())).toEqual([1, 2, 3].map((value) => Math.fround(value - 0.1)))
    optimizer.dispose()
    tf.dispose([parameter, snapshot])
  })

  it("keeps its moments per parameter and leaves the tensor count where it was", () => {
    const before = tf.memory().numTensors
    const first = tf.tidy(() => tf.variable(tf.tensor1d([1, -1])))
    const second = tf.tidy(() => tf.variable(tf.tensor2d([[2, 0.5]])))
    const optimizer = new HostAdamOptimizer({ learningRate: 0.1 })
    for (let step = 0; step < 20; step++) {
      const cost = optimizer.minimize(
        () => first.square().sum().add(second.square().sum()) as tf.Scalar,
        true,
        [first, second]
      )
      cost?.dispose()
    }
    // Adam's steps are about the learning rate each: 20 of them take every entry close to 0.
    for (const value of [...first.dataSync(), ...second.dataSync()]) expect(Math.abs(value)).toBeLessThan(0.5)
    expect(second.shape).toEqual([1, 2])
    expect(optimizer.iterations).toBe(20)
    optimizer.dispose()
    tf.dispose([first, second])
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe("adamOptimizer", () => {
  it("picks the host loop on a host-memory backend", () => {
    const optimizer = adamOptimizer({ learningRate: 1e-3 })
    expect(optimizer).toBeInstanceOf(HostAdamOptimizer)
    expect(optimizer.getConfig()).toEqual({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })
    optimizer.dispose()
  })
})
