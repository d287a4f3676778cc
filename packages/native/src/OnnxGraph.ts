/**
 * ONNX models written by hand: the few operator graphs the native backend runs, encoded as the
 * protocol-buffer bytes of an ONNX `ModelProto`. The graphs are tiny (one to three nodes, no
 * weights), so a forty-line encoder replaces a protobuf library and ONNX's own tooling.
 *
 * Field numbers follow `onnx.proto` (IR version 8): ModelProto `ir_version` 1, `opset_import` 8,
 * `graph` 7; GraphProto `node` 1, `name` 2, `input` 11, `output` 12; NodeProto `input` 1,
 * `output` 2, `op_type` 4, `attribute` 5, `domain` 7; AttributeProto `name` 1, `f` 2, `i` 3,
 * `type` 20; ValueInfoProto `name` 1, `type` 2; TypeProto `tensor_type` 1; TypeProto.Tensor
 * `elem_type` 1, `shape` 2; TensorShapeProto `dim` 1; Dimension `dim_value` 1, `dim_param` 2;
 * GraphProto `initializer` 5; TensorProto `dims` 1, `data_type` 2, `name` 8, `raw_data` 9.
 *
 * Compiled steps (`compile/`) write whole graphs of hundreds of nodes with this encoder: fixed
 * shapes, integer and boolean values, and constants as initializers.
 *
 * @module
 */

const wireVarint = 0
const wireLengthDelimited = 2
const wireFixed32 = 5
const encoder = new TextEncoder()

/**
 * Appends protocol-buffer fields to a growing list of byte chunks. A nested message is added as
 * its chunks, not copied: a graph of hundreds of nodes nests four deep.
 */
class MessageWriter {
  private readonly chunks: Array<Uint8Array> = []
  private pending: Array<number> = []
  /** Bytes written so far. */
  length = 0

  private push(byte: number): void {
    this.pending.push(byte)
    this.length++
  }

  private settle(): void {
    if (this.pending.length === 0) return
    this.chunks.push(Uint8Array.from(this.pending))
    this.pending = []
  }

  varint(value: number): this {
    if (value >= 0 && value < 0x80000000) {
      let rest = value
      while (rest >= 0x80) {
        this.push((rest & 0x7f) | 0x80)
        rest >>>= 7
      }
      this.push(rest)
      return this
    }
    // Protocol buffers write a negative int64 as its 64-bit two's complement: ten bytes.
    let rest = value < 0 ? BigInt.asUintN(64, BigInt(value)) : BigInt(value)
    while (rest >= 0x80n) {
      this.push(Number(rest & 0x7fn) | 0x80)
      rest >>= 7n
    }
    this.push(Number(rest))
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
    for (const byte of new Uint8Array(Float32Array.of(value).buffer)) this.push(byte)
    return this
  }

  raw(field: number, bytes: Uint8Array): this {
    this.key(field, wireLengthDelimited).varint(bytes.length)
    this.settle()
    this.chunks.push(bytes)
    this.length += bytes.length
    return this
  }

  text(field: number, value: string): this {
    return this.raw(field, encoder.encode(value))
  }

  message(field: number, message: MessageWriter): this {
    this.key(field, wireLengthDelimited).varint(message.length)
    this.settle()
    message.settle()
    for (const chunk of message.chunks) this.chunks.push(chunk)
    this.length += message.length
    return this
  }

  /** The message's bytes, in one array. */
  bytes(): Uint8Array {
    this.settle()
    const out = new Uint8Array(this.length)
    let at = 0
    for (const chunk of this.chunks) {
      out.set(chunk, at)
      at += chunk.length
    }
    return out
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

/** The element types a graph's values and constants may have. */
export type OnnxElementType = "float32" | "int32" | "int64" | "bool"

/**
 * A graph input or output of a given rank: float32 with every dimension symbolic unless
 * `elementType` and `shape` say otherwise.
 */
export interface OnnxValue {
  /** The value's name in the graph. */
  readonly name: string
  /** Its number of dimensions. */
  readonly rank: number
  /** Its element type; float32 by default. */
  readonly elementType?: OnnxElementType
  /** Its fixed dimensions (`rank` of them); symbolic ones when absent. */
  readonly shape?: ReadonlyArray<number>
}

/** A constant of the graph: its values as little-endian bytes. */
export interface OnnxInitializer {
  /** The constant's name in the graph. */
  readonly name: string
  /** Its element type. */
  readonly elementType: OnnxElementType
  /** Its dimensions. */
  readonly shape: ReadonlyArray<number>
  /** Its values, row-major, as ONNX's `raw_data` holds them. */
  readonly bytes: Uint8Array
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
  /** Constants the nodes read by name. */
  readonly initializers?: ReadonlyArray<OnnxInitializer>
}

const attributeTypeFloat = 1
const attributeTypeInteger = 2
const attributeTypeIntegers = 7
/** ONNX's `TensorProto.DataType` codes. */
export const onnxElementTypeCodes: Readonly<Record<OnnxElementType, number>> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9
}
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
    const fixed = value.shape?.[axis]
    shape.message(
      1,
      fixed === undefined
        ? new MessageWriter().text(2, `${value.name}_${axis}`)
        : new MessageWriter().integer(1, fixed)
    )
  }
  const tensorType = new MessageWriter()
    .integer(1, onnxElementTypeCodes[value.elementType ?? "float32"])
    .message(2, shape)
  return new MessageWriter().text(1, value.name).message(2, new MessageWriter().message(1, tensorType))
}

const encodeInitializer = (initializer: OnnxInitializer): MessageWriter => {
  const message = new MessageWriter()
  for (const dimension of initializer.shape) message.integer(1, dimension)
  return message
    .integer(2, onnxElementTypeCodes[initializer.elementType])
    .text(8, initializer.name)
    .raw(9, initializer.bytes)
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
  for (const initializer of graph.initializers ?? []) body.message(5, encodeInitializer(initializer))
  for (const input of graph.inputs) body.message(11, encodeValue(input))
  for (const output of graph.outputs) body.message(12, encodeValue(output))
  const model = new MessageWriter()
    .integer(1, 8)
    .message(8, new MessageWriter().text(1, "").integer(2, graph.opset ?? standardOpsetVersion))
    .message(8, new MessageWriter().text(1, microsoftDomain).integer(2, 1))
    .message(7, body)
  return model.bytes()
}
