/**
 * The configurator's last step: the agents a run's configuration asks for, built from the
 * pipeline's products (the JEPA, its levels, the memory, the goal probe) or from the environment's
 * ground-truth model. Every agent of every run is made here.
 *
 * @module
 */
import type { Planner, WorldModel } from "@telos/core"
import {
  type Agent,
  actionMagnitudeCost,
  addCosts,
  type CostFactory,
  categoricalCemPlanner,
  cemPlanner,
  flatAgent,
  goalCost,
  gradientPlanner,
  hierarchicalAgent,
  type LandmarkGraph,
  type LatentProbe,
  landmarkSubgoals,
  mppiPlanner,
  type PlanningLevel,
  probeAlignedGoals,
  probedGoalCost,
  randomShootingPlanner,
  scaleCost
} from "@telos/planner"
import type { ActorConfig, AgentKind, RunConfig } from "../configurator/RunConfig.js"
import { probeDimensions } from "./Stages.js"

/**
 * The planner an actor's settings name.
 *
 * @example
 * ```ts
 * plannerOf({ planner: "cem", horizon: 8, iterations: 6, warmStartIterations: 3, candidates: 128, replanInterval: null })
 * ```
 */
export const plannerOf = (actor: ActorConfig): Planner => {
  const { iterations, warmStartIterations, candidates } = actor
  switch (actor.planner) {
    case "gradient":
      return gradientPlanner({ iterations, warmStartIterations, restarts: candidates })
    case "cem":
      return cemPlanner({
        iterations,
        warmStartIterations,
        samples: candidates,
        elites: Math.max(2, Math.round(candidates / 8))
      })
    case "mppi":
      return mppiPlanner({ iterations, warmStartIterations, samples: candidates })
    case "categorical-cem":
      return categoricalCemPlanner({
        iterations,
        warmStartIterations,
        samples: candidates,
        elites: Math.max(2, Math.round(candidates / 8))
      })
  }
}

/** The probe of a ground-truth model: its latent is the observation, so the probe selects coordinates. */
export const selectionProbe = (observationSize: number, dimensions: ReadonlyArray<number>): LatentProbe => {
  const weights = new Float32Array(observationSize * dimensions.length)
  dimensions.forEach((dimension, column) => {
    weights[dimension * dimensions.length + column] = 1
  })
  return {
    latentSize: observationSize,
    outputSize: dimensions.length,
    weights,
    bias: new Float32Array(dimensions.length)
  }
}

/**
 * The cost factory of the configuration: the goal judged on the latent or through the probe, over
 * every predicted step, plus the action term when its weight is above 0.
 *
 * @example
 * ```ts
 * const cost = costOf(config, probe)
 * ```
 */
export const costOf = (config: RunConfig, probe: LatentProbe | undefined): CostFactory => {
  const weights = config.cost.weights.length === 0 ? {} : { weights: config.cost.weights }
  const reach: CostFactory =
    config.cost.judgedOn === "probe" && probe !== undefined
      ? (targets) => probedGoalCost({ goal: targets, probe, mode: "running", ...weights })
      : (targets) => goalCost({ goal: targets, mode: "running", ...weights })
  const weight = config.cost.actionWeight
  return weight > 0 ? (targets) => addCosts(reach(targets), scaleCost(weight, actionMagnitudeCost())) : reach
}

/** What the agents are made of. */
export interface AgentParts {
  /** The run's configuration. */
  readonly config: RunConfig
  /** Level 0's model (the JEPA's, or the ground truth's). */
  readonly model: WorldModel
  /** The levels above 0, lowest first (empty without a hierarchy). */
  readonly upperModels: ReadonlyArray<WorldModel>
  /** The probe the cost reads goals through (`cost.judgedOn: "probe"`); `undefined` otherwise. */
  readonly probe: LatentProbe | undefined
  /** The landmark memory the `+memory` agents take waypoints from; `undefined` when there is none. */
  readonly memory: LandmarkGraph | undefined
  /** Numbers in an observation (the goal probe reads some of them). */
  readonly observationSize: number
}

/**
 * The agent of one kind: `flat` plans with level 0 alone, `hierarchical` with every level, each
 * `+memory` with the landmark memory above its top level; `ground-truth` is the flat agent over the
 * environment's own dynamics (its parts say so).
 *
 * @example
 * ```ts
 * const agent = agentOf("hierarchical", parts)
 * runEpisodes(envs, seeds, agent, { rng })
 * ```
 */
export const agentOf = (kind: AgentKind, parts: AgentParts): Agent => {
  const { config } = parts
  const cost = costOf(config, parts.probe)
  if (kind === "random") {
    return flatAgent({
      model: parts.model,
      planner: randomShootingPlanner({ samples: 1, useWarmStart: false, name: "random" }),
      horizon: 1,
      cost,
      name: "random"
    })
  }
  // A pixel goal is an image: its coordinates are not in it to align with, so it is only encoded.
  const encodeGoals =
    config.cost.judgedOn === "probe" && parts.probe !== undefined && config.data.observations === "state"
      ? probeAlignedGoals(parts.model, parts.probe, probeDimensions(config, parts.observationSize))
      : undefined
  const withMemory = kind.endsWith("+memory")
  const memory =
    withMemory && parts.memory !== undefined
      ? landmarkSubgoals(parts.memory, { lookahead: config.memory.lookahead })
      : undefined
  const bottom: PlanningLevel = {
    model: parts.model,
    planner: plannerOf(config.actor),
    horizon: config.actor.horizon,
    cost,
    ...(config.actor.replanInterval === null ? {} : { replanInterval: config.actor.replanInterval })
  }
  const upper: ReadonlyArray<PlanningLevel> = kind.startsWith("hierarchical")
    ? parts.upperModels.map((model) => ({
        model,
        planner: plannerOf(config.upperActor),
        horizon: config.upperActor.horizon,
        cost,
        ...(config.upperActor.replanInterval === null
          ? {}
          : { replanInterval: config.upperActor.replanInterval })
      }))
    : []
  // One level is exactly the flat agent (the memory, if any, directs it; anchors need a level above).
  return hierarchicalAgent([bottom, ...upper], {
    ...(memory === undefined ? {} : { memory }),
    ...(parts.memory === undefined || !withMemory ? {} : { subgoalAnchors: parts.memory.landmarks }),
    ...(encodeGoals === undefined ? {} : { encodeGoals }),
    name: `${kind}: ${[bottom, ...upper].map((level) => level.planner.name).join(" < ")}`
  })
}
