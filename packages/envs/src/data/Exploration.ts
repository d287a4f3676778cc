/**
 * Exploration policies for collecting offline data without any task in mind: they ignore rewards
 * and goals and only try to cover the state space. A policy is seeded per episode and keeps its
 * own per-episode state (a heading, say), so the same seed always gives the same actions.
 *
 * @module
 */
import { type Box, InvalidValueError, type Random } from "@telos/core"
import type { ActionSpace } from "../define/EnvDefinition.js"
import { sampleVonMises, wrapAngle } from "./VonMises.js"
import { walkSteps } from "./WalkSteps.js"

/**
 * One episode of an exploration policy.
 *
 * @example
 * ```ts
 * const episode = uniformPolicy(pointMassActionSpace).startEpisode(Random.fromSeed(0))
 * const action = episode.act(observation, new Float64Array(2))
 * ```
 */
export interface ExplorationEpisode {
  /**
   * Writes the next action into `target` and returns it, in the form a definition's `transition`
   * receives: one number per component for a `Box` space, the chosen integer in `target[0]` for a
   * `Discrete` one (the collector one-hot encodes it for the dataset).
   */
  act(observation: Float64Array, target: Float64Array): Float64Array
}

/**
 * A policy that explores: a name, its settings (recorded in dataset headers), and a way to start
 * an episode from a random stream.
 *
 * @example
 * ```ts
 * const policy = randomWalkPolicy(new Box({ low: -2.45, high: 2.45, shape: [2] }), { concentration: 5 })
 * policy.settings // { policy: "random-walk", concentration: 5, minimumStep: 0, maximumStep: 2.45 }
 * ```
 */
export interface ExplorationPolicy {
  /** The policy's name (`uniform`, `random-walk`). */
  readonly id: string
  /** Its settings, recorded in dataset headers. */
  readonly settings: Readonly<Record<string, string | number>>
  /** Starts an episode, drawing what it needs from `rng`. */
  startEpisode(rng: Random): ExplorationEpisode
}

const requireFiniteBox = (actionSpace: Box, field: string): void => {
  for (let i = 0; i < actionSpace.size; i++) {
    const low = actionSpace.low[i] as number
    const high = actionSpace.high[i] as number
    if (!Number.isFinite(low) || !Number.isFinite(high)) {
      throw new InvalidValueError({
        field: `${field}[${i}]`,
        expected: "finite bounds",
        received: `[${low}, ${high}]`
      })
    }
  }
}

/**
 * Uniform random actions, drawn independently every step: uniform in a box with finite bounds, or
 * one of the `n` choices of a `Discrete` space (written as its integer into `target[0]`).
 *
 * @example
 * ```ts
 * const policy = uniformPolicy(new Box({ low: -2, high: 2, shape: [1] }))
 * policy.startEpisode(Random.fromSeed(1)).act(Float64Array.of(0), new Float64Array(1)) // [x] with |x| <= 2
 * const moves = uniformPolicy(new Discrete(5))
 * moves.startEpisode(Random.fromSeed(1)).act(Float64Array.of(0, 0), new Float64Array(1)) // [k], k in 0..4
 * ```
 */
export const uniformPolicy = (actionSpace: ActionSpace): ExplorationPolicy => {
  if (actionSpace._tag === "Discrete") {
    return {
      id: "uniform",
      settings: { policy: "uniform" },
      startEpisode: (rng) => ({
        act: (_observation, target) => {
          target[0] = actionSpace.sample(rng)
          return target
        }
      })
    }
  }
  requireFiniteBox(actionSpace, "actionSpace")
  const { low, high, size } = actionSpace
  return {
    id: "uniform",
    settings: { policy: "uniform" },
    startEpisode: (rng) => ({
      act: (_observation, target) => {
        for (let i = 0; i < size; i++) {
          const lowest = low[i] as number
          target[i] = Math.min(high[i] as number, lowest + ((high[i] as number) - lowest) * rng.uniform())
        }
        return target
      }
    })
  }
}

/**
 * Settings of {@link randomWalkPolicy}.
 *
 * @example
 * ```ts
 * const options: RandomWalkOptions = { concentration: 5, minimumStep: 0.5, maximumStep: 2 }
 * ```
 */
export interface RandomWalkOptions {
  /** Kappa of the von Mises turn each step; larger keeps the heading straighter (default 5). */
  readonly concentration?: number | undefined
  /** Smallest step length (default 0). */
  readonly minimumStep?: number | undefined
  /** Largest step length (default the largest displacement along an axis that the box allows). */
  readonly maximumStep?: number | undefined
}

/**
 * PLDM's random walk for displacement-action worlds (an action is a 2-D move `[dx, dy]`): a
 * persistent heading, drawn uniformly at the start of an episode and turned each step by a von
 * Mises angle, and a step length drawn uniformly in `[minimumStep, maximumStep]` each step; the
 * resulting move is clipped to the action box.
 *
 * @example
 * ```ts
 * const policy = randomWalkPolicy(new Box({ low: -2.45, high: 2.45, shape: [2] }))
 * const episode = policy.startEpisode(Random.fromSeed(4))
 * episode.act(observation, new Float64Array(2)) // a move of length <= 2.45 in the current heading
 * ```
 */
export const randomWalkPolicy = (actionSpace: Box, options: RandomWalkOptions = {}): ExplorationPolicy => {
  if (actionSpace.size !== 2) {
    throw new InvalidValueError({
      field: "actionSpace",
      expected: "a 2-D box of displacements [dx, dy]",
      received: `a box of shape [${actionSpace.shape.join(", ")}]`
    })
  }
  requireFiniteBox(actionSpace, "actionSpace")
  const { concentration, minimumStep, maximumStep, move } = walkSteps(actionSpace, options)
  return {
    id: "random-walk",
    settings: { policy: "random-walk", concentration, minimumStep, maximumStep },
    startEpisode: (rng) => {
      let heading = rng.uniformIn(-Math.PI, Math.PI)
      return {
        act: (_observation, target) => {
          // Wrapped, so that a long episode never feeds cos and sin a huge angle.
          heading = wrapAngle(heading + sampleVonMises(rng, concentration))
          return move(target, heading, rng)
        }
      }
    }
  }
}

/**
 * Settings of {@link correlatedPolicy}.
 *
 * @example
 * ```ts
 * const options: CorrelatedOptions = { persistence: 0.95 }
 * ```
 */
export interface CorrelatedOptions {
  /**
   * How much of each action carries over to the next, in `[0, 1)`: the per-step correlation of
   * the actions (default 0.95, an action's memory lasting about 20 steps; 0 is independent noise).
   */
  readonly persistence?: number | undefined
}

/**
 * Temporally correlated random actions for any box (an autoregressive process, as the
 * Ornstein-Uhlenbeck noise of continuous-control exploration): per component, around the box's
 * centre, `a_t = persistence * a_{t-1} + sqrt(1 - persistence^2) * halfWidth * noise`, the noise
 * standard normal, the action clipped to the box; the first action is drawn at the stationary
 * spread. Independent uniform actions average out within a few steps; correlated ones push the same
 * way long enough to build up speed, so a body with inertia (a pendulum swinging up) reaches states
 * that uniform noise seldom does.
 *
 * @example
 * ```ts
 * const policy = correlatedPolicy(new Box({ low: -2, high: 2, shape: [1] }), { persistence: 0.9 })
 * policy.startEpisode(Random.fromSeed(1)).act(Float64Array.of(1, 0, 0), new Float64Array(1)) // [x], |x| <= 2
 * ```
 */
export const correlatedPolicy = (actionSpace: Box, options: CorrelatedOptions = {}): ExplorationPolicy => {
  requireFiniteBox(actionSpace, "actionSpace")
  const persistence = options.persistence ?? 0.95
  if (!(persistence >= 0 && persistence < 1)) {
    throw new InvalidValueError({
      field: "persistence",
      expected: "a number in [0, 1)",
      received: String(persistence)
    })
  }
  const { low, high, size } = actionSpace
  const innovation = Math.sqrt(1 - persistence * persistence)
  return {
    id: "correlated",
    settings: { policy: "correlated", persistence },
    startEpisode: (rng) => {
      // The process in half-widths around the centre; the clipped action is read from it.
      const state = Float64Array.from({ length: size }, () => rng.normal())
      let started = false
      return {
        act: (_observation, target) => {
          for (let i = 0; i < size; i++) {
            if (started) state[i] = persistence * (state[i] as number) + innovation * rng.normal()
            const lowest = low[i] as number
            const highest = high[i] as number
            const value = (lowest + highest) / 2 + ((highest - lowest) / 2) * (state[i] as number)
            target[i] = Math.min(highest, Math.max(lowest, value))
          }
          started = true
          return target
        }
      }
    }
  }
}
