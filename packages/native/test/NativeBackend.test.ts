import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { nativeBackendName, registerNativeBackend } from "../src/index.js"
import { registerNativeBeforeAll, restoreBackendAfterAll, wasmBackend } from "./support.js"

restoreBackendAfterAll()
registerNativeBeforeAll()

/** What must come back to where it was once a computation's tensors are disposed. */
const counts = () => ({
  tensors: tf.memory().numTensors,
  dataBuffers: tf.memory().numDataBuffers,
  heapTensors: wasmBackend().numDataIds()
})

describe("registerNativeBackend", () => {
  it("reports the backend it registered, once", async () => {
    const registration = await registerNativeBackend()
    expect(registration.name).toBe("native")
    expect(registration.name).toBe(nativeBackendName)
    expect(registration.onnxRuntimeVersion).toBe("1.30.0")
    expect(Number.isInteger(registration.threads)).toBe(true)
    expect(registration.threads).toBeGreaterThanOrEqual(1)
    expect(registration.threads).toBeLessThanOrEqual(8)
    expect(await registerNativeBackend()).toBe(registration)
    expect(await registerNativeBackend({ threads: 1 })).toBe(registration)
  })

  it("registers every wasm kernel under native, and the filter gradient wasm lacks", () => {
    const names = (backend: string) =>
      tf
        .getKernelsForBackend(backend)
        .map((kernel) => kernel.kernelName)
        .sort()
    expect(names("native")).toEqual([...names("wasm"), tf.Conv2DBackpropFilter].sort())
    expect(names("native")).toEqual(expect.arrayContaining([tf.BatchMatMul, tf._FusedMatMul, tf.Identity]))
  })

  it("activates as the wasm backend's own instance", async () => {
    expect(await tf.setBackend("native")).toBe(true)
    expect(tf.getBackend()).toBe("native")
    expect(tf.findBackend("native")).toBe(tf.findBackend("wasm"))
  })
})

describe("the native backend shares wasm's tensors", () => {
  it("reads under native what wasm wrote, and the other way round, without moving anything", async () => {
    await tf.setBackend("wasm")
    const fromWasm = tf.tensor2d([1, 2, 3, 4], [2, 2])
    await tf.setBackend("native")
    const buffers = tf.memory().numDataBuffers
    expect(Array.from(fromWasm.dataSync())).toEqual([1, 2, 3, 4])
    const fromNative = tf.matMul(fromWasm, fromWasm)
    expect(Array.from(fromNative.dataSync())).toEqual([7, 10, 15, 22])
    await tf.setBackend("wasm")
    expect(Array.from(fromNative.dataSync())).toEqual([7, 10, 15, 22])
    const sum = tf.add(fromNative, fromWasm)
    expect(Array.from(sum.dataSync())).toEqual([8, 12, 18, 26])
    // Two new tensors, no copies: a move between backends would have added or replaced buffers.
    expect(tf.memory().numDataBuffers).toBe(buffers + 2)
    tf.dispose([fromWasm, fromNative, sum])
  })

  it("computes the same as wasm for the operations it takes over unchanged", async () => {
    const compute = () =>
      tf.tidy(() => {
        const x = tf.tensor2d([0.5, -1, 2, -3, 4, 0], [2, 3])
        return Array.from(tf.softmax(tf.relu(x).add(tf.sin(x)).mul(2)).dataSync())
      })
    await tf.setBackend("wasm")
    const wasm = compute()
    await tf.setBackend("native")
    expect(compute()).toEqual(wasm)
  })
})

describe("Identity under native", () => {
  it("shares the data of a clone, and disposing the clone keeps the original", async () => {
    await tf.setBackend("native")
    const before = counts()
    const original = tf.tensor1d([1.5, -2, 3])
    const afterOriginal = counts()
    const clone = tf.clone(original)
    expect(clone.dataId).toBe(original.dataId)
    expect(Array.from(clone.dataSync())).toEqual([1.5, -2, 3])
    // A tensor more, no buffer more.
    expect(counts()).toEqual({ ...afterOriginal, tensors: afterOriginal.tensors + 1 })
    clone.dispose()
    expect(counts()).toEqual(afterOriginal)
    // The heap memory is still the original's: overwrite whatever was freed, then read it.
    tf.dispose(Array.from({ length: 20 }, () => tf.fill([3], 99)))
    expect(Array.from(original.dataSync())).toEqual([1.5, -2, 3])
    original.dispose()
    expect(counts()).toEqual(before)
  })

  it("frees the data once the original goes first and the clone after", async () => {
    await tf.setBackend("native")
    const before = counts()
    const original = tf.tensor2d([1, 2, 3, 4], [2, 2])
    const clones = [tf.clone(original), tf.clone(original), original.clone()]
    original.dispose()
    for (const clone of clones) expect(Array.from(clone.dataSync())).toEqual([1, 2, 3, 4])
    tf.dispose(clones.slice(0, 2))
    expect(Array.from((clones[2] as tf.Tensor).dataSync())).toEqual([1, 2, 3, 4])
    clones[2]?.dispose()
    expect(counts()).toEqual(before)
  })

  it("copies string tensors as wasm does", async () => {
    await tf.setBackend("native")
    const before = counts()
    const words = tf.tensor1d(["telos", "ønnx"])
    const clone = tf.clone(words)
    expect(clone.dataSync()).toEqual(["telos", "ønnx"])
    clone.dispose()
    expect(words.dataSync()).toEqual(["telos", "ønnx"])
    words.dispose()
    expect(counts()).toEqual(before)
  })
})

describe("gradients under native", () => {
  it("leave no tensor and no heap memory behind", async () => {
    await tf.setBackend("native")
    const x = tf.tensor2d([0.5, -1, 2, 0.25, 1, -2], [2, 3])
    const w1 = tf.tensor2d([1, -1, 0.5, 0.5, 2, 1, -1, 0.25, 0.75, 1, -0.5, 1], [3, 4])
    const b1 = tf.tensor1d([0.1, -0.2, 0.3, 0])
    const w2 = tf.tensor2d([1, 0, -1, 2, 0.5, 1, 1, -1], [4, 2])
    const before = counts()
    const values = tf.tidy(() => {
      const loss = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor) => {
        const hidden = tf.fused.matMul({ a: x, b: w1, bias: b1, activation: "relu" })
        const fused = tf.fused.matMul({ a: hidden, b: w2, activation: "relu" })
        return tf.matMul(fused, w2, false, true).square().sum()
      }
      const gradients = tf.grads(loss)([x, w1, b1, w2])
      return gradients.map((gradient) => Array.from(gradient.dataSync()))
    })
    expect(values.map((gradient) => gradient.length)).toEqual([6, 12, 4, 8])
    expect(values.flat().some((value) => value !== 0)).toBe(true)
    expect(counts()).toEqual(before)
    tf.dispose([x, w1, b1, w2])
  })

  it("keep the tensors a tidy returns, and only those", async () => {
    await tf.setBackend("native")
    const before = counts()
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2])
    const b = tf.tensor2d([0.5, -1, 1, 2], [2, 2])
    const [da, db] = tf.tidy(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, true, false).sum())([a, b])
    )
    expect(counts().tensors).toBe(before.tensors + 4)
    // d sum(a^T b) / da[r, i] is the sum of b's row r; d/db[r, j] the sum of a's row r.
    expect(Array.from(da?.dataSync() ?? [])).toEqual([-0.5, -0.5, 3, 3])
    expect(Array.from(db?.dataSync() ?? [])).toEqual([3, 3, 7, 7])
    tf.dispose([da as tf.Tensor, db as tf.Tensor, a, b])
    expect(counts()).toEqual(before)
  })
})
