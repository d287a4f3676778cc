/**
 * The on-disk format of an offline dataset: one file holding a JSON header and binary field
 * blocks.
 *
 * ```text
 * offset 0   8 bytes   magic "TELOS-DS"
 * offset 8   uint32 LE header length H (bytes of JSON, padded with spaces so that 16 + H is a multiple of 8)
 * offset 12  uint32 LE CRC-32 of those H bytes
 * offset 16  H bytes   the JSON header (UTF-8), a {@link DatasetHeader}
 * 16 + H     the data section: every field's block, at the offset its header entry gives
 * ```
 *
 * Numbers are little-endian. Rows are in episode order and, within an episode, in time order:
 * episode `e` of `L` transitions owns `L + 1` step rows (observations, images) and `L`
 * transition rows (actions). A `deflate` block is a run of independently raw-deflated chunks, so
 * writers can compress while they collect and readers can inflate chunk by chunk.
 *
 * @module
 */
import { crc32, DatasetError } from "@telos/core"

/**
 * The format version this code writes and reads.
 *
 * @example
 * ```ts
 * datasetFormatVersion // 1
 * ```
 */
export const datasetFormatVersion = 1

/**
 * The first eight bytes of every dataset file.
 *
 * @example
 * ```ts
 * new TextDecoder().decode(datasetMagic) // "TELOS-DS"
 * ```
 */
export const datasetMagic: Uint8Array = new TextEncoder().encode("TELOS-DS")

/**
 * Bytes before the JSON header: magic, header length, header CRC-32.
 *
 * @example
 * ```ts
 * datasetPrefixBytes // 16
 * ```
 */
export const datasetPrefixBytes = 16

/**
 * Element types a field may hold.
 *
 * @example
 * ```ts
 * const dtype: DatasetDtype = "uint8"
 * ```
 */
export type DatasetDtype = "float32" | "uint8"

/**
 * How a block's bytes are stored.
 *
 * @example
 * ```ts
 * const encoding: DatasetEncoding = "deflate"
 * ```
 */
export type DatasetEncoding = "raw" | "deflate"

/**
 * Whether a field has a row per step (observations, images) or per transition (actions).
 *
 * @example
 * ```ts
 * const rowsPer: DatasetRowsPer = "transition"
 * ```
 */
export type DatasetRowsPer = "step" | "transition"

/**
 * One compressed chunk of a `deflate` block: how many rows it holds and its stored bytes.
 *
 * @example
 * ```ts
 * const chunk: DatasetChunkEntry = { rows: 2048, length: 230_114 }
 * ```
 */
export interface DatasetChunkEntry {
  /** Rows the chunk holds. */
  readonly rows: number
  /** Its stored (compressed) bytes. */
  readonly length: number
}

/**
 * The header entry of one field.
 *
 * @example
 * ```ts
 * const field: DatasetFieldHeader = {
 *   name: "actions", dtype: "float32", shape: [2], rowsPer: "transition", rows: 1000,
 *   encoding: "raw", offset: 16_016, length: 8000, crc32: 0x1c291ca3
 * }
 * ```
 */
export interface DatasetFieldHeader {
  /** The field's name (`observations`, `actions`, `images`). */
  readonly name: string
  /** Its element type. */
  readonly dtype: DatasetDtype
  /** The shape of one row, e.g. `[4]` for an observation, `[2, 64, 64]` for an image. */
  readonly shape: ReadonlyArray<number>
  /** Whether it has a row per step or per transition. */
  readonly rowsPer: DatasetRowsPer
  /** Rows in the block. */
  readonly rows: number
  /** How the block's bytes are stored. */
  readonly encoding: DatasetEncoding
  /** Where the block starts, in bytes from the start of the data section. */
  readonly offset: number
  /** The block's stored (possibly compressed) bytes. */
  readonly length: number
  /** CRC-32 of the stored bytes. */
  readonly crc32: number
  /** The chunks of a `deflate` block, in order. */
  readonly chunks?: ReadonlyArray<DatasetChunkEntry>
}

/**
 * Everything a dataset file says about itself.
 *
 * @example
 * ```ts
 * header.counts // { episodes: 5, transitions: 1000, steps: 1005 }
 * header.episodes.lengths // [200, 200, 200, 200, 200]
 * ```
 */
export interface DatasetHeader {
  /** Marks the file as a telos dataset. */
  readonly format: "telos-dataset"
  /** The format version it was written in (see {@link datasetFormatVersion}). */
  readonly version: number
  /** Byte order of the binary blocks. */
  readonly byteOrder: "little-endian"
  /** The id of the environment the data comes from. */
  readonly envId: string
  /** The collection's seed. */
  readonly seed: number
  /** How the data was collected (policy, its settings, episode length, ...), as the collector says. */
  readonly collector: Readonly<Record<string, unknown>>
  /** How much the file holds. */
  readonly counts: {
    /** Episodes. */
    readonly episodes: number
    /** Transitions (actions) over all episodes. */
    readonly transitions: number
    /** Transitions plus one per episode: the rows of per-step fields. */
    readonly steps: number
  }
  /** Each episode's length and ending. */
  readonly episodes: {
    /** Transitions per episode. */
    readonly lengths: ReadonlyArray<number>
    /** Whether each episode ended by termination rather than by its length budget. */
    readonly terminated: ReadonlyArray<boolean>
  }
  /** The header entry of every field. */
  readonly fields: ReadonlyArray<DatasetFieldHeader>
}

/**
 * Bytes per element of a dtype.
 *
 * @example
 * ```ts
 * dtypeBytes("float32") // 4
 * ```
 */
export const dtypeBytes = (dtype: DatasetDtype): number => (dtype === "float32" ? 4 : 1)

/**
 * Elements in one row of a field.
 *
 * @example
 * ```ts
 * rowElements({ shape: [2, 64, 64] }) // 8192
 * ```
 */
export const rowElements = (field: Pick<DatasetFieldHeader, "shape">): number =>
  field.shape.reduce((product, dimension) => product * dimension, 1)

/**
 * The decoded size of a field's block in bytes.
 *
 * @example
 * ```ts
 * decodedBytes({ dtype: "float32", shape: [4], rows: 10 }) // 160
 * ```
 */
export const decodedBytes = (field: Pick<DatasetFieldHeader, "dtype" | "shape" | "rows">): number =>
  field.rows * rowElements(field) * dtypeBytes(field.dtype)

/**
 * The bytes before the data section: magic, header length and CRC, and the header as JSON padded
 * with spaces so that the data section starts 8-byte aligned.
 *
 * @example
 * ```ts
 * const prefix = encodeDatasetPrefix(header)
 * prefix.length % 8 // 0
 * ```
 */
export const encodeDatasetPrefix = (header: DatasetHeader): Uint8Array => {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const headerLength = json.length + ((8 - ((datasetPrefixBytes + json.length) % 8)) % 8)
  const prefix = new Uint8Array(datasetPrefixBytes + headerLength).fill(0x20)
  prefix.set(datasetMagic, 0)
  prefix.set(json, datasetPrefixBytes)
  const view = new DataView(prefix.buffer)
  view.setUint32(8, headerLength, true)
  view.setUint32(12, crc32(prefix.subarray(datasetPrefixBytes)), true)
  return prefix
}

/**
 * The most a deflate stream can expand: every 2 bits (a 1-bit length code and a 1-bit distance
 * code) copy at most 258 bytes, so one stored byte yields at most 1032.
 */
const maxDeflateExpansion = 1032

const datasetError = (path: string, problem: DatasetError["problem"], detail: string): DatasetError =>
  new DatasetError({ path, problem, detail })

/**
 * Reads and checks the prefix and header of a dataset file's bytes: magic, lengths, header CRC,
 * JSON, and every header field (types, counts that add up, blocks that fit and do not overlap).
 * Returns the header and where the data section starts; throws a `DatasetError` naming `path`.
 *
 * @example
 * ```ts
 * const { header, dataStart } = parseDatasetPrefix(await readFile(path), path)
 * ```
 */
export const parseDatasetPrefix = (
  bytes: Uint8Array,
  path: string
): { readonly header: DatasetHeader; readonly dataStart: number } => {
  const magicSeen = Math.min(bytes.length, datasetMagic.length)
  for (let i = 0; i < magicSeen; i++) {
    if (bytes[i] !== datasetMagic[i]) {
      throw datasetError(path, "bad-magic", "not a telos dataset (the file does not start with TELOS-DS)")
    }
  }
  if (bytes.length < datasetPrefixBytes) {
    const part = bytes.length < datasetMagic.length ? "magic bytes" : "header length and checksum"
    throw datasetError(path, "truncated", `truncated inside the ${part} (file has ${bytes.length} bytes)`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = view.getUint32(8, true)
  const dataStart = datasetPrefixBytes + headerLength
  if (dataStart > bytes.length) {
    throw datasetError(
      path,
      "truncated",
      `truncated inside the header (${headerLength} bytes announced, ${bytes.length - datasetPrefixBytes} present)`
    )
  }
  const headerBytes = bytes.subarray(datasetPrefixBytes, dataStart)
  if (crc32(headerBytes) !== view.getUint32(12, true)) {
    throw datasetError(path, "checksum-mismatch", "checksum mismatch in the header")
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes))
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)
    throw datasetError(path, "header-not-json", `header is not JSON (${reason})`)
  }
  return { header: checkHeader(parsed, path), dataStart }
}

/** Throws a `bad-header` error for `field` unless `condition` holds. */
const headerCheck = (path: string) => (condition: boolean, field: string, expected: string) => {
  if (!condition) throw datasetError(path, "bad-header", `header ${field}: expected ${expected}`)
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0

const checkHeader = (value: unknown, path: string): DatasetHeader => {
  const check = headerCheck(path)
  check(isRecord(value), "(root)", "an object")
  const header = value as Record<string, unknown>
  check(header.format === "telos-dataset", "format", '"telos-dataset"')
  if (header.version !== datasetFormatVersion) {
    throw datasetError(
      path,
      "unsupported-version",
      `format version ${JSON.stringify(header.version)} is not supported (this reader knows version ${datasetFormatVersion})`
    )
  }
  check(header.byteOrder === "little-endian", "byteOrder", '"little-endian"')
  check(typeof header.envId === "string", "envId", "a string")
  check(typeof header.seed === "number" && Number.isFinite(header.seed), "seed", "a finite number")
  check(isRecord(header.collector), "collector", "an object")
  check(isRecord(header.counts), "counts", "an object")
  const counts = header.counts as Record<string, unknown>
  for (const name of ["episodes", "transitions", "steps"]) {
    check(isCount(counts[name]), `counts.${name}`, "a non-negative integer")
  }
  const { episodes, transitions, steps } = counts as { episodes: number; transitions: number; steps: number }
  check(
    steps === transitions + episodes,
    "counts.steps",
    `transitions + episodes (${transitions + episodes})`
  )
  check(isRecord(header.episodes), "episodes", "an object")
  const boundaries = header.episodes as Record<string, unknown>
  const lengths = boundaries.lengths
  check(
    Array.isArray(lengths) && lengths.length === episodes,
    "episodes.lengths",
    `an array of ${episodes} lengths`
  )
  let sum = 0
  for (const [index, length] of (lengths as ReadonlyArray<unknown>).entries()) {
    check(isCount(length) && length > 0, `episodes.lengths[${index}]`, "a positive integer")
    sum += length as number
  }
  check(sum === transitions, "episodes.lengths", `lengths that add up to ${transitions} transitions`)
  const terminated = boundaries.terminated
  check(
    Array.isArray(terminated) &&
      terminated.length === episodes &&
      terminated.every((flag) => typeof flag === "boolean"),
    "episodes.terminated",
    `an array of ${episodes} booleans`
  )
  check(Array.isArray(header.fields), "fields", "an array")
  const fields = (header.fields as ReadonlyArray<unknown>).map((field, index) =>
    checkField(field, `fields[${index}]`, { step: steps, transition: transitions }, path)
  )
  const names = new Set(fields.map((field) => field.name))
  check(names.size === fields.length, "fields", "distinct field names")
  const byOffset = [...fields].sort((a, b) => a.offset - b.offset)
  for (let i = 1; i < byOffset.length; i++) {
    const before = byOffset[i - 1] as DatasetFieldHeader
    const after = byOffset[i] as DatasetFieldHeader
    check(
      after.offset >= before.offset + before.length,
      `fields "${after.name}".offset`,
      `a block that does not overlap "${before.name}"`
    )
  }
  return header as unknown as DatasetHeader
}

const checkField = (
  value: unknown,
  at: string,
  rowsPer: { readonly step: number; readonly transition: number },
  path: string
): DatasetFieldHeader => {
  const check = headerCheck(path)
  check(isRecord(value), at, "an object")
  const field = value as Record<string, unknown>
  check(typeof field.name === "string" && field.name.length > 0, `${at}.name`, "a non-empty string")
  const named = `${at} ("${String(field.name)}")`
  check(
    field.dtype === "float32" || field.dtype === "uint8",
    `${named}.dtype`,
    `a known dtype, "float32" or "uint8", received ${JSON.stringify(field.dtype)} (unknown dtype)`
  )
  check(
    Array.isArray(field.shape) && field.shape.every((dimension) => isCount(dimension) && dimension > 0),
    `${named}.shape`,
    "an array of positive integers"
  )
  check(
    field.rowsPer === "step" || field.rowsPer === "transition",
    `${named}.rowsPer`,
    '"step" or "transition"'
  )
  const expectedRows = rowsPer[field.rowsPer as DatasetRowsPer]
  check(field.rows === expectedRows, `${named}.rows`, `${expectedRows} (one per ${String(field.rowsPer)})`)
  check(field.encoding === "raw" || field.encoding === "deflate", `${named}.encoding`, '"raw" or "deflate"')
  check(isCount(field.offset), `${named}.offset`, "a non-negative integer")
  check(isCount(field.length), `${named}.length`, "a non-negative integer")
  check(
    isCount(field.crc32) && (field.crc32 as number) <= 0xffffffff,
    `${named}.crc32`,
    "a 32-bit unsigned integer"
  )
  const typed = field as unknown as DatasetFieldHeader
  if (typed.encoding === "raw") {
    const expected = decodedBytes(typed)
    check(typed.length === expected, `${named}.length`, `${expected} bytes for raw ${typed.dtype} rows`)
  } else {
    const chunks = field.chunks
    check(Array.isArray(chunks), `${named}.chunks`, "an array of { rows, length } for a deflate block")
    let rows = 0
    let length = 0
    const rowBytes = rowElements(typed) * dtypeBytes(typed.dtype)
    for (const [index, chunk] of (chunks as ReadonlyArray<unknown>).entries()) {
      check(
        isRecord(chunk) && isCount(chunk.rows) && isCount(chunk.length),
        `${named}.chunks[${index}]`,
        "{ rows, length } with non-negative integers"
      )
      // Checked before anything is allocated for the rows: a header that promises more than its
      // stored bytes can hold is damaged or hostile, and would otherwise cost the memory it names.
      const { rows: chunkRows, length: chunkLength } = chunk as unknown as DatasetChunkEntry
      check(
        chunkRows * rowBytes <= maxDeflateExpansion * chunkLength,
        `${named}.chunks[${index}]`,
        `at most ${Math.floor((maxDeflateExpansion * chunkLength) / rowBytes)} rows of ${rowBytes} bytes from ` +
          `${chunkLength} stored bytes (deflate expands at most ${maxDeflateExpansion}-fold), the header declares ${chunkRows}`
      )
      rows += (chunk as DatasetChunkEntry).rows
      length += (chunk as DatasetChunkEntry).length
    }
    check(rows === typed.rows, `${named}.chunks`, `chunks holding ${typed.rows} rows in all`)
    check(length === typed.length, `${named}.chunks`, `chunks of ${typed.length} bytes in all`)
  }
  return typed
}
