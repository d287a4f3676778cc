/**
 * Two-dimensional convolutions and both their gradients in ONNX Runtime, for channels-last
 * (`NHWC`) tensors on the WebAssembly heap.
 *
 * The WebAssembly backend has no `Conv2DBackpropFilter` kernel, so a convolutional encoder could
 * not be trained on it. Here:
 *
 * - `Conv2D` is ONNX's `Conv` between transposes (ONNX is channels-first);
 * - `Conv2DBackpropInput` is `ConvTranspose` with the same filter, padding and strides, plus the
 *   output padding that gives back the input's size;
 * - `Conv2DBackpropFilter` is a `Conv` of the input with the output gradient as the filter: batch
 *   and channels swap roles, and the forward strides become dilations. Its result is filter-sized,
 *   so the last crop and transpose to `[height, width, in, out]` happen in JavaScript.
 *
 * TensorFlow.js sometimes asks for fewer windows than the padding allows (it sizes the output of a
 * numeric padding with the height's stride and filter on both axes); ONNX then computes the
 * windows the padding allows, the forward pass keeps the first ones, and the gradients see zeros
 * for the rest.
 *
 * Each distinct geometry (strides, padding, dilations) gets its own session, kept for the backend's
 * lifetime. Channels-first data goes to the WebAssembly kernels (which, for the gradients, means
 * TensorFlow.js's "kernel not registered" error, as on `wasm`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"
import { type KernelTranslation, UntranslatableKernel } from "./compile/Translation.js"
import { heapFloats, sessionCache, writeOrFree } from "./HeapSessions.js"
import { encodeOnnxModel, type OnnxNode } from "./OnnxGraph.js"
import type { NativeRuntime } from "./OnnxRuntime.js"

type Padding = "valid" | "same" | number | tf.backend_util.ExplicitPadding

interface ConvolutionAttributes {
  readonly strides: [number, number] | number
  readonly pad: Padding
  readonly dataFormat?: "NHWC" | "NCHW"
  readonly dilations?: [number, number] | number
  readonly dimRoundingMode?: "floor" | "round" | "ceil"
}

const channelsLastToFirst = [0, 3, 1, 2]
const channelsFirstToLast = [0, 2, 3, 1]
// [height, width, in, out] to ONNX's [out, in, height, width].
const filterToOnnx = [3, 2, 0, 1]
// Batch and channels swap roles in the filter gradient: [N, H, W, C] to [C, N, H, W].
const channelsToBatch = [3, 0, 1, 2]

const transpose = (input: string, output: string, perm: ReadonlyArray<number>): OnnxNode => ({
  operator: "Transpose",
  inputs: [input],
  outputs: [output],
  attributes: [{ name: "perm", integers: perm }]
})

const convolutionNode = (
  operator: "Conv" | "ConvTranspose",
  inputs: ReadonlyArray<string>,
  output: string,
  pads: ReadonlyArray<number>,
  strides: ReadonlyArray<number>,
  dilations: ReadonlyArray<number>,
  outputPadding?: ReadonlyArray<number>
): OnnxNode => ({
  operator,
  inputs,
  outputs: [output],
  attributes: [
    { name: "pads", integers: pads },
    { name: "strides", integers: strides },
    { name: "dilations", integers: dilations },
    ...(outputPadding === undefined ? [] : [{ name: "output_padding", integers: outputPadding }])
  ]
})

const model = (nodes: ReadonlyArray<OnnxNode>, inputs: ReadonlyArray<string>): Uint8Array =>
  encodeOnnxModel({
    nodes,
    inputs: inputs.map((name) => ({ name, rank: 4 })),
    outputs: [{ name: "Y", rank: 4 }]
  })

/** The convolution geometry of a kernel call, or `undefined` when the graphs don't cover it. */
const convolutionInfo = (
  inputShape: ReadonlyArray<number>,
  filterShape: ReadonlyArray<number>,
  attributes: ConvolutionAttributes
): tf.backend_util.Conv2DInfo | undefined => {
  if ((attributes.dataFormat ?? "NHWC") !== "NHWC") return undefined
  return tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attributes.strides,
    attributes.dilations ?? 1,
    attributes.pad,
    attributes.dimRoundingMode,
    false,
    "channelsLast"
  )
}

/** The span of a dilated filter along one axis. */
const span = (filterSize: number, dilation: number): number => (filterSize - 1) * dilation + 1

/** How ONNX computes TensorFlow.js's convolution: its padding, and how many windows it gets. */
interface OnnxGeometry {
  /** `[top, left, bottom, right]`. */
  readonly pads: ReadonlyArray<number>
  readonly strides: ReadonlyArray<number>
  readonly dilations: ReadonlyArray<number>
  /** Windows ONNX computes along the height and width: at least TensorFlow.js's. */
  readonly rows: number
  readonly columns: number
}

/**
 * The padding is TensorFlow.js's at the start of each axis and, at the end, as much as its last
 * window reaches (never less than zero).
 */
const onnxGeometry = (info: tf.backend_util.Conv2DInfo): OnnxGeometry => {
  const axis = (input: number, output: number, stride: number, reach: number, begin: number) => {
    const end = Math.max(0, stride * (output - 1) + reach - input - begin)
    return { end, windows: Math.floor((input + begin + end - reach) / stride) + 1 }
  }
  const height = axis(
    info.inHeight,
    info.outHeight,
    info.strideHeight,
    span(info.filterHeight, info.dilationHeight),
    info.padInfo.top
  )
  const width = axis(
    info.inWidth,
    info.outWidth,
    info.strideWidth,
    span(info.filterWidth, info.dilationWidth),
    info.padInfo.left
  )
  return {
    pads: [info.padInfo.top, info.padInfo.left, height.end, width.end],
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    rows: height.windows,
    columns: width.windows
  }
}

/**
 * Copies the leading `[rows, columns]` windows of each image of `source` (`[N, sourceRows,
 * sourceColumns, C]`) into `target` (`[N, rows, columns, C]`), or the other way round with
 * `widen`, leaving the extra windows of the wider side as they are (zeros, for a fresh array).
 */
const copyWindows = (
  narrow: Float32Array,
  wide: Float32Array,
  [images, rows, columns, channels]: ReadonlyArray<number>,
  [wideRows, wideColumns]: ReadonlyArray<number>,
  widen: boolean
): void => {
  const run = (columns as number) * (channels as number)
  for (let image = 0; image < (images as number); image++) {
    for (let row = 0; row < (rows as number); row++) {
      const at = (image * (rows as number) + row) * run
      const wideAt = (image * (wideRows as number) + row) * (wideColumns as number) * (channels as number)
      if (widen) wide.set(narrow.subarray(at, at + run), wideAt)
      else narrow.set(wide.subarray(wideAt, wideAt + run), at)
    }
  }
}

// TensorFlow.js does not check that a filter fits its padded input: its output size can then be
// negative, and no graph is run for it.
const isEmpty = (shape: ReadonlyArray<number>): boolean => shape.some((size) => size <= 0)

/** The three kernels and a way to release their sessions. */
export interface ConvolutionKernels {
  /** The `Conv2D` kernel. */
  readonly conv2d: tf.KernelFunc
  /** The `Conv2DBackpropInput` kernel: the gradient with respect to the input. */
  readonly backpropInput: tf.KernelFunc
  /** The `Conv2DBackpropFilter` kernel: the gradient with respect to the filter. */
  readonly backpropFilter: tf.KernelFunc
  /** Releases every ONNX Runtime session the kernels opened. */
  readonly dispose: () => void
}

/**
 * `Conv2D`, `Conv2DBackpropInput` and `Conv2DBackpropFilter` in `runtime`, each falling back to the
 * given kernel for channels-first data and other dtypes.
 *
 * @example
 * ```ts
 * const kernels = convolutionKernels(runtime, { conv2d: wasmConv2D, backpropInput: missing, backpropFilter: missing })
 * ```
 */
export const convolutionKernels = (
  runtime: NativeRuntime,
  fallback: Omit<ConvolutionKernels, "dispose">
): ConvolutionKernels => {
  const sessions = sessionCache(runtime)
  const usable = (info: tf.backend_util.Conv2DInfo | undefined, ...operands: ReadonlyArray<tf.TensorInfo>) =>
    info !== undefined &&
    operands.every((operand) => operand.dtype === "float32" && !isEmpty(operand.shape)) &&
    !isEmpty(info.inShape) &&
    !isEmpty(info.outShape) &&
    !isEmpty(info.filterShape)
  /** `dy` as ONNX's windows see it: zeros for the windows TensorFlow.js did not ask for. */
  const widenedGradient = (backend: BackendWasm, dy: tf.TensorInfo, geometry: OnnxGeometry) => {
    const [images, rows, columns, channels] = dy.shape as [number, number, number, number]
    if (geometry.rows === rows && geometry.columns === columns)
      return { values: heapFloats(backend, dy), shape: dy.shape }
    const shape = [images, geometry.rows, geometry.columns, channels]
    const values = new Float32Array(images * geometry.rows * geometry.columns * channels)
    copyWindows(heapFloats(backend, dy), values, dy.shape, [geometry.rows, geometry.columns], true)
    return { values, shape }
  }

  /** A gradient with no window to flow through: zeros. */
  const zeros = (backend: BackendWasm, shape: ReadonlyArray<number>): tf.TensorInfo => {
    const output = backend.makeOutput([...shape], "float32")
    heapFloats(backend, output).fill(0)
    return output
  }
  const conv2d: tf.KernelFunc = (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo }
    const info = convolutionInfo(x.shape, filter.shape, args.attrs as unknown as ConvolutionAttributes)
    if (info !== undefined && noWindows(info.outShape) && !info.outShape.some((size) => size < 0)) {
      return (args.backend as BackendWasm).makeOutput(info.outShape, "float32")
    }
    if (info === undefined || !usable(info, x, filter)) return fallback.conv2d(args)
    const geometry = onnxGeometry(info)
    const session = sessions.get(`conv/${geometry.pads}/${geometry.strides}/${geometry.dilations}`, () =>
      model(
        [
          transpose("X", "Xc", channelsLastToFirst),
          transpose("W", "Wc", filterToOnnx),
          convolutionNode("Conv", ["Xc", "Wc"], "Yc", geometry.pads, geometry.strides, geometry.dilations),
          transpose("Yc", "Y", channelsFirstToLast)
        ],
        ["X", "W"]
      )
    )
    const backend = args.backend as BackendWasm
    const cropped = geometry.rows !== info.outHeight || geometry.columns !== info.outWidth
    const wideShape = [info.batchSize, geometry.rows, geometry.columns, info.outChannels]
    const wide = cropped ? new Float32Array(wideShape.reduce((total, size) => total * size, 1)) : undefined
    const output = backend.makeOutput(info.outShape, "float32")
    writeOrFree(backend, output, () =>
      session.run(
        {
          X: { values: heapFloats(backend, x), shape: x.shape },
          W: { values: heapFloats(backend, filter), shape: filter.shape }
        },
        { values: wide ?? heapFloats(backend, output), shape: wideShape }
      )
    )
    if (wide !== undefined) {
      copyWindows(heapFloats(backend, output), wide, info.outShape, [geometry.rows, geometry.columns], false)
    }
    return output
  }

  const backpropInput: tf.KernelFunc = (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo }
    const attributes = args.attrs as unknown as ConvolutionAttributes & { inputShape: Array<number> }
    const info = convolutionInfo(attributes.inputShape, filter.shape, attributes)
    if (info !== undefined && noWindows(dy.shape) && !isEmpty(info.inShape)) {
      return zeros(args.backend as BackendWasm, info.inShape)
    }
    if (info === undefined || !usable(info, dy, filter)) return fallback.backpropInput(args)
    const geometry = onnxGeometry(info)
    const outputPadding = inputGradientPadding(info, geometry)
    if (outputPadding === undefined) return fallback.backpropInput(args)
    const session = sessions.get(
      `input/${geometry.pads}/${geometry.strides}/${geometry.dilations}/${outputPadding}`,
      () =>
        model(
          [
            transpose("D", "Dc", channelsLastToFirst),
            transpose("W", "Wc", filterToOnnx),
            convolutionNode(
              "ConvTranspose",
              ["Dc", "Wc"],
              "Yc",
              geometry.pads,
              geometry.strides,
              geometry.dilations,
              outputPadding
            ),
            transpose("Yc", "Y", channelsFirstToLast)
          ],
          ["D", "W"]
        )
    )
    const backend = args.backend as BackendWasm
    const output = backend.makeOutput(info.inShape, "float32")
    return writeOrFree(backend, output, () =>
      session.run(
        {
          D: widenedGradient(backend, dy, geometry),
          W: { values: heapFloats(backend, filter), shape: filter.shape }
        },
        { values: heapFloats(backend, output), shape: info.inShape }
      )
    )
  }

  const backpropFilter: tf.KernelFunc = (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo }
    const attributes = args.attrs as unknown as ConvolutionAttributes & { filterShape: Array<number> }
    const info = convolutionInfo(x.shape, attributes.filterShape, attributes)
    if (info !== undefined && noWindows(dy.shape) && !isEmpty(info.filterShape)) {
      return zeros(args.backend as BackendWasm, info.filterShape)
    }
    if (info === undefined || !usable(info, x, dy)) return fallback.backpropFilter(args)
    // TensorFlow.js differentiates undilated convolutions only.
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return fallback.backpropFilter(args)
    const geometry = onnxGeometry(info)
    const session = sessions.get(`filter/${geometry.pads}/${geometry.strides}`, () =>
      model(
        [
          transpose("X", "Xt", channelsToBatch),
          transpose("D", "Dt", channelsToBatch),
          // The forward strides become the dilations of the output gradient used as a filter.
          convolutionNode("Conv", ["Xt", "Dt"], "Y", geometry.pads, [1, 1], geometry.strides)
        ],
        ["X", "D"]
      )
    )
    const { filterHeight, filterWidth, inChannels, outChannels } = info
    // [in, out, rows, columns]: as far as the padded input reaches past the windows, which is the
    // filter's size or, where ONNX has windows to spare, a little more (cropped below).
    const rows =
      info.inHeight +
      (geometry.pads[0] as number) +
      (geometry.pads[2] as number) -
      info.strideHeight * (geometry.rows - 1)
    const columns =
      info.inWidth +
      (geometry.pads[1] as number) +
      (geometry.pads[3] as number) -
      info.strideWidth * (geometry.columns - 1)
    const backend = args.backend as BackendWasm
    const gradient = new Float32Array(inChannels * outChannels * rows * columns)
    session.run(
      { X: { values: heapFloats(backend, x), shape: x.shape }, D: widenedGradient(backend, dy, geometry) },
      { values: gradient, shape: [inChannels, outChannels, rows, columns] }
    )
    const output = backend.makeOutput(info.filterShape, "float32")
    const values = heapFloats(backend, output)
    let at = 0
    for (let row = 0; row < filterHeight; row++) {
      for (let column = 0; column < filterWidth; column++) {
        for (let input = 0; input < inChannels; input++) {
          for (let channel = 0; channel < outChannels; channel++) {
            values[at++] = gradient[
              ((input * outChannels + channel) * rows + row) * columns + column
            ] as number
          }
        }
      }
    }
    return output
  }

  return { conv2d, backpropInput, backpropFilter, dispose: sessions.dispose }
}

/** The output padding that makes `ConvTranspose` give back the input's size, or `undefined`. */
const inputGradientPadding = (
  info: tf.backend_util.Conv2DInfo,
  geometry: OnnxGeometry
): ReadonlyArray<number> | undefined => {
  // ConvTranspose's output is strides * (windows - 1) + span - pads + outputPadding; the output
  // padding gives back the input's rows and columns that no window reached.
  const outputPadding = [
    info.inHeight -
      (info.strideHeight * (geometry.rows - 1) +
        span(info.filterHeight, info.dilationHeight) -
        (geometry.pads[0] as number) -
        (geometry.pads[2] as number)),
    info.inWidth -
      (info.strideWidth * (geometry.columns - 1) +
        span(info.filterWidth, info.dilationWidth) -
        (geometry.pads[1] as number) -
        (geometry.pads[3] as number))
  ]
  const representable = outputPadding.every(
    (padding, axis) =>
      padding >= 0 && padding < Math.max(geometry.strides[axis] as number, geometry.dilations[axis] as number)
  )
  return representable ? outputPadding : undefined
}

/** The geometry of a recorded convolution the graphs cover, or an {@link UntranslatableKernel}. */
const translatable = (
  kernel: string,
  inputShape: ReadonlyArray<number>,
  filterShape: ReadonlyArray<number>,
  attributes: ConvolutionAttributes,
  operands: ReadonlyArray<tf.TensorInfo>
): { readonly info: tf.backend_util.Conv2DInfo; readonly geometry: OnnxGeometry } => {
  const info = convolutionInfo(inputShape, filterShape, attributes)
  if (info === undefined) throw new UntranslatableKernel(`${kernel} of channels-first data`)
  if (
    operands.some(
      (operand) => operand.dtype !== "float32" || isEmpty(operand.shape) || noWindows(operand.shape)
    ) ||
    isEmpty(info.inShape) ||
    isEmpty(info.outShape) ||
    noWindows(info.outShape)
  ) {
    throw new UntranslatableKernel(`${kernel} without windows or of non-float data`)
  }
  return { info, geometry: onnxGeometry(info) }
}

const noWindows = (shape: ReadonlyArray<number>) => shape.some((size) => size === 0)

/**
 * The three convolution kernels as nodes of a compiled step (see `compile/`): the graphs the
 * kernels above run, with the windows ONNX computes beyond TensorFlow.js's cropped by `Slice` and
 * the gradient widened by `Pad` instead of copies in JavaScript.
 */
export const convolutionTranslations: Readonly<Record<string, KernelTranslation>> = {
  [tf.Conv2D]: (call, context) => {
    const x = context.inputInfo("x")
    const filter = context.inputInfo("filter")
    const attributes = call.attributes as unknown as ConvolutionAttributes
    const { info, geometry } = translatable(call.kernel, x.shape, filter.shape, attributes, [x, filter])
    const xc = context.temporary()
    const wc = context.temporary()
    const yc = context.temporary()
    context.node("Transpose", [context.input("x")], [xc], [{ name: "perm", integers: channelsLastToFirst }])
    context.node("Transpose", [context.input("filter")], [wc], [{ name: "perm", integers: filterToOnnx }])
    addNode(
      context,
      convolutionNode("Conv", [xc, wc], yc, geometry.pads, geometry.strides, geometry.dilations)
    )
    const kept =
      geometry.rows === info.outHeight && geometry.columns === info.outWidth
        ? yc
        : leadingWindows(context, yc, info.outHeight, info.outWidth)
    context.node("Transpose", [kept], [context.output(0)], [{ name: "perm", integers: channelsFirstToLast }])
  },
  [tf.Conv2DBackpropInput]: (call, context) => {
    const dy = context.inputInfo("dy")
    const filter = context.inputInfo("filter")
    const attributes = call.attributes as unknown as ConvolutionAttributes & { inputShape: Array<number> }
    const { info, geometry } = translatable(call.kernel, attributes.inputShape, filter.shape, attributes, [
      dy,
      filter
    ])
    const outputPadding = inputGradientPadding(info, geometry)
    if (outputPadding === undefined)
      throw new UntranslatableKernel(`${call.kernel} whose output padding ONNX lacks`)
    const dc = context.temporary()
    const wc = context.temporary()
    const yc = context.temporary()
    context.node(
      "Transpose",
      [widened(context, dy, geometry)],
      [dc],
      [{ name: "perm", integers: channelsLastToFirst }]
    )
    context.node("Transpose", [context.input("filter")], [wc], [{ name: "perm", integers: filterToOnnx }])
    addNode(
      context,
      convolutionNode(
        "ConvTranspose",
        [dc, wc],
        yc,
        geometry.pads,
        geometry.strides,
        geometry.dilations,
        outputPadding
      )
    )
    context.node("Transpose", [yc], [context.output(0)], [{ name: "perm", integers: channelsFirstToLast }])
  },
  [tf.Conv2DBackpropFilter]: (call, context) => {
    const x = context.inputInfo("x")
    const dy = context.inputInfo("dy")
    const attributes = call.attributes as unknown as ConvolutionAttributes & { filterShape: Array<number> }
    const { info, geometry } = translatable(call.kernel, x.shape, attributes.filterShape, attributes, [x, dy])
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
      throw new UntranslatableKernel(`${call.kernel} of a dilated convolution`)
    }
    const xt = context.temporary()
    const dt = context.temporary()
    const full = context.temporary()
    context.node("Transpose", [context.input("x")], [xt], [{ name: "perm", integers: channelsToBatch }])
    context.node(
      "Transpose",
      [widened(context, dy, geometry)],
      [dt],
      [{ name: "perm", integers: channelsToBatch }]
    )
    // The forward strides become the dilations of the output gradient used as a filter.
    addNode(context, convolutionNode("Conv", [xt, dt], full, geometry.pads, [1, 1], geometry.strides))
    const cropped = leadingWindows(context, full, info.filterHeight, info.filterWidth)
    // [in, out, height, width] to TensorFlow.js's [height, width, in, out].
    context.node("Transpose", [cropped], [context.output(0)], [{ name: "perm", integers: [2, 3, 0, 1] }])
  }
}

/** Appends `node`, built by the kernels' own node builders, to a compiled step's graph. */
const addNode = (context: Parameters<KernelTranslation>[1], node: OnnxNode): void =>
  context.node(node.operator, node.inputs, node.outputs, node.attributes)

/** The first `rows` and `columns` of a channels-first value: the windows the kernels above crop on the host. */
const leadingWindows = (
  context: Parameters<KernelTranslation>[1],
  value: string,
  rows: number,
  columns: number
): string => {
  const cropped = context.temporary()
  context.node(
    "Slice",
    [
      value,
      context.constant("int64", [2], [0, 0]),
      context.constant("int64", [2], [rows, columns]),
      context.constant("int64", [2], [2, 3])
    ],
    [cropped]
  )
  return cropped
}

/** The gradient `dy` with zero windows appended where ONNX computes more than TensorFlow.js asked for. */
const widened = (
  context: Parameters<KernelTranslation>[1],
  dy: tf.TensorInfo,
  geometry: OnnxGeometry
): string => {
  const [, rows, columns] = dy.shape as [number, number, number, number]
  if (geometry.rows === rows && geometry.columns === columns) return context.input("dy")
  const padded = context.temporary()
  context.node(
    "Pad",
    [
      context.input("dy"),
      context.constant("int64", [8], [0, 0, 0, 0, 0, geometry.rows - rows, geometry.columns - columns, 0]),
      context.constant("float32", [], [0])
    ],
    [padded]
  )
  return padded
}
