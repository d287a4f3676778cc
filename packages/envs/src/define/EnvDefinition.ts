/**
 * What a user writes to define an environment: its spaces, how an episode starts, how one action
 * changes the state, and what the agent observes. Everything else (validation, seeding, step
 * counting, batching, the registry) comes from {@link defineEnv}.
 *
 * @module
 */
import type { Box, Discrete, Info, Random, WorldModel } from "@telos/core"

/**
 * The outcome of one transition: the next state, its reward, and whether the task ended.
 *
 * @example
 * ```ts
 * const result: TransitionResult<number> = { state: 3, reward: -1, terminated: false }
 * ```
 */
export interface TransitionResult<State> {
  /** The state after the step. */
  readonly state: State
  /** The step's reward. */
  readonly reward: number
  /** The task itself ended the episode (goal reached, failure); step budgets are handled for you. */
  readonly terminated: boolean
}

/**
 * How an environment draws its state as an image: channel-major `uint8` pixels
 * `[channels, height, width]`. Pixel observations, datasets and reports are built on it.
 *
 * @example
 * ```ts
 * const pixels = twoRooms.definition.image?.render(state) // Uint8Array(2 * 64 * 64)
 * ```
 */
export interface ImageRenderer<State> {
  /** Channels per pixel (the image is channel-major). */
  readonly channels: number
  /** Height in pixels. */
  readonly height: number
  /** Width in pixels. */
  readonly width: number
  /** Draws `state` into `target` (a fresh array when absent) and returns it. */
  render(state: State, target?: Uint8Array): Uint8Array
}

/**
 * The action spaces an environment may have: a box of real vectors or `n` choices.
 *
 * @example
 * ```ts
 * const moves: ActionSpace = new Discrete(5) // stay, up, down, left, right
 * ```
 */
export type ActionSpace = Box | Discrete

/**
 * An opening between two regions: exploration sent through it aims at a point drawn uniformly in
 * the box `centre +- halfExtent` and counts it passed once past that point along `axis`.
 *
 * @example
 * ```ts
 * const door: Doorway = { centre: [32, 10], halfExtent: [1, 2], axis: [1, 0] }
 * ```
 */
export interface Doorway {
  /** The box's centre, in the coordinates of the observation's first two numbers. */
  readonly centre: readonly [number, number]
  /** Half the box's width and height: the aim is drawn uniformly within. */
  readonly halfExtent: readonly [number, number]
  /** The direction of crossing (either way along it); need not have unit length. */
  readonly axis: readonly [number, number]
}

/**
 * An environment as plain functions over an immutable `State`. `Action` narrows the action space
 * when it is known statically (the built-ins say `Box` or `Discrete`), so code handed a specific
 * environment needs no check of its kind.
 *
 * For a `Discrete` action space, `transition` receives the chosen integer as `Float64Array.of(index)`
 * (`index` includes the space's `start`): one signature serves both kinds, and a Box definition
 * never sees anything else. `DefinedEnv.step` takes the integer itself.
 *
 * @example
 * ```ts
 * const line: EnvDefinition<number> = {
 *   id: "line",
 *   description: "A point on a line that should reach 0.",
 *   observationSpace: new Box({ low: -10, high: 10, shape: [1] }),
 *   actionSpace: new Box({ low: -1, high: 1, shape: [1] }),
 *   maxEpisodeSteps: 50,
 *   initialState: (rng) => rng.uniformIn(-5, 5),
 *   transition: (x, action) => {
 *     const next = Math.max(-10, Math.min(10, x + action[0]!))
 *     return { state: next, reward: -Math.abs(next), terminated: Math.abs(next) < 0.1 }
 *   },
 *   observe: (x) => Float64Array.of(x)
 * }
 * ```
 */
export interface EnvDefinition<State, Action extends ActionSpace = ActionSpace> {
  /** The registry name, e.g. `"point-mass"`. */
  readonly id: string
  /** One sentence for listings. */
  readonly description: string
  /** The box every observation lies in; its size is the observation's length. */
  readonly observationSpace: Box
  /** A `Box` or a `Discrete`; see the interface's notes for how a discrete action reaches `transition`. */
  readonly actionSpace: Action
  /** Steps after which an episode is truncated. */
  readonly maxEpisodeSteps: number
  /**
   * What `step` does with an action outside `actionSpace`: `"reject"` (the default) throws an
   * `InvalidValueError` naming it; `"clip"` puts each component on the nearest bound, as
   * Gymnasium's ports do (Pendulum-v1 clips its torque). Non-finite actions and wrong lengths are
   * always rejected; a `Discrete` space always rejects (there is no nearest choice to clip to).
   */
  readonly outOfRangeActions?: "reject" | "clip"
  /**
   * The coordinates of the observation a goal constrains, when the goal is only part of a state
   * (a place, not a place and an orientation): a planner then judges arrival on these coordinates
   * only. Absent: the whole observation.
   */
  readonly goalDimensions?: ReadonlyArray<number>
  /**
   * How much each of `goalDimensions` weighs in judging arrival (default all 1), for a task that
   * cares about some coordinates more than others (Pendulum: the angle over the speed, as its
   * reward does). Needs `goalDimensions`, one weight each.
   */
  readonly goalWeights?: ReadonlyArray<number>
  /**
   * The goal observation of an environment whose episodes report no `goal` in their info, because
   * its task is one fixed state (Pendulum: upright and still). Planners aim at it.
   */
  readonly goal?: ReadonlyArray<number>
  /**
   * Narrow openings between regions of the state space (the door between two rooms), in the
   * coordinates of the observation's first two numbers. Exploration may send a share of its
   * episodes through one (`doorwayWalkPolicy`, the configuration's `data.doorwayRate`), so that
   * offline data holds the crossings a plain random walk makes too rarely. `defineEnv` checks them
   * (see `checkDoorway`).
   */
  readonly doorways?: ReadonlyArray<Doorway>
  /**
   * Starts an episode, drawing only from `rng` so that a seed fixes it. `options` are the
   * environment-specific reset options; throw `InvalidValueError` for bad ones.
   */
  initialState(rng: Random, options: Readonly<Record<string, unknown>> | undefined): State
  /**
   * Applies an action that is already validated against `actionSpace` (and clipped into it under
   * `outOfRangeActions: "clip"`); a discrete choice arrives as `Float64Array.of(index)`. Must not
   * mutate `state`: batched copies and tests rely on old states staying valid.
   */
  transition(state: State, action: Float64Array, rng: Random): TransitionResult<State>
  /** The observation of a state, a point of `observationSpace`. */
  observe(state: State): Float64Array
  /** Extra facts reported with each reset and step (the goal, whether it was reached, ...). */
  info?(state: State): Info
  /** An SVG picture of the state. */
  render?(state: State): string
  /** The state as an image, for pixel observations and datasets; absent for state-only environments. */
  readonly image?: ImageRenderer<State>
  /**
   * The same dynamics as a differentiable world model whose encoder is the identity on
   * observations, so planners can be tested without any learning.
   */
  groundTruthModel?(): WorldModel
}
