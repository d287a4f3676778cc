import {
  type CompiledStep,
  compiledAdam,
  compiledStepTotals,
  compileStep,
  HostAdamOptimizer,
  registerStepTracer,
  stepEffect,
  stepsCompileOn
} from "@telos/core"
import { nativeCallCount, nativeStepTracer, registerNativeBackend } from "@telos/native"
import * as tf from "@tensorflow/tfjs"
import { afterEach, beforeAll, describe, expect, it } from "vitest"
import { expectAllClose, restoreBackendAfterAll, seededValues } from "./support.js"

restoreBackendAfterAll()

beforeAll(async () => {
  await registerNativeBackend()
  registerStepTracer("native", nativeStepTracer())
})

afterEach(() => {
  delete process.env.TELOS_COMPILE
})

const read = (tensors: ReadonlyArray<tf.Tensor>) =>
  tensors.map((tensor) => ({ shape: tensor.shape, values: Float32Array.from(tensor.dataSync()) }))

// A few Adam-like iterations of a small quadratic, with a value that changes every iteration as an
// argument: the loop a planner runs.
const quadraticStep = (weights: tf.Tensor2D) => (args: ReadonlyArray<tf.Tensor>) => {
  const [x, moment, scale] = args as [tf.Tensor2D, tf.Tensor2D, tf.Scalar]
  const { grads } = tf.engine().gradients(() => tf.matMul(x, weights).square().sum() as tf.Scalar, [x])
  const gradient = grads[0] as tf.Tensor2D
  const nextMoment = moment.mul(0.9).add(gradient.mul(0.1))
  return [x.sub(nextMoment.div(scale).mul(0.01)), nextMoment]
}

const runLoop = (step: CompiledStep, x0: tf.Tensor2D, iterations: number): Array<tf.Tensor> => {
  let x: tf.Tensor = x0.clone()
  let moment: tf.Tensor = tf.zerosLike(x0)
  for (let iteration = 1; iteration <= iterations; iteration++) {
    const scale = tf.scalar(1 - 0.9 ** iteration)
    const next = step.run([x, moment, scale])
    tf.dispose([x, moment, scale])
    ;[x, moment] = next as [tf.Tensor, tf.Tensor]
  }
  return [x, moment]
}

describe("compileStep", () => {
  it("records the first run on native and replays the rest, computing what the kernels compute", async () => {
    await tf.setBackend("native")
    const weights = tf.tensor2d(seededValues(1, 12), [4, 3])
    const x0 = tf.tensor2d(seededValues(2, 8), [2, 4])
    const before = tf.memory().numTensors
    const compiled = compileStep(quadraticStep(weights))
    const calls = nativeCallCount()
    const result = runLoop(compiled, x0, 12)
    expect(compiled.status()).toMatchObject({ compiledRuns: 11, kernelRuns: 1, reason: undefined })
    // The recording runs its kernels, a check of the new graph one call; then one call per run.
    expect(nativeCallCount() - calls).toBeLessThan(30)
    process.env.TELOS_COMPILE = "0"
    const kernels = compileStep(quadraticStep(weights))
    const expected = runLoop(kernels, x0, 12)
    expect(kernels.status()).toMatchObject({ compiledRuns: 0, kernelRuns: 12 })
    expectAllClose(read(result), read(expected), "compiled against kernels", {
      relative: 1e-5,
      absolute: 1e-6
    })
    tf.dispose([...result, ...expected])
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([weights, x0])
  })

  it("runs on kernels where the backend has no step tracer, with the same results", async () => {
    await tf.setBackend("wasm")
    expect(stepsCompileOn("wasm")).toBe(false)
    const weights = tf.tensor2d(seededValues(1, 12), [4, 3])
    const x0 = tf.tensor2d(seededValues(2, 8), [2, 4])
    const onWasm = compileStep(quadraticStep(weights))
    const result = read(runLoop(onWasm, x0, 5).map((tensor) => tf.keep(tensor)))
    expect(onWasm.status().compiledRuns).toBe(0)
    tf.dispose([weights, x0])
    await tf.setBackend("native")
    expect(stepsCompileOn("native")).toBe(true)
    const weightsNative = tf.tensor2d(seededValues(1, 12), [4, 3])
    const x0Native = tf.tensor2d(seededValues(2, 8), [2, 4])
    const onNative = compileStep(quadraticStep(weightsNative))
    const native = runLoop(onNative, x0Native, 5)
    expectAllClose(read(native), result, "native against wasm", { relative: 1e-5, absolute: 1e-6 })
    tf.dispose([...native, weightsNative, x0Native])
  })

  it("records again when the shapes change", async () => {
    await tf.setBackend("native")
    const compiled = compileStep(([x]) => [(x as tf.Tensor).square().sum(0)])
    for (const rows of [2, 2, 3, 3, 2]) {
      const x = tf.tensor2d(seededValues(rows, rows * 2), [rows, 2])
      const [y] = compiled.run([x])
      const expected = tf.tidy(() => x.square().sum(0))
      expectAllClose(read([y as tf.Tensor]), read([expected]), `${rows} rows`)
      tf.dispose([x, y as tf.Tensor, expected])
    }
    expect(compiled.status()).toMatchObject({ kernelRuns: 3, compiledRuns: 2 })
  })

  it("repeats declared side effects on every replay", async () => {
    await tf.setBackend("native")
    let predictions = 0
    const compiled = compileStep(([x]) => {
      stepEffect(() => {
        predictions += (x as tf.Tensor).shape[0] as number
      })
      return [(x as tf.Tensor).mul(2)]
    })
    const x = tf.ones([5, 2])
    for (let run = 0; run < 4; run++) tf.dispose(compiled.run([x]))
    expect(compiled.status().compiledRuns).toBe(3)
    expect(predictions).toBe(20)
    x.dispose()
  })

  it("stays on kernels after a refusal without recording again, and says why", async () => {
    await tf.setBackend("native")
    const refusalsBefore = compiledStepTotals().refusals
    const compiled = compileStep(([x]) => [tf.cumsum(x as tf.Tensor)])
    const x = tf.tensor1d([1, 2, 3])
    for (let run = 0; run < 3; run++) {
      const [y] = compiled.run([x])
      expect(Array.from((y as tf.Tensor).dataSync())).toEqual([1, 3, 6])
      y?.dispose()
    }
    expect(compiled.status()).toMatchObject({ compiledRuns: 0, kernelRuns: 3 })
    expect(compiled.status().reason).toMatch(/Cumsum/)
    const reason = compiled.status().reason as string
    expect(compiledStepTotals().refusals.get(reason)).toBe((refusalsBefore.get(reason) ?? 0) + 1)
    x.dispose()
  })

  it("hands back a new tensor when the step returns one of its arguments", async () => {
    await tf.setBackend("native")
    const compiled = compileStep(([x, y]) => [x as tf.Tensor, (y as tf.Tensor).add(1)])
    const x = tf.tensor1d([1, 2])
    const y = tf.tensor1d([3, 4])
    for (let run = 0; run < 2; run++) {
      const [same, other] = compiled.run([x, y]) as [tf.Tensor, tf.Tensor]
      expect(same).not.toBe(x)
      same.dispose()
      expect(Array.from(x.dataSync())).toEqual([1, 2])
      other.dispose()
    }
    tf.dispose([x, y])
  })
})

/** Fits `y = relu(x W1) W2` to a fixed batch for `steps` steps; returns the weights and losses. */
const fit = (
  minimize: (variables: ReadonlyArray<tf.Variable>, loss: () => tf.Scalar) => number,
  steps: number,
  lossOf?: (prediction: tf.Tensor2D, y: tf.Tensor2D) => tf.Scalar
) => {
  const w1 = tf.tidy(() => tf.variable(tf.tensor2d(seededValues(3, 24), [4, 6]).mul(0.25)))
  const w2 = tf.tidy(() => tf.variable(tf.tensor2d(seededValues(4, 12), [6, 2]).mul(0.25)))
  const x = tf.tensor2d(seededValues(5, 32), [8, 4])
  const y = tf.tensor2d(seededValues(6, 16), [8, 2])
  const loss = () =>
    tf.tidy(() => {
      const prediction = tf.matMul(tf.matMul(x, w1).relu(), w2)
      return lossOf === undefined ? prediction.sub(y).square().mean() : lossOf(prediction as tf.Tensor2D, y)
    }) as tf.Scalar
  const losses = Array.from({ length: steps }, () => minimize([w1, w2], loss))
  const weights = read([w1, w2])
  tf.dispose([w1, w2, x, y])
  return { weights, losses }
}

const hostFit = (steps: number, lossOf?: (prediction: tf.Tensor2D, y: tf.Tensor2D) => tf.Scalar) => {
  const optimizer = new HostAdamOptimizer({ learningRate: 0.01 })
  const result = fit(
    (variables, loss) => {
      const value = optimizer.minimize(loss, true, [...variables]) as tf.Scalar
      const number = value.dataSync()[0] as number
      value.dispose()
      return number
    },
    steps,
    lossOf
  )
  optimizer.dispose()
  return result
}

const compiledFit = (steps: number, lossOf?: (prediction: tf.Tensor2D, y: tf.Tensor2D) => tf.Scalar) => {
  let adam: ReturnType<typeof compiledAdam> | undefined
  const result = fit(
    (variables, loss) => {
      adam ??= compiledAdam({ learningRate: 0.01 }, variables, () => ({ total: loss() }))
      const { total, terms } = adam.minimize([])
      const number = total.dataSync()[0] as number
      tf.dispose([total, ...terms])
      return number
    },
    steps,
    lossOf
  )
  const status = adam?.status()
  adam?.dispose()
  return { ...result, status }
}

describe("compiledAdam", () => {
  it("takes Adam's steps as one compiled call each on native, as the host optimiser does", async () => {
    await tf.setBackend("native")
    const before = tf.memory().numTensors
    const compiled = compiledFit(15)
    expect(compiled.status).toMatchObject({ compiledRuns: 14, kernelRuns: 1, reason: undefined })
    const host = hostFit(15)
    expectAllClose(compiled.weights, host.weights, "weights", { relative: 1e-4, absolute: 1e-5 })
    expect(compiled.losses.at(-1)).toBeLessThan((compiled.losses[0] as number) * 0.9)
    compiled.losses.forEach((loss, index) => {
      expect(loss).toBeCloseTo(host.losses[index] as number, 4)
    })
    expect(tf.memory().numTensors).toBe(before)
  })

  it("uses the backend's own Adam where steps do not compile (wasm), with the same results", async () => {
    await tf.setBackend("wasm")
    const onWasm = compiledFit(10)
    expect(onWasm.status?.compiledRuns).toBe(0)
    await tf.setBackend("native")
    const host = hostFit(10)
    expectAllClose(onWasm.weights, host.weights, "weights", { relative: 1e-4, absolute: 1e-5 })
  })

  it("hands its moments to the host optimiser when the loss cannot be compiled, and goes on as it would", async () => {
    await tf.setBackend("native")
    const before = tf.memory().numTensors
    // cumsum has no compiled form; the last column of a cumulative sum is the plain sum.
    const lossOf = (prediction: tf.Tensor2D, y: tf.Tensor2D) =>
      tf.cumsum(prediction.sub(y).square(), 1).slice([0, 1], [-1, 1]).mean() as tf.Scalar
    const compiled = compiledFit(10, lossOf)
    expect(compiled.status?.reason).toMatch(/Cumsum/)
    const host = hostFit(10, lossOf)
    expectAllClose(compiled.weights, host.weights, "weights", { relative: 1e-4, absolute: 1e-5 })
    expect(tf.memory().numTensors).toBe(before)
  })
})
