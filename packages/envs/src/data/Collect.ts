/**
 * Offline data collection: runs an exploration policy in an environment for many episodes and
 * hands the recorded trajectories out in chunks of whole episodes, so that a writer can stream
 * them to disk while memory stays bounded (100k steps of 2x64x64 images are 820 MB raw).
 *
 * The loop calls the definition's pure functions directly (`initialState`, `transition`,
 * `observe`, `image.render`) instead of going through `DefinedEnv`, which validates and copies
 * every action and observation: collection is the one place where a million steps is normal.
 *
 * @module
 */
import { checkInterruption, describeValue, InvalidValueError, Random } from "@telos/core"
import { actionEncodingSize, encodeActionInto } from "../define/ActionEncoding.js"
import type { EnvSpec } from "../define/DefineEnv.js"
import type { ActionSpace, EnvDefinition, ImageRenderer } from "../define/EnvDefinition.js"
import type { ExplorationPolicy } from "./Exploration.js"

/**
 * Whole episodes, laid out row after row. An episode of `L` transitions has `L + 1` steps
 * (observations and images at steps `0..L`) and `L` actions (at steps `0..L-1`).
 *
 * @example
 * ```ts
 * for (const chunk of collectEpisodes(options)) {
 *   chunk.episodeLengths // e.g. Int32Array [200, 200, 57]
 *   chunk.observations.length === chunk.steps * chunk.observationSize // true
 * }
 * ```
 */
export interface EpisodeChunk {
  /** Transitions in each episode of the chunk, in order. */
  readonly episodeLengths: Int32Array
  /** Whether each episode ended by termination rather than by its length budget. */
  readonly terminated: ReadonlyArray<boolean>
  /** Transitions in the chunk (rows of actions). */
  readonly transitions: number
  /** Rows of observations and images: transitions plus one per episode. */
  readonly steps: number
  /** Numbers per observation. */
  readonly observationSize: number
  /** Columns per action: `actionEncodingSize` of the action space (`n` for a `Discrete` one). */
  readonly actionSize: number
  /** `[steps, observationSize]` */
  readonly observations: Float32Array
  /** `[transitions, actionSize]`, encoded by `encodeAction`: one-hot rows for a `Discrete` space. */
  readonly actions: Float32Array
  /** `[steps, channels, height, width]`, when pixels were asked for. */
  readonly images: Uint8Array | undefined
}

/**
 * How much to collect, from which environment, with which policy.
 *
 * @example
 * ```ts
 * const options: CollectOptions<PointMassState> = {
 *   spec: pointMass,
 *   policy: randomWalkPolicy(pointMassActionSpace),
 *   transitions: 10_000,
 *   episodeLength: 100,
 *   seed: 0
 * }
 * ```
 */
export interface CollectOptions<State> {
  /** The environment to collect in (only its definition is read). */
  readonly spec: Pick<EnvSpec<State>, "definition">
  /** The policy that picks the actions. */
  readonly policy: ExplorationPolicy
  /** Transitions to collect in all; the last episode is cut short to hit it exactly. */
  readonly transitions: number
  /** Transitions after which an episode ends, unless it terminates first. */
  readonly episodeLength: number
  /** Record images with the environment's `image` renderer too (default false). */
  readonly pixels?: boolean | undefined
  /** The seed of every random stream of the collection: a seed fixes the whole dataset. */
  readonly seed: number
  /**
   * Rows (steps) per chunk; at least `episodeLength + 1`, so that an episode always fits. The
   * default keeps an image chunk near 16 MB.
   */
  readonly chunkSteps?: number | undefined
  /** Called after every episode. */
  readonly onProgress?: ((progress: CollectProgress) => void) | undefined
}

/**
 * How far a collection has come.
 *
 * @example
 * ```ts
 * const progress: CollectProgress = { transitions: 400, episodes: 2, total: 1000 }
 * ```
 */
export interface CollectProgress {
  /** Transitions collected so far. */
  readonly transitions: number
  /** Episodes collected so far. */
  readonly episodes: number
  /** The transitions asked for. */
  readonly total: number
}

const targetChunkBytes = 16 * 1024 * 1024
const defaultStateChunkSteps = 16_384

const requirePositiveInteger = (value: number, field: string): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new InvalidValueError({ field, expected: "a positive integer", received: describeValue(value) })
  }
  return value
}

const imageRendererOf = <State>(
  definition: EnvDefinition<State>,
  pixels: boolean
): ImageRenderer<State> | undefined => {
  if (!pixels) return undefined
  if (definition.image === undefined) {
    throw new InvalidValueError({
      field: "pixels",
      expected: "an environment with an image renderer",
      received: `"${definition.id}", which draws no images`
    })
  }
  return definition.image
}

/** The buffers of one chunk, allocated once and filled episode by episode. */
class ChunkBuilder<State> {
  readonly episodeLengths: Array<number> = []
  readonly terminated: Array<boolean> = []
  steps = 0
  transitions = 0
  private readonly actionSize: number
  private readonly observations: Float32Array
  private readonly actions: Float32Array
  private readonly images: Uint8Array | undefined
  private readonly imageSize: number

  constructor(
    readonly capacity: number,
    private readonly observationSize: number,
    private readonly actionSpace: ActionSpace,
    private readonly renderer: ImageRenderer<State> | undefined
  ) {
    this.actionSize = actionEncodingSize(actionSpace)
    this.observations = new Float32Array(capacity * observationSize)
    // An episode of L transitions takes L + 1 rows, so actions never need more than capacity - 1.
    this.actions = new Float32Array(capacity * this.actionSize)
    this.imageSize = renderer === undefined ? 0 : renderer.channels * renderer.height * renderer.width
    this.images = renderer === undefined ? undefined : new Uint8Array(capacity * this.imageSize)
  }

  get free(): number {
    return this.capacity - this.steps
  }

  recordStep(state: State, observation: Float64Array, field: string): void {
    if (observation.length !== this.observationSize) {
      throw new InvalidValueError({
        field,
        expected: `an observation of ${this.observationSize} numbers`,
        received: describeValue(observation)
      })
    }
    this.observations.set(observation, this.steps * this.observationSize)
    if (this.renderer !== undefined && this.images !== undefined) {
      const start = this.steps * this.imageSize
      const target = this.images.subarray(start, start + this.imageSize)
      const drawn = this.renderer.render(state, target)
      // A renderer may ignore the target and return its own array; copy that one in.
      if (drawn !== target) {
        if (drawn.length !== this.imageSize) {
          throw new InvalidValueError({
            field: "image.render",
            expected: `${this.imageSize} pixels`,
            received: `${drawn.length}`
          })
        }
        target.set(drawn)
      }
    }
    this.steps += 1
  }

  recordAction(action: Float64Array, field: string): void {
    encodeActionInto(this.actionSpace, action, this.actions, this.transitions * this.actionSize, field)
    this.transitions += 1
  }

  endEpisode(transitions: number, terminated: boolean): void {
    this.episodeLengths.push(transitions)
    this.terminated.push(terminated)
  }

  finish(): EpisodeChunk {
    return {
      episodeLengths: Int32Array.from(this.episodeLengths),
      terminated: [...this.terminated],
      transitions: this.transitions,
      steps: this.steps,
      observationSize: this.observationSize,
      actionSize: this.actionSize,
      observations: this.observations.subarray(0, this.steps * this.observationSize),
      actions: this.actions.subarray(0, this.transitions * this.actionSize),
      images: this.images?.subarray(0, this.steps * this.imageSize)
    }
  }
}

/**
 * Collects `transitions` transitions in episodes of at most `episodeLength`, lazily: each chunk is
 * collected when the consumer asks for it, in fresh buffers the consumer may keep, and iterating
 * again starts over from the seed. Options are checked at once (an `InvalidValueError` naming the
 * option), not at the first chunk.
 *
 * Episode `i` draws its start and dynamics from one stream and its actions from another, both
 * split in turn from `Random.fromSeed(seed)`, so a seed fixes the whole dataset.
 *
 * @example
 * ```ts
 * const chunks = collectEpisodes({
 *   spec: pointMass,
 *   policy: randomWalkPolicy(pointMassActionSpace),
 *   transitions: 1000,
 *   episodeLength: 100,
 *   seed: 7
 * })
 * for (const chunk of chunks) console.log(chunk.episodeLengths)
 * ```
 */
export const collectEpisodes = <State>(options: CollectOptions<State>): Iterable<EpisodeChunk> => {
  const definition = options.spec.definition
  const total = requirePositiveInteger(options.transitions, "transitions")
  const episodeLength = requirePositiveInteger(options.episodeLength, "episodeLength")
  if (typeof options.seed !== "number" || !Number.isFinite(options.seed)) {
    throw new InvalidValueError({
      field: "seed",
      expected: "a finite number",
      received: describeValue(options.seed)
    })
  }
  const renderer = imageRendererOf(definition, options.pixels === true)
  const imageBytes = renderer === undefined ? 0 : renderer.channels * renderer.height * renderer.width
  const defaultSteps =
    renderer === undefined ? defaultStateChunkSteps : Math.floor(targetChunkBytes / Math.max(1, imageBytes))
  const requested = options.chunkSteps ?? defaultSteps
  requirePositiveInteger(requested, "chunkSteps")
  const capacity = Math.max(requested, Math.min(episodeLength, total) + 1)
  const observationSize = definition.observationSpace.size
  const actionSpace = definition.actionSpace
  // What the policy writes and transition receives: a Discrete choice travels as one number.
  const rawActionSize = actionSpace._tag === "Discrete" ? 1 : actionSpace.size
  const seed = options.seed

  return {
    *[Symbol.iterator]() {
      const streams = Random.fromSeed(seed)
      let collected = 0
      let episodes = 0
      while (collected < total) {
        // Between chunks the consumer has written the last one: a stop here loses nothing.
        checkInterruption()
        const chunk = new ChunkBuilder<State>(capacity, observationSize, actionSpace, renderer)
        while (collected < total && chunk.free >= Math.min(episodeLength, total - collected) + 1) {
          const budget = Math.min(episodeLength, total - collected)
          const dynamics = streams.split()
          const actor = options.policy.startEpisode(streams.split())
          let state = definition.initialState(dynamics, undefined)
          let observation = definition.observe(state)
          chunk.recordStep(state, observation, `${definition.id}.observe`)
          let steps = 0
          let terminated = false
          while (steps < budget && !terminated) {
            // A fresh action each step: a definition may keep the action it was given in its state.
            const action = actor.act(observation, new Float64Array(rawActionSize))
            chunk.recordAction(action, `${options.policy.id}.act`)
            const next = definition.transition(state, action, dynamics)
            state = next.state
            terminated = next.terminated
            observation = definition.observe(state)
            chunk.recordStep(state, observation, `${definition.id}.observe`)
            steps += 1
          }
          chunk.endEpisode(steps, terminated)
          collected += steps
          episodes += 1
          options.onProgress?.({ transitions: collected, episodes, total })
        }
        yield chunk.finish()
      }
    }
  }
}
