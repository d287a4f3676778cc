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
import { CheckpointError, crc32, FileError, InvalidValueError } from "@telos/core"
import { makeDirectory } from "@telos/core/node"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import type { ParameterSet } from "../jepa/Parameters.js"
import {
  type CheckpointContents,
  type CheckpointExpectation,
  type CheckpointFile,
  type CheckpointFileBytes,
  checkCheckpointFiles,
  decodeCheckpointFiles,
  type LoadedCheckpoint,
  type VerifiedCheckpoint
} from "./CheckpointFiles.js"
import {
  type CheckpointManifest,
  type CheckpointWeightEntry,
  checkpointFiles,
  checkpointFormat,
  checkpointFormatVersion
} from "./CheckpointFormat.js"
import { requireFiniteTensor } from "./CheckpointIntegrity.js"

// Reading a checkpoint's bytes is browser-safe and lives in CheckpointFiles; the Node entry keeps
// offering everything about checkpoints in one place.
export {
  type CheckpointContents,
  type CheckpointDatasetIdentity,
  type CheckpointExpectation,
  type CheckpointMetadata,
  disposeWeights,
  type LoadedCheckpoint,
  restoreParameters,
  type VerifiedCheckpoint
} from "./CheckpointFiles.js"

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

/** The directory to read: the checkpoint, or the copy a crash mid-swap left aside. */
const locateCheckpoint = async (directory: string): Promise<string> => {
  if (await exists(directory)) return directory
  const aside = asidePath(directory)
  if (await exists(join(aside, checkpointFiles.model))) return aside
  throw new CheckpointError({ path: directory, problem: "missing-file", detail: "no checkpoint here" })
}

const readFiles = async (target: string): Promise<CheckpointFileBytes> => {
  const source = await locateCheckpoint(target)
  const read = async (name: string): Promise<CheckpointFile> => {
    const path = join(source, name)
    return { name: path, bytes: await readPart(path) }
  }
  return {
    model: await read(checkpointFiles.model),
    weights: await read(checkpointFiles.weights),
    metadata: await read(checkpointFiles.metadata)
  }
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
    return decodeCheckpointFiles(await readFiles(target), expected)
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
    const { config, metadata } = checkCheckpointFiles(await readFiles(target), expected)
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
