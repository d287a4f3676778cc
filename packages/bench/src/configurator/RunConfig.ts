/**
 * The configurator's one configuration of a whole run: what data to collect, how to perceive,
 * which world model to learn and how long, the levels above it, what the cost judges the goal on,
 * how each level's actor plans, the memory, and which agents to evaluate. It is plain data (an
 * Effect Schema), serialisable to JSON, and every report prints it whole as its protocol.
 *
 * @module
 */
import { maxPlanningCandidates, maxPlanningHorizon } from "@telos/planner"
import { Schema, Struct } from "effect"

const positiveInteger = Schema.Int.check(Schema.isGreaterThan(0))
const nonNegativeInteger = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const positive = Schema.Number.check(Schema.isFinite(), Schema.isGreaterThan(0))
const nonNegative = Schema.Number.check(Schema.isFinite(), Schema.isGreaterThanOrEqualTo(0))

/** Reward-free data the world model and the memory learn from. */
export const DataConfig = Schema.Struct({
  /**
   * `random-walk`: PLDM's smooth random walks (2-D actions); `uniform`: independent uniform
   * actions; `correlated`: actions that persist from step to step (box actions).
   */
  policy: Schema.Literals(["random-walk", "uniform", "correlated"]),
  /** Transitions to collect in all (environment steps). */
  transitions: positiveInteger,
  /** Steps per collected episode. */
  episodeLength: positiveInteger,
  /**
   * The share of random-walk episodes sent through one of the environment's doorways,
   * in `[0, 1]`: PLDM's `cross_wall_rate`. Needs the random walk and an environment that declares
   * doorways; absent or 0: none (absent in configurations written before it existed, so their
   * bundles and cached stages stay valid).
   */
  doorwayRate: Schema.optional(
    Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(1))
  ),
  /** Perception from the state vector or from the environment's image. */
  observations: Schema.Literals(["state", "pixels"])
})

/** The JEPA's loss weights (see `@telos/worldmodel`'s training options). */
export const LossWeights = Schema.Struct({
  /** Weight of the latent prediction error. */
  prediction: nonNegative,
  /** Weight of the variance regulariser that keeps each latent dimension spread out. */
  variance: nonNegative,
  /** Weight of the covariance regulariser that decorrelates latent dimensions. */
  covariance: nonNegative,
  /** Weight of the inverse-dynamics term (the action recovered from consecutive latents). */
  inverseDynamics: nonNegative,
  /** Weight of the term that keeps consecutive latents close. */
  smoothness: nonNegative,
  /** The latent variable's regulariser (only read when `latentVariableSize` is above 0). */
  latentVariable: nonNegative
})

/** Perception and the primitive world model (level 0), learned as a JEPA. */
export const WorldModelConfig = Schema.Struct({
  /** Size of the latent the encoder maps an observation to. */
  latentSize: positiveInteger,
  /** Training epochs. */
  epochs: positiveInteger,
  /** Optimisation steps per epoch. */
  stepsPerEpoch: positiveInteger,
  /** Training sequences per optimisation step (at least 2). */
  batchSize: Schema.Int.check(Schema.isGreaterThan(1)),
  /** Predicted steps per training sequence. */
  rolloutSteps: positiveInteger,
  /** The optimiser's learning rate. */
  learningRate: positive,
  /** The weights of the loss terms. */
  lossWeights: LossWeights,
  /** Size of the latent variable z for stochastic worlds; 0: a deterministic model. */
  latentVariableSize: nonNegativeInteger,
  /** Windows the evaluation after each epoch samples; `null`: the library's default. */
  evaluationSamples: Schema.NullOr(positiveInteger)
})

/** The levels above the primitive one. */
export const LevelsConfig = Schema.Struct({
  /**
   * Primitive steps per step of each level above 0, lowest first; each a larger multiple of the one
   * below (level 0's stride is 1). Empty: no hierarchy.
   */
  strides: Schema.Array(positiveInteger),
  /** Size of each level's latent macro-actions. */
  macroActionSize: positiveInteger,
  /** Optimisation steps of the levels' training. */
  trainingSteps: nonNegativeInteger,
  /** Training sequences per optimisation step (at least 2). */
  batchSize: Schema.Int.check(Schema.isGreaterThan(1)),
  /** Steps of the top level per training sequence. */
  topSteps: positiveInteger,
  /** The levels' optimiser's learning rate. */
  learningRate: positive,
  /**
   * `frozen`: the levels learn on the trained JEPA's latents. `joint`: a fresh JEPA learns together
   * with its levels, a JEPA step before each level step (then it is that JEPA the agents perceive
   * with).
   */
  encoder: Schema.Literals(["frozen", "joint"])
})

/** How a cost scores a predicted state's distance to its target (`goalCost`'s metrics but cosine). */
export const GoalMetricName = Schema.Literals(["squared", "distance"])

/** What the cost judges arrival on. */
export const CostConfig = Schema.Struct({
  /**
   * `latent`: the squared distance between predicted and target latents. `probe`: the same
   * distance after a probe (`probe`) from the latent to the observation coordinates in `dimensions`
   * (fitted on the collected data), so a goal that is only a place ignores the rest of the state.
   */
  judgedOn: Schema.Literals(["latent", "probe"]),
  /** The observation coordinates the probe reads; empty: all of them. */
  dimensions: Schema.Array(nonNegativeInteger),
  /**
   * The probe's read-out: `linear` in the latent, or `quadratic` (the latent and its pairwise
   * products, for coordinates a learned latent holds curved). A ground-truth model's probe selects
   * the coordinates either way.
   */
  probe: Schema.Literals(["linear", "quadratic"]),
  /**
   * Weights of the judged coordinates' squared differences, one per coordinate in `dimensions` (or
   * per observation coordinate when `dimensions` is empty); only with `judgedOn: "probe"`, since a
   * learned latent's coordinates have no fixed meaning. Empty: all 1.
   */
  weights: Schema.Array(Schema.Number.check(Schema.isFinite(), Schema.isGreaterThanOrEqualTo(0))),
  /**
   * Which predicted states are judged: `running`, the mean over the whole horizon (arrive soon and
   * stay); `terminal`, the last one only (arrive by the horizon's end, however the way goes).
   */
  mode: Schema.Literals(["running", "terminal"]),
  /**
   * How a predicted state's distance to its target is scored at every level: `squared` (absent:
   * the default) or `distance`, the Euclidean distance itself, which prices a detour by the way it
   * covers rather than its square.
   */
  metric: Schema.optional(GoalMetricName),
  /** The metric of the levels above 0 (absent: `metric`'s). */
  upperMetric: Schema.optional(GoalMetricName),
  /** Weight of the mean squared action (0: none). */
  actionWeight: nonNegative,
  /**
   * The goal observation of an environment whose episodes report none in their info (`null`:
   * read `info.goal`).
   */
  goal: Schema.NullOr(Schema.Array(Schema.Number.check(Schema.isFinite())))
})

/**
 * The planner names an actor may use. `hybrid`: the CEM's refits, then `refineSteps` gradient
 * steps from its mean (one restart).
 */
export const PlannerName = Schema.Literals([
  "gradient",
  "cem",
  "mppi",
  "categorical-cem",
  "random-shooting",
  "hybrid"
])

/** How one level plans. */
export const ActorConfig = Schema.Struct({
  /** The planner this level's actor uses. */
  planner: PlannerName,
  /** Steps of the level planned ahead, at most `maxPlanningHorizon` (10,000). */
  horizon: Schema.Int.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(maxPlanningHorizon)),
  /** Planning iterations of a plan made from scratch. */
  iterations: nonNegativeInteger,
  /** Iterations of a plan warm-started from the previous one. */
  warmStartIterations: nonNegativeInteger,
  /**
   * Restarts (gradient) or samples per iteration (the sampling planners), at most
   * `maxPlanningCandidates` (100,000).
   */
  candidates: Schema.Int.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(maxPlanningCandidates)),
  /**
   * Primitive steps between plans; `null`: level 0 every step, a level above once per step of the
   * level below (its stride).
   */
  replanInterval: Schema.NullOr(positiveInteger),
  /** The gradient planner's step size, in half-widths of the action box; `null`: the library's. */
  learningRate: Schema.NullOr(positive),
  /**
   * The gradient planner's spread of random initial sequences, and the cross-entropy planner's
   * first standard deviation (CEM's, the hybrid's), in half-widths of the action box; `null`: the
   * library's.
   */
  initialStd: Schema.NullOr(nonNegative),
  /**
   * MPPI's sampling noise, in half-widths of the action box (constant: MPPI does not refit its
   * spread); `null`: the library's.
   */
  noiseStd: Schema.NullOr(nonNegative),
  /** MPPI's temperature, in the cost's units (smaller is greedier); `null`: the library's. */
  temperature: Schema.NullOr(positive),
  /** The hybrid planner's gradient steps after its CEM refits (read by `hybrid` only). */
  refineSteps: nonNegativeInteger
})

/** Part of an actor's settings, over `upperActor`'s, for one level above 0. */
export const ActorOverride = ActorConfig.mapFields(Struct.map(Schema.optionalKey))

/** The landmark memory of recorded latents above the top level. */
export const MemoryConfig = Schema.Struct({
  /** k-means landmarks; 0: no memory. */
  landmarks: nonNegativeInteger,
  /** Hops along the recorded route between the agent and the waypoint it is handed. */
  lookahead: positiveInteger,
  /** Latents closer than this fraction of the median recorded step are neighbours. */
  linkFraction: positive,
  /**
   * Whether a hierarchical agent moves each subgoal an upper level predicts to the nearest landmark
   * before handing it down (a predicted latent can lie where no observation encodes to).
   */
  anchorSubgoals: Schema.Boolean,
  /**
   * The passage guardrail of the levels above 0: a predicted macro-step may span as many landmark
   * hops as `quantile` of the recorded stretches of the level's stride do; each hop beyond costs
   * `weight` (0: no guardrail).
   */
  passages: Schema.Struct({
    /** The quantile of the recorded stretches' hops that a macro-step may span for free. */
    quantile: Schema.Number.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1)),
    /** Cost per hop beyond (0: no guardrail). */
    weight: nonNegative
  }),
  /**
   * Weight of the squared landmark hops from each latent a level above 0 predicts to its target,
   * added to that level's cost (0: none): the route the memory knows, where the latent distance
   * cannot see walls.
   */
  routeWeight: nonNegative,
  /**
   * The online memory of the `+online` agents: the places where an episode stalled, which every
   * level's plans then keep away from. Built from the episode's own latents only, it may serve in
   * layouts never seen in training. Distances in median recorded steps of the latent.
   */
  online: Schema.Struct({
    /** Plans of level 0 over which an episode's way is judged. */
    window: positiveInteger,
    /** Moved less than this over the window: stalled. */
    stallDistance: positive,
    /** Where a stall point's repulsion has fallen to 1/e. */
    width: positive,
    /** A stall point's height, as a multiple of its squared latent distance to the goal. */
    strength: positive,
    /** Stall points kept per episode. */
    capacity: positiveInteger
  })
})

/** A circle on the plane of the guardrail's two position coordinates. */
export const KeepOutZoneConfig = Schema.Struct({
  /** The zone's centre, in the position's units. */
  center: Schema.Tuple([Schema.Number.check(Schema.isFinite()), Schema.Number.check(Schema.isFinite())]),
  /** Its radius, in the same units. */
  radius: positive
})

/**
 * Places the agent must never enter, as a hard constraint on every planning agent's primitive
 * plans. The position is two coordinates of the state observation; a learned model's latents are
 * read through a quadratic probe fitted on the recorded data, a ground-truth model's directly.
 * With zones, the memory drops the landmarks within them (and the margin), the episodes are the
 * first seeds whose start and goal lie clear of them, and every row counts the steps whose true
 * position is inside one.
 */
export const GuardrailConfig = Schema.Struct({
  /** The zones; empty: no guardrail. */
  keepOut: Schema.Array(KeepOutZoneConfig),
  /** The two state-observation coordinates that are the position. */
  position: Schema.Tuple([nonNegativeInteger, nonNegativeInteger]),
  /** How much further than each zone's edge the planners keep away (a model is never exact). */
  margin: nonNegative,
  /**
   * `true`: the planners keep out. `false`: the zones are only measured (same episodes, violations
   * counted), the baseline that the enforced guardrail is compared with.
   */
  enforced: Schema.Boolean,
  /** Outer iterations of the augmented Lagrangian that enforces the zones. */
  outerIterations: positiveInteger
})

/**
 * The agents the evaluation runs, each a row of the report: `random` (uniform random actions, the
 * trivial baseline), `ground-truth` (the level-0 planner on the environment's own model, the
 * ceiling; `ground-truth+memory` with a memory of the recorded observations), and the learned
 * `flat` and `hierarchical` agents, with or without the memory; `+online`: with the online memory
 * of the episode instead (`memory.online`), which holds nothing recorded beforehand.
 */
export const AgentKind = Schema.Literals([
  "random",
  "ground-truth",
  "flat",
  "hierarchical",
  "flat+memory",
  "hierarchical+memory",
  "ground-truth+memory",
  "flat+online",
  "hierarchical+online"
])

/**
 * The hierarchical agent a flat one is matched against (`flat+memory`: `hierarchical+memory`).
 *
 * @example
 * ```ts
 * hierarchicalCounterpart("flat") // "hierarchical"
 * ```
 */
export const hierarchicalCounterpart = (kind: AgentKind): AgentKind =>
  kind.replace("flat", "hierarchical") as AgentKind

/**
 * Whether an agent plans with the run's learned models (the JEPA and its levels): every kind but
 * the ground truth's and random actions.
 *
 * @example
 * ```ts
 * plansWithLearnedModels("flat+memory") // true
 * plansWithLearnedModels("ground-truth") // false
 * ```
 */
export const plansWithLearnedModels = (kind: AgentKind): boolean =>
  !kind.startsWith("ground-truth") && kind !== "random"

/**
 * Whether an agent (a kind, or a row's `agent`) plans with the online memory of its episode
 * (`+online`, `memory.online`).
 *
 * @example
 * ```ts
 * usesOnlineMemory("flat+online") // true
 * ```
 */
export const usesOnlineMemory = (kind: AgentKind | string): boolean => kind.endsWith("+online")

/**
 * Whether the memory serves an agent: its waypoints (`+memory`) or a hierarchy's upper levels.
 *
 * @example
 * ```ts
 * memoryServes("hierarchical") // true
 * ```
 */
export const memoryServes = (kind: AgentKind): boolean =>
  kind.endsWith("+memory") || kind.startsWith("hierarchical")

/** How agents are evaluated. */
export const EvaluationConfig = Schema.Struct({
  /** Evaluation episodes per agent. */
  episodes: positiveInteger,
  /** The agents evaluated, each a row of the report. */
  agents: Schema.Array(AgentKind),
  /**
   * Planning compute matched: each flat agent's gradient planner gets as many restarts as make its
   * world-model predictions per step match those measured for the hierarchical agent with the same
   * memory in the same run (which is then evaluated first).
   */
  equalCompute: Schema.Boolean,
  /**
   * The environment the agents are evaluated in, when not the run's own: one with the same
   * observation and action spaces whose episodes the data never saw (layouts held out from
   * training, say). `null`: the run's environment.
   */
  env: Schema.NullOr(Schema.NonEmptyString),
  /**
   * Episodes per row (the first ones) whose path, goal and subgoals per level are recorded and
   * drawn over the environment's picture in the report; 0: none.
   */
  drawnEpisodes: nonNegativeInteger,
  /**
   * Episodes planned together, in consecutive batches of this many (a large planner's tensors grow
   * with the batch); `null`: all of them at once.
   */
  batch: Schema.NullOr(positiveInteger)
})

/**
 * The decoder from the JEPA's latents to the environment's images, trained after the JEPA with its
 * encoder frozen, to see what the agents imagine (`@telos/worldmodel`'s `trainDecoder`). It learns
 * from a dataset with images: the run's own when it collects pixels, otherwise one collected for it
 * with the run's collector settings and `transitions`. Environments that draw no images get none.
 */
export const DecoderStageConfig = Schema.Struct({
  /** Training epochs; 0: no decoder. */
  epochs: nonNegativeInteger,
  /** Optimisation steps per epoch. */
  stepsPerEpoch: positiveInteger,
  /** Frames per optimisation step. */
  batchSize: positiveInteger,
  /** Adam's learning rate. */
  learningRate: positive,
  /**
   * Transitions of the pixel dataset collected for it when the run's data has no images. A quarter
   * as many more (at most 2,000), collected with the next seed, are its held-out frames.
   */
  transitions: positiveInteger
})

/**
 * A whole run, resolved: every field present.
 *
 * @example
 * ```ts
 * const config = decodeConfigSync(RunConfig, json, "run config")
 * config.actor.horizon // 16
 * ```
 */
export const RunConfig = Schema.Struct({
  /** A registered environment's id, or the path of a module that exports one. */
  env: Schema.NonEmptyString,
  /** Seed of the run's randomness (data collection, training, evaluation). */
  seed: nonNegativeInteger,
  /** The data collected. */
  data: DataConfig,
  /** Perception and the primitive world model. */
  worldModel: WorldModelConfig,
  /** The levels above the primitive one. */
  levels: LevelsConfig,
  /** What the cost judges arrival on. */
  cost: CostConfig,
  /** Level 0's actor (primitive actions). */
  actor: ActorConfig,
  /** The actor of every level above 0 (unless `upperActors` says otherwise for a level). */
  upperActor: ActorConfig,
  /**
   * Per level above 0, lowest first, settings over `upperActor`'s for that level alone (empty: every
   * level plans as `upperActor`); at most one per level.
   */
  upperActors: Schema.Array(ActorOverride),
  /** The landmark memory. */
  memory: MemoryConfig,
  /** Keep-out zones the agents must respect. */
  guardrail: GuardrailConfig,
  /** The agents evaluated and for how long. */
  evaluation: EvaluationConfig,
  /** The decoder from latents to images (`epochs: 0`: none). */
  decoder: DecoderStageConfig
})

/** A resolved run configuration. */
export type RunConfig = typeof RunConfig.Type

/** The data a run collects. */
export type DataConfig = typeof DataConfig.Type

/** One level's actor settings. */
export type ActorConfig = typeof ActorConfig.Type

/** The guardrail's settings. */
export type GuardrailConfig = typeof GuardrailConfig.Type

/** The decoder stage's settings. */
export type DecoderStageConfig = typeof DecoderStageConfig.Type

/**
 * The actor of level `level` (1 is the first level above the primitive one): `upperActor` with
 * that level's `upperActors` entry over it.
 *
 * @example
 * ```ts
 * levelActor(config, 2).horizon // upperActors[1].horizon ?? upperActor.horizon
 * ```
 */
export const levelActor = (
  config: Pick<RunConfig, "upperActor" | "upperActors">,
  level: number
): ActorConfig => ({
  ...config.upperActor,
  ...config.upperActors[level - 1]
})

/** One agent row's kind. */
export type AgentKind = typeof AgentKind.Type

/** Any part of `T`, nested; arrays are replaced whole. */
export type PartialSettings<T> =
  T extends ReadonlyArray<unknown>
    ? T
    : T extends object
      ? { readonly [K in keyof T]?: PartialSettings<T[K]> }
      : T

/**
 * Part of a run's configuration, applied over the environment's defaults: a suite's settings
 * (`telos run --preset`), a run of a suite, a config file.
 *
 * @example
 * ```ts
 * const settings: RunSettings = { actor: { horizon: 16 }, memory: { landmarks: 256 } }
 * ```
 */
export type RunSettings = PartialSettings<RunConfig>
