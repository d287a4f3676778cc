/**
 * The configuration's keep-out guardrail, made concrete for one run: which episodes suit it, the
 * constraints a planner keeps, the memory without the landmarks inside the zones, and the count
 * of steps the agent's true position spends inside one.
 *
 * @module
 */
import { type Info, InvalidValueError } from "@telos/core"
import type { EnvSpec } from "@telos/envs"
import {
  type Constraint,
  coordinatePosition,
  keepLandmarks,
  keepOutZone,
  type LandmarkGraph,
  type PositionReader
} from "@telos/planner"
import type { GuardrailConfig, RunConfig } from "../configurator/RunConfig.js"
import type { PositionProbe } from "./LatentMemory.js"

/** Seeds tried per episode wanted before the zones are judged to leave too few clear episodes. */
const seedsTriedPerEpisode = 100

/**
 * Whether the configuration sets any zone.
 *
 * @example
 * ```ts
 * guarded(config) // false with the defaults
 * ```
 */
export const guarded = (config: RunConfig): boolean => config.guardrail.keepOut.length > 0

/**
 * Whether `position` lies within `extra` of a zone (inside it, for 0).
 *
 * @example
 * ```ts
 * insideZones(config.guardrail, [18, 32], 0) // true for a zone centred there
 * ```
 */
export const insideZones = (
  guardrail: GuardrailConfig,
  position: readonly [number, number],
  extra: number
): boolean =>
  guardrail.keepOut.some(
    (zone) => Math.hypot(position[0] - zone.center[0], position[1] - zone.center[1]) < zone.radius + extra
  )

const positionIn = (guardrail: GuardrailConfig, observation: ArrayLike<number>): [number, number] => [
  observation[guardrail.position[0]] as number,
  observation[guardrail.position[1]] as number
]

/**
 * The first `episodes` seeds from the run's seed whose start and goal both lie clear of every zone
 * and its margin: an episode that starts inside a zone, or must end in one, breaks the guardrail
 * before any plan. Read on the state environment (a pixel variant starts where it does).
 *
 * @example
 * ```ts
 * const seeds = guardedSeeds(config, envRegistry.get("two-rooms"))
 * ```
 */
export const guardedSeeds = (config: RunConfig, spec: EnvSpec<unknown>): ReadonlyArray<number> => {
  const env = spec.make()
  const wanted = config.evaluation.episodes
  const seeds: Array<number> = []
  const last = config.seed + wanted * seedsTriedPerEpisode
  for (let seed = config.seed; seeds.length < wanted; seed++) {
    if (seed >= last) {
      throw new InvalidValueError({
        field: "guardrail.keepOut",
        expected: `zones that leave ${wanted} episodes starting and ending clear of them (margin included)`,
        received: `${seeds.length} among seeds ${config.seed} to ${last - 1}`
      })
    }
    const { observation, info } = env.reset({ seed })
    const goal = (info.goal as ArrayLike<number> | undefined) ?? config.cost.goal ?? undefined
    const margin = config.guardrail.margin
    const clear =
      !insideZones(
        config.guardrail,
        positionIn(config.guardrail, observation as ArrayLike<number>),
        margin
      ) &&
      (goal === undefined || !insideZones(config.guardrail, positionIn(config.guardrail, goal), margin))
    if (clear) seeds.push(seed)
  }
  return seeds
}

/**
 * Whether a step ended inside a zone, on the true position: the state observation's coordinates,
 * or `info.position` for an agent that sees pixels.
 *
 * @example
 * ```ts
 * const violates = zoneViolation(config.guardrail, false)
 * violates(info, observation)
 * ```
 */
export const zoneViolation =
  (guardrail: GuardrailConfig, pixels: boolean) =>
  (info: Info, observation: ArrayLike<number>): boolean => {
    if (!pixels) return insideZones(guardrail, positionIn(guardrail, observation), 0)
    const position = info.position as ArrayLike<number> | undefined
    if (position === undefined || position.length < 2) {
      throw new InvalidValueError({
        field: "guardrail",
        expected: "a pixel environment whose info reports the true position as `position` [x, y]",
        received: position === undefined ? "no info.position" : `info.position of ${position.length}`
      })
    }
    return insideZones(guardrail, [position[0] as number, position[1] as number], 0)
  }

/**
 * The zones, each widened by the margin, as constraints on positions read by `position`.
 *
 * @example
 * ```ts
 * constrainedPlanner(planner, zoneConstraints(config.guardrail, probe.position), { outerIterations: 3 })
 * ```
 */
export const zoneConstraints = (
  guardrail: GuardrailConfig,
  position: PositionReader
): ReadonlyArray<Constraint> =>
  guardrail.keepOut.map((zone) =>
    keepOutZone({ center: zone.center, radius: zone.radius + guardrail.margin, position })
  )

/**
 * The memory without the landmarks within a zone or its margin, so that no waypoint lies there.
 *
 * @example
 * ```ts
 * const graph = memoryClearOfZones(memory, config.guardrail, probe.positionOf)
 * ```
 */
export const memoryClearOfZones = (
  graph: LandmarkGraph,
  guardrail: GuardrailConfig,
  positionOf: PositionProbe["positionOf"]
): LandmarkGraph =>
  keepLandmarks(graph, (latent) => !insideZones(guardrail, positionOf(latent), guardrail.margin))

/**
 * Positions of a ground-truth model, whose latent is the state observation: its coordinates.
 *
 * @example
 * ```ts
 * truthPositions(config.guardrail).positionOf(Float32Array.of(3, 4)) // [3, 4]
 * ```
 */
export const truthPositions = (guardrail: GuardrailConfig): PositionProbe => ({
  positionOf: (latent) => positionIn(guardrail, latent),
  position: coordinatePosition(guardrail.position[0], guardrail.position[1])
})
