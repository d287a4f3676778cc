/**
 * The `two-rooms` suite: Two-Rooms solved end to end, over PLDM's protocol (100 episodes, fixed
 * seeds, at most 200 steps, success within sqrt(2) px of the goal; start and goal in opposite
 * rooms). Every planner runs
 *
 * - on point-mass and on Two-Rooms with ground-truth models (the planners' own ceiling);
 * - with JEPA world models trained here on random-walk data, from the state and from 64x64 pixels;
 * - with a keep-out guardrail as a hard constraint, counting the steps the agent's true position
 *   spends inside a zone.
 *
 * A planner that only sees the distance to the goal stalls against the middle wall whenever the
 * goal lies behind it (a row without memory shows how often). The agent therefore also keeps a
 * memory of landmarks in its latent space, joined where the recorded data moved between them; plans
 * aim at the landmark a few hops ahead on the shortest recorded route, and at the goal once it is
 * near. The landmarks come from the same data the world model learned from: no map is given.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Env, Info, Planner, WorldModel } from "@telos/core"
import { Random } from "@telos/core"
import { envRegistry, twoRoomsModel } from "@telos/envs"
import {
  buildLandmarkGraph,
  type Constraint,
  cemPlanner,
  constrainedPlanner,
  coordinatePosition,
  flatAgent,
  goalCost,
  gradientPlanner,
  hybridPlanner,
  keepLandmarks,
  keepOutZone,
  type LandmarkGraph,
  type LatentTrajectories,
  landmarkSubgoals,
  mppiPlanner,
  type PositionReader,
  pldmMppi,
  randomShootingPlanner
} from "@telos/planner"
import type * as tf from "@tensorflow/tfjs"
import { type PositionProbe, probePositions } from "../../pipeline/LatentMemory.js"
import type { ObservationKind, TrainingSettings } from "../../pipeline/WorldModelTraining.js"
import { type PlanningBenchmark, runPlanningBenchmark } from "../../report/PlanningBenchmark.js"
import type { PlanningRow, Suite, SuiteContext, SummaryColumn } from "../../report/Suite.js"
import { pointMassReaching } from "../quickstart/suite.js"
import { worldModelSuitePlans } from "../worldModel/settings.js"
import { trainSuiteModel } from "../worldModel/suite.js"
import { twoRoomsChecks } from "./checks.js"
import { twoRoomsRunSettings, twoRoomsSuiteSettings } from "./settings.js"

/** The planners every section runs, by name. */
export const twoRoomsPlanners = (): ReadonlyArray<Planner> => [
  gradientPlanner({ iterations: 20, warmStartIterations: 10, restarts: 8, learningRate: 0.1 }),
  cemPlanner({ samples: 256, elites: 32, iterations: 6, warmStartIterations: 3 }),
  // PLDM updates its MPPI plan once per step, from the previous plan.
  mppiPlanner({ ...pldmMppi, warmStartIterations: 1 }),
  hybridPlanner(
    cemPlanner({ samples: 128, elites: 16, iterations: 2, warmStartIterations: 1 }),
    gradientPlanner({ iterations: 6, restarts: 1, learningRate: 0.1 })
  ),
  randomShootingPlanner({ samples: 256 })
]

/** Which parts of the suite run (all by default; tests pick few). */
export type TwoRoomsSection = "point-mass" | "ground-truth" | "state" | "pixels" | "guardrail"

/** Options of {@link makeTwoRoomsSuite}: they shrink the suite for tests. */
export interface TwoRoomsSuiteOptions {
  /** The parts to run (default all). */
  readonly sections?: ReadonlyArray<TwoRoomsSection>
  /** Transitions collected per dataset (default 20 000). */
  readonly transitions?: number
  /** Training steps per epoch, replacing the worldmodel suite's plans (tests). */
  readonly stepsPerEpoch?: number
  /** Training epochs, replacing the worldmodel suite's plans (tests). */
  readonly epochs?: number
  /** k-means landmarks of the memory (default the settings' 256). */
  readonly landmarks?: number
  /** Only planners whose names are listed (default all). */
  readonly planners?: ReadonlyArray<string>
}

/** What a row of the suite adds to a planning row. */
export interface TwoRoomsRowFields {
  /** `ground-truth`, `jepa-state` or `jepa-pixels`. */
  readonly model: string
  /** Landmarks in the memory that directs subgoals; 0 for none. */
  readonly landmarks: number
  /** The guardrail the row plans under: none, or the keep-out zones as a hard constraint. */
  readonly guardrail: "none" | "keep-out (hard)"
  /** Steps spent inside a keep-out zone, all episodes together (guardrail rows). */
  readonly violations?: number
  /** Transitions the world model and the memory were built from (0 for point-mass). */
  readonly transitions: number
}

/** One row: a planner on one model, with or without memory and guardrail. */
export interface TwoRoomsRow extends PlanningRow, TwoRoomsRowFields {}

const twoRoomsColumn = (title: string, cell: (row: TwoRoomsRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as TwoRoomsRow)
})

const reachCost = (targets: tf.Tensor2D) => goalCost({ goal: targets, mode: "running" })

const insideAnyZone = (x: number, y: number, extra: number): boolean =>
  twoRoomsSuiteSettings.keepOut.zones.some(
    (zone) => Math.hypot(x - zone.center[0], y - zone.center[1]) < zone.radius + extra
  )

/**
 * The first `count` seeds from `first` whose start and goal both lie clear of every keep-out zone
 * (its margin and the success radius included): an episode that starts inside a zone, or must end
 * in one, would break the guardrail before any plan.
 */
export const guardedSeeds = (makeEnv: () => Env, first: number, count: number): ReadonlyArray<number> => {
  const env = makeEnv()
  const seeds: Array<number> = []
  const clearance = twoRoomsSuiteSettings.keepOut.margin + Math.SQRT2
  for (let seed = first; seeds.length < count; seed++) {
    const { info } = env.reset({ seed })
    const position = info.position as Float64Array
    const goal = info.goal as Float64Array
    const clear =
      !insideAnyZone(position[0] as number, position[1] as number, clearance) &&
      !insideAnyZone(goal[0] as number, goal[1] as number, clearance)
    if (clear) seeds.push(seed)
  }
  return seeds
}

/** Whether the agent's true position, after a step, is inside a zone. */
export const insideKeepOut = (info: Info): boolean => {
  const position = info.position as Float64Array
  return insideAnyZone(position[0] as number, position[1] as number, 0)
}

const zoneConstraints = (position: PositionReader): ReadonlyArray<Constraint> =>
  twoRoomsSuiteSettings.keepOut.zones.map((zone) =>
    keepOutZone({ center: zone.center, radius: zone.radius + twoRoomsSuiteSettings.keepOut.margin, position })
  )

/** A model to plan with, how to read positions from its latents, and its memory. */
interface PlanningModel {
  readonly name: string
  readonly model: WorldModel
  readonly makeEnv: () => Env
  readonly goalOf: (info: Info) => ArrayLike<number>
  readonly graph: LandmarkGraph
  /** Reads positions from latents: on the host for pruning the memory, on the backend for the guardrail. */
  readonly positionOf: PositionProbe["positionOf"]
  readonly position: PositionProbe["position"]
  readonly transitions: number
}

const twoRoomsGoal = (pixels: boolean) => (info: Info) =>
  pixels
    ? Float32Array.from(info.goalImage as Uint8Array, (value) => value / 255)
    : (info.goal as Float64Array)

/**
 * Builds the `two-rooms` suite.
 *
 * @example
 * ```ts
 * const tiny = makeTwoRoomsSuite({ sections: ["ground-truth"], transitions: 2000, planners: ["mppi"] })
 * ```
 */
export const makeTwoRoomsSuite = (options: TwoRoomsSuiteOptions = {}): Suite => {
  const sections = new Set(options.sections ?? ["point-mass", "ground-truth", "state", "pixels", "guardrail"])
  const settings = twoRoomsSuiteSettings
  const transitions = options.transitions ?? settings.transitions
  const landmarks = options.landmarks ?? settings.landmarks
  const planners = () =>
    twoRoomsPlanners().filter(
      (planner) => options.planners === undefined || options.planners.includes(planner.name)
    )
  // The guardrail pair and the row without memory use PLDM's planner (or the one planner a test keeps).
  const referencePlanner = (): Planner => {
    const chosen = planners()
    return chosen.find((planner) => planner.name === "pldm-mppi") ?? (chosen[0] as Planner)
  }
  const trainingOf = (observations: ObservationKind, seed: number): TrainingSettings => ({
    ...worldModelSuitePlans[observations],
    ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
    ...(options.stepsPerEpoch === undefined ? {} : { stepsPerEpoch: options.stepsPerEpoch }),
    seed
  })

  const runRow = (
    context: SuiteContext,
    rng: Random,
    benchmark: Omit<PlanningBenchmark, "episodes" | "seed">,
    extra: TwoRoomsRowFields
  ): TwoRoomsRow => {
    const episodes = benchmark.seeds?.length ?? context.episodes ?? settings.episodes
    const row = runPlanningBenchmark(
      { ...benchmark, episodes, seed: benchmark.seeds?.[0] ?? context.seed },
      rng.split(),
      (step) =>
        context.progress(
          `${benchmark.env} ${extra.model} ${benchmark.agent.name}${extra.guardrail === "none" ? "" : " guarded"}`,
          step / 200
        )
    )
    return { ...row, ...extra }
  }

  /**
   * A Two-Rooms row: `graph` directs subgoals (none: plain distance to the goal); `guarded` runs
   * the guardrail's seeds and counts violations.
   */
  const twoRoomsRow = (
    context: SuiteContext,
    rng: Random,
    planning: PlanningModel,
    planner: Planner,
    memory: { readonly graph: LandmarkGraph | undefined; readonly guardedSeeds?: ReadonlyArray<number> },
    guardrail: TwoRoomsRowFields["guardrail"] = "none"
  ): TwoRoomsRow =>
    runRow(
      context,
      rng,
      {
        env: "two-rooms",
        makeEnv: planning.makeEnv,
        agent: flatAgent({
          model: planning.model,
          planner,
          horizon: settings.horizon,
          cost: reachCost,
          ...(memory.graph === undefined
            ? {}
            : { memory: landmarkSubgoals(memory.graph, { lookahead: settings.lookahead }) })
        }),
        goalOf: planning.goalOf,
        ...(memory.guardedSeeds === undefined ? {} : { violates: insideKeepOut, seeds: memory.guardedSeeds })
      },
      {
        model: planning.name,
        landmarks: memory.graph?.count ?? 0,
        guardrail,
        // The data builds the memory; without one, the row uses none.
        transitions: memory.graph === undefined ? 0 : planning.transitions
      }
    )

  function* guardrailRows(
    context: SuiteContext,
    rng: Random,
    planning: PlanningModel
  ): Generator<TwoRoomsRow> {
    const episodes = context.episodes ?? settings.episodes
    const seeds = guardedSeeds(planning.makeEnv, context.seed, episodes)
    const clearance = settings.keepOut.margin
    const guardedGraph = keepLandmarks(planning.graph, (latent) => {
      const [x, y] = planning.positionOf(latent)
      return !insideAnyZone(x, y, clearance)
    })
    const best = referencePlanner()
    yield twoRoomsRow(context, rng, planning, best, { graph: planning.graph, guardedSeeds: seeds })
    const constrained = constrainedPlanner(best, zoneConstraints(planning.position), { outerIterations: 3 })
    yield twoRoomsRow(
      context,
      rng,
      planning,
      constrained,
      { graph: guardedGraph, guardedSeeds: seeds },
      "keep-out (hard)"
    )
  }

  return {
    id: "two-rooms",
    settings: twoRoomsRunSettings,
    description:
      "Two-Rooms end to end (PLDM protocol): every planner with ground-truth, state-JEPA and pixel-JEPA models, landmark memory, keep-out guardrail",
    protocol: {
      env: "two-rooms (PLDM geometry): 64x64, door at y = 10, actions in [-2.45, 2.45]^2, start and goal in opposite rooms",
      episodes: `${settings.episodes} per row unless --episodes, seeds from --seed; at most 200 steps; success: squared distance to the goal < 2 (sqrt(2) px)`,
      control: `model-predictive control, horizon ${settings.horizon}, replanning every step, all episodes of a row planned as one batch; cost: mean squared latent distance to the target over the horizon`,
      memory: `${landmarks} k-means clusters of the recorded latents, each split where its members fall apart into groups that no chain of links joins (a link: two latents closer than the median recorded step, or consecutive recorded steps), as on the two sides of a wall, joined where at least two recorded steps moved between them; the target is the landmark ${settings.lookahead} hops ahead on the shortest route, or the goal once within that`,
      data: `${transitions} transitions of random walks (PLDM's policy), the same data for the model and the memory`,
      models:
        "ground truth: the exact dynamics over [x, y]; JEPA: the worldmodel suite's architectures and training plans",
      planners:
        "gradient (Adam, 8 restarts, 20 steps, 10 when warm), cem (256 samples, 32 elites, 6 refits, 3 when warm), pldm-mppi (500 samples, 6 updates, 1 when warm, as PLDM), hybrid (cem 128 x 2 refits, then 6 gradient steps), random-shooting (256)",
      guardrail: `keep-out circles ${settings.keepOut.zones.map((zone) => `(${zone.center.join(", ")}) r ${zone.radius}`).join(" and ")}; the planner keeps ${settings.keepOut.margin} px further away (augmented Lagrangian, 3 outer iterations) and its memory drops the landmarks there; positions from a quadratic probe for the JEPA; episodes: the first seeds whose start and goal are clear of the zones; violations: steps whose true position is inside a zone`,
      "point-mass":
        "ground truth, the quickstart's cost (position and a little velocity), success within 0.05"
    },
    columns: [
      twoRoomsColumn("env", (row) => row.env),
      twoRoomsColumn("model", (row) => row.model),
      twoRoomsColumn("planner", (row) => row.planner),
      twoRoomsColumn("memory", (row) => (row.landmarks === 0 ? "none" : `${row.landmarks} landmarks`)),
      twoRoomsColumn("guardrail", (row) => row.guardrail),
      twoRoomsColumn("episodes", (row) => String(row.episodes)),
      twoRoomsColumn("success", (row) => row.successRate.toFixed(2)),
      twoRoomsColumn("mean steps", (row) => row.meanSteps.toFixed(1)),
      twoRoomsColumn("plan ms/step", (row) => row.planMsPerStep.toFixed(0)),
      twoRoomsColumn("violations", (row) => (row.violations === undefined ? "" : String(row.violations))),
      twoRoomsColumn("transitions", (row) => String(row.transitions))
    ],
    run: async function* (context) {
      const rng = Random.fromSeed(context.seed)
      const registry = envRegistry
      if (sections.has("point-mass")) {
        for (const planner of planners()) {
          yield runRow(context, rng, pointMassReaching(planner), {
            model: "ground-truth",
            landmarks: 0,
            guardrail: "none",
            transitions: 0
          })
        }
      }
      const learned = (["state", "pixels"] as const).filter((kind) => sections.has(kind))
      const needsState = sections.has("ground-truth") || sections.has("state") || sections.has("guardrail")
      const kinds: ReadonlyArray<ObservationKind> = needsState
        ? ["state", ...learned.filter((kind) => kind !== "state")]
        : learned
      const scratch =
        context.directory === undefined ? await mkdtemp(join(tmpdir(), "telos-two-rooms-")) : undefined
      const directory = context.directory ?? (scratch as string)
      try {
        for (const [index, observations] of kinds.entries()) {
          const pixels = observations === "pixels"
          const trained = await trainSuiteModel(
            observations,
            trainingOf(observations, context.seed),
            { transitions, directory, ...(sections.has(observations) ? { memory: { landmarks } } : {}) },
            context,
            { index, count: kinds.length }
          )
          try {
            const makeEnv = () => registry.get(pixels ? "two-rooms-pixels" : "two-rooms").make()
            const common = { makeEnv, goalOf: twoRoomsGoal(pixels), transitions: trained.row.transitions }
            if (!pixels && (sections.has("ground-truth") || sections.has("guardrail"))) {
              const positions: LatentTrajectories = {
                latentSize: 2,
                latents: trained.dataset.observations,
                episodeLengths: Array.from(trained.dataset.episodeLengths, (count) => count + 1)
              }
              const truth: PlanningModel = {
                ...common,
                name: "ground-truth",
                model: twoRoomsModel(),
                graph: buildLandmarkGraph(positions, { landmarks }, rng.split()),
                positionOf: (latent) => [latent[0] as number, latent[1] as number],
                position: coordinatePosition()
              }
              if (sections.has("ground-truth")) {
                for (const planner of planners()) {
                  yield twoRoomsRow(context, rng, truth, planner, { graph: truth.graph })
                }
                // Without memory, for comparison: the distance to the goal alone.
                yield twoRoomsRow(context, rng, truth, referencePlanner(), { graph: undefined })
              }
              if (sections.has("guardrail")) yield* guardrailRows(context, rng, truth)
            }
            if (sections.has(observations)) {
              const { recorded, graph } = trained.memory as NonNullable<typeof trained.memory>
              const jepa: PlanningModel = {
                ...common,
                name: `jepa-${observations}`,
                model: trained.model.worldModel,
                graph,
                ...probePositions(recorded, trained.dataset, context.seed)
              }
              for (const planner of planners()) {
                yield twoRoomsRow(context, rng, jepa, planner, { graph: jepa.graph })
              }
              if (pixels && sections.has("guardrail")) yield* guardrailRows(context, rng, jepa)
            }
          } finally {
            trained.model.dispose()
          }
        }
      } finally {
        if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
      }
    },
    checks: twoRoomsChecks
  }
}

/** The `two-rooms` suite at its full size. */
export const twoRoomsSuite: Suite = makeTwoRoomsSuite()
