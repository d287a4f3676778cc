/**
 * Saving and loading a whole world model: its parameters, its config, and where it came from.
 *
 * A save is atomic for the whole directory. Everything is written into a sibling temporary
 * directory first; then the old checkpoint is renamed aside, the new one renamed in, and the old
 * one removed. A crash or an error at any point leaves the previous checkpoint (or, after the
 * swap, the new one) complete: never a mix of the two, never a half-written file. A crash in the
 * instant between the two renames leaves the old checkpoint aside as `.<name>.previous`; loading
 * falls back to it, and the next save puts it back before starting.
 *
 * One process at a time may save to a given checkpoint directory.
 *
 * @module
 */
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises"
import { basename, dirname, join, resolve } from "node:path"
import { CheckpointError, crc32, describeValue, FileError, InvalidValueError } from "@telos/core"
import { makeDirectory } from "@telos/core/node"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import type { ParameterSet } from "../jepa/Parameters.js"
import {
  type CheckpointManifest,
  type CheckpointWeightEntry,
  checkpointFiles,
  checkpointFormat,
  checkpointFormatVersion,
  parseCheckpointManifest,
  weightsByteLength
} from "./CheckpointFormat.js"
import { requireFiniteTensor, verifyWeights } from "./CheckpointIntegrity.js"
import { configDifferences, requireMatchingParameters } from "./CheckpointMatch.js"

/**
 * Which dataset a model was trained on, precisely enough to tell a rebuilt dataset from the
 * original.
 *
 * @example
 * ```ts
 * const dataset: CheckpointDatasetIdentity = {
 *   path: "runs/data/two-rooms/dataset.bin", envId: "two-rooms", transitions: 100_000, checksum: 0x1c291ca3
 * }
 * ```
 */
export interface CheckpointDatasetIdentity {
  /** The dataset file. */
  readonly path: string
  /** The id of the environment it comes from. */
  readonly envId: string
  /** Its transitions. */
  readonly transitions: number
  /** A checksum of the dataset, such as its header's CRC-32. */
  readonly checksum?: number | undefined
}

/**
 * What `metadata.json` records besides the config. The named fields are the ones telos writes;
 * any other JSON field is kept as it is.
 *
 * @example
 * ```ts
 * const metadata: CheckpointMetadata = {
 *   dataset: { path: "runs/data/two-rooms/dataset.bin", envId: "two-rooms", transitions: 100_000 },
 *   metrics: { loss: 0.12, effectiveRank: 21.5 },
 *   epoch: 40
 * }
 * ```
 */
export interface CheckpointMetadata {
  /** The dataset the model was trained on. */
  readonly dataset?: CheckpointDatasetIdentity | undefined
  /** Figures of the training (losses, evaluations), as the writer chose them. */
  readonly metrics?: Readonly<Record<string, unknown>> | undefined
  /** The training epoch the weights are from, when the writer records it. */
  readonly epoch?: number | undefined
  /** ISO 8601; `saveCheckpoint` fills in the time of saving when absent. */
  readonly createdAt?: string | undefined
  /** The telos version that wrote the checkpoint, when the writer records it. */
  readonly telosVersion?: string | undefined
  readonly [field: string]: unknown
}

/**
 * What a checkpoint holds: the parameters, the config the model was built from (any JSON
 * object), and metadata.
 *
 * @example
 * ```ts
 * const contents: CheckpointContents = { parameters: model.parameters, config: { latentSize: 32 }, metadata: { epoch: 3 } }
 * ```
 */
export interface CheckpointContents {
  /** The tensors to save, by name. */
  readonly parameters: ParameterSet
  /** The config the model was built from (any JSON object). */
  readonly config: object
  /** Anything else to record in `metadata.json`. */
  readonly metadata?: CheckpointMetadata | undefined
}

/**
 * What a loaded checkpoint must agree with; each part given is checked before any tensor is made.
 *
 * @example
 * ```ts
 * const expected: CheckpointExpectation = { config: model.config, parameters: model.parameters }
 * ```
 */
export interface CheckpointExpectation {
  /** The config the checkpoint must have been saved with (compared as JSON, field by field). */
  readonly config?: object | undefined
  /** The parameters the weights must match in names and shapes. */
  readonly parameters?: ParameterSet | undefined
}

/**
 * What a checkpoint that passed every check says about itself.
 *
 * @example
 * ```ts
 * const { config, metadata } = await verifyCheckpoint("runs/jepa/checkpoint")
 * ```
 */
export interface VerifiedCheckpoint {
  /** The config it was saved with. */
  readonly config: Readonly<Record<string, unknown>>
  /** The rest of `metadata.json`. */
  readonly metadata: CheckpointMetadata
}

/**
 * A loaded checkpoint. The weight tensors belong to the caller: assign them with
 * `restoreParameters`, then free them with `disposeWeights`.
 *
 * @example
 * ```ts
 * const { config, metadata, weights } = await loadCheckpoint("runs/jepa/checkpoint")
 * ```
 */
export interface LoadedCheckpoint extends VerifiedCheckpoint {
  /** The weights by parameter name, in the order they were saved. */
  readonly weights: Map<string, tf.Tensor>
}

/**
 * What a directory holds, as a destination for a checkpoint (see `checkpointDirectoryState`).
 *
 * @example
 * ```ts
 * const state: CheckpointDirectoryState = "empty"
 * ```
 */
export type CheckpointDirectoryState = "absent" | "empty" | "checkpoint" | "other"

let temporaryCounter = 0

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? ""

const errorCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code

// Typed errors pass through; anything else (a system error from the file system) becomes a
// FileError naming the checkpoint.
const typedError = (path: string, error: unknown): CheckpointError | FileError | InvalidValueError =>
  error instanceof CheckpointError || error instanceof FileError || error instanceof InvalidValueError
    ? error
    : new FileError({ path, reason: firstLine(error) })

const asidePath = (directory: string): string => join(dirname(directory), `.${basename(directory)}.previous`)

const exists = async (path: string): Promise<boolean> => {
  try {
    await stat(path)
    return true
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false
    throw error
  }
}

/** Writes and flushes a file, so that the rename that publishes it cannot overtake its data. */
const writeDurably = async (path: string, data: string | Uint8Array): Promise<void> => {
  const file = await open(path, "wx")
  try {
    await file.writeFile(data)
    await file.sync()
  } finally {
    await file.close()
  }
}

const toJson = (value: unknown, path: string, what: string): string => {
  try {
    const text = JSON.stringify(value, null, 2)
    if (text === undefined) throw new Error("not a JSON value")
    return `${text}\n`
  } catch (error) {
    throw new CheckpointError({
      path,
      problem: "bad-json",
      detail: `${what} is not JSON-serialisable (${firstLine(error)})`
    })
  }
}

/** The parameters' values back to back, each read on its own so that a failure names its parameter. */
const encodeParameters = async (
  parameters: ParameterSet,
  path: string
): Promise<{ readonly data: Uint8Array; readonly weights: ReadonlyArray<CheckpointWeightEntry> }> => {
  const parts: Array<Uint8Array> = []
  const weights: Array<CheckpointWeightEntry> = []
  for (const [name, variable] of parameters) {
    let encoded: { data: ArrayBuffer }
    try {
      encoded = await tf.io.encodeWeights([{ name, tensor: variable }])
    } catch (error) {
      throw new CheckpointError({
        path,
        problem: "bad-parameter",
        detail: `${name}: its values cannot be read (${firstLine(error)})`
      })
    }
    // Refused here rather than found on the next load: a save must not replace good weights with unusable ones.
    requireFiniteTensor(name, new Float32Array(encoded.data), variable.shape, path)
    const bytes = new Uint8Array(encoded.data)
    parts.push(bytes)
    weights.push({ name, shape: [...variable.shape], dtype: "float32", crc32: crc32(bytes) })
  }
  const data = new Uint8Array(parts.reduce((total, part) => total + part.length, 0))
  let offset = 0
  for (const part of parts) {
    data.set(part, offset)
    offset += part.length
  }
  return { data, weights }
}

/**
 * Finishes a swap a crash interrupted, and clears what a finished one left: with no checkpoint
 * but one set aside, the one set aside is the last good one; with both, the one aside is stale.
 */
const recoverInterruptedSwap = async (directory: string): Promise<void> => {
  const aside = asidePath(directory)
  if (!(await exists(aside))) return
  if (await exists(directory)) await rm(aside, { recursive: true, force: true })
  else await rename(aside, directory)
}

/** Refuses to replace anything but a checkpoint or an empty directory. */
const requireReplaceable = async (directory: string): Promise<void> => {
  let isDirectory: boolean
  try {
    isDirectory = (await stat(directory)).isDirectory()
  } catch (error) {
    if (errorCode(error) === "ENOENT") return
    throw error
  }
  const entries = isDirectory ? await readdir(directory) : undefined
  if (entries !== undefined && (entries.length === 0 || entries.includes(checkpointFiles.model))) return
  throw new CheckpointError({
    path: directory,
    problem: "not-a-checkpoint",
    detail: isDirectory
      ? `exists and holds no ${checkpointFiles.model}; refusing to replace a directory that is not a checkpoint`
      : "exists and is not a directory; refusing to replace it"
  })
}

/** Renames `temporary` to `directory`, moving an existing `directory` aside first and removing it after. */
const swapIn = async (temporary: string, directory: string): Promise<void> => {
  const aside = asidePath(directory)
  const hadPrevious = await exists(directory)
  if (hadPrevious) await rename(directory, aside)
  try {
    await rename(temporary, directory)
  } catch (error) {
    if (hadPrevious) await rename(aside, directory).catch(() => undefined)
    throw error
  }
  // Best effort: the new checkpoint is in place; a leftover aside copy is cleared by the next save.
  if (hadPrevious) await rm(aside, { recursive: true, force: true }).catch(() => undefined)
}

/**
 * Saves `parameters`, `config` and `metadata` as a checkpoint directory (`model.json`,
 * `weights.bin`, `metadata.json`), replacing any checkpoint there atomically. Rejects with a
 * `CheckpointError` for a parameter that is not float32, cannot be read, or holds NaN or an
 * infinity (`"non-finite-value"`: such weights would not load back), a config or metadata
 * that is not JSON, or a destination that exists and is not a checkpoint; with a `FileError`
 * when the file system fails. Whatever fails, the previous checkpoint stays as it was and no
 * temporary directory is left behind.
 *
 * @example
 * ```ts
 * await saveCheckpoint("runs/jepa/checkpoint", {
 *   parameters: model.parameters,
 *   config: { latentSize: 32, hiddenSizes: [256, 256] },
 *   metadata: { epoch: 10, metrics: { loss: 0.21 } }
 * })
 * ```
 */
export const saveCheckpoint = async (directory: string, contents: CheckpointContents): Promise<void> => {
  const target = resolve(directory)
  const metadata = contents.metadata ?? {}
  if ("config" in metadata) {
    throw new InvalidValueError({
      field: "metadata.config",
      expected: "no config field (the config is saved from its own argument)",
      received: "a config field"
    })
  }
  for (const [name, variable] of contents.parameters) {
    if (variable.dtype !== "float32") {
      throw new CheckpointError({
        path: target,
        problem: "bad-parameter",
        detail: `${name}: dtype ${variable.dtype}, expected float32`
      })
    }
  }
  // Serialised before anything touches the disk: a config that is not JSON fails the save early.
  const metadataText = toJson(
    { config: contents.config, ...metadata, createdAt: metadata.createdAt ?? new Date().toISOString() },
    target,
    "the config or metadata"
  )
  const temporary = join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${Date.now()}.${temporaryCounter++}.tmp`
  )
  try {
    await Effect.runPromise(makeDirectory(dirname(target)))
    await recoverInterruptedSwap(target)
    await requireReplaceable(target)
    await mkdir(temporary)
    try {
      await writeDurably(join(temporary, checkpointFiles.metadata), metadataText)
      const { data, weights } = await encodeParameters(contents.parameters, target)
      await writeDurably(join(temporary, checkpointFiles.weights), data)
      const manifest: CheckpointManifest = {
        format: checkpointFormat,
        formatVersion: checkpointFormatVersion,
        metadataCrc32: crc32(new TextEncoder().encode(metadataText)),
        weightsManifest: [{ paths: [checkpointFiles.weights], weights }]
      }
      // model.json last: a directory with it is a directory whose weights were all written.
      await writeDurably(join(temporary, checkpointFiles.model), toJson(manifest, target, "the manifest"))
      await swapIn(temporary, target)
    } catch (error) {
      await rm(temporary, { recursive: true, force: true }).catch(() => undefined)
      throw error
    }
  } catch (error) {
    throw typedError(target, error)
  }
}

const readPart = async (path: string): Promise<Buffer> => {
  try {
    return await readFile(path)
  } catch (error) {
    if (errorCode(error) === "ENOENT") {
      throw new CheckpointError({
        path,
        problem: "missing-file",
        detail: "missing (an incomplete checkpoint)"
      })
    }
    throw error
  }
}

const parseJson = (bytes: Buffer, path: string): unknown => {
  try {
    return JSON.parse(bytes.toString("utf8"))
  } catch (error) {
    throw new CheckpointError({ path, problem: "bad-json", detail: `not valid JSON (${firstLine(error)})` })
  }
}

/** The directory to read: the checkpoint, or the copy a crash mid-swap left aside. */
const locateCheckpoint = async (directory: string): Promise<string> => {
  if (await exists(directory)) return directory
  const aside = asidePath(directory)
  if (await exists(join(aside, checkpointFiles.model))) return aside
  throw new CheckpointError({ path: directory, problem: "missing-file", detail: "no checkpoint here" })
}

const hex = (checksum: number): string => `0x${checksum.toString(16).padStart(8, "0")}`

const readMetadata = async (
  path: string,
  checksum: number | undefined
): Promise<{ readonly config: Readonly<Record<string, unknown>>; readonly metadata: CheckpointMetadata }> => {
  const bytes = await readPart(path)
  const found = checksum === undefined ? undefined : crc32(bytes)
  if (found !== undefined && found !== checksum) {
    throw new CheckpointError({
      path,
      problem: "checksum-mismatch",
      detail: `its ${bytes.length} bytes have the checksum ${hex(found)}, the manifest records ${hex(checksum as number)} (the config or metadata is damaged)`
    })
  }
  const parsed = parseJson(bytes, path)
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value)
  if (!isObject(parsed) || !isObject(parsed.config)) {
    throw new CheckpointError({
      path,
      problem: "bad-manifest",
      detail: "expected a JSON object with a config object"
    })
  }
  const { config, ...metadata } = parsed
  // The epoch says where a resumed run starts: anything but a count of epochs is damage.
  if (
    metadata.epoch !== undefined &&
    !(Number.isSafeInteger(metadata.epoch) && (metadata.epoch as number) >= 0)
  ) {
    throw new CheckpointError({
      path,
      problem: "bad-manifest",
      detail: `epoch: expected an integer >= 0, found ${describeValue(metadata.epoch)}`
    })
  }
  return { config, metadata }
}

const shapesOf = (parameters: ParameterSet): Map<string, ReadonlyArray<number>> =>
  new Map([...parameters].map(([name, variable]) => [name, variable.shape]))

/** A checkpoint read and checked in full, its weights still as the bytes of the file. */
interface CheckedCheckpoint {
  readonly config: Readonly<Record<string, unknown>>
  readonly metadata: CheckpointMetadata
  readonly entries: ReadonlyArray<CheckpointWeightEntry>
  readonly weights: ArrayBuffer
}

const readChecked = async (target: string, expected: CheckpointExpectation): Promise<CheckedCheckpoint> => {
  const source = await locateCheckpoint(target)
  const modelPath = join(source, checkpointFiles.model)
  const manifest = parseCheckpointManifest(parseJson(await readPart(modelPath), modelPath), modelPath)
  const metadataPath = join(source, checkpointFiles.metadata)
  const { config, metadata } = await readMetadata(metadataPath, manifest.metadataCrc32)
  if (expected.config !== undefined) {
    const differences = configDifferences(
      config,
      JSON.parse(toJson(expected.config, target, "the expected config"))
    )
    if (differences.length > 0) {
      throw new CheckpointError({
        path: metadataPath,
        problem: "config-mismatch",
        detail: `config differs from the expected one: ${differences.join("; ")}`
      })
    }
  }
  const entries = manifest.weightsManifest[0].weights
  if (expected.parameters !== undefined) {
    requireMatchingParameters(
      modelPath,
      new Map(entries.map((entry) => [entry.name, entry.shape])),
      shapesOf(expected.parameters)
    )
  }
  const weightsPath = join(source, checkpointFiles.weights)
  const bytes = await readPart(weightsPath)
  const expectedBytes = weightsByteLength(manifest)
  if (bytes.length !== expectedBytes) {
    throw new CheckpointError({
      path: weightsPath,
      problem: "weights-size-mismatch",
      detail: `${bytes.length} bytes, the manifest describes ${expectedBytes} (${entries.length} float32 tensors)`
    })
  }
  // An ArrayBuffer of exactly the weights, so that every tensor's Float32Array view is aligned: a
  // Buffer may be a view into a larger one, at any offset.
  const weights =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
  verifyWeights(weights, entries, weightsPath)
  return { config, metadata, entries, weights }
}

/**
 * Reads the checkpoint in `directory`. Every check runs before any tensor is created: the files
 * exist and parse, `model.json` is a format version this code reads, `weights.bin` has exactly the
 * size the manifest describes, every tensor's bytes match the CRC-32 its manifest entry records
 * (format version 2; version 1 has none), every value is finite, and, when `expected` is given,
 * the config equals the expected one field by field and the parameters match the expected ones in
 * names and shapes. Any failure is a `CheckpointError` naming the file and the field or parameter,
 * with both values; a failing file system is a `FileError`.
 *
 * @example
 * ```ts
 * const loaded = await loadCheckpoint("runs/jepa/checkpoint", { config, parameters: model.parameters })
 * restoreParameters(model.parameters, loaded.weights)
 * disposeWeights(loaded.weights)
 * ```
 */
export const loadCheckpoint = async (
  directory: string,
  expected: CheckpointExpectation = {}
): Promise<LoadedCheckpoint> => {
  const target = resolve(directory)
  try {
    const { config, metadata, entries, weights: buffer } = await readChecked(target, expected)
    const decoded = tf.io.decodeWeights(
      buffer,
      entries.map((entry) => ({ name: entry.name, shape: [...entry.shape], dtype: entry.dtype }))
    )
    const weights = new Map<string, tf.Tensor>()
    for (const entry of entries) weights.set(entry.name, decoded[entry.name] as tf.Tensor)
    return { config, metadata, weights }
  } catch (error) {
    throw typedError(target, error)
  }
}

/**
 * Runs every check of {@link loadCheckpoint} on the checkpoint in `directory` without making a
 * tensor, and returns its config and metadata: whether a checkpoint is whole and usable, at the
 * cost of one read of its files. Fails as `loadCheckpoint` does.
 *
 * @example
 * ```ts
 * const { metadata } = await verifyCheckpoint("runs/jepa/checkpoint")
 * metadata.epoch // 3
 * ```
 */
export const verifyCheckpoint = async (
  directory: string,
  expected: CheckpointExpectation = {}
): Promise<VerifiedCheckpoint> => {
  const target = resolve(directory)
  try {
    const { config, metadata } = await readChecked(target, expected)
    return { config, metadata }
  } catch (error) {
    throw typedError(target, error)
  }
}

/**
 * What a directory holds, as a destination for a checkpoint: nothing there (`"absent"`), an
 * empty directory, something of a checkpoint (`"checkpoint"`: any of its files, or the copy a
 * crash mid-save left aside, whether whole or not; {@link verifyCheckpoint} tells), or anything
 * else (`"other"`).
 *
 * @example
 * ```ts
 * await checkpointDirectoryState("runs/jepa/checkpoint") // "checkpoint"
 * ```
 */
export const checkpointDirectoryState = async (directory: string): Promise<CheckpointDirectoryState> => {
  const target = resolve(directory)
  try {
    if (!(await exists(target))) {
      return (await exists(join(asidePath(target), checkpointFiles.model))) ? "checkpoint" : "absent"
    }
    if (!(await stat(target)).isDirectory()) return "other"
    const entries = await readdir(target)
    if (entries.length === 0) return "empty"
    const names: ReadonlyArray<string> = Object.values(checkpointFiles)
    return entries.some((entry) => names.includes(entry)) ? "checkpoint" : "other"
  } catch (error) {
    throw typedError(target, error)
  }
}

/**
 * Assigns loaded weights to the variables of `parameters`, by name. Names and shapes are checked
 * for every parameter before the first assignment, so a mismatch (a `CheckpointError` naming the
 * parameter and both shapes; `source` names the weights' origin in it) changes nothing. The
 * weights stay the caller's to dispose.
 *
 * @example
 * ```ts
 * const loaded = await loadCheckpoint("runs/jepa/checkpoint")
 * restoreParameters(model.parameters, loaded.weights)
 * disposeWeights(loaded.weights)
 * ```
 */
export const restoreParameters = (
  parameters: ParameterSet,
  weights: ReadonlyMap<string, tf.Tensor>,
  source = "checkpoint weights"
): void => {
  requireMatchingParameters(
    source,
    new Map([...weights].map(([name, tensor]) => [name, tensor.shape])),
    shapesOf(parameters)
  )
  for (const [name, variable] of parameters) {
    variable.assign(weights.get(name) as tf.Tensor)
  }
}

/**
 * Frees every tensor of loaded weights.
 *
 * @example
 * ```ts
 * disposeWeights(loaded.weights)
 * ```
 */
export const disposeWeights = (weights: ReadonlyMap<string, tf.Tensor>): void => {
  for (const tensor of weights.values()) tensor.dispose()
}
