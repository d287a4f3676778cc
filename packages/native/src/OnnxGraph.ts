/**
 * ONNX models written by hand: the few operator graphs the native backend runs, encoded as the
 * protocol-buffer bytes of an ONNX `ModelProto`. The graphs are tiny (one to three nodes, no
 * weights), so a forty-line encoder replaces a protobuf library and ONNX's own tooling.
 *
 * Field numbers follow `onnx.proto` (IR version 8): ModelProto `ir_version` 1, `opset_import` 8,
 * `graph` 7; GraphProto `node` 1, `name` 2, `input` 11, `output` 12; NodeProto `input` 1,
 * `output` 2, `op_type` 4, `attribute` 5, `domain` 7; AttributeProto `name` 1, `f` 2, `i` 3,
 * `type` 20; ValueInfoProto `name` 1, `type` 2; TypeProto `tensor_type` 1; TypeProto.Tensor
 * `elem_type` 1, `shape` 2; TensorShapeProto `dim` 1; Dimension `dim_param` 2.
 *
 * @module
 */

const wireVarint = 0
const wireLengthDelimited = 2
const wireFixed32 = 5
const encoder = new TextEncoder()

/** Appends protocol-buffer fields to a growing byte list. */
class MessageWriter {
  readonly bytes: Array<number> = []

  varint(value: number): this {
    // Protocol buffers write a negative int64 as its 64-bit two's complement: ten bytes.
    let rest = value < 0 ? BigInt.asUintN(64, BigInt(value)) : BigInt(value)
    while (rest >= 0x80n) {
      this.bytes.push(Number(rest & 0x7fn) | 0x80)
      rest >>= 7n
    }
    this.bytes.push(Number(rest))
    return this
  }

  key(field: number, wire: number): this {
    return this.varint(field * 8 + wire)
  }

  integer(field: number, value: number): this {
    return this.key(field, wireVarint).varint(value)
  }

  float(field: number, value: number): this {
    this.key(field, wireFixed32)
    this.bytes.push(...new Uint8Array(Float32Array.of(value).buffer))
    return this
  }

  raw(field: number, bytes: ArrayLike<number>): this {
    this.key(field, wireLengthDelimited).varint(bytes.length)
    for (let index = 0; index < bytes.length; index++) this.bytes.push(bytes[index] as number)
    return this
  }

  text(field: number, value: string): this {
    return this.raw(field, encoder.encode(value))
  }

  message(field: number, message: MessageWriter): this {
    return this.raw(field, message.bytes)
  }
}

/** An attribute of a node: an integer, a list of integers or a float. */
export type OnnxAttribute =
  | {
      /** The attribute's name. */
      readonly name: string
      /** Its integer value. */
      readonly integer: number
    }
  | {
      /** The attribute's name. */
      readonly name: string
      /** Its list of integers. */
      readonly integers: ReadonlyArray<number>
    }
  | {
      /** The attribute's name. */
      readonly name: string
      /** Its float value. */
      readonly float: number
    }

/** One operator of a graph. */
export interface OnnxNode {
  /** The operator's type, e.g. `MatMul`. */
  readonly operator: string
  /** The names of the values it reads. */
  readonly inputs: ReadonlyArray<string>
  /** The names of the values it writes. */
  readonly outputs: ReadonlyArray<string>
  /** The operator's attributes. */
  readonly attributes?: ReadonlyArray<OnnxAttribute>
  /** The operator set the operator belongs to; `""` (standard ONNX) by default. */
  readonly domain?: string
}

/** A float32 graph input or output of a given rank, every dimension symbolic. */
export interface OnnxValue {
  /** The value's name in the graph. */
  readonly name: string
  /** Its number of dimensions. */
  readonly rank: number
}

/** A graph: its nodes in execution order, its inputs and outputs. */
export interface OnnxGraph {
  /**
   * The standard operator set it is written against; {@link standardOpsetVersion} by default.
   * Older sets keep some operands as attributes (`ReduceSum`'s axes until 13).
   */
  readonly opset?: number
  /** The nodes, in execution order. */
  readonly nodes: ReadonlyArray<OnnxNode>
  /** The graph's inputs. */
  readonly inputs: ReadonlyArray<OnnxValue>
  /** The graph's outputs. */
  readonly outputs: ReadonlyArray<OnnxValue>
}

const attributeTypeFloat = 1
const attributeTypeInteger = 2
const attributeTypeIntegers = 7
const elementTypeFloat32 = 1
/** The standard operator set the graphs are written against, and Microsoft's contrib set. */
export const standardOpsetVersion = 17
/** The domain of Microsoft's contrib operator set. */
export const microsoftDomain = "com.microsoft"

const encodeAttribute = (attribute: OnnxAttribute): MessageWriter => {
  const message = new MessageWriter().text(1, attribute.name)
  if ("integer" in attribute) return message.integer(20, attributeTypeInteger).integer(3, attribute.integer)
  if ("integers" in attribute) {
    message.integer(20, attributeTypeIntegers)
    for (const value of attribute.integers) message.integer(8, value)
    return message
  }
  return message.integer(20, attributeTypeFloat).float(2, attribute.float)
}

const encodeNode = (node: OnnxNode): MessageWriter => {
  const message = new MessageWriter()
  for (const input of node.inputs) message.text(1, input)
  for (const output of node.outputs) message.text(2, output)
  message.text(4, node.operator)
  for (const attribute of node.attributes ?? []) message.message(5, encodeAttribute(attribute))
  if (node.domain !== undefined && node.domain !== "") message.text(7, node.domain)
  return message
}

const encodeValue = (value: OnnxValue): MessageWriter => {
  const shape = new MessageWriter()
  // Symbolic dimensions let one session serve every shape of the same rank.
  for (let axis = 0; axis < value.rank; axis++) {
    shape.message(1, new MessageWriter().text(2, `${value.name}_${axis}`))
  }
  const tensorType = new MessageWriter().integer(1, elementTypeFloat32).message(2, shape)
  return new MessageWriter().text(1, value.name).message(2, new MessageWriter().message(1, tensorType))
}

/**
 * The bytes of an ONNX model holding `graph`, importing the standard operator set and Microsoft's
 * contrib operators (`FusedMatMul` lives there).
 *
 * @example
 * ```ts
 * const bytes = encodeOnnxModel({
 *   nodes: [{ operator: "Relu", inputs: ["X"], outputs: ["Y"] }],
 *   inputs: [{ name: "X", rank: 2 }],
 *   outputs: [{ name: "Y", rank: 2 }]
 * })
 * ```
 */
export const encodeOnnxModel = (graph: OnnxGraph): Uint8Array => {
  const body = new MessageWriter()
  for (const node of graph.nodes) body.message(1, encodeNode(node))
  body.text(2, "telos")
  for (const input of graph.inputs) body.message(11, encodeValue(input))
  for (const output of graph.outputs) body.message(12, encodeValue(output))
  const model = new MessageWriter()
    .integer(1, 8)
    .message(8, new MessageWriter().text(1, "").integer(2, graph.opset ?? standardOpsetVersion))
    .message(8, new MessageWriter().text(1, microsoftDomain).integer(2, 1))
    .message(7, body)
  return Uint8Array.from(model.bytes)
}
