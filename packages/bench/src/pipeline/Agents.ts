/**
 * The configurator's last step: the agents a run's configuration asks for, built from the
 * pipeline's products (the JEPA, its levels, the memory, the goal probe) or from the environment's
 * ground-truth model. Every agent of every run is made here.
 *
 * @module
 */
import { type Info, InvalidValueError, type Planner, type WorldModel } from "@telos/core"
import type { EnvSpec } from "@telos/envs"
import {
  type Agent,
  actionMagnitudeCost,
  addCosts,
  type CostFactory,
  categoricalCemPlanner,
  cemPlanner,
  constrainedPlanner,
  type DistanceMetric,
  type FlatAgentOptions,
  flatAgent,
  goalCost,
  gradientPlanner,
  type HierarchyOptions,
  hierarchicalAgent,
  hybridPlanner,
  type LandmarkGraph,
  type LatentProbe,
  landmarkRouteCosts,
  landmarkSubgoals,
  mppiPlanner,
  type OnlineMemory,
  type PlanningLevel,
  passageConstraint,
  penaltyCost,
  probeAlignedGoals,
  probedGoalCost,
  randomShootingPlanner,
  scaleCost,
  stallMemory
} from "@telos/planner"
import {
  type ActorConfig,
  type AgentKind,
  levelActor,
  type RunConfig,
  usesOnlineMemory
} from "../configurator/RunConfig.js"
import { guarded, memoryClearOfZones, truthPositions, zoneConstraints } from "./Guardrail.js"
import type { PositionProbe } from "./LatentMemory.js"

/**
 * The observation coordinates the goal is judged on through the probe: the configured ones, or all
 * of them.
 */
export const probeDimensions = (config: RunConfig, observationSize: number): ReadonlyArray<number> =>
  config.cost.dimensions.length > 0
    ? config.cost.dimensions
    : Array.from({ length: observationSize }, (_, index) => index)

/**
 * The goal an episode's agent is given, from the reset's info: the goal's image for an agent that
 * perceives pixels, the configuration's fixed goal when it has one; `undefined`: the environment's
 * own goal observation (`info.goal`).
 *
 * @example
 * ```ts
 * const goalOf = episodeGoal(config, true)
 * goalOf?.(info) // the goal image, scaled to [0, 1]
 * ```
 */
export const episodeGoal = (
  config: RunConfig,
  pixels: boolean
): ((info: Info) => ArrayLike<number>) | undefined => {
  const goal = config.cost.goal
  if (pixels) return (info) => Float32Array.from(info.goalImage as Uint8Array, (value) => value / 255)
  return goal === null ? undefined : () => goal
}

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
  const elites = Math.max(2, Math.round(candidates / 8))
  // CEM's settings, alone and as the hybrid's first stage.
  const cem = {
    iterations,
    warmStartIterations,
    samples: candidates,
    elites,
    ...(actor.initialStd === null ? {} : { initialStd: actor.initialStd })
  }
  switch (actor.planner) {
    case "gradient":
      return gradientPlanner({
        iterations,
        warmStartIterations,
        restarts: candidates,
        ...(actor.learningRate === null ? {} : { learningRate: actor.learningRate }),
        ...(actor.initialStd === null ? {} : { initialStd: actor.initialStd })
      })
    case "cem":
      return cemPlanner(cem)
    case "mppi":
      return mppiPlanner({
        iterations,
        warmStartIterations,
        samples: candidates,
        ...(actor.noiseStd === null ? {} : { noiseStd: actor.noiseStd }),
        ...(actor.temperature === null ? {} : { temperature: actor.temperature })
      })
    case "categorical-cem":
      return categoricalCemPlanner({ iterations, warmStartIterations, samples: candidates, elites })
    case "random-shooting":
      return randomShootingPlanner({ samples: candidates })
    case "hybrid":
      return hybridPlanner(
        cemPlanner(cem),
        gradientPlanner({
          iterations: actor.refineSteps,
          restarts: 1,
          ...(actor.learningRate === null ? {} : { learningRate: actor.learningRate })
        })
      )
  }
}

/**
 * Restarts that give the gradient planner of `actor` about `predictions` world-model predictions
 * per environment step: a warm-started plan scores the start, each iteration and the end for every
 * restart over the horizon, then reads the chosen plan out once.
 *
 * @example
 * ```ts
 * matchedRestarts({ ...actor, horizon: 16, warmStartIterations: 10 }, 3088) // 16
 * ```
 */
export const matchedRestarts = (
  actor: Pick<ActorConfig, "horizon" | "warmStartIterations">,
  predictions: number
): number =>
  Math.max(1, Math.round((predictions - actor.horizon) / ((actor.warmStartIterations + 2) * actor.horizon)))

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
 * The metric of a level's goal cost (0: the primitive level): `cost.metric`, or above level 0
 * `cost.upperMetric` when set; squared when neither is.
 *
 * @example
 * ```ts
 * levelMetric(config, 1) // "distance" with cost.upperMetric: "distance"
 * ```
 */
export const levelMetric = (config: RunConfig, level: number): DistanceMetric =>
  (level > 0 ? config.cost.upperMetric : undefined) ?? config.cost.metric ?? "squared"

/**
 * The cost factory of the configuration: the goal judged on the latent or through the probe, over
 * every predicted step or the last (`cost.mode`), by `metric` (level 0's by default), plus the
 * action term when its weight is above 0.
 *
 * @example
 * ```ts
 * const cost = costOf(config, probe)
 * ```
 */
export const costOf = (
  config: RunConfig,
  probe: LatentProbe | undefined,
  metric: DistanceMetric = levelMetric(config, 0)
): CostFactory => {
  const weights = config.cost.weights.length === 0 ? {} : { weights: config.cost.weights }
  const judged = { mode: config.cost.mode, metric, ...weights }
  const reach: CostFactory =
    config.cost.judgedOn === "probe" && probe !== undefined
      ? (targets) => probedGoalCost({ goal: targets, probe, ...judged })
      : (targets) => goalCost({ goal: targets, ...judged })
  const weight = config.cost.actionWeight
  return weight > 0 ? (targets) => addCosts(reach(targets), scaleCost(weight, actionMagnitudeCost())) : reach
}

/**
 * The cost of level `level + 1` (the first level above 0 is `level` 0): the run's cost, plus the
 * memory's route to the target and its passage guardrail when the configuration weighs them.
 *
 * @example
 * ```ts
 * const cost = upperLevelCost(parts, 0)(targets)
 * ```
 */
export const upperLevelCost = (parts: AgentParts, level: number): CostFactory => {
  const { config, memory: graph } = parts
  const cost = costOf(config, parts.probe, levelMetric(config, level + 1))
  const route = graph !== undefined && config.memory.routeWeight > 0 ? landmarkRouteCosts(graph) : undefined
  const maxHops = parts.passageHops[level]
  const passages =
    graph !== undefined && maxHops !== undefined && config.memory.passages.weight > 0
      ? penaltyCost(passageConstraint(graph, { maxHops }), config.memory.passages.weight)
      : undefined
  if (route === undefined && passages === undefined) return cost
  return (targets) =>
    addCosts(
      cost(targets),
      ...(route === undefined ? [] : [scaleCost(config.memory.routeWeight, route(targets))]),
      ...(passages === undefined ? [] : [passages])
    )
}

/**
 * The parts of the ground truth's agents: the environment's own model, whose latent is the
 * observation, so a probe-judged cost selects the judged coordinates; `memory` for the
 * `ground-truth+memory` agent.
 *
 * @example
 * ```ts
 * const agent = agentOf("ground-truth", groundTruthParts(config, pointMass))
 * ```
 */
export const groundTruthParts = (
  config: RunConfig,
  spec: EnvSpec<unknown>,
  memory?: LandmarkGraph | undefined
): AgentParts => {
  const observationSize = spec.definition.observationSpace.size
  return {
    config,
    model: spec.groundTruthModel(),
    upperModels: [],
    probe:
      config.cost.judgedOn === "probe"
        ? selectionProbe(observationSize, probeDimensions(config, observationSize))
        : undefined,
    memory,
    passageHops: [],
    observationSize,
    ...(guarded(config) ? { positions: truthPositions(config.guardrail) } : {})
  }
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
  /**
   * The landmark memory: waypoints for the `+memory` agents; anchors, passage guardrail and route
   * cost for every hierarchical agent, as the configuration asks; `undefined` when there is none.
   */
  readonly memory: LandmarkGraph | undefined
  /** Per level above 0, the landmark hops a macro-step may span (the passage guardrail); empty: none. */
  readonly passageHops: ReadonlyArray<number>
  /** The flat agents' restarts when compute is matched (`evaluation.equalCompute`); else the actor's. */
  readonly flatCandidates?: number | undefined
  /** Numbers in an observation (the goal probe reads some of them). */
  readonly observationSize: number
  /** How positions are read from latents, for the guardrail's zones; `undefined` without zones. */
  readonly positions?: PositionProbe | undefined
  /** Told the subgoals each level above 0 hands down (see `HierarchyOptions.onSubgoals`). */
  readonly onSubgoals?: HierarchyOptions["onSubgoals"]
  /** Told every plan of level 0, with the latents it predicts (see `FlatAgentOptions.onPlan`). */
  readonly onPlan?: FlatAgentOptions["onPlan"]
  /**
   * The latent distance of a typical step (the median over the recorded data), the unit of the
   * online memory's distances; needed by the `+online` agents.
   */
  readonly stepLength?: number | undefined
}

/**
 * The online memory of a `+online` agent: a stall memory with the configuration's settings, its
 * distances in the parts' step lengths.
 *
 * @example
 * ```ts
 * const online = onlineMemoryOf({ ...parts, stepLength: 0.4 })
 * ```
 */
export const onlineMemoryOf = (parts: AgentParts): OnlineMemory => {
  if (parts.stepLength === undefined) {
    throw new InvalidValueError({
      field: "stepLength",
      expected: "the median recorded step of the latent, for an agent with the online memory",
      received: "none"
    })
  }
  return stallMemory({ stepLength: parts.stepLength, ...parts.config.memory.online })
}

const enforcesZones = (parts: AgentParts): parts is AgentParts & { readonly positions: PositionProbe } =>
  parts.positions !== undefined && guarded(parts.config) && parts.config.guardrail.enforced

/**
 * The memory an agent plans with: the parts' memory, without the landmarks within the guardrail's
 * zones when it is enforced; `undefined` when there is none.
 *
 * @example
 * ```ts
 * agentMemory(parts)?.count // landmarks the agent may be handed
 * ```
 */
export const agentMemory = (parts: AgentParts): LandmarkGraph | undefined =>
  parts.memory !== undefined && enforcesZones(parts)
    ? memoryClearOfZones(parts.memory, parts.config.guardrail, parts.positions.positionOf)
    : parts.memory

/**
 * The levels an agent of one kind plans with, level 0 first: level 0 with the actor (a flat agent's
 * restarts matched to the hierarchy's compute when the parts say so; the guardrail's constraints
 * around its planner when zones are enforced), then, for a hierarchical kind, each level above
 * with its own actor and cost. Each level carries its goal metric for the online memory.
 *
 * @example
 * ```ts
 * planningLevelsOf("hierarchical", parts).map((level) => level.horizon) // [16, 8]
 * ```
 */
export const planningLevelsOf = (kind: AgentKind, parts: AgentParts): ReadonlyArray<PlanningLevel> => {
  const { config } = parts
  const hierarchical = kind.startsWith("hierarchical")
  const bottomActor =
    !hierarchical && parts.flatCandidates !== undefined
      ? { ...config.actor, candidates: parts.flatCandidates }
      : config.actor
  const planner = plannerOf(bottomActor)
  const bottom: PlanningLevel = {
    model: parts.model,
    planner: enforcesZones(parts)
      ? constrainedPlanner(planner, zoneConstraints(config.guardrail, parts.positions.position), {
          outerIterations: config.guardrail.outerIterations
        })
      : planner,
    horizon: config.actor.horizon,
    cost: costOf(config, parts.probe),
    memoryHeights: levelMetric(config, 0),
    ...(config.actor.replanInterval === null ? {} : { replanInterval: config.actor.replanInterval })
  }
  const upper: ReadonlyArray<PlanningLevel> = hierarchical
    ? parts.upperModels.map((model, level) => {
        const actor = levelActor(config, level + 1)
        return {
          model,
          planner: plannerOf(actor),
          horizon: actor.horizon,
          cost: upperLevelCost(parts, level),
          memoryHeights: levelMetric(config, level + 1),
          ...(actor.replanInterval === null ? {} : { replanInterval: actor.replanInterval })
        }
      })
    : []
  return [bottom, ...upper]
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
  if (kind === "random") {
    return flatAgent({
      model: parts.model,
      planner: randomShootingPlanner({ samples: 1, useWarmStart: false, name: "random" }),
      horizon: 1,
      cost: costOf(config, parts.probe),
      name: "random"
    })
  }
  // A pixel goal is an image: its coordinates are not in it to align with, so it is only encoded.
  const encodeGoals =
    config.cost.judgedOn === "probe" && parts.probe !== undefined && config.data.observations === "state"
      ? probeAlignedGoals(parts.model, parts.probe, probeDimensions(config, parts.observationSize))
      : undefined
  const withMemory = kind.endsWith("+memory")
  const graph = agentMemory(parts)
  const memory =
    withMemory && graph !== undefined
      ? landmarkSubgoals(graph, { lookahead: config.memory.lookahead })
      : undefined
  const online = usesOnlineMemory(kind) ? onlineMemoryOf(parts) : undefined
  const levels = planningLevelsOf(kind, parts)
  // One level is exactly the flat agent (the memory, if any, directs it; anchors need a level above).
  return hierarchicalAgent(levels, {
    ...(memory === undefined ? {} : { memory }),
    ...(graph === undefined || !config.memory.anchorSubgoals ? {} : { subgoalAnchors: graph.landmarks }),
    ...(encodeGoals === undefined ? {} : { encodeGoals }),
    ...(parts.onSubgoals === undefined ? {} : { onSubgoals: parts.onSubgoals }),
    ...(parts.onPlan === undefined ? {} : { onPlan: parts.onPlan }),
    ...(online === undefined ? {} : { onlineMemory: online }),
    name: `${kind}: ${levels.map((level) => level.planner.name).join(" < ")}`
  })
}
