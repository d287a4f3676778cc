import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadNativeRuntime, matrixProductKernels, productModel } from "../src/index.js"
import {
  evaluate,
  expectAllClose,
  expectClose,
  heapBytes,
  registerNativeBeforeAll,
  restoreBackendAfterAll,
  seededValues,
  sizeOf,
  type Values,
  wasmBackend
} from "./support.js"

restoreBackendAfterAll()
registerNativeBeforeAll()

/** A product `op(a) op(b)`: the outer (batch) axes of each side, the sizes and the transposes. */
interface Product {
  readonly outerA: ReadonlyArray<number>
  readonly outerB: ReadonlyArray<number>
  readonly m: number
  readonly k: number
  readonly n: number
  readonly transposeA: boolean
  readonly transposeB: boolean
  readonly seed: number
}

const shapeA = (p: Product): Array<number> => [...p.outerA, ...(p.transposeA ? [p.k, p.m] : [p.m, p.k])]
const shapeB = (p: Product): Array<number> => [...p.outerB, ...(p.transposeB ? [p.n, p.k] : [p.k, p.n])]
const outerOf = (p: Product): Array<number> =>
  tf.backend_util.assertAndGetBroadcastShape([...p.outerA], [...p.outerB])
const shapeOut = (p: Product): Array<number> => [...outerOf(p), p.m, p.n]

/** Seeded inputs, so each backend builds its own identical copies. */
const tensorA = (p: Product): tf.Tensor => tf.tensor(seededValues(p.seed, sizeOf(shapeA(p))), shapeA(p))
const tensorB = (p: Product): tf.Tensor => tf.tensor(seededValues(p.seed + 1, sizeOf(shapeB(p))), shapeB(p))
const tensorOfShape = (seed: number, shape: ReadonlyArray<number>): tf.Tensor =>
  tf.tensor(seededValues(seed, sizeOf(shape)), [...shape])

// Mostly small sizes, sometimes past the sizes where MLAS switches to its packed kernels.
const size = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 8 }) },
  { weight: 1, arbitrary: fc.integer({ min: 9, max: 40 }) }
)
const batchAxes = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 })
const sharedAxes = fc.constantFrom<ReadonlyArray<number>>([], [1], [1, 1])

/** Outer axes the native graphs cover: none, equal, or one side a single matrix shared by all. */
const coveredOuter = fc.oneof(
  fc.constant<[ReadonlyArray<number>, ReadonlyArray<number>]>([[], []]),
  batchAxes.map((axes): [ReadonlyArray<number>, ReadonlyArray<number>] => [axes, axes]),
  fc.tuple(sharedAxes, batchAxes),
  fc.tuple(batchAxes, sharedAxes)
)

const productOf = (
  outer: fc.Arbitrary<[ReadonlyArray<number>, ReadonlyArray<number>]>
): fc.Arbitrary<Product> =>
  fc
    .record({
      outer,
      m: size,
      k: size,
      n: size,
      transposeA: fc.boolean(),
      transposeB: fc.boolean(),
      seed: fc.nat(1_000_000)
    })
    .map(({ outer: [outerA, outerB], ...rest }) => ({ outerA, outerB, ...rest }))

const coveredProduct = productOf(coveredOuter)

/** Equal outer axes (or none): what TensorFlow.js's own matMul gradients handle. */
const equalOuter = fc.oneof(
  fc.constant<[ReadonlyArray<number>, ReadonlyArray<number>]>([[], []]),
  batchAxes.map((axes): [ReadonlyArray<number>, ReadonlyArray<number>] => [axes, axes])
)
const sameOuter = (p: Product): boolean =>
  p.outerA.length === p.outerB.length && p.outerA.every((size, axis) => size === p.outerB[axis])

const describeProduct = (p: Product): string =>
  `${JSON.stringify(shapeA(p))}${p.transposeA ? "^T" : ""} x ${JSON.stringify(shapeB(p))}${p.transposeB ? "^T" : ""}`

/** The same computation on `cpu` and on `native`. */
const onCpuAndNative = async (
  compute: () => tf.Tensor | Array<tf.Tensor>
): Promise<{ cpu: Array<Values>; native: Array<Values> }> => ({
  cpu: await evaluate("cpu", compute),
  native: await evaluate("native", compute)
})

describe("native matMul agrees with cpu", () => {
  it("for ranks 2 to 4, every transpose and batch broadcasting the graphs cover", async () => {
    await fc.assert(
      fc.asyncProperty(coveredProduct, async (p) => {
        const { cpu, native } = await onCpuAndNative(() =>
          tf.matMul(tensorA(p), tensorB(p), p.transposeA, p.transposeB)
        )
        expect(cpu[0]?.shape).toEqual(shapeOut(p))
        expectAllClose(native, cpu, describeProduct(p))
      }),
      { numRuns: 50 }
    )
  })

  it("for general batch broadcasting, which falls back to wasm", async () => {
    // Neither side has a single matrix nor the same outer axes: [2, 3] against [3].
    const general = fc.oneof(
      fc.constant<[ReadonlyArray<number>, ReadonlyArray<number>]>([[2, 3], [3]]),
      fc.constant<[ReadonlyArray<number>, ReadonlyArray<number>]>([[3], [2, 3]]),
      fc.constant<[ReadonlyArray<number>, ReadonlyArray<number>]>([
        [2, 2],
        [1, 2]
      ])
    )
    await fc.assert(
      fc.asyncProperty(productOf(general), async (p) => {
        const { cpu, native } = await onCpuAndNative(() =>
          tf.matMul(tensorA(p), tensorB(p), p.transposeA, p.transposeB)
        )
        const [wasm] = await evaluate("wasm", () =>
          tf.matMul(tensorA(p), tensorB(p), p.transposeA, p.transposeB)
        )
        expectAllClose(native, cpu, describeProduct(p))
        // The fallback is the wasm kernel itself: the very same numbers.
        expect(native[0]?.values).toEqual(wasm?.values)
      }),
      { numRuns: 20 }
    )
  })

  it("for [2, 1, m, k] x [1, 3, k, n], as wasm computes it", async () => {
    // TensorFlow.js computes this broadcast wrongly on every backend (12 values for a 24-value
    // shape); the native backend must hand it to wasm rather than compute something else.
    const p: Product = {
      outerA: [2, 1],
      outerB: [1, 3],
      m: 2,
      k: 3,
      n: 2,
      transposeA: false,
      transposeB: true,
      seed: 7
    }
    const compute = () => tf.matMul(tensorA(p), tensorB(p), p.transposeA, p.transposeB)
    const [native] = await evaluate("native", compute)
    const [wasm] = await evaluate("wasm", compute)
    expect(native?.shape).toEqual([2, 3, 2, 2])
    expect(native).toEqual(wasm)
  })

  it("hands int32 products to wasm, which refuses them as it does on its own", async () => {
    const compute = () =>
      tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], "int32"), tf.tensor2d([5, 6, 7, 8], [2, 2], "int32"))
    await expect(evaluate("wasm", compute)).rejects.toThrow(/non-float32/)
    await expect(evaluate("native", compute)).rejects.toThrow(/non-float32/)
    const [cpu] = await evaluate("cpu", compute)
    expect(Array.from(cpu?.values ?? [])).toEqual([19, 22, 43, 50])
  })

  it("computes empty products (m, n, k or the batch 0): zeros, and the bias in a fused product", async () => {
    // [a, b, output, whether cpu's own matMul gets it right]. TensorFlow.js's cpu kernel returns
    // values (NaN) for an empty batch broadcast against a single matrix, and wasm's crashes
    // ("remainder by zero"), so those are checked against what any product of nothing is.
    const cases: Array<[Array<number>, Array<number>, Array<number>, boolean]> = [
      [[0, 3], [3, 2], [0, 2], true],
      [[2, 3], [3, 0], [2, 0], true],
      [[0, 2, 3], [0, 3, 4], [0, 2, 4], true],
      [[0, 2, 3], [3, 4], [0, 2, 4], false],
      [[0, 2, 3], [1, 3, 4], [0, 2, 4], false],
      [[2, 3], [0, 3, 4], [0, 2, 4], false],
      // An empty inner axis gives a full-size result.
      [[2, 0], [0, 3], [2, 3], true],
      [[2, 2, 0], [2, 0, 3], [2, 2, 3], true]
    ]
    for (const [a, b, out, cpuAgrees] of cases) {
      const bias = () => tensorOfShape(3, [b.at(-1) as number])
      const compute = () => {
        // Garbage left on the heap where the outputs may land: an unwritten output would show it.
        tf.dispose(Array.from({ length: 4 }, () => tf.fill([64], 99)))
        return [
          tf.matMul(tf.ones(a), tf.ones(b)),
          tf.fused.matMul({ a: tf.ones(a), b: tf.ones(b), bias: bias(), activation: "relu" })
        ]
      }
      const label = `${JSON.stringify(a)} x ${JSON.stringify(b)}`
      const expected = await evaluate("cpu", () => [tf.zeros(out), tf.zeros(out).add(tf.relu(bias()))])
      const native = await evaluate("native", compute)
      expectAllClose(native, expected, label)
      if (cpuAgrees) expectAllClose(native, await evaluate("cpu", compute), `${label} against cpu's matMul`)
    }
  })

  it("computes in place on the heap even when the output's allocation grows it", async () => {
    await tf.setBackend("native")
    const before = heapBytes()
    // Outer products a b^T with a = 0..n-1 and b = 1..n, the output four times bigger each time,
    // until one's allocation grows the heap: views of the inputs taken before it would be detached.
    let size = 1024
    while (heapBytes() === before && size <= 16_384) {
      const n = size
      const result = tf.tidy(() => {
        const a = tf.range(0, n).reshape([n, 1])
        const b = tf.range(1, n + 1).reshape([n, 1])
        return tf.matMul(a, b, false, true)
      })
      const values = result.dataSync()
      expect(result.shape).toEqual([n, n])
      for (const [row, column] of [
        [0, 0],
        [1, 0],
        [n - 1, n - 1],
        [n >> 1, 3],
        [7, n - 2]
      ] as const) {
        expect(values[row * n + column]).toBe(row * (column + 1))
      }
      result.dispose()
      size *= 2
    }
    expect(heapBytes(), "the heap grew during a product").toBeGreaterThan(before)
  })
})

type Activation = "linear" | "relu" | "sigmoid" | "elu" | "leakyrelu"

interface FusedProduct extends Product {
  /** The shape of the bias; `undefined` for none. */
  readonly bias: ReadonlyArray<number> | undefined
  readonly activation: Activation
  readonly leakyreluAlpha: number | undefined
}

/** Biases that broadcast against the output: rank 1 and 2 always, rank 3 when the output has rank 3. */
const biasShape = (p: Product): fc.Arbitrary<ReadonlyArray<number> | undefined> => {
  const outer = outerOf(p)
  const shapes: Array<ReadonlyArray<number> | undefined> = [
    undefined,
    [p.n],
    [1],
    [p.m, p.n],
    [1, p.n],
    [p.m, 1]
  ]
  if (outer.length === 1) shapes.push([outer[0] as number, p.m, p.n], [1, p.m, p.n], [1, 1, p.n])
  return fc.constantFrom(...shapes)
}

// tf.fused.matMul flattens the outer axes to one batch axis: only equal or shared batches make sense.
const fusedProduct: fc.Arbitrary<FusedProduct> = coveredProduct.chain((p) =>
  fc
    .record({
      bias: biasShape(p),
      activation: fc.constantFrom<Activation>("linear", "relu", "sigmoid", "elu", "leakyrelu"),
      // A few slopes only: each one is a graph (a session) of its own.
      leakyreluAlpha: fc.constantFrom(undefined, 0.2, 0.05, 0.3)
    })
    .map((rest) => ({ ...p, ...rest }))
)

const fusedOf = (p: FusedProduct): tf.Tensor =>
  tf.fused.matMul({
    a: tensorA(p),
    b: tensorB(p),
    transposeA: p.transposeA,
    transposeB: p.transposeB,
    ...(p.bias !== undefined ? { bias: tensorOfShape(p.seed + 2, p.bias) } : {}),
    activation: p.activation,
    ...(p.leakyreluAlpha !== undefined ? { leakyreluAlpha: p.leakyreluAlpha } : {})
  })

const describeFused = (p: FusedProduct): string =>
  `${p.activation}${p.activation === "leakyrelu" ? `(${p.leakyreluAlpha})` : ""}(${describeProduct(p)} + ${JSON.stringify(p.bias)})`

describe("native fused matMul agrees with cpu", () => {
  it("with biases of rank 1 to 3 and the activations the graphs cover", async () => {
    await fc.assert(
      fc.asyncProperty(fusedProduct, async (p) => {
        const { cpu, native } = await onCpuAndNative(() => fusedOf(p))
        expect(cpu[0]?.shape).toEqual(shapeOut(p))
        expectAllClose(native, cpu, describeFused(p))
      }),
      { numRuns: 50 }
    )
  })

  it("with relu6, and prelu with slopes of rank 1 to 3", async () => {
    const product = coveredProduct.chain((p) =>
      fc
        .record({
          bias: biasShape(p),
          // Slopes broadcast against the output as a bias does; `undefined` stands for relu6.
          slopes: biasShape(p)
        })
        .map((rest) => ({ ...p, ...rest }))
    )
    await fc.assert(
      fc.asyncProperty(product, async (p) => {
        const compute = () =>
          tf.fused.matMul({
            // Doubled, so that relu6 clips: the products reach past 6.
            a: tensorA(p).mul(2),
            b: tensorB(p),
            transposeA: p.transposeA,
            transposeB: p.transposeB,
            ...(p.bias !== undefined ? { bias: tensorOfShape(p.seed + 2, p.bias) } : {}),
            ...(p.slopes !== undefined
              ? { activation: "prelu" as const, preluActivationWeights: tensorOfShape(p.seed + 3, p.slopes) }
              : { activation: "relu6" as const })
          })
        const activation = p.slopes !== undefined ? `prelu(slopes ${JSON.stringify(p.slopes)})` : "relu6"
        const label = `${activation}(${describeProduct(p)} + ${JSON.stringify(p.bias)})`
        const { cpu, native } = await onCpuAndNative(compute)
        expect(cpu[0]?.shape).toEqual(shapeOut(p))
        expectAllClose(native, cpu, label)
      }),
      { numRuns: 50 }
    )
  })
})

/** The weights of a loss `sum(output * weights)`, so every output element has its own gradient. */
const lossWeights = (seed: number, shape: ReadonlyArray<number>): tf.Tensor => tensorOfShape(seed + 5, shape)

describe("gradients on native agree with cpu", () => {
  // TensorFlow.js's matMul gradients do not reduce a broadcast batch (on any backend): equal batches only.
  it("of matMul, with respect to both operands", async () => {
    await fc.assert(
      fc.asyncProperty(productOf(equalOuter), async (p) => {
        const compute = () =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf
              .matMul(a, b, p.transposeA, p.transposeB)
              .mul(lossWeights(p.seed, shapeOut(p)))
              .sum()
          )([tensorA(p), tensorB(p)])
        const { cpu, native } = await onCpuAndNative(compute)
        expect(cpu.map((gradient) => gradient.shape)).toEqual([shapeA(p), shapeB(p)])
        expectAllClose(native, cpu, `d/d(a, b) ${describeProduct(p)}`)
      }),
      { numRuns: 30 }
    )
  })

  it("of a fused matMul (linear and relu, with and without a bias), with respect to a, b and the bias", async () => {
    const differentiable = fusedProduct.filter(sameOuter).map(
      (p): FusedProduct => ({
        ...p,
        activation: p.activation === "relu" || p.activation === "elu" ? "relu" : "linear",
        leakyreluAlpha: undefined
      })
    )
    await fc.assert(
      fc.asyncProperty(differentiable, async (p) => {
        const weights = () => lossWeights(p.seed, shapeOut(p))
        const compute = () => {
          const inputs = [tensorA(p), tensorB(p)]
          if (p.bias === undefined) {
            return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
              tf.fused
                .matMul({
                  a,
                  b,
                  transposeA: p.transposeA,
                  transposeB: p.transposeB,
                  activation: p.activation
                })
                .mul(weights())
                .sum()
            )(inputs)
          }
          return tf.grads((a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) =>
            tf.fused
              .matMul({
                a,
                b,
                bias,
                transposeA: p.transposeA,
                transposeB: p.transposeB,
                activation: p.activation
              })
              .mul(weights())
              .sum()
          )([...inputs, tensorOfShape(p.seed + 2, p.bias)])
        }
        const { cpu, native } = await onCpuAndNative(compute)
        expectAllClose(native, cpu, `gradients of ${describeFused(p)}`)
      }),
      { numRuns: 30 }
    )
  })
})

describe("matrixProductKernels: what runs natively and what falls back", () => {
  const calls = { batchMatMul: 0, fusedMatMul: 0 }
  let kernels: ReturnType<typeof matrixProductKernels>

  beforeAll(async () => {
    await tf.setBackend("wasm")
    const wasmKernel = (name: string): tf.KernelFunc => {
      const kernel = tf.getKernel(name, "wasm")
      if (kernel === undefined) throw new Error(`no wasm ${name}`)
      return kernel.kernelFunc
    }
    kernels = matrixProductKernels(loadNativeRuntime({ threads: 1 }), {
      batchMatMul: (args) => {
        calls.batchMatMul++
        return wasmKernel(tf.BatchMatMul)(args)
      },
      fusedMatMul: (args) => {
        calls.fusedMatMul++
        return wasmKernel(tf._FusedMatMul)(args)
      }
    })
  })

  afterAll(() => {
    kernels.dispose()
  })

  /** Runs a kernel on the wasm backend directly; returns its output and the fallbacks it took. */
  const runKernel = (
    kernel: "batchMatMul" | "fusedMatMul",
    inputs: Record<string, tf.Tensor>,
    attrs: Record<string, unknown>
  ): { output: Values; fallbacks: number } => {
    const before = calls[kernel]
    const backend = wasmBackend()
    const info = kernels[kernel]({ inputs, attrs: attrs as tf.NamedAttrMap, backend }) as tf.TensorInfo
    const tensor = tf.engine().makeTensorFromTensorInfo(info, backend)
    const output = { shape: tensor.shape, values: Float32Array.from(tensor.dataSync()) }
    tensor.dispose()
    return { output, fallbacks: calls[kernel] - before }
  }

  it("runs every covered product natively, with cpu's values", async () => {
    await fc.assert(
      fc.asyncProperty(coveredProduct, async (p) => {
        const [cpu] = await evaluate("cpu", () =>
          tf.matMul(tensorA(p), tensorB(p), p.transposeA, p.transposeB)
        )
        await tf.setBackend("wasm")
        const [a, b] = [tensorA(p), tensorB(p)]
        const { output, fallbacks } = runKernel(
          "batchMatMul",
          { a, b },
          { transposeA: p.transposeA, transposeB: p.transposeB }
        )
        tf.dispose([a, b])
        expect(fallbacks, describeProduct(p)).toBe(0)
        expectClose(output, cpu as Values, describeProduct(p))
      }),
      { numRuns: 30 }
    )
  })

  it("runs empty products natively: zeros, as cpu computes them", async () => {
    const cases: Array<[string, Array<number>, Array<number>, Array<number>]> = [
      ["m = 0", [0, 3], [3, 2], [0, 2]],
      ["n = 0", [2, 3], [3, 0], [2, 0]],
      ["k = 0", [2, 0], [0, 2], [2, 2]],
      ["batch 0", [0, 2, 3], [0, 3, 2], [0, 2, 2]],
      ["batch 0 against a single matrix", [0, 2, 3], [1, 3, 2], [0, 2, 2]],
      ["k = 0 in a batch", [3, 2, 0], [3, 0, 2], [3, 2, 2]]
    ]
    for (const [label, shapeOfA, shapeOfB, out] of cases) {
      const [expected] = await evaluate("cpu", () => tf.zeros(out))
      await tf.setBackend("wasm")
      // Garbage left on the heap where the output may land: an unwritten output would show it.
      tf.dispose(Array.from({ length: 4 }, () => tf.fill([64], 99)))
      const [a, b] = [tf.ones(shapeOfA), tf.ones(shapeOfB)]
      const { output, fallbacks } = runKernel(
        "batchMatMul",
        { a, b },
        { transposeA: false, transposeB: false }
      )
      tf.dispose([a, b])
      expect(fallbacks, label).toBe(0)
      expectClose(output, expected as Values, label)
    }
  })

  it("falls back for int32 and general broadcasting", () => {
    const cases: Array<[string, () => [tf.Tensor, tf.Tensor]]> = [
      ["int32", () => [tf.ones([2, 2], "int32"), tf.ones([2, 2], "int32")]],
      ["a int32", () => [tf.ones([2, 2], "int32"), tf.ones([2, 2])]],
      ["[2, 3] against [3]", () => [tf.ones([2, 3, 2, 2]), tf.ones([3, 2, 2])]],
      ["[2, 1] against [1, 3]", () => [tf.ones([2, 1, 2, 2]), tf.ones([1, 3, 2, 2])]]
    ]
    for (const [label, make] of cases) {
      const [a, b] = make()
      const before = calls.batchMatMul
      try {
        runKernel("batchMatMul", { a, b }, { transposeA: false, transposeB: false })
      } catch {
        // wasm refuses int32; what matters is that it was asked.
      }
      tf.dispose([a, b])
      expect(calls.batchMatMul - before, label).toBe(1)
    }
  })

  it("runs fused products natively unless a bias or prelu's slopes do not fit", () => {
    const a = tf.ones([2, 3, 4])
    const b = tf.ones([2, 4, 5])
    const base = { transposeA: false, transposeB: false }
    const cases: Array<[string, Record<string, tf.Tensor>, Record<string, unknown>, number]> = [
      ["linear", {}, { activation: "linear" }, 0],
      ["no activation attribute", {}, {}, 0],
      ["relu with a bias", { bias: tf.ones([5]) }, { activation: "relu" }, 0],
      ["sigmoid with a rank-2 bias", { bias: tf.ones([3, 5]) }, { activation: "sigmoid" }, 0],
      ["elu with a rank-3 bias", { bias: tf.ones([2, 3, 5]) }, { activation: "elu" }, 0],
      ["leakyrelu", {}, { activation: "leakyrelu", leakyreluAlpha: 0.1 }, 0],
      ["relu6", { bias: tf.ones([5]) }, { activation: "relu6" }, 0],
      ["prelu", { preluActivationWeights: tf.ones([5]) }, { activation: "prelu" }, 0],
      ["prelu with rank-2 slopes", { preluActivationWeights: tf.ones([3, 5]) }, { activation: "prelu" }, 0],
      [
        "prelu with rank-3 slopes",
        { preluActivationWeights: tf.ones([2, 3, 5]) },
        { activation: "prelu" },
        0
      ],
      ["prelu without slopes", {}, { activation: "prelu" }, 1],
      [
        "prelu with rank-4 slopes",
        { preluActivationWeights: tf.ones([1, 2, 3, 5]) },
        { activation: "prelu" },
        1
      ],
      ["prelu with empty slopes", { preluActivationWeights: tf.ones([0]) }, { activation: "prelu" }, 1],
      ["a rank-4 bias", { bias: tf.ones([1, 2, 3, 5]) }, { activation: "linear" }, 1],
      ["an empty bias", { bias: tf.ones([0]) }, { activation: "linear" }, 1],
      ["an int32 bias", { bias: tf.ones([5], "int32") }, { activation: "linear" }, 1]
    ]
    for (const [label, extra, attrs, expected] of cases) {
      const before = calls.fusedMatMul
      try {
        const { output } = runKernel("fusedMatMul", { a, b, ...extra }, { ...base, ...attrs })
        expect(output.shape, label).toEqual([2, 3, 5])
      } catch {
        // wasm refuses biases of other ranks; what matters is that it was asked.
      }
      tf.dispose(Object.values(extra))
      expect(calls.fusedMatMul - before, label).toBe(expected)
    }
    tf.dispose([a, b])
  })

  it("applies the leakyrelu slope given, 0.2 by default", () => {
    const a = tf.tensor3d([1, -1], [1, 1, 2])
    const b = tf.tensor3d([1, 0, 0, 1], [1, 2, 2])
    const slope = (attrs: Record<string, unknown>) =>
      Array.from(
        runKernel(
          "fusedMatMul",
          { a, b },
          { transposeA: false, transposeB: false, activation: "leakyrelu", ...attrs }
        ).output.values
      )
    expect(slope({})).toEqual([1, Math.fround(-0.2)])
    expect(slope({ leakyreluAlpha: 0.5 })).toEqual([1, -0.5])
    expect(slope({ leakyreluAlpha: 0.2 })).toEqual([1, Math.fround(-0.2)])
    tf.dispose([a, b])
  })
})

describe("productModel", () => {
  it("loads for every combination of transposes, bias rank, activation, slope rank and form", () => {
    const runtime = loadNativeRuntime({ threads: 1 })
    const activations = ["linear", "relu", "relu6", "sigmoid", "elu", "leakyrelu"] as const
    const keys = [
      ...activations.map((activation) => ({ activation, slopeRank: -1 })),
      ...[0, 1, 2, 3].map((slopeRank) => ({ activation: "prelu" as const, slopeRank }))
    ]
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        for (const biasRank of [-1, 0, 1, 2, 3]) {
          for (const { activation, slopeRank } of keys) {
            // Single matrices (Gemm) take a bias and slopes of rank 2 at most.
            for (const single of biasRank <= 2 && slopeRank <= 2 ? [false, true] : [false]) {
              const model = productModel({
                transposeA,
                transposeB,
                biasRank,
                slopeRank,
                activation,
                leakyReluAlpha: 0.1,
                single
              })
              runtime.createSession(model).dispose()
            }
          }
        }
      }
    }
  })
})
