/**
 * The on-disk layout of a world-model checkpoint: a directory of three files. `model.json` and
 * `weights.bin` follow TensorFlow.js's own weight format (a weights manifest naming each tensor's
 * shape and dtype, and the tensors' float32 values back to back, little-endian), so a browser can
 * fetch them with `tf.io.loadWeights`; `metadata.json` records the model config and where the
 * weights came from. This module knows the layout and checks a parsed `model.json` against it.
 *
 * Since format version 2 every manifest entry also carries the CRC-32 of its tensor's bytes
 * (TensorFlow.js ignores the extra field), so that a flipped bit or two tensors of one shape
 * swapped in `weights.bin` is caught by name. Version 1 checkpoints, which have no checksums,
 * are still read; their values are checked like any others' (finite, shapes as the manifest says).
 *
 * @module
 */
import { CheckpointError, describeValue } from "@telos/core"

/**
 * The value of `format` in `model.json`.
 *
 * @example
 * ```ts
 * manifest.format === checkpointFormat // "telos-world-model"
 * ```
 */
export const checkpointFormat = "telos-world-model"

/**
 * The `formatVersion` this code writes: 2, with a CRC-32 per tensor.
 *
 * @example
 * ```ts
 * manifest.formatVersion === checkpointFormatVersion // 2
 * ```
 */
export const checkpointFormatVersion = 2

/**
 * The `formatVersion`s this code reads: 1 (no checksums) and 2.
 *
 * @example
 * ```ts
 * readableCheckpointVersions.includes(manifest.formatVersion) // true
 * ```
 */
export const readableCheckpointVersions: ReadonlyArray<number> = [1, checkpointFormatVersion]

/**
 * The file names inside a checkpoint directory.
 *
 * @example
 * ```ts
 * join("runs/jepa/checkpoint", checkpointFiles.weights) // "runs/jepa/checkpoint/weights.bin"
 * ```
 */
export const checkpointFiles = {
  /** The weights manifest (a {@link CheckpointManifest}). */
  model: "model.json",
  /** The tensors' float32 values, back to back. */
  weights: "weights.bin",
  /** The config and the metadata (`CheckpointMetadata`). */
  metadata: "metadata.json"
} as const

/**
 * One tensor of the weights file, as TensorFlow.js's `WeightsManifestEntry` describes it.
 *
 * @example
 * ```ts
 * const entry: CheckpointWeightEntry = {
 *   name: "encoder/layer0/kernel", shape: [64, 256], dtype: "float32", crc32: 0x1c291ca3
 * }
 * ```
 */
export interface CheckpointWeightEntry {
  /** The parameter's name, e.g. `encoder/layer0/kernel`. */
  readonly name: string
  /** The tensor's shape. */
  readonly shape: ReadonlyArray<number>
  /** Its element type (always float32). */
  readonly dtype: "float32"
  /** The CRC-32 of the tensor's bytes in `weights.bin`; absent in format version 1 only. */
  readonly crc32?: number | undefined
}

/**
 * The contents of `model.json`: TensorFlow.js's weights-manifest shape (one group, one file),
 * tagged with the telos format and its version.
 *
 * @example
 * ```ts
 * const manifest: CheckpointManifest = {
 *   format: "telos-world-model",
 *   formatVersion: 2,
 *   weightsManifest: [{
 *     paths: ["weights.bin"],
 *     weights: [{ name: "encoder/layer0/bias", shape: [256], dtype: "float32", crc32: 0x1c291ca3 }]
 *   }]
 * }
 * ```
 */
export interface CheckpointManifest {
  /** Marks the directory as a telos world-model checkpoint. */
  readonly format: typeof checkpointFormat
  /** The format version it was written in, one of {@link readableCheckpointVersions}. */
  readonly formatVersion: number
  /**
   * CRC-32 of `metadata.json`'s bytes (version 2; absent in checkpoints written before it was
   * recorded): the config and the epoch a resumed run starts from are as saved.
   */
  readonly metadataCrc32?: number | undefined
  /** TensorFlow.js's weights manifest: one group, one file. */
  readonly weightsManifest: readonly [
    {
      /** The group's one file, `weights.bin`. */
      readonly paths: readonly [typeof checkpointFiles.weights]
      /** Every tensor in the file, in the order of its bytes. */
      readonly weights: ReadonlyArray<CheckpointWeightEntry>
    }
  ]
}

const elementCount = (shape: ReadonlyArray<number>): number =>
  shape.reduce((product, dimension) => product * dimension, 1)

/**
 * The size in bytes that `weights.bin` must have for `manifest`.
 *
 * @example
 * ```ts
 * weightsByteLength(manifest) // 4 * (64 * 256 + 256)
 * ```
 */
export const weightsByteLength = (manifest: CheckpointManifest): number =>
  manifest.weightsManifest[0].weights.reduce((total, entry) => total + 4 * elementCount(entry.shape), 0)

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isShape = (value: unknown): value is ReadonlyArray<number> =>
  Array.isArray(value) &&
  value.every((dimension) => typeof dimension === "number" && Number.isInteger(dimension) && dimension >= 0)

const isChecksum = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xffffffff

/**
 * Checks a parsed `model.json` against the format, naming the first field at fault: a foreign
 * `format` is `"wrong-format"`, a `formatVersion` not in {@link readableCheckpointVersions}
 * `"unsupported-version"`, anything else out of place (a version 2 entry without its `crc32`
 * included) `"bad-manifest"`. `path` is the file the value came from, for the error.
 *
 * @example
 * ```ts
 * const manifest = parseCheckpointManifest(JSON.parse(text), "runs/jepa/checkpoint/model.json")
 * ```
 */
export const parseCheckpointManifest = (value: unknown, path: string): CheckpointManifest => {
  const bad = (field: string, expected: string, found: unknown): CheckpointError =>
    new CheckpointError({
      path,
      problem: "bad-manifest",
      detail: `${field}: expected ${expected}, found ${describeValue(found)}`
    })
  if (!isRecord(value)) throw bad("model.json", "a JSON object", value)
  if (value.format !== checkpointFormat) {
    throw new CheckpointError({
      path,
      problem: "wrong-format",
      detail: `format is ${describeValue(value.format)}, expected "${checkpointFormat}" (not a telos world-model checkpoint)`
    })
  }
  const version = value.formatVersion
  if (typeof version !== "number" || !readableCheckpointVersions.includes(version)) {
    throw new CheckpointError({
      path,
      problem: "unsupported-version",
      detail: `formatVersion ${describeValue(version)} is not supported (this reader knows ${readableCheckpointVersions.join(" and ")})`
    })
  }
  const groups = value.weightsManifest
  if (!Array.isArray(groups) || groups.length !== 1) {
    throw bad("weightsManifest", "an array of exactly one weight group", groups)
  }
  const group: unknown = groups[0]
  if (!isRecord(group)) throw bad("weightsManifest[0]", "an object", group)
  const paths = group.paths
  if (!Array.isArray(paths) || paths.length !== 1 || paths[0] !== checkpointFiles.weights) {
    throw bad(
      "weightsManifest[0].paths",
      `["${checkpointFiles.weights}"] (one unsharded weights file)`,
      paths
    )
  }
  const entries = group.weights
  if (!Array.isArray(entries)) throw bad("weightsManifest[0].weights", "an array", entries)
  const names = new Set<string>()
  const weights = entries.map((entry: unknown, index): CheckpointWeightEntry => {
    const field = `weightsManifest[0].weights[${index}]`
    if (!isRecord(entry)) throw bad(field, "an object", entry)
    if (typeof entry.name !== "string" || entry.name.length === 0) {
      throw bad(`${field}.name`, "a non-empty string", entry.name)
    }
    if (names.has(entry.name)) throw bad(`${field}.name`, "a name used once", entry.name)
    names.add(entry.name)
    if (!isShape(entry.shape)) throw bad(`${field}.shape`, "an array of non-negative integers", entry.shape)
    if (entry.dtype !== "float32") throw bad(`${field}.dtype`, '"float32"', entry.dtype)
    // Quantised weights would need dequantising on load; this format never writes them.
    if (entry.quantization !== undefined) throw bad(`${field}.quantization`, "none", entry.quantization)
    if (version === 1) return { name: entry.name, shape: [...entry.shape], dtype: "float32" }
    if (!isChecksum(entry.crc32))
      throw bad(`${field}.crc32`, "a CRC-32 (an integer from 0 to 2^32 - 1)", entry.crc32)
    return { name: entry.name, shape: [...entry.shape], dtype: "float32", crc32: entry.crc32 }
  })
  const metadataCrc32 = value.metadataCrc32
  if (metadataCrc32 !== undefined && !isChecksum(metadataCrc32)) {
    throw bad("metadataCrc32", "a CRC-32 (an integer from 0 to 2^32 - 1)", metadataCrc32)
  }
  return {
    format: checkpointFormat,
    formatVersion: version,
    ...(metadataCrc32 === undefined ? {} : { metadataCrc32 }),
    weightsManifest: [{ paths: [checkpointFiles.weights], weights }]
  }
}
