import { readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { crc32, DatasetError, FileError, InvalidValueError } from "@telos/core"
import { datasetPrefixBytes } from "@telos/worldmodel"
import { datasetFileName, defaultDatasetMaxBytes, openDataset, writeDataset } from "@telos/worldmodel/node"
import * as fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { encodeDatasetPrefix, parseDatasetPrefix } from "../../src/data/DatasetFormat.js"
import {
  bitsOf,
  datasetCases,
  makeDatasetCase,
  makeTempDir,
  rejectionOf,
  removeTempDir
} from "../datasetSupport.js"

let directory = ""
beforeAll(async () => {
  directory = await makeTempDir()
})
afterAll(async () => {
  await removeTempDir(directory)
})

let fileCounter = 0
const freshPath = (): string => join(directory, `case-${fileCounter++}`, datasetFileName)

/** A dataset with images in three chunks, and its file's bytes. */
const sample = makeDatasetCase({
  episodeLengths: [5, 3, 7, 2],
  observationSize: 3,
  actionSize: 2,
  imageShape: [2, 4, 4],
  cuts: [1, 3],
  seed: 11
})
let samplePath = ""
let sampleBytes: Uint8Array = new Uint8Array(0)
let dataStart = 0

beforeAll(async () => {
  samplePath = freshPath()
  await writeDataset(samplePath, sample.description, sample.chunks)
  // A plain copy: Buffer.prototype.slice makes views, and the tests below flip bytes in copies.
  sampleBytes = new Uint8Array(await readFile(samplePath))
  dataStart = parseDatasetPrefix(sampleBytes, samplePath).dataStart
})

const writeBytes = async (bytes: Uint8Array): Promise<string> => {
  const path = freshPath()
  await writeDataset(path, sample.description, []) // creates the directory
  await writeFile(path, bytes)
  return path
}

const datasetErrorOf = async (bytes: Uint8Array): Promise<{ error: DatasetError; path: string }> => {
  const path = await writeBytes(bytes)
  const error = await rejectionOf(openDataset(path))
  expect(error).toBeInstanceOf(DatasetError)
  const typed = error as DatasetError
  expect(typed.path).toBe(path)
  expect(typed.message.startsWith(`${path}: `)).toBe(true)
  expect(typed.message).not.toContain("\n")
  return { error: typed, path }
}

const headerOf = (bytes: Uint8Array) => parseDatasetPrefix(bytes, "sample").header

/** The file rebuilt with a modified header and the same data section. */
const withHeader = (change: (header: Record<string, unknown>) => Record<string, unknown>): Uint8Array => {
  const header = JSON.parse(JSON.stringify(headerOf(sampleBytes))) as Record<string, unknown>
  const prefix = encodeDatasetPrefix(change(header) as never)
  const data = sampleBytes.subarray(dataStart)
  const bytes = new Uint8Array(prefix.length + data.length)
  bytes.set(prefix)
  bytes.set(data, prefix.length)
  return bytes
}

describe("openDataset round trip", () => {
  it("gives back every value bit for bit, with and without images, in any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(datasetCases, async (dataset) => {
        const path = freshPath()
        const summary = await writeDataset(path, dataset.description, dataset.chunks)
        const loaded = await openDataset(path)
        expect(summary.bytes).toBe((await readFile(path)).length)
        expect(loaded.counts).toEqual({
          episodes: dataset.episodeLengths.length,
          transitions: summary.transitions,
          steps: summary.transitions + dataset.episodeLengths.length
        })
        expect([...loaded.episodeLengths]).toEqual(dataset.episodeLengths)
        expect(loaded.terminated).toEqual(dataset.terminated)
        expect(bitsOf(loaded.observations)).toEqual(bitsOf(dataset.observations))
        expect(bitsOf(loaded.actions)).toEqual(bitsOf(dataset.actions))
        expect(loaded.images).toEqual(dataset.images)
        expect(loaded.imageShape).toEqual(dataset.description.imageShape)
        expect(loaded.observationSize).toBe(dataset.description.observationSize)
        expect(loaded.actionSize).toBe(dataset.description.actionSize)
        expect(loaded.envId).toBe("test-world")
        expect(loaded.header.seed).toBe(dataset.description.seed)
        expect(loaded.header.collector).toEqual(dataset.description.collector)
      }),
      { numRuns: 40 }
    )
  })

  it("describes every field in the header: dtype, per-row shape, encoding, offset, length, checksum", async () => {
    const loaded = await openDataset(samplePath)
    expect(loaded.header).toMatchObject({ format: "telos-dataset", version: 1, byteOrder: "little-endian" })
    const [observations, actions, images] = loaded.fields
    expect(observations).toMatchObject({
      name: "observations",
      dtype: "float32",
      shape: [3],
      rowsPer: "step",
      rows: 21,
      encoding: "raw",
      offset: 0,
      length: 21 * 3 * 4
    })
    expect(actions).toMatchObject({
      name: "actions",
      dtype: "float32",
      shape: [2],
      rowsPer: "transition",
      rows: 17,
      encoding: "raw",
      offset: 252,
      length: 17 * 2 * 4
    })
    expect(images).toMatchObject({
      name: "images",
      dtype: "uint8",
      shape: [2, 4, 4],
      rowsPer: "step",
      rows: 21,
      encoding: "deflate",
      offset: 388
    })
    // One deflate chunk per appended chunk: episodes [5], [3, 7], [2].
    expect(images?.chunks?.map((chunk) => chunk.rows)).toEqual([6, 12, 3])
    expect(dataStart % 8).toBe(0)
    for (const field of loaded.fields) expect(Number.isInteger(field.crc32)).toBe(true)
  })

  it("opens a directory holding dataset.bin", async () => {
    const loaded = await openDataset(join(samplePath, ".."))
    expect(loaded.path).toBe(samplePath)
  })
})

describe("openDataset on a damaged file", () => {
  it("reports a missing file as a FileError naming it", async () => {
    const path = join(directory, "nowhere", "dataset.bin")
    const error = await rejectionOf(openDataset(path))
    expect(error).toBeInstanceOf(FileError)
    expect((error as FileError).message).toContain(path)
  })

  it.each([
    { part: "magic bytes", cut: () => 0 },
    { part: "magic bytes", cut: () => 5 },
    { part: "header length and checksum", cut: () => 8 },
    { part: "header length and checksum", cut: () => datasetPrefixBytes - 1 },
    { part: "header", cut: () => datasetPrefixBytes },
    { part: "header", cut: () => dataStart - 1 },
    { part: 'block "observations"', cut: () => dataStart },
    { part: 'block "actions"', cut: () => dataStart + 252 + 1 },
    { part: 'block "images"', cut: () => dataStart + 388 + 10 },
    { part: 'block "images"', cut: () => sampleBytes.length - 1 }
  ])("names the $part when the file is cut inside it", async ({ part, cut }) => {
    const { error } = await datasetErrorOf(sampleBytes.subarray(0, cut()))
    expect(error.problem).toBe("truncated")
    expect(error.message).toContain(part)
  })

  it("reports every cut point as truncation", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: sampleBytes.length - 1 }), async (cut) => {
        const { error } = await datasetErrorOf(sampleBytes.subarray(0, cut))
        expect(error.problem).toBe("truncated")
      }),
      { numRuns: 60 }
    )
  })

  it("catches any flipped byte: bad magic, header checksum, truncation, or a block's checksum", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: sampleBytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (position, mask) => {
          const bytes = sampleBytes.slice()
          bytes[position] = (bytes[position] as number) ^ mask
          const { error } = await datasetErrorOf(bytes)
          if (position < 8) expect(error.problem).toBe("bad-magic")
          else if (position >= dataStart) {
            expect(error.problem).toBe("checksum-mismatch")
            expect(error.message).toMatch(/checksum mismatch in block "(observations|actions|images)"/)
          } else expect(["truncated", "checksum-mismatch"]).toContain(error.problem)
        }
      ),
      { numRuns: 80 }
    )
  })

  it("names the block whose checksum fails", async () => {
    const bytes = sampleBytes.slice()
    const offset = dataStart + 252 + 3
    bytes[offset] = (bytes[offset] as number) ^ 0x10
    const { error } = await datasetErrorOf(bytes)
    expect(error.message).toContain('checksum mismatch in block "actions"')
  })

  it("says when a file is not a dataset at all", async () => {
    const { error } = await datasetErrorOf(new TextEncoder().encode("just some text, long enough"))
    expect(error.problem).toBe("bad-magic")
  })

  it("says when the header is not JSON", async () => {
    const text = new TextEncoder().encode("{ not json ")
    const bytes = new Uint8Array(datasetPrefixBytes + text.length)
    bytes.set(sampleBytes.subarray(0, 8))
    bytes.set(text, datasetPrefixBytes)
    const view = new DataView(bytes.buffer)
    view.setUint32(8, text.length, true)
    const { crc32 } = await import("@telos/core")
    view.setUint32(12, crc32(text), true)
    const { error } = await datasetErrorOf(bytes)
    expect(error.problem).toBe("header-not-json")
    expect(error.message).toContain("header is not JSON")
  })

  it("names an unknown dtype", async () => {
    const bytes = withHeader((header) => ({
      ...header,
      fields: (header.fields as Array<Record<string, unknown>>).map((field) =>
        field.name === "actions" ? { ...field, dtype: "int64" } : field
      )
    }))
    const { error } = await datasetErrorOf(bytes)
    expect(error.problem).toBe("bad-header")
    expect(error.message).toContain('"actions"')
    expect(error.message).toContain("unknown dtype")
  })

  it("refuses a format version it does not know", async () => {
    const { error } = await datasetErrorOf(withHeader((header) => ({ ...header, version: 2 })))
    expect(error.problem).toBe("unsupported-version")
    expect(error.message).toContain("version 2")
  })

  it("refuses a file missing a field every dataset has", async () => {
    const bytes = withHeader((header) => ({
      ...header,
      fields: (header.fields as Array<Record<string, unknown>>).filter(
        (field) => field.name !== "observations"
      )
    }))
    const { error } = await datasetErrorOf(bytes)
    expect(error.problem).toBe("bad-header")
    expect(error.message).toContain('"observations"')
  })

  it("refuses bytes after the last block", async () => {
    const bytes = new Uint8Array(sampleBytes.length + 3)
    bytes.set(sampleBytes)
    const { error } = await datasetErrorOf(bytes)
    expect(error.problem).toBe("trailing-bytes")
  })

  it("reports a deflate chunk that does not inflate to its rows as a corrupt block", async () => {
    // Valid checksums, but the chunk table claims more rows in the first chunk and fewer in the last.
    const bytes = withHeader((header) => ({
      ...header,
      fields: (header.fields as Array<Record<string, unknown>>).map((field) =>
        field.name === "images"
          ? {
              ...field,
              chunks: (field.chunks as Array<{ rows: number; length: number }>).map((chunk, index) =>
                index === 0
                  ? { ...chunk, rows: chunk.rows + 1 }
                  : index === 2
                    ? { ...chunk, rows: chunk.rows - 1 }
                    : chunk
              )
            }
          : field
      )
    }))
    const { error } = await datasetErrorOf(bytes)
    expect(error.problem).toBe("corrupt-block")
    // Chunks inflate concurrently: either the first (too many rows claimed) or the last (too few) fails first.
    expect(error.message).toMatch(
      /block "images" chunk (0 inflates to \d+ bytes, expected|2 inflates to more than) \d+/
    )
  })
})

/** The sample with one observation or action value replaced, its block's checksum rewritten to match. */
const withValue = (field: "observations" | "actions", index: number, value: number): Uint8Array => {
  const header = headerOf(sampleBytes)
  const entry = header.fields.find((candidate) => candidate.name === field)
  if (entry === undefined) throw new Error(`no ${field}`)
  const data = sampleBytes.slice(dataStart)
  new DataView(data.buffer).setFloat32(entry.offset + 4 * index, value, true)
  const checksum = crc32(data.subarray(entry.offset, entry.offset + entry.length))
  const prefix = encodeDatasetPrefix({
    ...header,
    fields: header.fields.map((candidate) =>
      candidate === entry ? { ...entry, crc32: checksum } : candidate
    )
  })
  const bytes = new Uint8Array(prefix.length + data.length)
  bytes.set(prefix)
  bytes.set(data, prefix.length)
  return bytes
}

describe("openDataset on unusable values", () => {
  // The sample's episodes have 5, 3, 7 and 2 transitions: step rows 0-5 are episode 0, 6-9 episode 1, ...
  it.each([
    {
      field: "observations" as const,
      index: 7 * 3 + 1,
      value: Number.NaN,
      problem: "non-finite-value",
      detail: "observations: step 7 (episode 1, its step 1), element 1 is NaN"
    },
    {
      field: "observations" as const,
      index: 20 * 3,
      value: 3e38,
      problem: "implausible-value",
      detail: "observations: step 20 (episode 3, its step 2), element 0 is 3e+38, beyond the plausible ±1e+9"
    },
    {
      field: "actions" as const,
      index: 16 * 2 + 1,
      value: Number.NEGATIVE_INFINITY,
      problem: "non-finite-value",
      detail: "actions: transition 16 (episode 3, its transition 1), element 1 is -Infinity"
    },
    {
      field: "actions" as const,
      index: 0,
      value: -2e9,
      problem: "implausible-value",
      detail:
        "actions: transition 0 (episode 0, its transition 0), element 0 is -2000000000, beyond the plausible ±1e+9"
    }
  ])(
    "names $field $value: field, row, episode, element and value",
    async ({ field, index, value, problem, detail }) => {
      const { error } = await datasetErrorOf(withValue(field, index, value))
      expect(error.problem).toBe(problem)
      expect(error.message).toContain(detail)
    }
  )

  it("opens values up to the plausible magnitude, -0 and subnormals included", async () => {
    const path = await writeBytes(withValue("observations", 4, -1e9))
    const loaded = await openDataset(path)
    expect(loaded.observations[4]).toBe(-1e9)
  })
})

/**
 * A file whose header declares `transitions` transitions of 64 x 64 images, every block deflated
 * into `imageBytes` (images) or 2000 (observations, actions) stored bytes of zeros: a header that
 * promises far more than the file holds.
 */
const declaringFile = (transitions: number, imageBytes: number): Uint8Array => {
  const steps = transitions + 1
  const blocks = [
    { name: "observations", dtype: "float32", shape: [1], rowsPer: "step", rows: steps, length: 2000 },
    { name: "actions", dtype: "float32", shape: [1], rowsPer: "transition", rows: transitions, length: 2000 },
    { name: "images", dtype: "uint8", shape: [1, 64, 64], rowsPer: "step", rows: steps, length: imageBytes }
  ]
  let offset = 0
  const fields = blocks.map((block) => {
    const field = {
      ...block,
      encoding: "deflate",
      offset,
      crc32: crc32(new Uint8Array(block.length)),
      chunks: [{ rows: block.rows, length: block.length }]
    }
    offset += block.length
    return field
  })
  const prefix = encodeDatasetPrefix({
    format: "telos-dataset",
    version: 1,
    byteOrder: "little-endian",
    envId: "test-world",
    seed: 0,
    collector: {},
    counts: { episodes: 1, transitions, steps },
    episodes: { lengths: [transitions], terminated: [false] },
    fields
  } as never)
  const bytes = new Uint8Array(prefix.length + offset)
  bytes.set(prefix)
  return bytes
}

describe("openDataset on a dataset too large for memory", () => {
  it("refuses a header that declares more data than its blocks can inflate to (0.93 MB declaring 1.2 GB)", async () => {
    const { error } = await datasetErrorOf(declaringFile(292_968, 930_000))
    expect(error.problem).toBe("bad-header")
    expect(error.message).toContain(
      'fields[2] ("images").chunks[0]: expected at most 234316 rows of 4096 bytes from 930000 stored bytes (deflate expands at most 1032-fold), the header declares 292969'
    )
  })

  it("refuses, before allocating it, data that decodes to more than the limit (1.2 MB declaring 1.2 GB)", async () => {
    const path = await writeBytes(declaringFile(292_968, 1_200_000))
    const error = await rejectionOf(openDataset(path, { maxBytes: 1_000_000_000 }))
    expect(error).toBeInstanceOf(DatasetError)
    expect((error as DatasetError).problem).toBe("too-large")
    expect((error as DatasetError).message).toBe(
      `${path}: the header declares 1.2 GB of data once decoded (observations 1.17 MB, actions 1.17 MB, images 1.2 GB) ` +
        "from a file of 1.2 MB, more than the limit of 1 GB (by default half of this machine's memory; raise it with the maxBytes option)"
    )
  })

  it("refuses a file larger than the limit without reading it, and opens what fits once the limit is raised", async () => {
    const large = makeDatasetCase({
      episodeLengths: [5, 3, 7, 2],
      observationSize: 3,
      actionSize: 2,
      imageShape: [2, 16, 16]
    })
    const path = freshPath()
    const { bytes } = await writeDataset(path, large.description, large.chunks)
    const kilobytes = (count: number) => `${Number((count / 1000).toPrecision(3))} KB`
    const error = await rejectionOf(openDataset(path, { maxBytes: 100 }))
    expect((error as DatasetError).problem).toBe("too-large")
    expect((error as DatasetError).message).toContain(
      `the file has ${kilobytes(bytes)}, more than the limit of 100 bytes`
    )
    const decoded = 21 * 3 * 4 + 17 * 2 * 4 + 21 * 512
    expect(bytes).toBeLessThan(decoded)
    const tight = await rejectionOf(openDataset(path, { maxBytes: decoded - 1 }))
    expect((tight as DatasetError).message).toContain(
      `the header declares ${kilobytes(decoded)} of data once decoded (observations 252 bytes, actions 136 bytes, images ${kilobytes(21 * 512)}) from a file of ${kilobytes(bytes)}`
    )
    expect((await openDataset(path, { maxBytes: decoded })).counts.transitions).toBe(17)
    expect(defaultDatasetMaxBytes()).toBeGreaterThan(2 ** 28)
  })

  it("refuses a limit that is not a positive whole number of bytes", async () => {
    for (const maxBytes of [0, -1, 1.5, Number.NaN]) {
      expect(await rejectionOf(openDataset(samplePath, { maxBytes }))).toBeInstanceOf(InvalidValueError)
    }
  })
})
