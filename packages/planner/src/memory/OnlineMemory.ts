/**
 * Online memory: what an agent remembers of the episode it is in, built from its own observations
 * as it acts, with nothing recorded beforehand (usable in a place never seen in training). The
 * stall memory keeps the latents where an episode stopped making way and makes every level's plans
 * keep away from them: a latent distance to the goal has its minimum against a wall that stands
 * between the agent and the goal, and a planner that follows it stays there.
 *
 * @module
 */
import type { Cost } from "@telos/core"
import { describeValue, InvalidValueError } from "@telos/core"
import { checkDistanceMetric, type DistanceMetric } from "../cost/Cost.js"
import { repulsionCost } from "../cost/Repulsion.js"
import { squaredDistance } from "./Rows.js"

/** What one batch of episodes remembers, updated as the agents act. */
export interface EpisodeMemory {
  /**
   * Records where every running episode is now, `[N, D]` row-major (the latents level 0 plans
   * from), once per plan of level 0.
   */
  observe(latents: Float32Array, running: ReadonlyArray<boolean>): void
  /**
   * The cost term a plan over `episodes` (the batch's episode indices, in the plan's row order)
   * adds to its level's cost; `undefined` while none of them remembers anything. `heights` is the
   * unit of the level's goal cost (default `"squared"`), so that a remembered point weighs against
   * the goal distance the same at every level.
   */
  cost(episodes: ReadonlyArray<number>, heights?: DistanceMetric): Cost | undefined
  /** Points each episode remembers so far (stalls, for the stall memory). */
  remembered(): ReadonlyArray<number>
}

/** A kind of online memory: started afresh for every batch of episodes. */
export interface OnlineMemory {
  /** A short name for reports. */
  readonly name: string
  /** Starts the memory of a batch of episodes with goal latents `goals`, `[N, D]` row-major. */
  start(goals: Float32Array, latentSize: number): EpisodeMemory
}

/** Options of {@link stallMemory}; distances are in units of `stepLength`. */
export interface StallMemoryOptions {
  /**
   * The latent distance of a typical environment step (e.g. the median distance between
   * consecutive recorded latents): the unit of `stallDistance` and `width`.
   */
  readonly stepLength: number
  /** Plans of level 0 over which an episode's way is judged (default 4). */
  readonly window?: number
  /** An episode has stalled when it moved less than this far over the window (default 1.5). */
  readonly stallDistance?: number
  /** The distance at which a stall point's repulsion falls to 1/e (default 10). */
  readonly width?: number
  /**
   * A stall point's height as a multiple of its latent distance to the goal, squared or not as the
   * level's cost measures it (default 1): where the agent stalled then costs twice what the goal
   * distance alone says.
   */
  readonly strength?: number
  /** Stall points kept per episode; the oldest makes room (default 16). */
  readonly capacity?: number
}

/**
 * The stall memory's settings where its options name none; distances in `stepLength`s. Chosen on
 * the diverse mazes' validation layouts (the README has the table).
 *
 * @example
 * ```ts
 * stallMemoryDefaults.window // 4
 * ```
 */
export const stallMemoryDefaults: Required<Omit<StallMemoryOptions, "stepLength">> = {
  window: 4,
  stallDistance: 1.5,
  width: 10,
  strength: 1,
  capacity: 16
}

const positive = (field: string, value: unknown, integer: boolean): number => {
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new InvalidValueError({
      field: `stallMemory.${field}`,
      expected: integer ? "a positive integer" : "a finite number > 0",
      received: describeValue(value)
    })
  }
  return value
}

/**
 * An online memory of the places where each episode stalled. After every plan of level 0 it
 * compares where the episode is with where it was `window` plans before; closer than
 * `stallDistance` (and no stall recorded within the window), the present latent becomes a stall
 * point, whose Gaussian repulsion every level's cost then adds (see `repulsionCost`). Repeated
 * stalls in one place stack their bumps until the way round is cheaper.
 *
 * @example
 * ```ts
 * const agent = hierarchicalAgent(levels, { onlineMemory: stallMemory({ stepLength: 0.3 }) })
 * ```
 */
export const stallMemory = (options: StallMemoryOptions): OnlineMemory => {
  const stepLength = positive("stepLength", options.stepLength, false)
  const window = positive("window", options.window ?? stallMemoryDefaults.window, true)
  const stallDistance =
    positive("stallDistance", options.stallDistance ?? stallMemoryDefaults.stallDistance, false) * stepLength
  const width = positive("width", options.width ?? stallMemoryDefaults.width, false) * stepLength
  const strength = positive("strength", options.strength ?? stallMemoryDefaults.strength, false)
  const capacity = positive("capacity", options.capacity ?? stallMemoryDefaults.capacity, true)
  return {
    name: `stall memory (window ${window}, ${capacity} points)`,
    start: (goals, latentSize) => {
      if (!Number.isInteger(latentSize) || latentSize < 1 || goals.length % latentSize !== 0) {
        throw new InvalidValueError({
          field: "stallMemory goals",
          expected: `rows of the latent size (${describeValue(latentSize)})`,
          received: `${goals.length} numbers`
        })
      }
      const episodes = goals.length / latentSize
      // The last window + 1 latents of each episode, a ring per episode.
      const history = new Float32Array(episodes * (window + 1) * latentSize)
      const seen = new Int32Array(episodes)
      const sinceStall = new Int32Array(episodes).fill(window)
      const points = new Float32Array(episodes * capacity * latentSize)
      // Squared latent distances to the goal; the heights follow from them in the level's unit.
      const goalDistances = new Float32Array(episodes * capacity)
      const stored = new Int32Array(episodes)
      return {
        observe: (latents, running) => {
          if (latents.length !== goals.length || running.length !== episodes) {
            throw new InvalidValueError({
              field: "stallMemory latents",
              expected: `[${episodes}, ${latentSize}] and ${episodes} running flags`,
              received: `${latents.length} numbers, ${running.length} flags`
            })
          }
          for (let episode = 0; episode < episodes; episode++) {
            if (running[episode] !== true) continue
            const at = episode * latentSize
            const count = seen[episode] as number
            const ring = episode * (window + 1)
            history.set(latents.subarray(at, at + latentSize), (ring + (count % (window + 1))) * latentSize)
            seen[episode] = count + 1
            sinceStall[episode] = (sinceStall[episode] as number) + 1
            if (count < window || (sinceStall[episode] as number) < window) continue
            const before = (ring + ((count - window) % (window + 1))) * latentSize
            const moved = Math.sqrt(squaredDistance(latents, at, history, before, latentSize))
            if (moved >= stallDistance) continue
            const slot = (stored[episode] as number) % capacity
            stored[episode] = (stored[episode] as number) + 1
            sinceStall[episode] = 0
            points.set(latents.subarray(at, at + latentSize), (episode * capacity + slot) * latentSize)
            goalDistances[episode * capacity + slot] = squaredDistance(latents, at, goals, at, latentSize)
          }
        },
        cost: (rows, heights = "squared") => {
          checkDistanceMetric(heights, "stallMemory heights")
          if (!rows.some((episode) => (stored[episode] as number) > 0)) return undefined
          const planPoints = new Float32Array(rows.length * capacity * latentSize)
          const planHeights = new Float32Array(rows.length * capacity)
          rows.forEach((episode, row) => {
            planPoints.set(
              points.subarray(episode * capacity * latentSize, (episode + 1) * capacity * latentSize),
              row * capacity * latentSize
            )
            for (let slot = 0; slot < capacity; slot++) {
              const squared = goalDistances[episode * capacity + slot] as number
              planHeights[row * capacity + slot] =
                strength * (heights === "distance" ? Math.sqrt(squared) : squared)
            }
          })
          return repulsionCost({
            points: planPoints,
            heights: planHeights,
            problems: rows.length,
            latentSize,
            width
          })
        },
        remembered: () => Array.from(stored, (count) => Math.min(count, capacity))
      }
    }
  }
}
