/**
 * Hierarchical planning. A hierarchy is a list of levels, level 0 acting in the environment's
 * action space and each level above in its world model's latent macro-action box, `stride`
 * primitive steps per step. The top level plans towards the goal; the latent it predicts after its
 * first step becomes the target of the level below, which plans to reach it, and so on down to
 * level 0, whose plan the agent executes. Each level replans at its own cadence (and whenever the
 * level above hands it a new target) and warm-starts from its previous plan. Every level has its
 * own planner and cost, so guardrails apply at every level.
 *
 * The levels above 0 act as level 0's subgoal director, so a hierarchical agent is a flat agent
 * with levels above it: it runs through the same `runEpisodes`, and a hierarchy of one level is the
 * flat agent.
 *
 * @module
 */
import {
  type Cost,
  checkLevelStrides,
  describeValue,
  InvalidValueError,
  LevelConfigError,
  type Plan,
  type Planner,
  type Random,
  type WorldModel
} from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { type DistanceMetric, goalCost } from "../cost/Cost.js"
import type { EpisodeMemory, OnlineMemory } from "../memory/OnlineMemory.js"
import { nearestRow, pickRows, squaredDistance } from "../memory/Rows.js"
import { selectProblems } from "../search/StartingPlan.js"
import {
  type Agent,
  type AgentEpisodes,
  type CostFactory,
  type FlatAgentOptions,
  flatAgent,
  withOnlineCost
} from "./Agent.js"
import type { SubgoalDirector, SubgoalTracker } from "./Subgoals.js"

/** One level of a hierarchy. */
export interface PlanningLevel {
  /** The level's world model; its `stride` is the primitive steps per step of this level. */
  readonly model: WorldModel
  /** The planner that searches this level's actions. */
  readonly planner: Planner
  /** Steps of this level planned ahead. */
  readonly horizon: number
  /**
   * Primitive steps between this level's plans (default: level 0 every step, the levels above once
   * per step of the level below). A level also replans whenever the level above replans.
   */
  readonly replanInterval?: number
  /**
   * The cost of a batch of this level's plans given the targets `[N, D]` (the goals for the top
   * level, the subgoals handed down below it); add a guardrail here to apply it at this level.
   * Default: the squared distance to the target summed over the predicted steps (`running`).
   */
  readonly cost?: CostFactory
  /**
   * The unit of this level's goal distance, which the online memory's points are measured in at
   * this level (default `"squared"`; `"distance"` for a `goalCost` of metric `"distance"`).
   */
  readonly memoryHeights?: DistanceMetric
}

// A running cost: with a terminal one and a horizon longer than the way to the target needs, the
// first step (the one handed down) is free to wander.
const defaultCost = (targets: tf.Tensor2D): Cost => goalCost({ goal: targets, mode: "running" })

/**
 * Checks a hierarchy, level 0 first: at least one level; strides 1, then each a larger multiple of
 * the one below (the models' `stride`); one latent size throughout; positive integer horizons and
 * replan intervals. A level at fault is a `LevelConfigError` naming it.
 *
 * @example
 * ```ts
 * checkHierarchy([{ model: primitive, planner, horizon: 16 }, { model: level1, planner: cem, horizon: 8 }])
 * ```
 */
export const checkHierarchy = (levels: ReadonlyArray<PlanningLevel>): void => {
  if (!Array.isArray(levels) || levels.length === 0) {
    throw new LevelConfigError({
      level: 0,
      field: "levels",
      expected: "at least one level",
      received: describeValue(levels)
    })
  }
  checkLevelStrides(
    levels.map((level) => level.model.stride),
    (level) => `levels[${level}].model.stride`
  )
  const latentSize = (levels[0] as PlanningLevel).model.latentSize
  levels.forEach((level, index) => {
    if (level.model.latentSize !== latentSize) {
      throw new LevelConfigError({
        level: index,
        field: `levels[${index}].model.latentSize`,
        expected: `level 0's latent size ${latentSize} (levels hand latents down)`,
        received: String(level.model.latentSize)
      })
    }
    for (const field of ["horizon", "replanInterval"] as const) {
      const value = level[field]
      if (value === undefined && field === "replanInterval") continue
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
        throw new LevelConfigError({
          level: index,
          field: `levels[${index}].${field}`,
          expected: "a positive integer",
          received: describeValue(value)
        })
      }
    }
  })
}

/** Counts of one hierarchy run, for reports. */
export interface HierarchyStatistics {
  /** Plans made by each level above 0 (index 0 is level 1). */
  readonly plans: ReadonlyArray<number>
}

/** A director whose counts can be read after a run. */
export interface HierarchyDirector extends SubgoalDirector {
  /** Counts of the run so far. */
  statistics(): HierarchyStatistics
}

interface LevelState {
  previous: Plan | undefined
  /** The previous plan's row of each episode (-1: not in it). */
  readonly planRow: Int32Array
  /** Primitive steps since each episode's last plan at this level. */
  readonly since: Int32Array
  /** The target this level hands down, `[N, D]`. */
  readonly subgoals: Float32Array
}

/** Options of {@link hierarchicalAgent} and {@link hierarchySubgoals}. */
export interface HierarchyOptions {
  /**
   * A director above the top level, e.g. `landmarkSubgoals` over a memory of recorded latents: the
   * top level then plans towards its targets (landmarks along a recorded route) instead of straight
   * towards the goal.
   */
  readonly memory?: SubgoalDirector
  /**
   * Latents the agent has been at, `[K, D]` row-major (e.g. a landmark graph's `landmarks`): each
   * latent a level predicts and hands down is replaced by the nearest of them. A predicted latent
   * can lie where no observation ever encoded to, such as past a wall corner that the models
   * leak through; the level below, aiming at it, pushes into the wall. The nearest recorded latent
   * is a state the level below has seen and its model knows. Targets handed down unchanged (the
   * goal, the memory's landmarks) are not moved. When the first step's anchor is the one the agent
   * is at, the first later step's anchor that differs goes down instead (see `anchoredSubgoal`).
   */
  readonly subgoalAnchors?: Float32Array
  /**
   * Told each time a level above 0 replans: the level (1 is the lowest above 0), the episodes it
   * planned for, and the targets it now hands down, `[N, D]` row-major over all episodes (only the
   * rows of `episodes` are new). For figures of what each level asked of the one below; the array
   * is the hierarchy's own, to be copied, not kept.
   */
  readonly onSubgoals?: (level: number, episodes: ReadonlyArray<number>, subgoals: Float32Array) => void
  /**
   * A level hands its own target down unchanged once its plan's first step ends this close to it,
   * as a fraction of that step's length (default 0.25): a predicted latent is only as exact as the
   * search that chose it, and the last stretch to a goal needs the goal itself.
   */
  readonly reachRatio?: number
}

/** The anchors as a checked `[K, D]` table. */
const checkAnchors = (anchors: Float32Array, latentSize: number): Float32Array => {
  if (anchors.length === 0 || anchors.length % latentSize !== 0) {
    throw new InvalidValueError({
      field: "subgoalAnchors",
      expected: `one or more rows of ${latentSize} numbers (the latent size)`,
      received: `${anchors.length} numbers`
    })
  }
  if (!anchors.every(Number.isFinite)) {
    throw new InvalidValueError({
      field: "subgoalAnchors",
      expected: "finite numbers",
      received: "NaN or Infinity"
    })
  }
  return anchors
}

/**
 * The anchor handed down for one episode's plan: the anchor nearest the plan's first predicted
 * step, unless that is the anchor the agent is at already. Then the first later step whose anchor
 * differs is handed down: a subgoal where the agent stands gives the level below nothing to do, it
 * stays, the level replans from the same state and the episode stalls. When the level's own target
 * is at the agent's anchor, the target itself is handed down.
 */
const anchoredSubgoal = (
  anchors: Float32Array,
  state: Float32Array,
  predicted: Float32Array,
  target: Float32Array
): Float32Array => {
  const size = state.length
  const own = nearestRow(anchors, size, state, 0).index
  if (nearestRow(anchors, size, target, 0).index === own) return target
  const steps = predicted.length / size
  let chosen = nearestRow(anchors, size, predicted, 1).index
  for (let step = 2; chosen === own && step < steps; step++) {
    chosen = nearestRow(anchors, size, predicted, step).index
  }
  return anchors.subarray(chosen * size, chosen * size + size)
}

/** The anchors and reach ratio of the options, checked. */
const checkHierarchyOptions = (
  upperLevels: ReadonlyArray<PlanningLevel>,
  options: HierarchyOptions
): { readonly anchors: Float32Array | undefined; readonly reachRatio: number } => {
  const reachRatio = options.reachRatio ?? 0.25
  if (typeof reachRatio !== "number" || !Number.isFinite(reachRatio) || reachRatio < 0) {
    throw new InvalidValueError({
      field: "reachRatio",
      expected: "a finite number >= 0",
      received: describeValue(options.reachRatio)
    })
  }
  const anchors =
    options.subgoalAnchors === undefined || upperLevels[0] === undefined
      ? undefined
      : checkAnchors(options.subgoalAnchors, upperLevels[0].model.latentSize)
  return { anchors, reachRatio }
}

/**
 * The levels above 0 as a subgoal director: before each plan of level 0, every level that is due
 * replans (top first) for the episodes still running, and level 1's predicted first step becomes
 * level 0's target. `primitiveStepsPerCall` is level 0's replan interval (the primitive steps
 * between two calls).
 *
 * @example
 * ```ts
 * const director = hierarchySubgoals([level1, level2], 1, rng, { subgoalAnchors: graph.landmarks })
 * ```
 */
export const hierarchySubgoals = (
  upperLevels: ReadonlyArray<PlanningLevel>,
  primitiveStepsPerCall: number,
  rng: Random,
  options: HierarchyOptions = {}
): HierarchyDirector => {
  const memory = options.memory
  const { anchors, reachRatio } = checkHierarchyOptions(upperLevels, options)
  const plans = upperLevels.map(() => 0)
  return {
    name: `hierarchy of ${upperLevels.length + 1} levels${memory === undefined ? "" : ` under ${memory.name}`}`,
    statistics: () => ({ plans: [...plans] }),
    start: (goals, online) => {
      let states: Array<LevelState> | undefined
      let calls = 0
      const memoryTracker = memory?.start(goals)
      let topTargets = goals
      const tracker: SubgoalTracker = {
        next: (latents, running) => {
          const latentSize = (upperLevels[0] as PlanningLevel).model.latentSize
          const count = latents.length / latentSize
          const levels =
            states ??
            upperLevels.map(() => ({
              previous: undefined,
              planRow: new Int32Array(count).fill(-1),
              since: new Int32Array(count),
              subgoals: new Float32Array(count * latentSize)
            }))
          states = levels
          const active = Array.from({ length: count }, (_, index) => index).filter(
            (index) => running?.[index] ?? true
          )
          const elapsed = calls === 0 ? 0 : primitiveStepsPerCall
          calls++
          let aboveReplanned = false
          if (memoryTracker !== undefined) {
            // The memory's targets move on as the agent passes landmarks: a new one is a new task for the top level.
            const next = memoryTracker.next(latents, running)
            const size = (upperLevels[0] as PlanningLevel).model.latentSize
            aboveReplanned = active.some((episode) => {
              for (let index = episode * size; index < episode * size + size; index++) {
                if (next[index] !== topTargets[index]) return true
              }
              return false
            })
            topTargets = next
          }
          for (let index = upperLevels.length - 1; index >= 0; index--) {
            const level = upperLevels[index] as PlanningLevel
            const state = levels[index] as LevelState
            for (const episode of active) state.since[episode] = (state.since[episode] as number) + elapsed
            const interval =
              level.replanInterval ??
              (index === 0 ? 1 : (upperLevels[index - 1] as PlanningLevel).model.stride)
            const due =
              aboveReplanned ||
              state.previous === undefined ||
              active.some(
                (episode) =>
                  (state.planRow[episode] as number) < 0 || (state.since[episode] as number) >= interval
              )
            if (!due || active.length === 0) continue
            const targets =
              index === upperLevels.length - 1 ? topTargets : (levels[index + 1] as LevelState).subgoals
            planLevel(level, state, latents, targets, active, rng, { anchors, reachRatio, online })
            options.onSubgoals?.(index + 1, active, state.subgoals)
            plans[index] = (plans[index] as number) + 1
            aboveReplanned = true
          }
          return Float32Array.from((levels[0] as LevelState).subgoals)
        }
      }
      return tracker
    }
  }
}

const withinReach = (
  ratio: number,
  state: Float32Array,
  firstStep: Float32Array,
  target: Float32Array
): boolean =>
  squaredDistance(firstStep, 0, target, 0, target.length) <=
  ratio ** 2 * squaredDistance(state, 0, firstStep, 0, firstStep.length)

/**
 * Plans one level for the active episodes and stores the state each plan predicts after its first
 * step as the target for the level below. The previous plan warm-starts it: shifted by one step
 * once a whole step of this level has passed, as it is before.
 */
const planLevel = (
  level: PlanningLevel,
  state: LevelState,
  latents: Float32Array,
  targets: Float32Array,
  active: ReadonlyArray<number>,
  rng: Random,
  handing: {
    readonly anchors: Float32Array | undefined
    readonly reachRatio: number
    readonly online: EpisodeMemory | undefined
  }
): void => {
  const { anchors, reachRatio, online } = handing
  const latentSize = level.model.latentSize
  const stride = level.model.stride
  const previous = state.previous
  const reusable =
    previous !== undefined && active.every((episode) => (state.planRow[episode] as number) >= 0)
  const startingPlan = reusable
    ? selectProblems(
        previous,
        active.map((episode) => state.planRow[episode] as number)
      )
    : undefined
  const shift =
    startingPlan !== undefined && active.every((episode) => (state.since[episode] as number) >= stride)
  const initialStates = tf.tensor2d(pickRows(latents, active, latentSize), [active.length, latentSize])
  const targetTensor = tf.tensor2d(pickRows(targets, active, latentSize), [active.length, latentSize])
  let plan: Plan
  try {
    const cost = withOnlineCost(
      (level.cost ?? defaultCost)(targetTensor),
      online,
      active,
      level.memoryHeights
    )
    plan = level.planner.plan(
      {
        model: level.model,
        initialStates,
        cost,
        horizon: level.horizon,
        ...(startingPlan === undefined
          ? {}
          : shift
            ? { warmStart: startingPlan }
            : { initialGuess: startingPlan })
      },
      rng
    )
  } finally {
    tf.dispose([initialStates, targetTensor])
  }
  state.previous = plan
  state.planRow.fill(-1)
  active.forEach((episode, row) => {
    state.planRow[episode] = row
    state.since[episode] = 0
    const start = row * (plan.horizon + 1) * latentSize
    const predicted = plan.predictedStates.subarray(start, start + (plan.horizon + 1) * latentSize)
    const first = predicted.subarray(latentSize, 2 * latentSize)
    const target = targets.subarray(episode * latentSize, episode * latentSize + latentSize)
    const agent = latents.subarray(episode * latentSize, episode * latentSize + latentSize)
    const handedDown = withinReach(reachRatio, agent, first, target)
      ? target
      : anchors === undefined
        ? first
        : anchoredSubgoal(anchors, agent, predicted, target)
    state.subgoals.set(handedDown, episode * latentSize)
  })
}

/** Options of {@link hierarchicalAgent}. */
export interface HierarchicalAgentOptions extends HierarchyOptions {
  /** For reports; default the levels' planners, bottom first. */
  readonly name?: string
  /**
   * Wraps the director that hands level 0 its targets (the levels above, or the memory of a
   * one-level agent), e.g. to record the subgoals for a figure. It must hand the targets on.
   */
  readonly wrapSubgoals?: (director: SubgoalDirector) => SubgoalDirector
  /** Perception of the goal observations (see `FlatAgentOptions.encodeGoals`). */
  readonly encodeGoals?: (goals: tf.Tensor2D) => tf.Tensor2D
  /** Told after every plan of level 0, the one the agent executes (see `FlatAgentOptions.onPlan`). */
  readonly onPlan?: FlatAgentOptions["onPlan"]
  /** The online memory, whose cost joins every level's (see `FlatAgentOptions.onlineMemory`). */
  readonly onlineMemory?: OnlineMemory
}

/**
 * An agent that plans with a hierarchy, level 0 first: level 0 plans primitive actions with its
 * model, planner, horizon, cost and replan interval, towards the targets the levels above hand it;
 * the top level plans towards the goal (or the memory's waypoints). Each level's replan interval
 * defaults from the strides: once per step of the level below. With one level it is exactly the
 * flat agent (same model, planner, cost, horizon; the memory, if any, directs it).
 *
 * @example
 * ```ts
 * const agent = hierarchicalAgent([
 *   { model: primitive, planner: gradientPlanner(), horizon: 16 },
 *   { model: level1, planner: cemPlanner(), horizon: 8 }
 * ])
 * runEpisodes(envs, seeds, agent, { rng: Random.fromSeed(1) })
 * ```
 */
export const hierarchicalAgent = (
  levels: ReadonlyArray<PlanningLevel>,
  options: HierarchicalAgentOptions = {}
): Agent => {
  checkHierarchy(levels)
  const bottom = levels[0] as PlanningLevel
  const wrap = options.wrapSubgoals ?? ((director: SubgoalDirector) => director)
  const bottomOf = (director: SubgoalDirector | undefined) => {
    const memory = director === undefined ? undefined : wrap(director)
    return flatAgent({
      model: bottom.model,
      planner: bottom.planner,
      horizon: bottom.horizon,
      cost: bottom.cost ?? defaultCost,
      ...(bottom.replanInterval === undefined ? {} : { replanInterval: bottom.replanInterval }),
      ...(memory === undefined ? {} : { memory }),
      ...(options.encodeGoals === undefined ? {} : { encodeGoals: options.encodeGoals }),
      ...(options.onPlan === undefined ? {} : { onPlan: options.onPlan }),
      ...(options.onlineMemory === undefined ? {} : { onlineMemory: options.onlineMemory }),
      ...(bottom.memoryHeights === undefined ? {} : { memoryHeights: bottom.memoryHeights })
    })
  }
  const upper = levels.slice(1)
  const name =
    options.name ??
    (levels.length === 1
      ? bottom.planner.name
      : `hierarchy: ${bottom.planner.name} < ${upper.map((level) => level.planner.name).join(" < ")}`)
  if (upper.length === 0) {
    const flat = bottomOf(options.memory)
    return { ...flat, name }
  }
  checkHierarchyOptions(upper, options)
  return {
    name,
    levels: levels.length,
    model: bottom.model,
    start: (goals, rng): AgentEpisodes => {
      const director = hierarchySubgoals(upper, bottom.replanInterval ?? 1, rng.split(), options)
      const episodes = bottomOf(director).start(goals, rng)
      return {
        act: episodes.act,
        dispose: episodes.dispose,
        statistics: () => ({ ...episodes.statistics(), levelPlans: director.statistics().plans })
      }
    }
  }
}
