import { DatasetError } from "@telos/core"
import { type DatasetHeader, datasetMagic, datasetPrefixBytes } from "@telos/worldmodel"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  decodedBytes,
  dtypeBytes,
  encodeDatasetPrefix,
  parseDatasetPrefix,
  rowElements
} from "../../src/data/DatasetFormat.js"

const header: DatasetHeader = {
  format: "telos-dataset",
  version: 1,
  byteOrder: "little-endian",
  envId: "two-rooms",
  seed: 3,
  collector: { policy: "random-walk", concentration: 5 },
  counts: { episodes: 2, transitions: 5, steps: 7 },
  episodes: { lengths: [3, 2], terminated: [false, true] },
  fields: [
    {
      name: "observations",
      dtype: "float32",
      shape: [2],
      rowsPer: "step",
      rows: 7,
      encoding: "raw",
      offset: 0,
      length: 56,
      crc32: 1
    },
    {
      name: "actions",
      dtype: "float32",
      shape: [2],
      rowsPer: "transition",
      rows: 5,
      encoding: "raw",
      offset: 56,
      length: 40,
      crc32: 2
    },
    {
      name: "images",
      dtype: "uint8",
      shape: [2, 8, 8],
      rowsPer: "step",
      rows: 7,
      encoding: "deflate",
      offset: 96,
      length: 30,
      crc32: 4_000_000_000,
      chunks: [
        { rows: 4, length: 20 },
        { rows: 3, length: 10 }
      ]
    }
  ]
}

const parse = (value: unknown) => parseDatasetPrefix(encodeDatasetPrefix(value as DatasetHeader), "file.bin")

const problemOf = (value: unknown): DatasetError => {
  try {
    parse(value)
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError)
    return error as DatasetError
  }
  throw new Error("expected a DatasetError")
}

type Mutable = Record<string, unknown> & { fields: Array<Record<string, unknown>> }
const changed = (change: (copy: Mutable) => void): unknown => {
  const copy = structuredClone(header) as unknown as Mutable
  change(copy)
  return copy
}

describe("dataset prefix", () => {
  it("starts with the magic, then the header length and its CRC, and aligns the data to 8 bytes", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.integer({ min: -1000, max: 1000 }), (envId, seed) => {
        const prefix = encodeDatasetPrefix({ ...header, envId, seed })
        expect(prefix.subarray(0, 8)).toEqual(datasetMagic)
        expect(prefix.length % 8).toBe(0)
        const length = new DataView(prefix.buffer).getUint32(8, true)
        expect(datasetPrefixBytes + length).toBe(prefix.length)
        const parsed = parseDatasetPrefix(prefix, "file.bin")
        expect(parsed.dataStart).toBe(prefix.length)
        expect(parsed.header).toEqual({ ...header, envId, seed })
      })
    )
  })

  it("sizes fields by dtype and shape", () => {
    expect(dtypeBytes("float32")).toBe(4)
    expect(dtypeBytes("uint8")).toBe(1)
    expect(rowElements({ shape: [2, 8, 8] })).toBe(128)
    expect(decodedBytes({ dtype: "float32", shape: [3], rows: 10 })).toBe(120)
  })
})

describe("header checks", () => {
  it.each([
    { case: "a format other than telos-dataset", value: changed((h) => (h.format = "npy")), names: "format" },
    { case: "a missing envId", value: changed((h) => delete h.envId), names: "envId" },
    { case: "a seed that is a string", value: changed((h) => (h.seed = "3")), names: "seed" },
    {
      case: "steps that do not add up",
      value: changed((h) => (h.counts = { episodes: 2, transitions: 5, steps: 8 })),
      names: "counts.steps"
    },
    {
      case: "lengths that do not add up",
      value: changed((h) => (h.episodes = { lengths: [3, 3], terminated: [false, false] })),
      names: "episodes.lengths"
    },
    {
      case: "an empty episode",
      value: changed((h) => (h.episodes = { lengths: [5, 0], terminated: [false, false] })),
      names: "episodes.lengths[1]"
    },
    {
      case: "a flag missing",
      value: changed((h) => (h.episodes = { lengths: [3, 2], terminated: [false] })),
      names: "episodes.terminated"
    },
    {
      case: "an unknown dtype",
      value: changed((h) => (h.fields[1]!.dtype = "float64")),
      names: "unknown dtype"
    },
    { case: "a zero dimension", value: changed((h) => (h.fields[0]!.shape = [0])), names: "shape" },
    {
      case: "rows that do not match the counts",
      value: changed((h) => (h.fields[1]!.rows = 7)),
      names: "rows"
    },
    {
      case: "an unknown encoding",
      value: changed((h) => (h.fields[0]!.encoding = "zstd")),
      names: "encoding"
    },
    {
      case: "a raw block of the wrong length",
      value: changed((h) => (h.fields[0]!.length = 55)),
      names: '"observations").length'
    },
    {
      case: "a deflate block without chunks",
      value: changed((h) => delete h.fields[2]!.chunks),
      names: "chunks"
    },
    {
      case: "chunks that do not add up",
      value: changed((h) => (h.fields[2]!.chunks = [{ rows: 7, length: 29 }])),
      names: "chunks"
    },
    {
      case: "a deflate chunk declaring more rows than its bytes can inflate to",
      value: changed((h) => (h.fields[2]!.shape = [2, 64, 64])),
      names:
        'fields[2] ("images").chunks[0]: expected at most 2 rows of 8192 bytes from 20 stored bytes (deflate expands at most 1032-fold), the header declares 4'
    },
    { case: "overlapping blocks", value: changed((h) => (h.fields[1]!.offset = 50)), names: "overlap" },
    {
      case: "two fields of one name",
      value: changed((h) => (h.fields[2]!.name = "actions")),
      names: "distinct"
    },
    { case: "a CRC beyond 32 bits", value: changed((h) => (h.fields[0]!.crc32 = 2 ** 32)), names: "crc32" },
    {
      case: "fields that are not an array",
      value: changed((h) => (h.fields = {} as never)),
      names: "fields"
    },
    { case: "a header that is not an object", value: [1, 2], names: "(root)" }
  ])("refuses $case, naming it", ({ value, names }) => {
    const error = problemOf(value)
    expect(error.problem).toBe("bad-header")
    expect(error.message).toContain(names)
    expect(error.message.startsWith("file.bin: header ")).toBe(true)
  })

  it("refuses a version it does not know as unsupported", () => {
    expect(problemOf(changed((h) => (h.version = 7))).problem).toBe("unsupported-version")
  })

  it("accepts an empty dataset", () => {
    const empty = {
      ...header,
      counts: { episodes: 0, transitions: 0, steps: 0 },
      episodes: { lengths: [], terminated: [] },
      fields: [
        { ...header.fields[0], rows: 0, length: 0 },
        { ...header.fields[1], rows: 0, offset: 0, length: 0 }
      ]
    }
    expect(parse(empty).header.counts.episodes).toBe(0)
  })
})
