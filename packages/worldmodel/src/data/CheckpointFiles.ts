/**
 * Reading a checkpoint from the bytes of its three files, wherever they come from: the files of a
 * folder on disk (`loadCheckpoint` in `@telos/worldmodel/node`) or a web server
 * (`fetchCheckpoint`). Both go through the same checks, in the same order, before any tensor is
 * made: the manifest parses and is a version this code reads, `metadata.json` matches its
 * checksum, the config and parameters match what the caller expects, `weights.bin` has exactly
 * the manifest's size, every tensor matches its CRC-32 and every value is finite.
 *
 * @module
 */
import { CheckpointError, crc32, describeValue, FileError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import type { ParameterSet } from "../jepa/Parameters.js"
import {
  type CheckpointWeightEntry,
  checkpointFiles,
  parseCheckpointManifest,
  weightsByteLength
} from "./CheckpointFormat.js"
import { verifyWeights } from "./CheckpointIntegrity.js"
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
 * The bytes of a checkpoint's three files, and the names to report them by (paths or URLs).
 *
 * @example
 * ```ts
 * const files: CheckpointFileBytes = {
 *   model: { name: "models/two-rooms/world-model/model.json", bytes: modelBytes },
 *   weights: { name: "models/two-rooms/world-model/weights.bin", bytes: weightBytes },
 *   metadata: { name: "models/two-rooms/world-model/metadata.json", bytes: metadataBytes }
 * }
 * ```
 */
export interface CheckpointFileBytes {
  /** `model.json`: the weights manifest. */
  readonly model: CheckpointFile
  /** `weights.bin`: the tensors' values. */
  readonly weights: CheckpointFile
  /** `metadata.json`: the config and the metadata. */
  readonly metadata: CheckpointFile
}

/**
 * One file of a checkpoint: its bytes and the name errors report it by.
 *
 * @example
 * ```ts
 * const file: CheckpointFile = { name: "runs/jepa/checkpoint/model.json", bytes }
 * ```
 */
export interface CheckpointFile {
  /** A path or URL, for messages. */
  readonly name: string
  /** The file's contents. */
  readonly bytes: Uint8Array
}

/**
 * A checkpoint read and checked in full, its weights still as bytes (an `ArrayBuffer` of exactly
 * the weights, so that every tensor's `Float32Array` view is aligned).
 *
 * @example
 * ```ts
 * const checked = checkCheckpointFiles(files)
 * checked.entries.map((entry) => entry.name)
 * ```
 */
export interface CheckedCheckpoint extends VerifiedCheckpoint {
  /** The manifest's tensors, in the order of the weights file. */
  readonly entries: ReadonlyArray<CheckpointWeightEntry>
  /** The weights file's bytes. */
  readonly weights: ArrayBuffer
}

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? ""

const hex = (checksum: number): string => `0x${checksum.toString(16).padStart(8, "0")}`

/**
 * Parses a file as UTF-8 JSON; anything else is a `CheckpointError` (`bad-json`) naming the file.
 *
 * @example
 * ```ts
 * const manifest = parseJsonFile(await fetchFileBytes("models/two-rooms/bundle.json"))
 * ```
 */
export const parseJsonFile = (file: CheckpointFile): unknown => {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(file.bytes))
  } catch (error) {
    throw new CheckpointError({
      path: file.name,
      problem: "bad-json",
      detail: `not valid JSON (${firstLine(error)})`
    })
  }
}

const readMetadata = (
  file: CheckpointFile,
  checksum: number | undefined
): { readonly config: Readonly<Record<string, unknown>>; readonly metadata: CheckpointMetadata } => {
  const found = checksum === undefined ? undefined : crc32(file.bytes)
  if (found !== undefined && found !== checksum) {
    throw new CheckpointError({
      path: file.name,
      problem: "checksum-mismatch",
      detail: `its ${file.bytes.length} bytes have the checksum ${hex(found)}, the manifest records ${hex(checksum as number)} (the config or metadata is damaged)`
    })
  }
  const parsed = parseJsonFile(file)
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value)
  if (!isObject(parsed) || !isObject(parsed.config)) {
    throw new CheckpointError({
      path: file.name,
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
      path: file.name,
      problem: "bad-manifest",
      detail: `epoch: expected an integer >= 0, found ${describeValue(metadata.epoch)}`
    })
  }
  return { config, metadata }
}

const shapesOf = (parameters: ParameterSet): Map<string, ReadonlyArray<number>> =>
  new Map([...parameters].map(([name, variable]) => [name, variable.shape]))

const expectedConfigJson = (config: object, source: string): unknown => {
  try {
    const text = JSON.stringify(config)
    if (text === undefined) throw new Error("not a JSON value")
    return JSON.parse(text)
  } catch (error) {
    throw new CheckpointError({
      path: source,
      problem: "bad-json",
      detail: `the expected config is not JSON-serialisable (${firstLine(error)})`
    })
  }
}

/**
 * Runs every check of a checkpoint on its files' bytes, without making a tensor: the manifest is a
 * version this code reads, `metadata.json` matches the CRC-32 the manifest records, the config
 * equals `expected.config` field by field and the tensors match `expected.parameters` in names and
 * shapes (each when given), `weights.bin` has exactly the manifest's size, every tensor matches its
 * CRC-32 and every value is finite. A failure is a `CheckpointError` naming the file and the field
 * or parameter, with both values.
 *
 * @example
 * ```ts
 * const { config, metadata, entries } = checkCheckpointFiles(files, { parameters: model.parameters })
 * ```
 */
export const checkCheckpointFiles = (
  files: CheckpointFileBytes,
  expected: CheckpointExpectation = {}
): CheckedCheckpoint => {
  const manifest = parseCheckpointManifest(parseJsonFile(files.model), files.model.name)
  const { config, metadata } = readMetadata(files.metadata, manifest.metadataCrc32)
  if (expected.config !== undefined) {
    const differences = configDifferences(config, expectedConfigJson(expected.config, files.metadata.name))
    if (differences.length > 0) {
      throw new CheckpointError({
        path: files.metadata.name,
        problem: "config-mismatch",
        detail: `config differs from the expected one: ${differences.join("; ")}`
      })
    }
  }
  const entries = manifest.weightsManifest[0].weights
  if (expected.parameters !== undefined) {
    requireMatchingParameters(
      files.model.name,
      new Map(entries.map((entry) => [entry.name, entry.shape])),
      shapesOf(expected.parameters)
    )
  }
  const bytes = files.weights.bytes
  const expectedBytes = weightsByteLength(manifest)
  if (bytes.length !== expectedBytes) {
    throw new CheckpointError({
      path: files.weights.name,
      problem: "weights-size-mismatch",
      detail: `${bytes.length} bytes, the manifest describes ${expectedBytes} (${entries.length} float32 tensors)`
    })
  }
  // A view may start anywhere in a larger buffer: the tensors' Float32Array views need their own.
  const weights =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
  verifyWeights(weights, entries, files.weights.name)
  return { config, metadata, entries, weights }
}

/**
 * Checks a checkpoint's files as {@link checkCheckpointFiles} does, then makes its tensors. The
 * weights belong to the caller: assign them with {@link restoreParameters}, then free them with
 * {@link disposeWeights}.
 *
 * @example
 * ```ts
 * const loaded = decodeCheckpointFiles(files, { parameters: model.parameters })
 * restoreParameters(model.parameters, loaded.weights)
 * disposeWeights(loaded.weights)
 * ```
 */
export const decodeCheckpointFiles = (
  files: CheckpointFileBytes,
  expected: CheckpointExpectation = {}
): LoadedCheckpoint => {
  const { config, metadata, entries, weights: buffer } = checkCheckpointFiles(files, expected)
  const decoded = tf.io.decodeWeights(
    buffer,
    entries.map((entry) => ({ name: entry.name, shape: [...entry.shape], dtype: entry.dtype }))
  )
  const weights = new Map<string, tf.Tensor>()
  for (const entry of entries) weights.set(entry.name, decoded[entry.name] as tf.Tensor)
  return { config, metadata, weights }
}

/**
 * A function that fetches a URL, as the global `fetch` does (passed in for tests and for other
 * transports).
 *
 * @example
 * ```ts
 * const fetcher: Fetcher = (url) => fetch(url)
 * ```
 */
export type Fetcher = (url: string) => Promise<Response>

/**
 * Fetches one file as a {@link CheckpointFile}: a 404 is a `CheckpointError` (`missing-file`), any
 * other failed request a `FileError` naming the URL.
 *
 * @example
 * ```ts
 * const manifest = await fetchFileBytes("models/two-rooms/bundle.json")
 * ```
 */
export const fetchFileBytes = async (
  url: string,
  fetcher: Fetcher = (target) => fetch(target)
): Promise<CheckpointFile> => {
  let response: Response
  try {
    response = await fetcher(url)
  } catch (error) {
    throw new FileError({ path: url, reason: firstLine(error) })
  }
  if (response.status === 404) {
    throw new CheckpointError({
      path: url,
      problem: "missing-file",
      detail: "missing (an incomplete checkpoint)"
    })
  }
  if (!response.ok)
    throw new FileError({ path: url, reason: `HTTP ${response.status} ${response.statusText}` })
  return { name: url, bytes: new Uint8Array(await response.arrayBuffer()) }
}

/**
 * Fetches the checkpoint whose folder is at `url` (a URL ending in the folder's name, with or
 * without a slash) and reads it as {@link decodeCheckpointFiles} does, with the same checks as
 * `loadCheckpoint` on disk. A file the server does not have is a `CheckpointError`
 * (`missing-file`), any other failed request a `FileError` naming the URL.
 *
 * @example
 * ```ts
 * const loaded = await fetchCheckpoint("models/two-rooms/world-model", { parameters: jepa.parameters })
 * restoreParameters(jepa.parameters, loaded.weights)
 * disposeWeights(loaded.weights)
 * ```
 */
export const fetchCheckpoint = async (
  url: string,
  expected: CheckpointExpectation = {},
  fetcher: Fetcher = (target) => fetch(target)
): Promise<LoadedCheckpoint> => {
  const folder = url.endsWith("/") ? url : `${url}/`
  const [model, weights, metadata] = await Promise.all([
    fetchFileBytes(`${folder}${checkpointFiles.model}`, fetcher),
    fetchFileBytes(`${folder}${checkpointFiles.weights}`, fetcher),
    fetchFileBytes(`${folder}${checkpointFiles.metadata}`, fetcher)
  ])
  return decodeCheckpointFiles({ model, weights, metadata }, expected)
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
 * What {@link modelFromCheckpoint} can rebuild: a model with named parameters that it can free.
 *
 * @example
 * ```ts
 * const model: RestorableModel = createJepa(config, 0)
 * ```
 */
export interface RestorableModel {
  /** Every trainable variable, by name. */
  readonly parameters: ParameterSet
  /** Frees every parameter. */
  dispose(): void
}

/**
 * A model rebuilt from a loaded checkpoint: `create` makes it from the saved config, then the
 * weights are restored into it (checked as {@link restoreParameters} checks them; the model is
 * disposed when they do not fit). The loaded weights are freed either way; `source` names them in
 * errors.
 *
 * @example
 * ```ts
 * const jepa = modelFromCheckpoint(await loadCheckpoint(folder), (config) => createJepa(config, 0), folder)
 * ```
 */
export const modelFromCheckpoint = <Model extends RestorableModel>(
  loaded: LoadedCheckpoint,
  create: (config: Readonly<Record<string, unknown>>) => Model,
  source: string
): Model => {
  try {
    const model = create(loaded.config)
    try {
      restoreParameters(model.parameters, loaded.weights, source)
    } catch (error) {
      model.dispose()
      throw error
    }
    return model
  } finally {
    disposeWeights(loaded.weights)
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
