/**
 * Helpers shared by the dataset tests: random small datasets, temporary directories, and a way to
 * catch the typed error a promise rejects with.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Random } from "@telos/core"
import type { DatasetChunk, DatasetDescription } from "@telos/worldmodel/node"
import * as fc from "fast-check"

/** A whole dataset in memory, and the chunks it is handed to a writer in. */
export interface DatasetCase {
  readonly description: DatasetDescription
  readonly episodeLengths: ReadonlyArray<number>
  readonly terminated: ReadonlyArray<boolean>
  readonly observations: Float32Array
  readonly actions: Float32Array
  readonly images: Uint8Array | undefined
  readonly chunks: ReadonlyArray<DatasetChunk>
}

/**
 * Random float32 bit patterns that a dataset may hold: any sign and mantissa (-0 and subnormals
 * included: a round trip must keep bits, not just numbers), exponents up to 2^28, below
 * `datasetValueLimit`; never NaN or an infinity, which readers and writers refuse.
 */
export const randomUsableFloats = (count: number, rng: Random): Float32Array =>
  new Float32Array(
    Uint32Array.from({ length: count }, () => {
      const bits = rng.nextUint32()
      const exponent = ((bits >>> 23) & 0xff) % (127 + 29)
      return ((bits & 0x807fffff) | (exponent << 23)) >>> 0
    }).buffer
  )

/**
 * Builds a dataset whose values are random bit patterns (see {@link randomUsableFloats}), split
 * into chunks after the episodes listed in `cuts`.
 */
export const makeDatasetCase = (options: {
  readonly episodeLengths: ReadonlyArray<number>
  readonly terminated?: ReadonlyArray<boolean>
  readonly observationSize: number
  readonly actionSize: number
  readonly imageShape?: readonly [number, number, number] | undefined
  readonly cuts?: ReadonlyArray<number>
  readonly seed?: number
}): DatasetCase => {
  const rng = Random.fromSeed(options.seed ?? 0)
  const lengths = options.episodeLengths
  const transitions = lengths.reduce((total, length) => total + length, 0)
  const steps = transitions + lengths.length
  const randomFloats = (count: number): Float32Array => randomUsableFloats(count, rng)
  const observations = randomFloats(steps * options.observationSize)
  const actions = randomFloats(transitions * options.actionSize)
  const imageSize = options.imageShape === undefined ? 0 : options.imageShape.reduce((a, b) => a * b, 1)
  const images =
    options.imageShape === undefined
      ? undefined
      : // Mostly zeros with a few bright pixels, like the navigation images, so deflate has work to do.
        Uint8Array.from({ length: steps * imageSize }, () => (rng.uniform() < 0.2 ? rng.integer(256) : 0))
  const terminated = options.terminated ?? lengths.map((_, index) => index % 3 === 1)
  const chunks: Array<DatasetChunk> = []
  const cuts = [...new Set([...(options.cuts ?? []), lengths.length])]
    .filter((cut) => cut > 0)
    .sort((a, b) => a - b)
  let episode = 0
  let step = 0
  let transition = 0
  for (const cut of cuts) {
    if (cut > lengths.length || cut <= episode) continue
    const chunkLengths = lengths.slice(episode, cut)
    const chunkTransitions = chunkLengths.reduce((total, length) => total + length, 0)
    const chunkSteps = chunkTransitions + chunkLengths.length
    chunks.push({
      episodeLengths: chunkLengths,
      terminated: terminated.slice(episode, cut),
      // Views into the whole arrays: a writer must honour their byte offsets.
      observations: observations.subarray(
        step * options.observationSize,
        (step + chunkSteps) * options.observationSize
      ),
      actions: actions.subarray(
        transition * options.actionSize,
        (transition + chunkTransitions) * options.actionSize
      ),
      images: images?.subarray(step * imageSize, (step + chunkSteps) * imageSize)
    })
    episode = cut
    step += chunkSteps
    transition += chunkTransitions
  }
  return {
    description: {
      envId: "test-world",
      seed: options.seed ?? 0,
      collector: { policy: "uniform", episodeLength: Math.max(0, ...lengths) },
      observationSize: options.observationSize,
      actionSize: options.actionSize,
      imageShape: options.imageShape
    },
    episodeLengths: lengths,
    terminated,
    observations,
    actions,
    images,
    chunks
  }
}

/** Random small datasets, with and without images, cut into random chunks. */
export const datasetCases: fc.Arbitrary<DatasetCase> = fc
  .record({
    episodeLengths: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 0, maxLength: 7 }),
    observationSize: fc.integer({ min: 1, max: 4 }),
    actionSize: fc.integer({ min: 1, max: 3 }),
    imageShape: fc.option(
      fc.tuple(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 })
      ),
      { nil: undefined }
    ),
    cuts: fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 4 }),
    seed: fc.nat()
  })
  .map((options) => makeDatasetCase(options))

/** Bit patterns of a float array, so that NaNs compare by payload. */
export const bitsOf = (values: Float32Array): Uint32Array =>
  new Uint32Array(values.buffer, values.byteOffset, values.length)

/** A fresh temporary directory. */
export const makeTempDir = (): Promise<string> => mkdtemp(join(tmpdir(), "telos-dataset-test-"))

/** Removes a temporary directory. */
export const removeTempDir = (directory: string): Promise<void> =>
  rm(directory, { recursive: true, force: true })

/** What `promise` rejects with; fails the test when it resolves. */
export const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected a rejection")
}

/**
 * Whether two byte arrays are identical. Much faster than `toEqual`, which compares megabytes of
 * pixels element by element.
 */
export const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && Buffer.compare(a, b) === 0
