/**
 * Writes a dataset file while the data is still being collected: each field streams to a part
 * file beside the destination; `finish` writes the header, appends the parts, and renames the
 * result over the destination. Memory stays at a few chunks whatever the dataset's size, and a
 * crash or an error leaves the destination as it was.
 *
 * @module
 */
import { open, rename, rm } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { setImmediate as nextTurn } from "node:timers/promises"
import { describeValue, FileError, InvalidValueError } from "@telos/core"
import { makeDirectory } from "@telos/core/node"
import { Effect } from "effect"
import { BlockSink, type SinkBlock, writeAll } from "./BlockSink.js"
import { type DatasetFieldHeader, datasetFormatVersion, encodeDatasetPrefix } from "./DatasetFormat.js"
import { datasetValueLimit } from "./DatasetValues.js"
import { firstUnusableValue, formatFloat32 } from "./FloatScan.js"

/**
 * Whole episodes, row after row, as a collector hands them over: an episode of `L` transitions
 * has `L + 1` rows of observations (and images) and `L` rows of actions.
 *
 * @example
 * ```ts
 * const chunk: DatasetChunk = {
 *   episodeLengths: [2],
 *   terminated: [false],
 *   observations: Float32Array.of(0, 0, 1, 1, 2, 2), // 3 steps x 2
 *   actions: Float32Array.of(1, 1, 1, 1) // 2 transitions x 2
 * }
 * ```
 */
export interface DatasetChunk {
  /** Transitions of each episode in the chunk. */
  readonly episodeLengths: ArrayLike<number>
  /** Whether each episode ended by termination rather than by its length budget. */
  readonly terminated: ArrayLike<boolean>
  /** Step rows, `[steps, observationSize]`. */
  readonly observations: Float32Array
  /** Transition rows, `[transitions, actionSize]`. */
  readonly actions: Float32Array
  /** Step rows of images, `[steps, channels, height, width]`, when the dataset has them. */
  readonly images?: Uint8Array | undefined
}

/**
 * What a dataset holds and where it came from; recorded in its header.
 *
 * @example
 * ```ts
 * const description: DatasetDescription = {
 *   envId: "two-rooms", seed: 0, collector: { policy: "random-walk", episodeLength: 200 },
 *   observationSize: 2, actionSize: 2, imageShape: [2, 64, 64]
 * }
 * ```
 */
export interface DatasetDescription {
  /** The id of the environment the data comes from. */
  readonly envId: string
  /** The collection's seed. */
  readonly seed: number
  /** How the data was collected (policy, its settings, ...), as the collector says. */
  readonly collector: Readonly<Record<string, unknown>>
  /** Numbers per observation. */
  readonly observationSize: number
  /** Numbers per action. */
  readonly actionSize: number
  /** `[channels, height, width]` of the images, when the dataset has them. */
  readonly imageShape?: readonly [number, number, number] | undefined
}

/**
 * Tuning of a writer.
 *
 * @example
 * ```ts
 * const options: DatasetWriterOptions = { compressionLevel: 1, pendingChunks: 2 }
 * ```
 */
export interface DatasetWriterOptions {
  /** zlib level of image compression, 1 (fastest) to 9 (smallest); default 6. */
  readonly compressionLevel?: number | undefined
  /** Chunks that may still be compressing or writing before `append` waits; default 3. */
  readonly pendingChunks?: number | undefined
}

/**
 * What a finished write produced.
 *
 * @example
 * ```ts
 * const summary: DatasetSummary = { path: "runs/d/dataset.bin", bytes: 1_204_224, episodes: 5, transitions: 1000 }
 * ```
 */
export interface DatasetSummary {
  /** The file written. */
  readonly path: string
  /** Its size in bytes. */
  readonly bytes: number
  /** Episodes written. */
  readonly episodes: number
  /** Transitions written. */
  readonly transitions: number
}

/**
 * A dataset file being written.
 *
 * @example
 * ```ts
 * const writer = await createDatasetWriter("runs/d/dataset.bin", description)
 * for (const chunk of chunks) await writer.append(chunk)
 * const summary = await writer.finish()
 * ```
 */
export interface DatasetWriter {
  /** The destination file. */
  readonly path: string
  /**
   * Queues a chunk. Resolves when the writer can take the next one, possibly before this one is
   * on disk, so its arrays must not be changed afterwards. A malformed chunk (sizes that do not
   * add up, or an observation or action that is NaN, infinite or beyond `datasetValueLimit`) is
   * an `InvalidValueError`; a failed write a `FileError`.
   */
  append(chunk: DatasetChunk): Promise<void>
  /** Writes the file and renames it into place; rejects with a `FileError` and removes every temporary file when that fails. */
  finish(): Promise<DatasetSummary>
  /** Stops and removes every temporary file; the destination is left untouched. */
  abort(): Promise<void>
}

let temporaryCounter = 0

const copyBufferBytes = 8 * 1024 * 1024

// Typed errors pass through; anything else (a system error from the file system) becomes a
// FileError naming the destination.
const typedError = (path: string, error: unknown): FileError | InvalidValueError =>
  error instanceof FileError || error instanceof InvalidValueError
    ? error
    : new FileError({
        path,
        reason: error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)
      })

const requireShape = (value: number, field: string): void => {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidValueError({ field, expected: "a positive integer", received: describeValue(value) })
  }
}

const checkChunk = (chunk: DatasetChunk, description: DatasetDescription): { transitions: number } => {
  let transitions = 0
  for (let i = 0; i < chunk.episodeLengths.length; i++) {
    const length = chunk.episodeLengths[i] as number
    if (!Number.isInteger(length) || length < 1) {
      throw new InvalidValueError({
        field: `chunk.episodeLengths[${i}]`,
        expected: "a positive integer",
        received: describeValue(length)
      })
    }
    transitions += length
  }
  const episodes = chunk.episodeLengths.length
  const steps = transitions + episodes
  if (chunk.terminated.length !== episodes) {
    throw new InvalidValueError({
      field: "chunk.terminated",
      expected: `one flag per episode (${episodes})`,
      received: `${chunk.terminated.length}`
    })
  }
  const sizes: ReadonlyArray<readonly [string, number, number]> = [
    ["chunk.observations", chunk.observations.length, steps * description.observationSize],
    ["chunk.actions", chunk.actions.length, transitions * description.actionSize]
  ]
  for (const [field, received, expected] of sizes) {
    if (received !== expected) {
      throw new InvalidValueError({ field, expected: `${expected} numbers`, received: `${received}` })
    }
  }
  // The reader refuses such values, so the writer does too: a dataset is never written that cannot be read.
  for (const [field, values] of [
    ["chunk.observations", chunk.observations],
    ["chunk.actions", chunk.actions]
  ] as const) {
    const index = firstUnusableValue(values, datasetValueLimit)
    if (index >= 0) {
      throw new InvalidValueError({
        field: `${field}[${index}]`,
        expected: `a finite number of magnitude at most ${datasetValueLimit}`,
        received: formatFloat32(values[index] as number)
      })
    }
  }
  const shape = description.imageShape
  if (shape === undefined && chunk.images !== undefined) {
    throw new InvalidValueError({
      field: "chunk.images",
      expected: "no images (the dataset was described without imageShape)",
      received: `${chunk.images.length} pixels`
    })
  }
  if (shape !== undefined) {
    const expected = steps * shape[0] * shape[1] * shape[2]
    if (chunk.images?.length !== expected) {
      throw new InvalidValueError({
        field: "chunk.images",
        expected: `${expected} pixels`,
        received: chunk.images === undefined ? "none" : `${chunk.images.length}`
      })
    }
  }
  return { transitions }
}

const bytesOf = (values: Float32Array): Uint8Array =>
  new Uint8Array(values.buffer, values.byteOffset, values.byteLength)

/** A field's header entry before its block is written: everything but the block's placement. */
type FieldPlan = Pick<DatasetFieldHeader, "name" | "dtype" | "shape" | "rowsPer" | "encoding">

const fieldPlans = (description: DatasetDescription): ReadonlyArray<FieldPlan> => [
  {
    name: "observations",
    dtype: "float32",
    shape: [description.observationSize],
    rowsPer: "step",
    encoding: "raw"
  },
  {
    name: "actions",
    dtype: "float32",
    shape: [description.actionSize],
    rowsPer: "transition",
    encoding: "raw"
  },
  ...(description.imageShape === undefined
    ? []
    : [
        {
          name: "images",
          dtype: "uint8",
          shape: [...description.imageShape],
          rowsPer: "step",
          encoding: "deflate"
        } as const
      ])
]

/** Writes `prefix` and then every part file, in order, to `target`. */
const concatenate = async (
  target: string,
  prefix: Uint8Array,
  parts: ReadonlyArray<string>
): Promise<void> => {
  const output = await open(target, "w")
  try {
    await writeAll(output, prefix)
    const buffer = new Uint8Array(copyBufferBytes)
    for (const part of parts) {
      const input = await open(part, "r")
      try {
        for (;;) {
          const { bytesRead } = await input.read(buffer, 0, buffer.length, null)
          if (bytesRead === 0) break
          await writeAll(output, buffer.subarray(0, bytesRead))
        }
      } finally {
        await input.close()
      }
    }
  } finally {
    await output.close()
  }
}

/**
 * Opens a streaming writer for the dataset file at `path`, creating its directory. Rejects with a
 * `FileError` when the part files cannot be created, an `InvalidValueError` for a bad description.
 *
 * @example
 * ```ts
 * const writer = await createDatasetWriter("runs/d/dataset.bin", {
 *   envId: "point-mass", seed: 0, collector: { policy: "uniform" }, observationSize: 4, actionSize: 2
 * })
 * ```
 */
export const createDatasetWriter = async (
  path: string,
  description: DatasetDescription,
  options: DatasetWriterOptions = {}
): Promise<DatasetWriter> => {
  requireShape(description.observationSize, "observationSize")
  requireShape(description.actionSize, "actionSize")
  for (const [index, dimension] of (description.imageShape ?? []).entries()) {
    requireShape(dimension, `imageShape[${index}]`)
  }
  const level = options.compressionLevel ?? 6
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new InvalidValueError({
      field: "compressionLevel",
      expected: "an integer in [0, 9]",
      received: describeValue(level)
    })
  }
  const pendingLimit = Math.max(1, options.pendingChunks ?? 3)
  const directory = dirname(path)
  const stem = join(directory, `.${basename(path)}.${process.pid}.${Date.now()}.${temporaryCounter++}`)
  const temporaryPath = `${stem}.tmp`
  const plans = fieldPlans(description)
  const sinks: Array<BlockSink> = []
  // Best effort: a failed clean-up must not hide the error that caused it.
  const removeTemporaries = async (): Promise<void> => {
    const paths = [...sinks.map((sink) => sink.partPath), temporaryPath]
    await Promise.all(paths.map((temporary) => rm(temporary, { force: true }).catch(() => undefined)))
  }
  try {
    await Effect.runPromise(
      makeDirectory(directory).pipe(Effect.mapError((error) => new FileError({ path, reason: error.reason })))
    )
    for (const plan of plans)
      sinks.push(await BlockSink.open(`${stem}.${plan.name}.part`, plan.encoding, level))
  } catch (error) {
    await Promise.all(sinks.map((sink) => sink.close().catch(() => undefined)))
    await removeTemporaries()
    throw typedError(path, error)
  }
  const [observationSink, actionSink, imageSink] = sinks as [BlockSink, BlockSink, BlockSink | undefined]
  const episodeLengths: Array<number> = []
  const terminated: Array<boolean> = []
  let transitions = 0
  const pending: Array<Promise<unknown>> = []
  let state: "open" | "finishing" | "closed" = "open"

  const requireOpen = (action: string): void => {
    if (state !== "open") {
      throw new InvalidValueError({
        field: action,
        expected: "a writer still open",
        received: `a ${state} writer`
      })
    }
  }

  const closeSinks = async () => Promise.all(sinks.map((sink) => sink.close()))

  const assemble = async (blocks: ReadonlyArray<SinkBlock>): Promise<number> => {
    const episodes = episodeLengths.length
    let offset = 0
    const fields = plans.map((plan, index): DatasetFieldHeader => {
      const block = blocks[index] as SinkBlock
      const placed = { ...plan, rows: block.rows, offset, length: block.length, crc32: block.crc32 }
      offset += block.length
      return plan.encoding === "deflate" ? { ...placed, chunks: block.chunks } : placed
    })
    const prefix = encodeDatasetPrefix({
      format: "telos-dataset",
      version: datasetFormatVersion,
      byteOrder: "little-endian",
      envId: description.envId,
      seed: description.seed,
      collector: description.collector,
      counts: { episodes, transitions, steps: transitions + episodes },
      episodes: { lengths: episodeLengths, terminated },
      fields
    })
    await concatenate(
      temporaryPath,
      prefix,
      sinks.map((sink) => sink.partPath)
    )
    await rename(temporaryPath, path)
    return prefix.length + offset
  }

  return {
    path,
    append: async (chunk) => {
      requireOpen("append")
      const counted = checkChunk(chunk, description)
      const steps = counted.transitions + chunk.episodeLengths.length
      const written = Promise.all([
        observationSink.append(bytesOf(chunk.observations), steps),
        actionSink.append(bytesOf(chunk.actions), counted.transitions),
        ...(imageSink === undefined || chunk.images === undefined
          ? []
          : [imageSink.append(chunk.images, steps)])
      ])
      written.catch(() => undefined)
      pending.push(written)
      for (let i = 0; i < chunk.episodeLengths.length; i++) {
        episodeLengths.push(chunk.episodeLengths[i] as number)
        terminated.push(chunk.terminated[i] as boolean)
      }
      transitions += counted.transitions
      try {
        while (pending.length > pendingLimit) await pending.shift()
      } catch (error) {
        throw typedError(path, error)
      }
      // A turn of the event loop, so that finished compressions get written while the caller
      // goes on collecting synchronously.
      await nextTurn()
    },
    finish: async () => {
      requireOpen("finish")
      state = "finishing"
      try {
        await Promise.all(pending)
        const blocks = await closeSinks()
        const bytes = await assemble(blocks)
        return { path, bytes, episodes: episodeLengths.length, transitions }
      } catch (error) {
        await Promise.all(sinks.map((sink) => sink.close().catch(() => undefined)))
        throw typedError(path, error)
      } finally {
        state = "closed"
        await removeTemporaries()
      }
    },
    abort: async () => {
      if (state === "closed") return
      state = "closed"
      await Promise.all(sinks.map((sink) => sink.close().catch(() => undefined)))
      await removeTemporaries()
    }
  }
}

/**
 * Writes every chunk of `chunks` (a collector's output, or one in-memory chunk) to the dataset
 * file at `path`, atomically. On any failure, the collector's included, temporary files are
 * removed and the error is passed on.
 *
 * @example
 * ```ts
 * const summary = await writeDataset("runs/d/dataset.bin", description, collectEpisodes(options))
 * summary.bytes // size of the file
 * ```
 */
export const writeDataset = async (
  path: string,
  description: DatasetDescription,
  chunks: Iterable<DatasetChunk> | AsyncIterable<DatasetChunk>,
  options: DatasetWriterOptions = {}
): Promise<DatasetSummary> => {
  const writer = await createDatasetWriter(path, description, options)
  try {
    for await (const chunk of chunks) await writer.append(chunk)
    return await writer.finish()
  } catch (error) {
    await writer.abort()
    throw error
  }
}
