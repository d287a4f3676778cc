import * as tf from "@tensorflow/tfjs"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"
import { afterAll, beforeAll, expect } from "vitest"

/** Tests that switch the TensorFlow.js backend put the original back when their file is done. */
export const restoreBackendAfterAll = (): void => {
  let original: string
  beforeAll(async () => {
    await tf.ready()
    original = tf.getBackend()
  })
  afterAll(async () => {
    await tf.setBackend(original)
  })
}

/** The one WebAssembly backend instance `wasm` and `native` share (initialised by registration). */
export const wasmBackend = (): BackendWasm => tf.findBackend("wasm") as BackendWasm

/** A tensor's values and shape, read out so it can be compared after the tensor is gone. */
export interface Values {
  readonly shape: ReadonlyArray<number>
  readonly values: Float32Array
}

/**
 * A seeded stream (mulberry32) of multiples of 1/8 in [-2, 2), so a property's inputs are
 * reproducible. Sums of their products are exact in float32 at the sizes the tests use, so two
 * backends that sum in different orders still agree exactly before any activation, and a relu's
 * gradient cannot flip between them on an output that rounds to either side of zero.
 */
export const seededValues = (seed: number, length: number): Float32Array => {
  let state = seed >>> 0
  return Float32Array.from({ length }, () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 32) / 8 - 2
  })
}

export const sizeOf = (shape: ReadonlyArray<number>): number => shape.reduce((total, size) => total * size, 1)

/**
 * Runs `compute` with `backend` active and returns the values of the tensors it returns, leaving
 * no tensor behind. `compute` creates its inputs itself, so each backend computes from its own
 * copies.
 */
export const evaluate = async (
  backend: string,
  compute: () => tf.Tensor | Array<tf.Tensor>
): Promise<Array<Values>> => {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} could not be activated`)
  const results = tf.tidy(compute)
  const tensors = Array.isArray(results) ? results : [results]
  const read = tensors.map((tensor) => ({
    shape: tensor.shape,
    values: Float32Array.from(tensor.dataSync())
  }))
  tf.dispose(tensors)
  return read
}

/**
 * Expects `actual` to match `expected` in shape and, element by element, within float32 rounding:
 * `|actual - expected| <= relative * |expected| + absolute`. Reports the first element that does
 * not, with its index, rather than one failure per element.
 */
export const expectClose = (
  actual: Values,
  expected: Values,
  label: string,
  { relative = 1e-4, absolute = 1e-4 }: { relative?: number; absolute?: number } = {}
): void => {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape)
  expect(actual.values.length, `${label}: length`).toBe(expected.values.length)
  for (let index = 0; index < expected.values.length; index++) {
    const want = expected.values[index] as number
    const got = actual.values[index] as number
    const close =
      (Number.isNaN(got) && Number.isNaN(want)) ||
      Math.abs(got - want) <= relative * Math.abs(want) + absolute
    if (!close) {
      expect.fail(`${label}: element ${index} is ${got}, expected ${want} (shape ${expected.shape})`)
    }
  }
}

/** Expects every pair of results to match (see {@link expectClose}). */
export const expectAllClose = (
  actual: ReadonlyArray<Values>,
  expected: ReadonlyArray<Values>,
  label: string,
  tolerance?: { relative?: number; absolute?: number }
): void => {
  expect(actual.length, `${label}: number of results`).toBe(expected.length)
  actual.forEach((result, index) => {
    expectClose(result, expected[index] as Values, `${label} [${index}]`, tolerance)
  })
}
