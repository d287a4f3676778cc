/**
 * An offline dataset in memory: episodes of observations, actions and (optionally) images, and
 * the sampler a world-model trainer draws its batches from — fixed-length subsequences taken
 * uniformly among every window that lies inside one episode, never across a boundary.
 *
 * @module
 */
import { DatasetError, describeValue, InvalidValueError, type Random } from "@telos/core"
import type { DatasetFieldHeader, DatasetHeader } from "./DatasetFormat.js"

/**
 * A batch of subsequences of `length` transitions each.
 *
 * @example
 * ```ts
 * const batch = dataset.sampleSubsequences(32, 16, Random.fromSeed(0))
 * batch.observations.length // 32 * 17 * dataset.observationSize
 * ```
 */
export interface SubsequenceBatch {
  /** Subsequences in the batch. */
  readonly batchSize: number
  /** Transitions per subsequence, `T`. */
  readonly length: number
  /** `[batchSize, T + 1, observationSize]` */
  readonly observations: Float32Array
  /** `[batchSize, T, actionSize]` */
  readonly actions: Float32Array
  /** `[batchSize, T + 1, channels, height, width]`, when the dataset has images. */
  readonly images: Uint8Array | undefined
  /** The episode each subsequence comes from. */
  readonly episodes: Int32Array
  /** The step, within its episode, at which each subsequence starts. */
  readonly starts: Int32Array
}

/**
 * The arrays and header a {@link Dataset} is built from.
 *
 * @example
 * ```ts
 * const dataset = new Dataset({ path: "in-memory", header, observations, actions, images: undefined })
 * ```
 */
export interface DatasetContents {
  /** Where the data came from, for error messages. */
  readonly path: string
  /** The file's header. */
  readonly header: DatasetHeader
  /** `[steps, observationSize]` */
  readonly observations: Float32Array
  /** `[transitions, actionSize]` */
  readonly actions: Float32Array
  /** `[steps, channels, height, width]` */
  readonly images: Uint8Array | undefined
}

const requireCount = (value: number, field: string, minimum: number): void => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < minimum) {
    throw new InvalidValueError({
      field,
      expected: `an integer >= ${minimum}`,
      received: describeValue(value)
    })
  }
}

const fieldShape = (header: DatasetHeader, name: string): ReadonlyArray<number> | undefined =>
  header.fields.find((field) => field.name === name)?.shape

/**
 * A dataset held in memory.
 *
 * @example
 * ```ts
 * const dataset = await openDataset("runs/two-rooms/dataset.bin")
 * dataset.counts // { episodes: 500, transitions: 100000, steps: 100500 }
 * const batch = dataset.sampleSubsequences(64, 16, Random.fromSeed(1))
 * ```
 */
export class Dataset {
  /** Where the data came from. */
  readonly path: string
  /** The file's header. */
  readonly header: DatasetHeader
  /** Every step's observation, `[steps, observationSize]`. */
  readonly observations: Float32Array
  /** Every transition's action, `[transitions, actionSize]`. */
  readonly actions: Float32Array
  /** Every step's image, `[steps, channels, height, width]`; `undefined` without images. */
  readonly images: Uint8Array | undefined
  /** Numbers per observation (0 without an observations field). */
  readonly observationSize: number
  /** Numbers per action (0 without an actions field). */
  readonly actionSize: number
  /** `[channels, height, width]` of the images. */
  readonly imageShape: readonly [number, number, number] | undefined
  /** Transitions per episode. */
  readonly episodeLengths: Int32Array
  /** The row of each episode's first step in `observations` (and `images`). */
  readonly stepStarts: Int32Array
  /** The row of each episode's first action in `actions`. */
  readonly transitionStarts: Int32Array
  private readonly imageSize: number
  // Windows per length are counted once and reused: a trainer samples thousands of batches of one length.
  private readonly windowTables = new Map<number, Float64Array>()

  constructor(contents: DatasetContents) {
    this.path = contents.path
    this.header = contents.header
    this.observations = contents.observations
    this.actions = contents.actions
    this.images = contents.images
    this.observationSize = fieldShape(contents.header, "observations")?.[0] ?? 0
    this.actionSize = fieldShape(contents.header, "actions")?.[0] ?? 0
    const imageShape = fieldShape(contents.header, "images")
    this.imageShape =
      contents.images === undefined || imageShape === undefined
        ? undefined
        : [imageShape[0] as number, imageShape[1] as number, imageShape[2] as number]
    this.imageSize =
      this.imageShape === undefined ? 0 : this.imageShape[0] * this.imageShape[1] * this.imageShape[2]
    const lengths = contents.header.episodes.lengths
    this.episodeLengths = Int32Array.from(lengths)
    this.stepStarts = new Int32Array(lengths.length)
    this.transitionStarts = new Int32Array(lengths.length)
    let step = 0
    let transition = 0
    for (let episode = 0; episode < lengths.length; episode++) {
      this.stepStarts[episode] = step
      this.transitionStarts[episode] = transition
      step += (lengths[episode] as number) + 1
      transition += lengths[episode] as number
    }
  }

  /** The environment the data came from. */
  get envId(): string {
    return this.header.envId
  }

  /** Episodes, transitions, and steps (transitions plus one per episode). */
  get counts(): DatasetHeader["counts"] {
    return this.header.counts
  }

  /** The header entry of every field. */
  get fields(): ReadonlyArray<DatasetFieldHeader> {
    return this.header.fields
  }

  /** Whether each episode ended by termination. */
  get terminated(): ReadonlyArray<boolean> {
    return this.header.episodes.terminated
  }

  /**
   * How many windows of `length` transitions lie inside episodes: `max(0, L - length + 1)` for an
   * episode of `L` transitions, summed.
   *
   * @example
   * ```ts
   * dataset.windowCount(16) // e.g. 500 * 185 for 500 episodes of 200
   * ```
   */
  windowCount(length: number): number {
    requireCount(length, "length", 0)
    const table = this.windowTable(length)
    return table[table.length - 1] as number
  }

  /**
   * Draws `batchSize` subsequences of `length` transitions (`length + 1` observations), each
   * uniformly among all windows inside an episode. Throws a `DatasetError`
   * (`episodes-too-short`) when no episode has `length` transitions, an `InvalidValueError` for a
   * bad batch size or length.
   *
   * @example
   * ```ts
   * const { observations, actions, images, episodes, starts } = dataset.sampleSubsequences(32, 16, rng)
   * ```
   */
  sampleSubsequences(batchSize: number, length: number, rng: Random): SubsequenceBatch {
    requireCount(batchSize, "batchSize", 1)
    requireCount(length, "length", 0)
    const table = this.windowTable(length)
    const total = table[table.length - 1] as number
    if (total === 0) {
      const longest = this.episodeLengths.reduce((most, episode) => Math.max(most, episode), 0)
      throw new DatasetError({
        path: this.path,
        problem: "episodes-too-short",
        detail: `no episode has ${length} transitions for subsequences of length ${length} (the longest has ${longest})`
      })
    }
    const { observationSize, actionSize, imageSize } = this
    const observations = new Float32Array(batchSize * (length + 1) * observationSize)
    const actions = new Float32Array(batchSize * length * actionSize)
    const images =
      this.images === undefined ? undefined : new Uint8Array(batchSize * (length + 1) * imageSize)
    const episodes = new Int32Array(batchSize)
    const starts = new Int32Array(batchSize)
    for (let sample = 0; sample < batchSize; sample++) {
      const window = rng.integer(total)
      const episode = episodeOfWindow(table, window)
      const start = window - (table[episode] as number)
      episodes[sample] = episode
      starts[sample] = start
      // An episode's rows are contiguous, so each subsequence is one copy per field.
      const stepRow = (this.stepStarts[episode] as number) + start
      const actionRow = (this.transitionStarts[episode] as number) + start
      observations.set(
        this.observations.subarray(stepRow * observationSize, (stepRow + length + 1) * observationSize),
        sample * (length + 1) * observationSize
      )
      actions.set(
        this.actions.subarray(actionRow * actionSize, (actionRow + length) * actionSize),
        sample * length * actionSize
      )
      if (images !== undefined && this.images !== undefined) {
        images.set(
          this.images.subarray(stepRow * imageSize, (stepRow + length + 1) * imageSize),
          sample * (length + 1) * imageSize
        )
      }
    }
    return { batchSize, length, observations, actions, images, episodes, starts }
  }

  /** Cumulative windows before each episode, with the total last. */
  private windowTable(length: number): Float64Array {
    const cached = this.windowTables.get(length)
    if (cached !== undefined) return cached
    const table = new Float64Array(this.episodeLengths.length + 1)
    for (let episode = 0; episode < this.episodeLengths.length; episode++) {
      const windows = Math.max(0, (this.episodeLengths[episode] as number) - length + 1)
      table[episode + 1] = (table[episode] as number) + windows
    }
    this.windowTables.set(length, table)
    return table
  }
}

/** The episode whose windows include `window`: the last `e` with `table[e] <= window`. */
const episodeOfWindow = (table: Float64Array, window: number): number => {
  let low = 0
  let high = table.length - 2
  while (low < high) {
    const middle = (low + high + 1) >>> 1
    if ((table[middle] as number) <= window) low = middle
    else high = middle - 1
  }
  return low
}
