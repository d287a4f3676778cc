/**
 * TensorFlow.js kernels as ONNX operators: how each recorded kernel call becomes nodes of a
 * compiled graph. Every shape is known from the trace, so each translation writes the sizes it
 * needs as constants; what a translation does not cover (an attribute value, a dtype, a kernel with
 * no entry here) is an {@link UntranslatableKernel}, and the step keeps running kernel by kernel.
 *
 * Semantics follow TensorFlow.js, not ONNX, where they differ: `Step` keeps NaN, arg-min and
 * arg-max and top-k return int32 indices, a fused product applies its bias before its activation.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs"
import { convolutionTranslations } from "../Convolutions.js"
import type { OnnxElementType } from "../OnnxGraph.js"
import { microsoftDomain } from "../OnnxGraph.js"
import type { TracedKernel } from "./KernelTrace.js"
import { type KernelTranslation, type TranslationContext, UntranslatableKernel } from "./Translation.js"

const onnxType = (dtype: tf.DataType, what: string): OnnxElementType => {
  if (dtype === "float32" || dtype === "int32" || dtype === "bool") return dtype
  throw new UntranslatableKernel(`${what} has dtype ${dtype}`)
}

const attribute = <T>(call: TracedKernel, name: string): T => call.attributes[name] as T

const normalisedAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis)

const axesOf = (value: unknown, rank: number): Array<number> => {
  // No axis: every axis, as TensorFlow.js's reductions read it.
  if (value === null || value === undefined) return Array.from({ length: rank }, (_unused, axis) => axis)
  const list = Array.isArray(value) ? (value as Array<number>) : [value as number]
  return list.map((axis) => normalisedAxis(axis, rank))
}

const int64 = (context: TranslationContext, values: ReadonlyArray<number>): string =>
  context.constant("int64", [values.length], values)

const scalar = (context: TranslationContext, type: OnnxElementType, value: number): string =>
  context.constant(type, [], [value])

const unary =
  (operator: string): KernelTranslation =>
  (call, context) => {
    const x = call.inputs[0]?.[0] as string
    context.node(operator, [context.input(x)], [context.output(0)])
  }

const binary =
  (operator: string): KernelTranslation =>
  (_call, context) => {
    context.node(operator, [context.input("a"), context.input("b")], [context.output(0)])
  }

const reshapeTo = (context: TranslationContext, value: string, shape: ReadonlyArray<number>): string => {
  const reshaped = context.temporary()
  context.node("Reshape", [value, int64(context, shape)], [reshaped])
  return reshaped
}

/** The same values in `output`'s recorded shape: Reshape with the shape as a constant. */
const reshapeKernel: KernelTranslation = (call, context) => {
  const x = call.inputs[0]?.[0] as string
  context.node(
    "Reshape",
    [context.input(x), int64(context, context.outputInfo(0).shape)],
    [context.output(0)]
  )
}

const filled = (context: TranslationContext, value: number): void => {
  const info = context.outputInfo(0)
  const type = onnxType(info.dtype, "a filled tensor")
  context.node("Expand", [scalar(context, type, value), int64(context, info.shape)], [context.output(0)])
}

/** The activation a fused product applies, from `before` into `after`. */
const activation = (call: TracedKernel, context: TranslationContext, before: string, after: string): void => {
  const name = attribute<string | undefined>(call, "activation") ?? "linear"
  switch (name) {
    case "linear":
      context.node("Identity", [before], [after])
      return
    case "relu":
      context.node("Relu", [before], [after])
      return
    case "sigmoid":
      context.node("Sigmoid", [before], [after])
      return
    case "elu":
      context.node("Elu", [before], [after], [{ name: "alpha", float: 1 }])
      return
    case "relu6":
      context.node("Clip", [before, scalar(context, "float32", 0), scalar(context, "float32", 6)], [after])
      return
    case "leakyrelu":
      context.node(
        "LeakyRelu",
        [before],
        [after],
        [{ name: "alpha", float: attribute<number | undefined>(call, "leakyreluAlpha") ?? 0.2 }]
      )
      return
    case "prelu":
      context.node("PRelu", [before, context.input("preluActivationWeights")], [after])
      return
    default:
      throw new UntranslatableKernel(`${call.kernel} with activation ${name}`)
  }
}

/** A product of the last two axes with the transposes folded in; batches broadcast as in NumPy. */
const product = (call: TracedKernel, context: TranslationContext, hasBias: boolean): void => {
  const a = context.inputInfo("a")
  const b = context.inputInfo("b")
  if (a.dtype !== "float32" || b.dtype !== "float32") {
    throw new UntranslatableKernel(`${call.kernel} of ${a.dtype} and ${b.dtype} operands`)
  }
  const transA = attribute<boolean>(call, "transposeA") ? 1 : 0
  const transB = attribute<boolean>(call, "transposeB") ? 1 : 0
  const withActivation =
    hasBias || (attribute<string | undefined>(call, "activation") ?? "linear") !== "linear"
  const out = withActivation ? context.temporary() : context.output(0)
  const bias = hasBias && context.inputNames.includes("bias") ? context.input("bias") : undefined
  if (a.shape.length === 2 && b.shape.length === 2) {
    const biasShape = bias === undefined ? undefined : context.inputInfo("bias").shape
    // Gemm's bias broadcasts one way only (to [M, N]); any other goes through an Add.
    const gemmBias = biasShape !== undefined && biasShape.length <= 2 ? bias : undefined
    const product = gemmBias === undefined && bias !== undefined ? context.temporary() : out
    context.node(
      "Gemm",
      gemmBias === undefined
        ? [context.input("a"), context.input("b")]
        : [context.input("a"), context.input("b"), gemmBias],
      [product],
      [
        { name: "transA", integer: transA },
        { name: "transB", integer: transB }
      ]
    )
    if (product !== out) context.node("Add", [product, bias as string], [out])
  } else {
    const raw = bias === undefined ? out : context.temporary()
    context.node(
      "FusedMatMul",
      [context.input("a"), context.input("b")],
      [raw],
      [
        { name: "transA", integer: transA },
        { name: "transB", integer: transB },
        { name: "alpha", float: 1 }
      ],
      microsoftDomain
    )
    if (bias !== undefined) context.node("Add", [raw, bias], [out])
  }
  if (withActivation) activation(call, context, out, context.output(0))
}

const reduction =
  (operator: string, axesAsInput: boolean): KernelTranslation =>
  (call, context) => {
    const x = context.inputInfo("x")
    // TensorFlow.js's Max names its axes `reductionIndices`; the other reductions, `axis`.
    const axes = axesOf(call.attributes.axis ?? call.attributes.reductionIndices, x.shape.length)
    const keepdims = attribute<boolean | undefined>(call, "keepDims") === true ? 1 : 0
    if (axes.length === 0) {
      context.node("Identity", [context.input("x")], [context.output(0)])
      return
    }
    if (axesAsInput) {
      context.node(
        operator,
        [context.input("x"), int64(context, axes)],
        [context.output(0)],
        [{ name: "keepdims", integer: keepdims }]
      )
    } else {
      context.node(
        operator,
        [context.input("x")],
        [context.output(0)],
        [
          { name: "axes", integers: axes },
          { name: "keepdims", integer: keepdims }
        ]
      )
    }
  }

const indexOfExtreme =
  (operator: string): KernelTranslation =>
  (call, context) => {
    const x = context.inputInfo("x")
    const axes = axesOf(attribute(call, "axis"), x.shape.length)
    if (axes.length !== 1) throw new UntranslatableKernel(`${call.kernel} over ${axes.length} axes`)
    const wide = context.temporary()
    context.node(
      operator,
      [context.input("x")],
      [wide],
      [
        { name: "axis", integer: axes[0] as number },
        { name: "keepdims", integer: 0 }
      ]
    )
    context.node("Cast", [wide], [context.output(0)], [{ name: "to", integer: 6 }])
  }

const comparison =
  (operator: string, negate = false): KernelTranslation =>
  (_call, context) => {
    if (!negate) {
      context.node(operator, [context.input("a"), context.input("b")], [context.output(0)])
      return
    }
    const equal = context.temporary()
    context.node(operator, [context.input("a"), context.input("b")], [equal])
    context.node("Not", [equal], [context.output(0)])
  }

const castTypes: Readonly<Record<string, number>> = { float32: 1, int32: 6, bool: 9 }

/** Every kernel the compiler translates, by TensorFlow.js kernel name. */
export const kernelTranslations: Readonly<Record<string, KernelTranslation>> = {
  Identity: (call, context) => context.alias(0, context.input(call.inputs[0]?.[0] as string)),
  Reshape: reshapeKernel,
  ExpandDims: reshapeKernel,
  Squeeze: reshapeKernel,
  Cast: (call, context) => {
    const from = context.inputInfo("x").dtype
    const to = attribute<tf.DataType>(call, "dtype")
    const code = castTypes[to]
    if (code === undefined) throw new UntranslatableKernel(`Cast to ${to}`)
    // WebAssembly's cast to bool keeps the low byte of the number (-2 becomes 254, 0.5 becomes 0),
    // where ONNX tests for zero: the compiled graph would not compute what the kernel does.
    if (to === "bool" && from !== "bool") throw new UntranslatableKernel(`Cast from ${from} to bool`)
    onnxType(from, "Cast's input")
    context.node("Cast", [context.input("x")], [context.output(0)], [{ name: "to", integer: code }])
  },
  Abs: unary("Abs"),
  Neg: unary("Neg"),
  Sqrt: unary("Sqrt"),
  Exp: unary("Exp"),
  Log: unary("Log"),
  Relu: unary("Relu"),
  Sigmoid: unary("Sigmoid"),
  Tanh: unary("Tanh"),
  Floor: unary("Floor"),
  Ceil: unary("Ceil"),
  Sin: unary("Sin"),
  Cos: unary("Cos"),
  Sign: unary("Sign"),
  Erf: unary("Erf"),
  Reciprocal: unary("Reciprocal"),
  Softplus: unary("Softplus"),
  IsNan: unary("IsNaN"),
  LogicalNot: unary("Not"),
  Elu: (_call, context) =>
    context.node("Elu", [context.input("x")], [context.output(0)], [{ name: "alpha", float: 1 }]),
  Rsqrt: (_call, context) => {
    const root = context.temporary()
    context.node("Sqrt", [context.input("x")], [root])
    context.node("Reciprocal", [root], [context.output(0)])
  },
  Square: (_call, context) => {
    const x = context.input("x")
    context.node("Mul", [x, x], [context.output(0)])
  },
  LeakyRelu: (call, context) =>
    context.node(
      "LeakyRelu",
      [context.input("x")],
      [context.output(0)],
      [{ name: "alpha", float: attribute<number>(call, "alpha") }]
    ),
  Prelu: (_call, context) =>
    context.node("PRelu", [context.input("x"), context.input("alpha")], [context.output(0)]),
  Step: (call, context) => {
    // TensorFlow.js's step: 1 above zero, alpha at or below, NaN stays NaN.
    const x = context.input("x")
    const alpha = attribute<number | undefined>(call, "alpha") ?? 0
    if (alpha === 0) {
      // A relu's gradient, the common case, in two passes: ONNX Runtime's Clip keeps NaN, and the
      // ceiling of a value in [0, 1] is 1 above zero and 0 at it (tested with NaN and infinities).
      const clipped = context.temporary()
      context.node("Clip", [x, scalar(context, "float32", 0), scalar(context, "float32", 1)], [clipped])
      context.node("Ceil", [clipped], [context.output(0)])
      return
    }
    const positive = context.temporary()
    const stepped = context.temporary()
    const missing = context.temporary()
    context.node("Greater", [x, scalar(context, "float32", 0)], [positive])
    context.node(
      "Where",
      [positive, scalar(context, "float32", 1), scalar(context, "float32", alpha)],
      [stepped]
    )
    context.node("IsNaN", [x], [missing])
    context.node("Where", [missing, x, stepped], [context.output(0)])
  },
  ClipByValue: (call, context) =>
    context.node(
      "Clip",
      [
        context.input("x"),
        scalar(context, "float32", attribute<number>(call, "clipValueMin")),
        scalar(context, "float32", attribute<number>(call, "clipValueMax"))
      ],
      [context.output(0)]
    ),
  Add: binary("Add"),
  Sub: binary("Sub"),
  Multiply: binary("Mul"),
  RealDiv: binary("Div"),
  Maximum: binary("Max"),
  Minimum: binary("Min"),
  Pow: binary("Pow"),
  SquaredDifference: (_call, context) => {
    const difference = context.temporary()
    context.node("Sub", [context.input("a"), context.input("b")], [difference])
    context.node("Mul", [difference, difference], [context.output(0)])
  },
  Less: comparison("Less"),
  LessEqual: comparison("LessOrEqual"),
  Greater: comparison("Greater"),
  GreaterEqual: comparison("GreaterOrEqual"),
  Equal: comparison("Equal"),
  NotEqual: comparison("Equal", true),
  LogicalAnd: comparison("And"),
  LogicalOr: comparison("Or"),
  AddN: (call, context) =>
    context.node(
      "Sum",
      call.inputs.map(([name]) => context.input(name)),
      [context.output(0)]
    ),
  Select: (_call, context) =>
    context.node(
      "Where",
      [context.input("condition"), context.input("t"), context.input("e")],
      [context.output(0)]
    ),
  _FusedMatMul: (call, context) => product(call, context, true),
  BatchMatMul: (call, context) => product(call, context, false),
  Transpose: (call, context) =>
    context.node(
      "Transpose",
      [context.input("x")],
      [context.output(0)],
      [{ name: "perm", integers: attribute<Array<number>>(call, "perm") }]
    ),
  Concat: (call, context) => {
    const rank = context.outputInfo(0).shape.length
    const axis = normalisedAxis(axesOf(attribute(call, "axis"), rank)[0] as number, rank)
    context.node(
      "Concat",
      call.inputs.map(([name]) => context.input(name)),
      [context.output(0)],
      [{ name: "axis", integer: axis }]
    )
  },
  SplitV: (call, context) => {
    const x = context.inputInfo("x")
    const axis = normalisedAxis(attribute<number>(call, "axis"), x.shape.length)
    const sizes = call.outputs.map((output) => output.shape[axis] as number)
    context.node(
      "Split",
      [context.input("x"), int64(context, sizes)],
      call.outputs.map((_output, index) => context.output(index)),
      [{ name: "axis", integer: axis }]
    )
  },
  Unpack: (call, context) => {
    const x = context.inputInfo("value")
    const axis = normalisedAxis(attribute<number>(call, "axis"), x.shape.length)
    call.outputs.forEach((_output, index) => {
      context.node(
        "Gather",
        [context.input("value"), context.constant("int64", [], [index])],
        [context.output(index)],
        [{ name: "axis", integer: axis }]
      )
    })
  },
  Pack: (call, context) => {
    const rank = context.outputInfo(0).shape.length
    const axis = normalisedAxis(attribute<number>(call, "axis"), rank)
    const expanded = call.inputs.map(([name]) => {
      const info = context.inputInfo(name)
      const shape = [...info.shape]
      shape.splice(axis, 0, 1)
      return reshapeTo(context, context.input(name), shape)
    })
    context.node("Concat", expanded, [context.output(0)], [{ name: "axis", integer: axis }])
  },
  Slice: (call, context) => {
    const begin = attribute<Array<number>>(call, "begin")
    const size = context.outputInfo(0).shape
    context.node(
      "Slice",
      [
        context.input("x"),
        int64(context, begin),
        int64(
          context,
          begin.map((start, axis) => start + (size[axis] as number))
        )
      ],
      [context.output(0)]
    )
  },
  PadV2: (call, context) => {
    const paddings = attribute<Array<[number, number]>>(call, "paddings")
    const x = context.inputInfo("x")
    const type = onnxType(x.dtype, "PadV2's input")
    context.node(
      "Pad",
      [
        context.input("x"),
        int64(context, [...paddings.map(([before]) => before), ...paddings.map(([, after]) => after)]),
        scalar(context, type, attribute<number>(call, "constantValue") ?? 0)
      ],
      [context.output(0)],
      []
    )
  },
  Tile: (call, context) =>
    context.node(
      "Tile",
      [context.input("x"), int64(context, attribute<Array<number>>(call, "reps"))],
      [context.output(0)]
    ),
  BroadcastTo: (_call, context) =>
    context.node(
      "Expand",
      [context.input("x"), int64(context, context.outputInfo(0).shape)],
      [context.output(0)]
    ),
  Sum: reduction("ReduceSum", true),
  Mean: reduction("ReduceMean", false),
  Min: reduction("ReduceMin", false),
  Max: reduction("ReduceMax", false),
  Prod: reduction("ReduceProd", false),
  ArgMin: indexOfExtreme("ArgMin"),
  ArgMax: indexOfExtreme("ArgMax"),
  GatherV2: (call, context) => {
    if ((attribute<number | undefined>(call, "batchDims") ?? 0) !== 0) {
      throw new UntranslatableKernel("GatherV2 with batchDims")
    }
    const x = context.inputInfo("x")
    context.node(
      "Gather",
      [context.input("x"), context.input("indices")],
      [context.output(0)],
      [{ name: "axis", integer: normalisedAxis(attribute<number>(call, "axis"), x.shape.length) }]
    )
  },
  TopK: (call, context) => {
    const wide = context.temporary()
    context.node(
      "TopK",
      [context.input("x"), int64(context, [attribute<number>(call, "k")])],
      [context.output(0), wide],
      [
        { name: "axis", integer: -1 },
        { name: "largest", integer: 1 },
        { name: "sorted", integer: attribute<boolean>(call, "sorted") === false ? 0 : 1 }
      ]
    )
    context.node("Cast", [wide], [context.output(1)], [{ name: "to", integer: 6 }])
  },
  Softmax: (call, context) => {
    const rank = context.outputInfo(0).shape.length
    context.node(
      "Softmax",
      [context.input("logits")],
      [context.output(0)],
      [{ name: "axis", integer: normalisedAxis(attribute<number>(call, "dim"), rank) }]
    )
  },
  Fill: (call, context) => filled(context, attribute<number>(call, "value")),
  Range: (call, context) => {
    // Its values follow from its attributes alone: a constant.
    const info = context.outputInfo(0)
    const start = attribute<number>(call, "start")
    const step = attribute<number>(call, "step")
    const values = Array.from({ length: info.shape[0] as number }, (_unused, index) => start + index * step)
    context.alias(0, context.constant(onnxType(info.dtype, "Range"), info.shape, values))
  },
  ZerosLike: (_call, context) => filled(context, 0),
  OnesLike: (_call, context) => filled(context, 1),
  ...convolutionTranslations
}
