/**
 * Reading a dataset file back: every check the format allows (magic, header checksum and schema,
 * block bounds, block checksums, decoded sizes) runs before any data is used, so a truncated or
 * corrupt file is a `DatasetError` that names the file and the part at fault.
 *
 * @module
 */
import { readFile, stat } from "node:fs/promises"
import { join } from "node:path"
import * as zlib from "node:zlib"
import { crc32, DatasetError, FileError } from "@telos/core"
import { Dataset } from "./Dataset.js"
import {
  type DatasetFieldHeader,
  type DatasetHeader,
  decodedBytes,
  dtypeBytes,
  parseDatasetPrefix,
  rowElements
} from "./DatasetFormat.js"

/**
 * The file name a dataset has inside its directory.
 *
 * @example
 * ```ts
 * join("runs/two-rooms", datasetFileName) // "runs/two-rooms/dataset.bin"
 * ```
 */
export const datasetFileName = "dataset.bin"

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
 * unsupported version, checksum mismatch, corrupt block, trailing bytes).
 *
 * @example
 * ```ts
 * const dataset = await openDataset("runs/two-rooms")
 * dataset.envId // "two-rooms"
 * ```
 */
export const openDataset = async (path: string): Promise<Dataset> => {
  const file = await resolveDatasetPath(path)
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (error) {
    throw new FileError({ path: file, reason: firstLine(error) })
  }
  const { header, dataStart } = parseDatasetPrefix(bytes, file)
  requireKnownFields(header, file)
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
  const observations = (await decode("observations")) as Uint8Array
  const actions = (await decode("actions")) as Uint8Array
  const images = await decode("images")
  return new Dataset({
    path: file,
    header,
    observations: asFloat32(observations),
    actions: asFloat32(actions),
    // A raw block is a view of the whole file; copy it so the file's bytes can be released.
    images: images === undefined ? undefined : images.buffer === bytes.buffer ? images.slice() : images
  })
}
