/**
 * A trace as one ONNX graph: the step's arguments and the tensors it read from outside become the
 * graph's inputs, the numbers it wrote become constants, each kernel call becomes the nodes of its
 * translation, and only the nodes the step's results depend on are kept (a gradient pass computes
 * and drops values the results never read).
 *
 * Values are keyed by data id and shape: TensorFlow.js's reshapes and identities share their
 * input's data, so one data id can stand for several values of different shapes.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs"
import type {
  OnnxAttribute,
  OnnxElementType,
  OnnxGraph,
  OnnxInitializer,
  OnnxNode,
  OnnxValue
} from "../OnnxGraph.js"
import type { KernelTrace, WrittenValues } from "./KernelTrace.js"
import { kernelTranslations } from "./KernelTranslations.js"
import { type TranslationContext, UntranslatableKernel } from "./Translation.js"

/** Where a graph input's values come from at each run. */
export type GraphInputSource =
  | {
      /** The step's argument at `index`. */
      readonly kind: "argument"
      /** The argument's position. */
      readonly index: number
    }
  | {
      /** A tensor the step read from outside (a model's weights), by its data. */
      readonly kind: "captured"
      /** The tensor, as the recording saw it. */
      readonly info: tf.TensorInfo
    }
  | {
      /** A table the step wrote from JavaScript: the values it wrote while it was recorded. */
      readonly kind: "written"
      /** The values written. */
      readonly values: WrittenValues
    }

/** A compiled graph and how to feed it. */
export interface TracedGraph {
  /** The graph. */
  readonly graph: OnnxGraph
  /** The graph's inputs in order, with where each one's values come from. */
  readonly sources: ReadonlyArray<GraphInputSource>
  /** The shapes and dtypes of the graph's outputs: the step's results, in order. */
  readonly results: ReadonlyArray<Pick<tf.TensorInfo, "shape" | "dtype">>
  /** Kernel calls in the trace, and how many of them the results depend on. */
  readonly kernelCalls: KernelCallCounts
}

/** Kernel calls a recording made, and how many of them the compiled graph kept. */
export interface KernelCallCounts {
  /** Kernel calls the recorded run made. */
  readonly recorded: number
  /** Those the step's results depend on: the ones the graph computes. */
  readonly kept: number
}

interface Known {
  readonly shape: ReadonlyArray<number>
  readonly dtype: tf.DataType
  readonly name: string
}

const sameShape = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): boolean =>
  a.length === b.length && a.every((size, axis) => size === b[axis])

const sizeOf = (shape: ReadonlyArray<number>): number => shape.reduce((product, size) => product * size, 1)

const elementType = (dtype: tf.DataType): OnnxElementType => {
  if (dtype === "float32" || dtype === "int32" || dtype === "bool") return dtype
  throw new UntranslatableKernel(`a ${dtype} tensor`)
}

const bytesOf = (type: OnnxElementType, values: ArrayLike<number>): Uint8Array => {
  switch (type) {
    case "float32":
      return new Uint8Array(Float32Array.from(values).buffer)
    case "int32":
      return new Uint8Array(Int32Array.from(values).buffer)
    case "int64":
      return new Uint8Array(BigInt64Array.from(Array.from(values, (value) => BigInt(value))).buffer)
    case "bool":
      return Uint8Array.from(values, (value) => (value !== 0 ? 1 : 0))
  }
}

const graphValue = (name: string, info: Pick<tf.TensorInfo, "shape" | "dtype">): OnnxValue => ({
  name,
  rank: info.shape.length,
  shape: info.shape,
  elementType: elementType(info.dtype)
})

/**
 * Builds the graph of `trace`, whose step took `args` and returned `results`. Throws
 * {@link UntranslatableKernel} when a kernel call or a value has no ONNX form.
 */
export const traceGraph = (
  trace: KernelTrace,
  args: ReadonlyArray<tf.TensorInfo>,
  results: ReadonlyArray<tf.TensorInfo>
): TracedGraph => {
  const known = new Map<object, Array<Known>>()
  const nodes: Array<OnnxNode> = []
  const initializers: Array<OnnxInitializer> = []
  const sharedConstants = new Map<string, string>()
  const inputs: Array<{ value: OnnxValue; source: GraphInputSource }> = []
  let counter = 0
  const fresh = (prefix: string): string => `${prefix}${counter++}`
  const remember = (info: Pick<tf.TensorInfo, "dataId" | "shape" | "dtype">, name: string): void => {
    const list = known.get(info.dataId) ?? []
    list.push({ shape: info.shape, dtype: info.dtype, name })
    known.set(info.dataId, list)
  }
  const constant = (
    type: OnnxElementType,
    shape: ReadonlyArray<number>,
    values: ArrayLike<number>
  ): string => {
    const small = values.length <= 16
    const key = small ? `${type}|${shape.join(",")}|${Array.from(values).join(",")}` : undefined
    const shared = key === undefined ? undefined : sharedConstants.get(key)
    if (shared !== undefined) return shared
    const name = fresh("const")
    initializers.push({ name, elementType: type, shape: [...shape], bytes: bytesOf(type, values) })
    if (key !== undefined) sharedConstants.set(key, name)
    return name
  }
  const writtenConstant = (info: tf.TensorInfo, written: WrittenValues): string => {
    if (written.dtype !== info.dtype || written.values.length !== sizeOf(info.shape)) {
      throw new UntranslatableKernel(
        `a written ${written.dtype} tensor read as ${info.dtype} [${info.shape}]`
      )
    }
    const type = elementType(info.dtype)
    const values = written.values
    const first = values[0] ?? 0
    if (values.length === 1) return constant(type, info.shape, values)
    // A filled tensor (a gradient's `ones`) is one number broadcast: the model stays small.
    if (values.length > 16 && values.every((value) => value === first)) {
      const name = fresh("filled")
      nodes.push({
        operator: "Expand",
        inputs: [constant(type, [], [first]), constant("int64", [info.shape.length], info.shape)],
        outputs: [name]
      })
      return name
    }
    // A table (a goal, a memory's landmarks) is fed at each run rather than built into the graph:
    // the next plan's table is another, and the graph, and its session, stay the same.
    const name = fresh("written")
    inputs.push({ value: graphValue(name, info), source: { kind: "written", values: written } })
    return name
  }
  args.forEach((info, index) => {
    const name = `argument${index}`
    inputs.push({ value: graphValue(name, info), source: { kind: "argument", index } })
    remember(info, name)
  })
  const nameOf = (info: tf.TensorInfo): string => {
    const list = known.get(info.dataId)
    const exact = list?.find((entry) => entry.dtype === info.dtype && sameShape(entry.shape, info.shape))
    if (exact !== undefined) return exact.name
    const sameData = list?.find(
      (entry) => entry.dtype === info.dtype && sizeOf(entry.shape) === sizeOf(info.shape)
    )
    let name: string
    if (sameData !== undefined) {
      name = fresh("view")
      nodes.push({
        operator: "Reshape",
        inputs: [sameData.name, constant("int64", [info.shape.length], info.shape)],
        outputs: [name]
      })
    } else {
      const written = trace.written.get(info.dataId)
      if (written !== undefined) name = writtenConstant(info, written)
      else {
        name = fresh("captured")
        inputs.push({ value: graphValue(name, info), source: { kind: "captured", info } })
      }
    }
    remember(info, name)
    return name
  }

  const nodeKernel: Array<number> = []
  trace.kernels.forEach((call, callIndex) => {
    const translate = kernelTranslations[call.kernel]
    if (translate === undefined)
      throw new UntranslatableKernel(`kernel ${call.kernel} has no ONNX translation`)
    const byName = new Map(call.inputs)
    const outputNames: Array<string | undefined> = call.outputs.map(() => undefined)
    const context: TranslationContext = {
      input: (name) => {
        const info = byName.get(name)
        if (info === undefined) throw new UntranslatableKernel(`${call.kernel} without its input ${name}`)
        return nameOf(info)
      },
      inputInfo: (name) => {
        const info = byName.get(name)
        if (info === undefined) throw new UntranslatableKernel(`${call.kernel} without its input ${name}`)
        return info
      },
      inputNames: call.inputs.map(([name]) => name),
      output: (index) => {
        const existing = outputNames[index]
        if (existing !== undefined) return existing
        const name = fresh("value")
        outputNames[index] = name
        return name
      },
      outputInfo: (index) => call.outputs[index] as tf.TensorInfo,
      alias: (index, value) => {
        outputNames[index] = value
      },
      constant,
      temporary: () => fresh("temporary"),
      node: (
        operator,
        nodeInputs,
        nodeOutputs,
        attributes?: ReadonlyArray<OnnxAttribute>,
        domain?: string
      ) => {
        for (const attribute of attributes ?? []) {
          const values =
            "integer" in attribute
              ? [attribute.integer]
              : "integers" in attribute
                ? attribute.integers
                : [attribute.float]
          if (!values.every((value) => Number.isFinite(value))) {
            throw new UntranslatableKernel(
              `${call.kernel}: its ${operator}'s ${attribute.name} is not a number`
            )
          }
        }
        nodes.push({
          operator,
          inputs: nodeInputs,
          outputs: nodeOutputs,
          ...(attributes === undefined ? {} : { attributes }),
          ...(domain === undefined ? {} : { domain })
        })
      }
    }
    const firstNode = nodes.length
    try {
      translate(call, context)
    } catch (error) {
      if (error instanceof UntranslatableKernel) throw error
      // A translation that breaks on an attribute it did not expect is a kernel it cannot compile.
      throw new UntranslatableKernel(
        `${call.kernel} with attributes ${JSON.stringify(call.attributes)}: ${error instanceof Error ? error.message : String(error)}`
      )
    }
    for (let index = firstNode; index < nodes.length; index++) nodeKernel[index] = callIndex
    call.outputs.forEach((info, index) => {
      const name = outputNames[index]
      if (name === undefined) throw new UntranslatableKernel(`${call.kernel} left output ${index} unwritten`)
      elementType(info.dtype)
      // A later value with the same data and shape replaces an earlier one (data ids are not reused
      // while a tensor lives, so this is the same tensor read through a new kernel).
      const list = (known.get(info.dataId) ?? []).filter(
        (entry) => !(entry.dtype === info.dtype && sameShape(entry.shape, info.shape))
      )
      list.push({ shape: info.shape, dtype: info.dtype, name })
      known.set(info.dataId, list)
    })
  })

  const outputs = results.map((info, index) => {
    const name = `result${index}`
    nodes.push({ operator: "Identity", inputs: [nameOf(info)], outputs: [name] })
    nodeKernel[nodes.length - 1] = -1
    return graphValue(name, info)
  })

  // Keep the nodes the results depend on, walking back from them.
  const needed = new Set(outputs.map((output) => output.name))
  const kept: Array<boolean> = nodes.map(() => false)
  for (let index = nodes.length - 1; index >= 0; index--) {
    const node = nodes[index] as OnnxNode
    if (!node.outputs.some((output) => needed.has(output))) continue
    kept[index] = true
    for (const input of node.inputs) needed.add(input)
  }
  const keptNodes = nodes.filter((_node, index) => kept[index])
  const keptCalls = new Set(nodeKernel.filter((call, index) => kept[index] && call >= 0))
  const keptInputs = inputs.filter(
    (input) => input.source.kind === "argument" || needed.has(input.value.name)
  )
  return {
    graph: {
      nodes: keptNodes,
      inputs: keptInputs.map((input) => input.value),
      outputs,
      initializers: initializers.filter((initializer) => needed.has(initializer.name))
    },
    sources: keptInputs.map((input) => input.source),
    results: results.map((info) => ({ shape: info.shape, dtype: info.dtype })),
    kernelCalls: { recorded: trace.kernels.length, kept: keptCalls.size }
  }
}
