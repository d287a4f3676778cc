/**
 * Reading a dataset file back: every check the format allows (magic, header checksum and schema,
 * block bounds, block checksums, decoded sizes) runs before any data is used, so a truncated or
 * corrupt file is a `DatasetError` that names the file and the part at fault. What the header
 * says the data decodes to is held against a memory limit before anything is allocated for it,
 * and every observation and action is checked finite and plausible once decoded.
 *
 * @module
 */
import { readFile, stat } from "node:fs/promises"
import { totalmem } from "node:os"
import { join } from "node:path"
import * as zlib from "node:zlib"
import { crc32, DatasetError, describeValue, FileError, InvalidValueError } from "@telos/core"
import { Dataset } from "./Dataset.js"
import {
  type DatasetFieldHeader,
  type DatasetHeader,
  decodedBytes,
  dtypeBytes,
  parseDatasetPrefix,
  rowElements
} from "./DatasetFormat.js"
import { requireUsableValues } from "./DatasetValues.js"

/**
 * The file name a dataset has inside its directory.
 *
 * @example
 * ```ts
 * join("runs/two-rooms", datasetFileName) // "runs/two-rooms/dataset.bin"
 * ```
 */
export const datasetFileName = "dataset.bin"

/**
 * The memory limit of {@link openDataset} when none is given: half of this machine's memory, in
 * bytes. Generous for any dataset a machine can train on, and small enough that a damaged or
 * hostile header is refused with a message instead of exhausting the memory.
 *
 * @example
 * ```ts
 * defaultDatasetMaxBytes() // 34_359_738_368 on a machine with 64 GiB
 * ```
 */
export const defaultDatasetMaxBytes = (): number => Math.floor(totalmem() / 2)

/**
 * How {@link openDataset} reads a dataset.
 *
 * @example
 * ```ts
 * const options: OpenDatasetOptions = { maxBytes: 64 * 2 ** 30 }
 * ```
 */
export interface OpenDatasetOptions {
  /**
   * The most bytes the file, and separately the data it decodes to, may take; default
   * {@link defaultDatasetMaxBytes}. Raise it to open a dataset larger than half the memory.
   */
  readonly maxBytes?: number | undefined
}

const formatBytes = (bytes: number): string => {
  const units: ReadonlyArray<readonly [string, number]> = [
    ["GB", 1e9],
    ["MB", 1e6],
    ["KB", 1e3]
  ]
  for (const [unit, size] of units) {
    if (bytes >= size) return `${Number((bytes / size).toPrecision(3))} ${unit}`
  }
  return `${bytes} bytes`
}

const tooLarge = (path: string, what: string, maxBytes: number): DatasetError =>
  new DatasetError({
    path,
    problem: "too-large",
    detail: `${what}, more than the limit of ${formatBytes(maxBytes)} (by default half of this machine's memory; raise it with the maxBytes option)`
  })

/** What the fields read into memory decode to, checked against the limit before any is allocated. */
const requireDecodedWithin = (
  header: DatasetHeader,
  fileBytes: number,
  maxBytes: number,
  path: string
): void => {
  const fields = header.fields.filter((field) => expectedFields.some((known) => known.name === field.name))
  const total = fields.reduce((sum, field) => sum + decodedBytes(field), 0)
  if (total <= maxBytes) return
  const parts = fields.map((field) => `${field.name} ${formatBytes(decodedBytes(field))}`).join(", ")
  throw tooLarge(
    path,
    `the header declares ${formatBytes(total)} of data once decoded (${parts}) from a file of ${formatBytes(fileBytes)}`,
    maxBytes
  )
}

const inflate = (bytes: Uint8Array, expected: number): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    // The expected size bounds the output, so a damaged header cannot make it inflate without end.
    const options = { maxOutputLength: Math.max(1, expected), chunkSize: Math.max(64 * 1024, expected) }
    zlib.inflateRaw(bytes, options, (error, result) => (error ? reject(error) : resolve(result)))
  })

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? ""

/** The fields a dataset must have, and what each must look like. */
const expectedFields: ReadonlyArray<{
  readonly name: string
  readonly dtype: DatasetFieldHeader["dtype"]
  readonly rowsPer: DatasetFieldHeader["rowsPer"]
  readonly rank: number
  readonly required: boolean
}> = [
  { name: "observations", dtype: "float32", rowsPer: "step", rank: 1, required: true },
  { name: "actions", dtype: "float32", rowsPer: "transition", rank: 1, required: true },
  { name: "images", dtype: "uint8", rowsPer: "step", rank: 3, required: false }
]

const requireKnownFields = (header: DatasetHeader, path: string): void => {
  for (const expected of expectedFields) {
    const field = header.fields.find((candidate) => candidate.name === expected.name)
    if (field === undefined) {
      if (!expected.required) continue
      throw new DatasetError({
        path,
        problem: "bad-header",
        detail: `header fields: no "${expected.name}" field`
      })
    }
    if (
      field.dtype !== expected.dtype ||
      field.rowsPer !== expected.rowsPer ||
      field.shape.length !== expected.rank
    ) {
      throw new DatasetError({
        path,
        problem: "bad-header",
        detail: `header field "${field.name}": expected ${expected.dtype} rows per ${expected.rowsPer} of rank ${expected.rank}`
      })
    }
  }
}

/** Checks that every block lies inside the data section and that nothing follows the last one. */
const requireBlocksInside = (header: DatasetHeader, dataLength: number, path: string): void => {
  let end = 0
  for (const field of [...header.fields].sort((a, b) => a.offset - b.offset)) {
    const fieldEnd = field.offset + field.length
    if (fieldEnd > dataLength) {
      throw new DatasetError({
        path,
        problem: "truncated",
        detail: `truncated inside block "${field.name}" (it needs data bytes ${field.offset} to ${fieldEnd}, the file has ${dataLength})`
      })
    }
    end = Math.max(end, fieldEnd)
  }
  if (dataLength > end) {
    throw new DatasetError({
      path,
      problem: "trailing-bytes",
      detail: `${dataLength - end} bytes after the last block`
    })
  }
}

// Chunks inflating at once on libuv's thread pool, while the main thread copies finished ones.
const inflateConcurrency = 4

const decodeBlock = async (
  field: DatasetFieldHeader,
  block: Uint8Array,
  path: string
): Promise<Uint8Array> => {
  if (field.encoding === "raw") return block
  const rowBytes = rowElements(field) * dtypeBytes(field.dtype)
  const decoded = new Uint8Array(decodedBytes(field))
  // Where each chunk starts, in the stored block and in the decoded rows.
  const chunks: Array<{ index: number; rows: number; length: number; stored: number; decoded: number }> = []
  let stored = 0
  let decodedOffset = 0
  for (const [index, chunk] of (field.chunks ?? []).entries()) {
    chunks.push({ index, rows: chunk.rows, length: chunk.length, stored, decoded: decodedOffset })
    stored += chunk.length
    decodedOffset += chunk.rows * rowBytes
  }
  const decodeChunk = async (chunk: (typeof chunks)[number]): Promise<void> => {
    const expected = chunk.rows * rowBytes
    let inflated: Uint8Array
    try {
      inflated = await inflate(block.subarray(chunk.stored, chunk.stored + chunk.length), expected)
    } catch (error) {
      throw new DatasetError({
        path,
        problem: "corrupt-block",
        detail:
          (error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE"
            ? `block "${field.name}" chunk ${chunk.index} inflates to more than ${expected} bytes`
            : `block "${field.name}" chunk ${chunk.index} does not inflate (${firstLine(error)})`
      })
    }
    if (inflated.length !== expected) {
      throw new DatasetError({
        path,
        problem: "corrupt-block",
        detail: `block "${field.name}" chunk ${chunk.index} inflates to ${inflated.length} bytes, expected ${expected}`
      })
    }
    decoded.set(inflated, chunk.decoded)
  }
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    // After one failure the others stop taking chunks: the whole read has failed already.
    while (next < chunks.length && !failed) {
      await decodeChunk(chunks[next++] as (typeof chunks)[number]).catch((error: unknown) => {
        failed = true
        throw error
      })
    }
  }
  await Promise.all(Array.from({ length: Math.min(inflateConcurrency, chunks.length) }, worker))
  return decoded
}

// Copied into a fresh buffer: the file's bytes need not be 4-byte aligned for a Float32Array view.
const asFloat32 = (bytes: Uint8Array): Float32Array => {
  const values = new Float32Array(bytes.length / 4)
  new Uint8Array(values.buffer).set(bytes)
  return values
}

const resolveDatasetPath = async (path: string): Promise<string> => {
  try {
    return (await stat(path)).isDirectory() ? join(path, datasetFileName) : path
  } catch {
    return path
  }
}

/**
 * Reads the dataset at `path` (a dataset file, or a directory holding `dataset.bin`) into memory.
 * Rejects with a `FileError` when the file cannot be read and a `DatasetError` naming the file and
 * the problem when it is not a valid dataset (bad magic, truncated, header not JSON, bad header,
 * unsupported version, checksum mismatch, corrupt block, trailing bytes), when the file or the
 * data its header declares is larger than `options.maxBytes` (`"too-large"`, checked before the
 * data is allocated), or when an observation or action is NaN, infinite or implausibly large
 * (`"non-finite-value"`, `"implausible-value"`, naming the field, the row and the value).
 *
 * @example
 * ```ts
 * const dataset = await openDataset("runs/two-rooms")
 * dataset.envId // "two-rooms"
 * ```
 */
export const openDataset = async (path: string, options: OpenDatasetOptions = {}): Promise<Dataset> => {
  const maxBytes = options.maxBytes ?? defaultDatasetMaxBytes()
  if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
    throw new InvalidValueError({
      field: "maxBytes",
      expected: "a positive integer number of bytes",
      received: describeValue(maxBytes)
    })
  }
  const file = await resolveDatasetPath(path)
  let bytes: Uint8Array
  try {
    const size = (await stat(file)).size
    if (size > maxBytes) throw tooLarge(file, `the file has ${formatBytes(size)}`, maxBytes)
    bytes = await readFile(file)
  } catch (error) {
    if (error instanceof DatasetError) throw error
    throw new FileError({ path: file, reason: firstLine(error) })
  }
  const { header, dataStart } = parseDatasetPrefix(bytes, file)
  requireKnownFields(header, file)
  requireDecodedWithin(header, bytes.length, maxBytes, file)
  const data = bytes.subarray(dataStart)
  requireBlocksInside(header, data.length, file)
  const blocks = new Map<string, Uint8Array>()
  for (const field of header.fields) {
    const block = data.subarray(field.offset, field.offset + field.length)
    if (crc32(block) !== field.crc32) {
      throw new DatasetError({
        path: file,
        problem: "checksum-mismatch",
        detail: `checksum mismatch in block "${field.name}"`
      })
    }
    blocks.set(field.name, block)
  }
  const decode = async (name: string): Promise<Uint8Array | undefined> => {
    const field = header.fields.find((candidate) => candidate.name === name)
    const block = blocks.get(name)
    return field === undefined || block === undefined ? undefined : decodeBlock(field, block, file)
  }
  const observations = asFloat32((await decode("observations")) as Uint8Array)
  const actions = asFloat32((await decode("actions")) as Uint8Array)
  requireUsableValues(header, observations, actions, file)
  const images = await decode("images")
  return new Dataset({
    path: file,
    header,
    observations,
    actions,
    // A raw block is a view of the whole file; copy it so the file's bytes can be released.
    images: images === undefined ? undefined : images.buffer === bytes.buffer ? images.slice() : images
  })
}
