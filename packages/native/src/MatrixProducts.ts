/**
 * Matrix products (`BatchMatMul` and `_FusedMatMul`) in ONNX Runtime's MLAS kernels, reading and
 * writing the WebAssembly backend's heap in place: no copies in or out.
 *
 * Every product is cast as ONNX's `FusedMatMul` (Microsoft's contrib operator: a batched product
 * with transposes folded in, so a transposed operand costs nothing, unlike in XNNPACK) on
 * three-dimensional views `[batch, rows, columns]`, then the bias and the activation of a fused
 * product. One session per combination of transposes, bias rank and activation serves every shape.
 * Products the graphs do not cover (other dtypes, general batch broadcasting, a bias or `prelu`
 * slope that would not broadcast the same way over the three-dimensional view) go to the
 * WebAssembly kernel they replace.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"
import { heapFloats, sessionCache, writeOrFree } from "./HeapSessions.js"
import { encodeOnnxModel, microsoftDomain, type OnnxNode } from "./OnnxGraph.js"
import type { NativeRuntime, NativeSession } from "./OnnxRuntime.js"

/** The activations the native graphs apply after a fused product. */
const nativeActivations = ["linear", "relu", "relu6", "prelu", "sigmoid", "elu", "leakyrelu"] as const
type NativeActivation = (typeof nativeActivations)[number]

const isNativeActivation = (name: unknown): name is NativeActivation =>
  nativeActivations.includes(name as NativeActivation)

/** What decides the graph of a product: everything but the sizes. */
export interface ProductGraphKey {
  /** Whether the first operand is transposed. */
  readonly transposeA: boolean
  /** Whether the second operand is transposed. */
  readonly transposeB: boolean
  /** `-1` without a bias. */
  readonly biasRank: number
  /** The rank of `prelu`'s slopes; `-1` for the other activations. */
  readonly slopeRank: number
  /**
   * Both operands single matrices: the product is ONNX's `Gemm`, whose bias and activation ONNX
   * Runtime fuses into the product's own loop, instead of a batched product followed by separate
   * passes for the bias and the activation.
   */
  readonly single?: boolean
  /** The activation applied after the product and bias. */
  readonly activation: NativeActivation
  /** The slope of `leakyrelu` below zero. */
  readonly leakyReluAlpha: number
}

const activationNodes = (key: ProductGraphKey, input: string): ReadonlyArray<OnnxNode> => {
  const node = activationNode(key, input)
  if (node !== undefined) return [node]
  if (key.activation !== "relu6") return []
  return [
    { operator: "Relu", inputs: [input], outputs: ["Rectified"] },
    { operator: "Constant", inputs: [], outputs: ["Six"], attributes: [{ name: "value_float", float: 6 }] },
    { operator: "Min", inputs: ["Rectified", "Six"], outputs: ["Y"] }
  ]
}

const activationNode = (key: ProductGraphKey, input: string): OnnxNode | undefined => {
  switch (key.activation) {
    case "linear":
    case "relu6":
      return undefined
    case "relu":
      return { operator: "Relu", inputs: [input], outputs: ["Y"] }
    case "prelu":
      return { operator: "PRelu", inputs: [input, "S"], outputs: ["Y"] }
    case "sigmoid":
      return { operator: "Sigmoid", inputs: [input], outputs: ["Y"] }
    case "elu":
      return { operator: "Elu", inputs: [input], outputs: ["Y"], attributes: [{ name: "alpha", float: 1 }] }
    case "leakyrelu":
      return {
        operator: "LeakyRelu",
        inputs: [input],
        outputs: ["Y"],
        attributes: [{ name: "alpha", float: key.leakyReluAlpha }]
      }
  }
}

/** The ONNX model of one kind of product: `activation(op(A) op(B) + C)`. */
export const productModel = (key: ProductGraphKey): Uint8Array => {
  const hasBias = key.biasRank >= 0
  const activation = activationNodes(key, hasBias ? "Biased" : "Product")
  const activated = activation.length > 0
  const productName = hasBias || activated ? "Product" : "Y"
  const transposes = [
    { name: "transA", integer: key.transposeA ? 1 : 0 },
    { name: "transB", integer: key.transposeB ? 1 : 0 }
  ]
  if (key.single === true) {
    return encodeOnnxModel({
      nodes: [
        {
          operator: "Gemm",
          inputs: hasBias ? ["A", "B", "C"] : ["A", "B"],
          outputs: [activated ? "Biased" : "Y"],
          attributes: transposes
        },
        ...activationNodes(key, "Biased")
      ],
      inputs: [
        { name: "A", rank: 2 },
        { name: "B", rank: 2 },
        ...(hasBias ? [{ name: "C", rank: key.biasRank }] : []),
        ...(key.slopeRank >= 0 ? [{ name: "S", rank: key.slopeRank }] : [])
      ],
      outputs: [{ name: "Y", rank: 2 }]
    })
  }
  const nodes: Array<OnnxNode> = [
    {
      operator: "FusedMatMul",
      domain: microsoftDomain,
      inputs: ["A", "B"],
      outputs: [productName],
      attributes: [...transposes, { name: "alpha", float: 1 }]
    }
  ]
  if (hasBias)
    nodes.push({ operator: "Add", inputs: ["Product", "C"], outputs: [activated ? "Biased" : "Y"] })
  nodes.push(...activation)
  return encodeOnnxModel({
    nodes,
    inputs: [
      { name: "A", rank: 3 },
      { name: "B", rank: 3 },
      ...(hasBias ? [{ name: "C", rank: key.biasRank }] : []),
      ...(key.slopeRank >= 0 ? [{ name: "S", rank: key.slopeRank }] : [])
    ],
    outputs: [{ name: "Y", rank: 3 }]
  })
}

const product = (shape: ReadonlyArray<number>): number => shape.reduce((total, size) => total * size, 1)

/** The product's operands as three-dimensional views, or `undefined` when the graphs don't cover it. */
interface ProductPlan {
  readonly a: ReadonlyArray<number>
  readonly b: ReadonlyArray<number>
  readonly output: Array<number>
  readonly output3d: ReadonlyArray<number>
  /** The summed dimension. */
  readonly inner: number
}

const planProduct = (
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean
): ProductPlan | undefined => {
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2)
    return undefined
  const outerA = a.shape.slice(0, -2)
  const outerB = b.shape.slice(0, -2)
  const batchA = product(outerA)
  const batchB = product(outerB)
  // Equal batches (same outer shape) or one side shared by all: what a 3-D FusedMatMul broadcasts.
  const sameOuter = outerA.length === outerB.length && outerA.every((size, axis) => size === outerB[axis])
  if (!(sameOuter || batchA === 1 || batchB === 1)) return undefined
  const rowsA = a.shape[a.shape.length - 2] as number
  const columnsA = a.shape[a.shape.length - 1] as number
  const rowsB = b.shape[b.shape.length - 2] as number
  const columnsB = b.shape[b.shape.length - 1] as number
  const m = transposeA ? columnsA : rowsA
  const inner = transposeA ? rowsA : columnsA
  const n = transposeB ? rowsB : columnsB
  if ((transposeB ? columnsB : rowsB) !== inner) return undefined
  // An empty batch broadcasts only against another empty one or a single matrix.
  if ((batchA === 0 || batchB === 0) && !(batchA === batchB || batchA === 1 || batchB === 1)) return undefined
  const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB)
  const batch = Math.max(batchA, batchB)
  return {
    a: [batchA, rowsA, columnsA],
    b: [batchB, rowsB, columnsB],
    output: [...outer, m, n],
    output3d: [batch, m, n],
    inner
  }
}

/**
 * Products of at least this many floating-point operations run on the runtime's threads; smaller
 * ones on the calling thread alone. Measured on 2 cores: with 2 threads for every product, the
 * planning workloads of 256-512 candidates (products of 9-34 MFLOP) were slower than with 1 in 16
 * of 24 interleaved runs (CEM's fastest: 306-640 ms against 157-207 ms), while the 1024-candidate
 * one (products up to 134 MFLOP) took 10.7 s with 2 and 18.5 s with 1. Waking a second thread
 * costs more than it saves on a small product, and it competes with the main thread's
 * WebAssembly work.
 */
export const parallelFlops = 64e6

/** The two kernels, ready to register under the native backend's name. */
export interface MatrixProductKernels {
  /** The `BatchMatMul` kernel. */
  readonly batchMatMul: tf.KernelFunc
  /** The `_FusedMatMul` kernel: a product with optional bias and activation. */
  readonly fusedMatMul: tf.KernelFunc
  /** Releases every ONNX Runtime session the kernels opened. */
  readonly dispose: () => void
}

/**
 * `BatchMatMul` and `_FusedMatMul` kernel functions running in `runtime`, each falling back to the
 * given WebAssembly kernel for the products the native graphs don't cover.
 *
 * @example
 * ```ts
 * const kernels = matrixProductKernels(runtime, { batchMatMul: wasmBatchMatMul, fusedMatMul: wasmFused })
 * tf.registerKernel({ kernelName: "BatchMatMul", backendName: "native", kernelFunc: kernels.batchMatMul })
 * ```
 */
export const matrixProductKernels = (
  runtime: NativeRuntime,
  fallback: { readonly batchMatMul: tf.KernelFunc; readonly fusedMatMul: tf.KernelFunc }
): MatrixProductKernels => {
  // One session per distinct key, kept for the backend's lifetime: a program uses a handful.
  const sessions = sessionCache(runtime)
  const sessionFor = (key: ProductGraphKey, parallel: boolean): NativeSession =>
    sessions.get(
      `${key.transposeA}/${key.transposeB}/${key.biasRank}/${key.slopeRank}/${key.activation}/${key.leakyReluAlpha}/${key.single === true}/${parallel}`,
      () => productModel(key),
      parallel ? runtime.threads : 1
    )

  const run = (
    backend: BackendWasm,
    inputs: {
      a: tf.TensorInfo
      b: tf.TensorInfo
      bias?: tf.TensorInfo | undefined
      slopes?: tf.TensorInfo | undefined
    },
    key: ProductGraphKey
  ): tf.TensorInfo | undefined => {
    const plan = planProduct(inputs.a, inputs.b, key.transposeA, key.transposeB)
    if (plan === undefined) return undefined
    const { bias, slopes } = inputs
    // A bias (or slopes) broadcasts against the three-dimensional view exactly as against the
    // real output when it has at most two axes, or when the output has three.
    const fits = (operand: tf.TensorInfo | undefined) =>
      operand === undefined ||
      (operand.dtype === "float32" &&
        product(operand.shape) > 0 &&
        (operand.shape.length <= 2 || (operand.shape.length === 3 && plan.output.length === 3)))
    if (!fits(bias) || !fits(slopes)) return undefined
    const output = backend.makeOutput(plan.output, "float32")
    if (product(plan.output) === 0) return output
    const single =
      plan.a[0] === 1 &&
      plan.b[0] === 1 &&
      (bias === undefined || bias.shape.length <= 2) &&
      (slopes === undefined || slopes.shape.length <= 2)
    // A single matrix is its 3-D view without the leading 1.
    const shaped = (shape: ReadonlyArray<number>) => (single ? shape.slice(1) : shape)
    const view = (info: tf.TensorInfo) => heapFloats(backend, info)
    return writeOrFree(backend, output, () =>
      sessionFor({ ...key, single }, 2 * product(plan.output3d) * plan.inner >= parallelFlops).run(
        {
          A: { values: view(inputs.a), shape: shaped(plan.a) },
          B: { values: view(inputs.b), shape: shaped(plan.b) },
          ...(bias !== undefined ? { C: { values: view(bias), shape: bias.shape } } : {}),
          ...(slopes !== undefined ? { S: { values: view(slopes), shape: slopes.shape } } : {})
        },
        { values: view(output), shape: shaped(plan.output3d) }
      )
    )
  }

  const batchMatMul: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean }
    const key = {
      transposeA,
      transposeB,
      biasRank: -1,
      slopeRank: -1,
      activation: "linear",
      leakyReluAlpha: 0
    } as const
    return run(args.backend as BackendWasm, { a, b }, key) ?? fallback.batchMatMul(args)
  }

  const fusedMatMul: tf.KernelFunc = (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>
    const attrs = args.attrs as {
      transposeA: boolean
      transposeB: boolean
      activation?: string
      leakyreluAlpha?: number
    }
    const activation = attrs.activation ?? "linear"
    const slopes = activation === "prelu" ? preluActivationWeights : undefined
    const slopesAsExpected = (activation === "prelu") === (slopes !== undefined)
    if (a === undefined || b === undefined || !isNativeActivation(activation) || !slopesAsExpected) {
      return fallback.fusedMatMul(args)
    }
    const key: ProductGraphKey = {
      transposeA: attrs.transposeA,
      transposeB: attrs.transposeB,
      biasRank: bias === undefined ? -1 : bias.shape.length,
      slopeRank: slopes === undefined ? -1 : slopes.shape.length,
      activation,
      // TensorFlow.js's default slope for leakyrelu.
      leakyReluAlpha: activation === "leakyrelu" ? (attrs.leakyreluAlpha ?? 0.2) : 0
    }
    return run(args.backend as BackendWasm, { a, b, bias, slopes }, key) ?? fallback.fusedMatMul(args)
  }

  return { batchMatMul, fusedMatMul, dispose: sessions.dispose }
}
