import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  encodeOnnxModel,
  loadNativeRuntime,
  microsoftDomain,
  type NativeRuntime,
  type OnnxGraph,
  standardOpsetVersion
} from "../src/index.js"

// A protocol-buffer reader written from the wire format, independent of the encoder under test.

type Wire = { readonly field: number; readonly value: bigint | Uint8Array | number }

const readVarint = (bytes: Uint8Array, start: number): { value: bigint; next: number } => {
  let value = 0n
  let shift = 0n
  let at = start
  for (;;) {
    if (at >= bytes.length) throw new Error(`varint runs past the end at ${start}`)
    const byte = bytes[at++] as number
    value |= BigInt(byte & 0x7f) << shift
    shift += 7n
    if ((byte & 0x80) === 0) return { value, next: at }
    if (shift > 63n) throw new Error(`varint longer than ten bytes at ${start}`)
  }
}

const readFields = (bytes: Uint8Array): Array<Wire> => {
  const fields: Array<Wire> = []
  let at = 0
  while (at < bytes.length) {
    const key = readVarint(bytes, at)
    at = key.next
    const field = Number(key.value >> 3n)
    const wire = Number(key.value & 7n)
    if (wire === 0) {
      const value = readVarint(bytes, at)
      fields.push({ field, value: value.value })
      at = value.next
    } else if (wire === 2) {
      const length = readVarint(bytes, at)
      const end = length.next + Number(length.value)
      if (end > bytes.length) throw new Error(`field ${field} runs past the end`)
      fields.push({ field, value: bytes.subarray(length.next, end) })
      at = end
    } else if (wire === 5) {
      fields.push({ field, value: new DataView(bytes.buffer, bytes.byteOffset + at, 4).getFloat32(0, true) })
      at += 4
    } else {
      throw new Error(`unexpected wire type ${wire} for field ${field}`)
    }
  }
  return fields
}

const decoder = new TextDecoder("utf-8", { fatal: true })
const all = (fields: ReadonlyArray<Wire>, field: number) => fields.filter((entry) => entry.field === field)
const bytesOf = (entry: Wire | undefined): Uint8Array => {
  if (!(entry?.value instanceof Uint8Array)) throw new Error("expected a length-delimited field")
  return entry.value
}
const textOf = (entry: Wire | undefined): string => decoder.decode(bytesOf(entry))
const integerOf = (entry: Wire | undefined): bigint => {
  if (typeof entry?.value !== "bigint") throw new Error("expected a varint field")
  return entry.value
}
const one = (fields: ReadonlyArray<Wire>, field: number): Wire | undefined => {
  const found = all(fields, field)
  expect(found.length, `field ${field} appears once`).toBeLessThanOrEqual(1)
  return found[0]
}

/** The graph a model's bytes hold, decoded back into the encoder's input form. */
const decodeModel = (bytes: Uint8Array) => {
  const model = readFields(bytes)
  const opsets = all(model, 8).map((entry) => {
    const opset = readFields(bytesOf(entry))
    return { domain: textOf(one(opset, 1)), version: integerOf(one(opset, 2)) }
  })
  const graph = readFields(bytesOf(one(model, 7)))
  const value = (entry: Wire) => {
    const fields = readFields(bytesOf(entry))
    const tensor = readFields(bytesOf(one(readFields(bytesOf(one(fields, 2))), 1)))
    const dims = all(readFields(bytesOf(one(tensor, 2))), 1).map((dim) =>
      textOf(one(readFields(bytesOf(dim)), 2))
    )
    return { name: textOf(one(fields, 1)), elementType: integerOf(one(tensor, 1)), dims }
  }
  const nodes = all(graph, 1).map((entry) => {
    const node = readFields(bytesOf(entry))
    const domain = one(node, 7)
    return {
      operator: textOf(one(node, 4)),
      inputs: all(node, 1).map(textOf),
      outputs: all(node, 2).map(textOf),
      attributes: all(node, 5).map((attributeEntry) => {
        const attribute = readFields(bytesOf(attributeEntry))
        const type = integerOf(one(attribute, 20))
        const float = one(attribute, 2)
        if (type === 2n) return { name: textOf(one(attribute, 1)), integer: integerOf(one(attribute, 3)) }
        if (type === 7n)
          return { name: textOf(one(attribute, 1)), integers: all(attribute, 8).map(integerOf) }
        return { name: textOf(one(attribute, 1)), type, float: float?.value }
      }),
      domain: domain === undefined ? "" : textOf(domain)
    }
  })
  return {
    irVersion: integerOf(one(model, 1)),
    opsets,
    name: textOf(one(graph, 2)),
    nodes,
    inputs: all(graph, 11).map(value),
    outputs: all(graph, 12).map(value)
  }
}

/** What {@link decodeModel} should find for `graph`. */
/** An int64 as its varint reads back: a negative one as its 64-bit two's complement. */
const asVarint = (value: number): bigint => BigInt.asUintN(64, BigInt(value))

const expectedModel = (graph: OnnxGraph) => ({
  irVersion: 8n,
  opsets: [
    { domain: "", version: BigInt(graph.opset ?? standardOpsetVersion) },
    { domain: microsoftDomain, version: 1n }
  ],
  name: "telos",
  nodes: graph.nodes.map((node) => ({
    operator: node.operator,
    inputs: [...node.inputs],
    outputs: [...node.outputs],
    attributes: (node.attributes ?? []).map((attribute) =>
      "integer" in attribute
        ? { name: attribute.name, integer: asVarint(attribute.integer) }
        : "integers" in attribute
          ? { name: attribute.name, integers: attribute.integers.map(asVarint) }
          : { name: attribute.name, type: 1n, float: Math.fround(attribute.float) }
    ),
    domain: node.domain ?? ""
  })),
  inputs: graph.inputs.map((input) => ({
    name: input.name,
    elementType: 1n,
    dims: Array.from({ length: input.rank }, (_, axis) => `${input.name}_${axis}`)
  })),
  outputs: graph.outputs.map((output) => ({
    name: output.name,
    elementType: 1n,
    dims: Array.from({ length: output.rank }, (_, axis) => `${output.name}_${axis}`)
  }))
})

const reluGraph: OnnxGraph = {
  nodes: [{ operator: "Relu", inputs: ["X"], outputs: ["Y"] }],
  inputs: [{ name: "X", rank: 2 }],
  outputs: [{ name: "Y", rank: 2 }]
}

/** `Y = X + value`, the constant an integer attribute converted to float32: the attribute matters. */
const addIntegerConstant = (value: number): OnnxGraph => ({
  nodes: [
    { operator: "Constant", inputs: [], outputs: ["K"], attributes: [{ name: "value_int", integer: value }] },
    { operator: "Cast", inputs: ["K"], outputs: ["Kf"], attributes: [{ name: "to", integer: 1 }] },
    { operator: "Add", inputs: ["X", "Kf"], outputs: ["Y"] }
  ],
  inputs: [{ name: "X", rank: 1 }],
  outputs: [{ name: "Y", rank: 1 }]
})

let loaded: NativeRuntime | undefined
const runtime = (): NativeRuntime => {
  loaded ??= loadNativeRuntime({ threads: 1 })
  return loaded
}

/** Runs a one-output model on float32 inputs and returns the output it wrote in place. */
const runModel = (
  graph: OnnxGraph,
  inputs: Record<string, { values: ReadonlyArray<number>; shape: ReadonlyArray<number> }>,
  outputShape: ReadonlyArray<number>,
  outputName = "Y"
): Array<number> => {
  const session = runtime().createSession(encodeOnnxModel(graph), outputName)
  try {
    const output = new Float32Array(outputShape.reduce((total, size) => total * size, 1))
    const feeds = Object.fromEntries(
      Object.entries(inputs).map(([name, input]) => [
        name,
        { values: Float32Array.from(input.values), shape: input.shape }
      ])
    )
    session.run(feeds, { values: output, shape: outputShape })
    return Array.from(output)
  } finally {
    session.dispose()
  }
}

describe("encodeOnnxModel: the bytes, read back", () => {
  it("encodes the example graph field by field", () => {
    const decoded = decodeModel(encodeOnnxModel(reluGraph))
    expect(decoded).toEqual(expectedModel(reluGraph))
    expect(decoded.inputs[0]?.dims).toEqual(["X_0", "X_1"])
  })

  it("writes an integer attribute of 300 as the two-byte varint 0xAC 0x02", () => {
    const bytes = encodeOnnxModel(addIntegerConstant(300))
    // AttributeProto field 3 (i), wire type 0: key 0x18, then 300 = 0b10_0101100 in two groups.
    const at = bytes.findIndex((_, index) => bytes[index] === 0x18 && bytes[index + 1] === 0xac)
    expect(at).toBeGreaterThan(0)
    expect(bytes[at + 2]).toBe(0x02)
    expect(decodeModel(bytes).nodes[0]?.attributes).toEqual([{ name: "value_int", integer: 300n }])
  })

  it("writes multi-byte lengths: a 200-character name and a graph body over 16 KiB", () => {
    const long = `x${"y".repeat(199)}`
    const names = Array.from({ length: 301 }, (_, index) => `tensor_${index}_${"p".repeat(60)}`)
    const graph: OnnxGraph = {
      nodes: names.map((name, index) => ({
        operator: "Neg",
        inputs: [index === 0 ? long : (names[index - 1] as string)],
        outputs: [index === names.length - 1 ? "Y" : name]
      })),
      inputs: [{ name: long, rank: 1 }],
      outputs: [{ name: "Y", rank: 1 }]
    }
    const bytes = encodeOnnxModel(graph)
    expect(bytes.length).toBeGreaterThan(16_384 + 100)
    expect(decodeModel(bytes)).toEqual(expectedModel(graph))
    // An odd number of negations negates; ONNX Runtime reads the same structure.
    expect(runModel(graph, { [long]: { values: [1, -2.5, 0], shape: [3] } }, [3])).toEqual([-1, 2.5, -0])
  })

  it("round-trips any graph of integer, integer list and float attributes", () => {
    const name = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 })
    const integer = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger())
    const attribute = fc.oneof(
      fc.record({ name, integer }),
      fc.record({ name, integers: fc.array(integer, { maxLength: 5 }) }),
      fc.record({ name, float: fc.float({ noNaN: true }) })
    )
    const node = fc.record(
      {
        operator: name,
        inputs: fc.array(name, { maxLength: 4 }),
        outputs: fc.array(name, { minLength: 1, maxLength: 3 }),
        attributes: fc.array(attribute, { maxLength: 4 }),
        domain: fc.constantFrom("", microsoftDomain, "ai.onnx.ml")
      },
      { requiredKeys: ["operator", "inputs", "outputs"] }
    )
    const value = fc.record({ name, rank: fc.nat(6) })
    const graph = fc.record(
      {
        opset: fc.integer({ min: 1, max: 21 }),
        nodes: fc.array(node, { maxLength: 6 }),
        inputs: fc.array(value, { maxLength: 4 }),
        outputs: fc.array(value, { maxLength: 3 })
      },
      { requiredKeys: ["nodes", "inputs", "outputs"] }
    )
    fc.assert(
      fc.property(graph, (graph) => {
        expect(decodeModel(encodeOnnxModel(graph))).toEqual(expectedModel(graph))
      }),
      { numRuns: 200 }
    )
  })

  // Protocol buffers write a negative int64 as its 64-bit two's complement, a ten-byte varint; an
  // attribute like `axis: -1` written any other way gives bytes ONNX Runtime cannot parse.
  it("encodes a negative integer attribute as a ten-byte varint", () => {
    const decoded = decodeModel(encodeOnnxModel(addIntegerConstant(-1)))
    const attribute = decoded.nodes[0]?.attributes[0] as { integer: bigint }
    expect(BigInt.asIntN(64, attribute.integer)).toBe(-1n)
  })
})

describe("encodeOnnxModel: ONNX Runtime loads and runs the bytes", () => {
  it("runs a Relu graph into a preallocated output", () => {
    const values = [-1.5, 0, 2, 3.25, -0.001, 7]
    expect(runModel(reluGraph, { X: { values, shape: [2, 3] } }, [2, 3])).toEqual([0, 0, 2, 3.25, 0, 7])
  })

  it("runs one session on every shape of the declared rank (symbolic dimensions)", () => {
    const session = runtime().createSession(encodeOnnxModel(reluGraph))
    try {
      for (const shape of [
        [2, 3],
        [5, 1],
        [1, 7]
      ]) {
        const size = (shape[0] as number) * (shape[1] as number)
        const input = Float32Array.from({ length: size }, (_, index) => index - size / 2)
        const output = new Float32Array(size).fill(Number.NaN)
        session.run({ X: { values: input, shape } }, { values: output, shape })
        expect(Array.from(output)).toEqual(Array.from(input, (x) => Math.max(0, x)))
      }
    } finally {
      session.dispose()
    }
  })

  it("runs an Add graph with broadcasting", () => {
    const graph: OnnxGraph = {
      nodes: [{ operator: "Add", inputs: ["A", "B"], outputs: ["Y"] }],
      inputs: [
        { name: "A", rank: 2 },
        { name: "B", rank: 2 }
      ],
      outputs: [{ name: "Y", rank: 2 }]
    }
    const result = runModel(
      graph,
      { A: { values: [1, 2, 3, 4, 5, 6], shape: [2, 3] }, B: { values: [10, 20, 30], shape: [1, 3] } },
      [2, 3]
    )
    expect(result).toEqual([11, 22, 33, 14, 25, 36])
  })

  it("passes integer attributes whose varints take two and five bytes", () => {
    const input = { X: { values: [0, 1, -2], shape: [3] } }
    expect(runModel(addIntegerConstant(300), input, [3])).toEqual([300, 301, 298])
    expect(runModel(addIntegerConstant(127), input, [3])).toEqual([127, 128, 125])
    expect(runModel(addIntegerConstant(128), input, [3])).toEqual([128, 129, 126])
    // 2^33 needs five varint bytes and more than 32 bits; it is exact in float32.
    expect(runModel(addIntegerConstant(2 ** 33), { X: { values: [0], shape: [1] } }, [1])).toEqual([2 ** 33])
  })

  it("passes negative integer attributes, written as ten-byte varints", () => {
    const input = { X: { values: [0, 1, -2], shape: [3] } }
    expect(runModel(addIntegerConstant(-1), input, [3])).toEqual([-1, 0, -3])
    expect(runModel(addIntegerConstant(-300), input, [3])).toEqual([-300, -299, -302])
  })

  it("passes float attributes (LeakyRelu's alpha)", () => {
    const graph: OnnxGraph = {
      nodes: [
        { operator: "LeakyRelu", inputs: ["X"], outputs: ["Y"], attributes: [{ name: "alpha", float: 0.25 }] }
      ],
      inputs: [{ name: "X", rank: 1 }],
      outputs: [{ name: "Y", rank: 1 }]
    }
    expect(runModel(graph, { X: { values: [-4, -1, 0, 3], shape: [4] } }, [4])).toEqual([-1, -0.25, 0, 3])
  })

  it("runs Microsoft's FusedMatMul with its transposes and alpha", () => {
    const graph: OnnxGraph = {
      nodes: [
        {
          operator: "FusedMatMul",
          domain: microsoftDomain,
          inputs: ["A", "B"],
          outputs: ["Y"],
          attributes: [
            { name: "transA", integer: 1 },
            { name: "transB", integer: 0 },
            { name: "alpha", float: 2 }
          ]
        }
      ],
      inputs: [
        { name: "A", rank: 2 },
        { name: "B", rank: 2 }
      ],
      outputs: [{ name: "Y", rank: 2 }]
    }
    // A is stored [k=2, m=3]; Y = 2 * A^T B with B [2, 2].
    const a = [1, 2, 3, 4, 5, 6]
    const b = [1, 0, 0, 1]
    const result = runModel(
      graph,
      { A: { values: a, shape: [2, 3] }, B: { values: b, shape: [2, 2] } },
      [3, 2]
    )
    expect(result).toEqual([2, 8, 4, 10, 6, 12])
  })

  it("writes an output named other than Y when asked", () => {
    const graph: OnnxGraph = {
      nodes: [{ operator: "Neg", inputs: ["X"], outputs: ["Z"] }],
      inputs: [{ name: "X", rank: 1 }],
      outputs: [{ name: "Z", rank: 1 }]
    }
    expect(runModel(graph, { X: { values: [1, -2], shape: [2] } }, [2], "Z")).toEqual([-1, 2])
  })

  it("reads and writes views at an offset into a larger buffer, touching nothing around them", () => {
    const session = runtime().createSession(encodeOnnxModel(reluGraph))
    try {
      const memory = new Float32Array(32).fill(-99)
      const input = memory.subarray(3, 9)
      input.set([-1, 2, -3, 4, -5, 6])
      const output = memory.subarray(17, 23)
      session.run({ X: { values: input, shape: [2, 3] } }, { values: output, shape: [2, 3] })
      expect(Array.from(output)).toEqual([0, 2, 0, 4, 0, 6])
      expect(Array.from(memory.subarray(0, 3))).toEqual([-99, -99, -99])
      expect(Array.from(memory.subarray(9, 17))).toEqual(Array(8).fill(-99))
      expect(Array.from(memory.subarray(23))).toEqual(Array(9).fill(-99))
    } finally {
      session.dispose()
    }
  })

  it("rejects bytes that are not a model", () => {
    expect(() => runtime().createSession(Uint8Array.of(0xff, 0xff, 0xff))).toThrow()
  })
})
