/**
 * The `maze-hier` suite: on each built-in maze, learned from 64x64 pixels, flat planning against
 * 2-level and 3-level hierarchies at equal planning compute. Per maze: random-walk data, a JEPA
 * (the primitive level), level models with latent macro-actions over it (strides 10 and 40, 8-dim
 * macro-actions, as HWM), and a landmark memory of the recorded latents. Each hierarchy is run
 * without and with the memory above its top level; the flat gradient planner gets as many
 * restarts as it takes to make as many world-model predictions per step as the 2-level hierarchy.
 * The report draws sample episodes with the subgoals handed to the primitive level on the map.
 *
 * @module
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Info, Random, type WorldModel } from "@telos/core"
import { writeFileAtomic } from "@telos/core/node"
import {
  type LayoutPoint,
  layoutSvg,
  type MazeLayoutName,
  makeMaze,
  mazeLayouts,
  prepareMaze
} from "@telos/envs"
import {
  addCosts,
  cemPlanner,
  countingWorldModel,
  goalCost,
  gradientPlanner,
  hierarchicalAgent,
  type LandmarkGraph,
  landmarkRouteCosts,
  landmarkSubgoals,
  type PlanningLevel,
  passageConstraint,
  penaltyCost,
  type SubgoalDirector,
  scaleCost,
  strideHops
} from "@telos/planner"
import type { Dataset, JepaModel, LevelEvaluation, LevelStack } from "@telos/worldmodel"
import type * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { resolveRunConfig } from "../../configurator/Resolve.js"
import { type EnvSource, loadEnvSource } from "../../pipeline/EnvSource.js"
import { type PositionProbe, probePositions } from "../../pipeline/LatentMemory.js"
import {
  collectStage,
  levelsStage,
  memoryStage,
  recordedStates,
  type TrainedLevels,
  worldModelStage
} from "../../pipeline/Stages.js"
import { runPlanningBenchmark } from "../../report/PlanningBenchmark.js"
import type { PlanningRow, Suite, SuiteContext, SummaryColumn } from "../../report/Suite.js"
import { mazeHierarchyChecks } from "./checks.js"
import { mazeHierarchySettings } from "./settings.js"

/** Options of {@link makeMazeHierarchySuite}, for shrinking it (tests) or choosing mazes. */
export interface MazeHierarchySuiteOptions {
  /** The mazes to run on (default the settings' four). */
  readonly mazes?: ReadonlyArray<MazeLayoutName>
  /** Transitions of data collected per maze (default the settings'). */
  readonly transitions?: number
  /** JEPA optimisation steps (epochs x steps per epoch of the settings otherwise). */
  readonly jepaEpochs?: number
  /** JEPA optimisation steps per epoch (default the settings'). */
  readonly jepaStepsPerEpoch?: number
  /** Training steps of the levels (default the settings'). */
  readonly levelSteps?: number
  /** k-means landmarks of the memory (default the settings'). */
  readonly landmarks?: number
  /** Also train a JEPA jointly with its levels on these mazes, and run the 2-level hierarchy on it. */
  readonly jointMazes?: ReadonlyArray<MazeLayoutName>
  /** Which hierarchies to run (default 1, 2 and 3 levels). */
  readonly levelCounts?: ReadonlyArray<1 | 2 | 3>
  /** The memory's lookaheads to run, 0 for no memory (default 0, 7 and 10 hops). */
  readonly lookaheads?: ReadonlyArray<number>
}

/** One row: a planner (flat or hierarchical) on one maze. */
export interface MazeHierarchyRow extends PlanningRow {
  /** Landmarks in the memory above the top level; 0 for none. */
  readonly landmarks: number
  /** Hops along the memory's route between the agent and the target it hands the top level; 0 without memory. */
  readonly lookahead: number
  /** Whether the levels were trained on a frozen JEPA encoder or jointly with it. */
  readonly encoder: "frozen" | "joint"
  /** World-model predictions per environment step, all levels together. */
  readonly evaluationsPerStep: number
  /** The same per level, level 0 first. */
  readonly evaluationsPerLevel: ReadonlyArray<number>
  /** Each level's relative prediction error (levels above 0). */
  readonly levelErrors: ReadonlyArray<LevelEvaluation>
  /** Hops of the memory a step of each level above 0 may span before the passage guardrail costs. */
  readonly passageHops: ReadonlyArray<number>
  /** Transitions in the maze's dataset. */
  readonly transitions: number
  /** Drawings of some of the row's episodes (SVG files in the run directory). */
  readonly figures: ReadonlyArray<{
    /** Relative to the run directory. */
    readonly path: string
    /** What the drawing shows. */
    readonly caption: string
  }>
}

const mazeColumn = (title: string, cell: (row: MazeHierarchyRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as MazeHierarchyRow)
})

const goalImageOf = (info: Info): Float32Array =>
  Float32Array.from(info.goalImage as Uint8Array, (value) => value / 255)

const primitiveCost = (targets: tf.Tensor2D) => goalCost({ goal: targets, mode: "running" })

/** A maze's trained models and what is derived from them; disposed after its rows. */
interface MazeModels {
  readonly name: MazeLayoutName
  readonly jepa: JepaModel
  readonly stack: LevelStack
  readonly dataset: Dataset
  readonly graph: LandmarkGraph
  readonly probe: PositionProbe
  readonly levelErrors: ReadonlyArray<LevelEvaluation>
  /** Hops of the memory a step of each level above 0 may span (the passage guardrail). */
  readonly passageHops: ReadonlyArray<number>
  readonly encoder: "frozen" | "joint"
}

/** The sample episodes' executed positions and the subgoals handed to level 0, for drawing. */
interface EpisodeDrawing {
  readonly positions: Array<LayoutPoint>
  readonly subgoals: Array<LayoutPoint>
  goal: LayoutPoint | undefined
}

/** Wraps a director so the targets it hands to the first episodes are recorded as map positions. */
const recordingDirector = (
  director: SubgoalDirector,
  drawings: ReadonlyArray<EpisodeDrawing>,
  probe: PositionProbe,
  latentSize: number
): SubgoalDirector => ({
  name: director.name,
  start: (goals) => {
    const tracker = director.start(goals)
    return {
      next: (states, running) => {
        const targets = tracker.next(states, running)
        drawings.forEach((drawing, episode) => {
          if (running !== undefined && running[episode] !== true) return
          const point = probe.positionOf(targets.subarray(episode * latentSize, (episode + 1) * latentSize))
          const last = drawing.subgoals.at(-1)
          // A subgoal that moved by less than a pixel is the same subgoal for the eye.
          if (last === undefined || Math.hypot(point[0] - last[0], point[1] - last[1]) >= 1)
            drawing.subgoals.push(point)
        })
        return targets
      }
    }
  }
})

/**
 * Restarts that make the flat gradient planner's predictions per step match `evaluations`: a
 * warm-started plan scores the start, each iteration and the end for every restart over the
 * horizon, then reads the chosen plan out once.
 *
 * @example
 * ```ts
 * matchedRestarts(3088) // 16 with 10 warm iterations and horizon 16
 * ```
 */
export const matchedRestarts = (evaluations: number): number => {
  const { warmStartIterations, horizon } = mazeHierarchySettings.primitive
  return Math.max(1, Math.round((evaluations - horizon) / ((warmStartIterations + 2) * horizon)))
}

/**
 * Builds the `maze-hier` suite.
 *
 * @example
 * ```ts
 * const small = makeMazeHierarchySuite({ mazes: ["medium"], levelCounts: [1, 2] })
 * ```
 */
export const makeMazeHierarchySuite = (options: MazeHierarchySuiteOptions = {}): Suite => {
  const settings = mazeHierarchySettings
  const mazes = options.mazes ?? settings.mazes
  const levelCounts = options.levelCounts ?? [1, 2, 3]
  const lookaheads = options.lookaheads ?? settings.memory.lookaheads
  const jointMazes = new Set(options.jointMazes ?? ["medium"])
  const transitions = options.transitions ?? settings.transitions
  const levelSteps = options.levelSteps ?? settings.levelTraining.steps
  const jepaPlan = {
    ...settings.jepa,
    ...(options.jepaEpochs === undefined ? {} : { epochs: options.jepaEpochs }),
    ...(options.jepaStepsPerEpoch === undefined ? {} : { stepsPerEpoch: options.jepaStepsPerEpoch })
  }

  /** Plans `levels` levels (1: flat) on a maze, with or without memory, and returns the row. */
  const planRow = async (
    context: SuiteContext,
    rng: Random,
    models: MazeModels,
    levels: number,
    lookahead: number,
    flatRestarts: number,
    directory: string
  ): Promise<MazeHierarchyRow> => {
    const memory = lookahead > 0
    const worldModels = models.stack.worldModels(models.jepa.worldModel).slice(0, levels)
    const counted = worldModels.map((model: WorldModel) => countingWorldModel(model))
    const primitive = settings.primitive
    const route = levels > 1 ? landmarkRouteCosts(models.graph) : undefined
    const planningLevels: Array<PlanningLevel> = [
      {
        model: (counted[0] as ReturnType<typeof countingWorldModel>).model,
        planner: gradientPlanner({
          iterations: primitive.iterations,
          warmStartIterations: primitive.warmStartIterations,
          restarts: levels === 1 ? flatRestarts : primitive.restarts
        }),
        horizon: primitive.horizon,
        cost: primitiveCost
      },
      ...counted.slice(1).map((model, index): PlanningLevel => {
        const upper = settings.upper[index] as (typeof settings.upper)[number]
        const passages = penaltyCost(
          passageConstraint(models.graph, { maxHops: models.passageHops[index] as number }),
          settings.passages.weight
        )
        return {
          cost: (targets) =>
            addCosts(
              goalCost({ goal: targets, mode: "running" }),
              scaleCost(settings.route.weight, (route as NonNullable<typeof route>)(targets)),
              passages
            ),
          model: model.model,
          planner: cemPlanner({
            samples: upper.samples,
            iterations: upper.iterations,
            warmStartIterations: upper.warmStartIterations
          }),
          horizon: upper.horizon,
          replanInterval: upper.replanInterval
        }
      })
    ]
    const drawings: Array<EpisodeDrawing> = Array.from({ length: settings.drawnEpisodes }, () => ({
      positions: [],
      subgoals: [],
      goal: undefined
    }))
    const agent = hierarchicalAgent(planningLevels, {
      ...(memory ? { memory: landmarkSubgoals(models.graph, { lookahead }) } : {}),
      ...(settings.anchorSubgoals ? { subgoalAnchors: models.graph.landmarks } : {}),
      wrapSubgoals: (director) =>
        recordingDirector(director, drawings, models.probe, models.jepa.config.latentSize)
    })
    const episodes = context.episodes ?? settings.episodes
    const env = `maze-${models.name}-pixels`
    const label = `${env} ${levels === 1 ? "flat" : `${levels} levels`}${memory ? ` + memory (${lookahead} hops)` : ""}`
    const row = runPlanningBenchmark(
      {
        env,
        makeEnv: () => makeMaze(models.name, { observation: "pixels" }).make(),
        agent,
        goalOf: goalImageOf,
        episodes,
        seed: context.seed,
        onTransition: (episode, info) => {
          const drawing = drawings[episode]
          if (drawing === undefined) return
          const position = info.position as Float64Array
          drawing.positions.push([position[0] as number, position[1] as number])
          const goal = info.goal as Float64Array
          drawing.goal = [goal[0] as number, goal[1] as number]
        }
      },
      rng.split(),
      (step) => context.progress(label, step / prepareMaze(mazeLayouts[models.name]).maxEpisodeSteps)
    )
    const totalSteps = row.meanSteps * row.episodes
    const evaluationsPerLevel = counted.map((model) => model.evaluations() / totalSteps)
    const figures = await drawEpisodes(models, levels, lookahead, drawings, directory)
    return {
      ...row,
      planner:
        levels === 1 ? `gradient (${flatRestarts} restarts)` : `hierarchy: gradient < ${levels - 1} x cem`,
      landmarks: memory ? models.graph.count : 0,
      lookahead,
      encoder: models.encoder,
      evaluationsPerStep: evaluationsPerLevel.reduce((sum, value) => sum + value, 0),
      evaluationsPerLevel,
      levelErrors: models.levelErrors,
      passageHops: models.passageHops.slice(0, levels - 1),
      transitions: models.dataset.counts.transitions,
      figures
    }
  }

  const drawEpisodes = async (
    models: MazeModels,
    levels: number,
    lookahead: number,
    drawings: ReadonlyArray<EpisodeDrawing>,
    directory: string
  ): Promise<MazeHierarchyRow["figures"]> => {
    const layout = prepareMaze(mazeLayouts[models.name]).layout
    const memory = lookahead > 0 ? ` + memory (${lookahead} hops)` : ""
    const key = `${models.name}-${levels}-level${lookahead > 0 ? `-memory${lookahead}` : ""}${models.encoder === "joint" ? "-joint" : ""}`
    await mkdir(join(directory, "figures"), { recursive: true })
    const figures: Array<{ path: string; caption: string }> = []
    for (const [index, drawing] of drawings.entries()) {
      if (drawing.positions.length === 0) continue
      const path = join("figures", `${key}-episode${index}.svg`)
      const caption =
        `maze-${models.name}, ${levels === 1 ? "flat" : `${levels} levels`}${memory}` +
        `${models.encoder === "joint" ? " (joint encoder)" : ""}, episode ${index}: executed path and the subgoals handed to level 0`
      const svg = layoutSvg(layout, {
        title: caption.split(":")[0] as string,
        start: drawing.positions[0] as LayoutPoint,
        ...(drawing.goal === undefined ? {} : { goal: drawing.goal }),
        subgoals: drawing.subgoals,
        trajectories: [{ points: drawing.positions, label: "executed" }]
      })
      await Effect.runPromise(writeFileAtomic(join(directory, path), svg))
      figures.push({ path, caption })
    }
    return figures
  }

  /** The maze's run configuration: its data, JEPA, levels and memory as the suite's settings say. */
  const mazeConfig = (source: EnvSource, seed: number, encoder: "frozen" | "joint") =>
    resolveRunConfig(source.spec, source.name, {
      file: {
        seed,
        data: {
          transitions,
          episodeLength: source.spec.definition.maxEpisodeSteps,
          observations: "pixels"
        },
        worldModel: { latentSize: 16, ...jepaPlan },
        levels: {
          strides: settings.levels.map((level) => level.stride),
          macroActionSize: 8,
          // Joint: the JEPA learns from scratch beside its levels, for at least as long as alone.
          trainingSteps:
            encoder === "joint" ? Math.max(levelSteps, jepaPlan.epochs * jepaPlan.stepsPerEpoch) : levelSteps,
          batchSize: settings.levelTraining.batchSize,
          topSteps: settings.levelTraining.topSteps,
          learningRate: settings.levelTraining.learningRate,
          encoder
        },
        memory: {
          landmarks: options.landmarks ?? settings.memory.landmarks,
          linkFraction: settings.memory.linkFraction
        },
        evaluation: { agents: ["random"] }
      }
    })

  const prepareModels = async (
    context: SuiteContext,
    name: MazeLayoutName,
    directory: string,
    position: { readonly index: number; readonly count: number }
  ): Promise<{ readonly frozen: MazeModels; readonly joint: MazeModels | undefined }> => {
    const source = await loadEnvSource(`maze-${name}`)
    const progress = (label: string, fraction: number) =>
      context.progress(
        `maze-${name}: ${label}`,
        label === "collect" || label === "train" ? (position.index + fraction) / position.count : fraction
      )
    const stagesOf = (encoder: "frozen" | "joint") => ({
      config: mazeConfig(source, context.seed, encoder),
      source,
      cache: context.cache ?? join(directory, "cache"),
      progress,
      report: () => undefined
    })
    const frozenContext = stagesOf("frozen")
    const collected = await collectStage(frozenContext)
    const trained = await worldModelStage(frozenContext, collected)
    const derive = async (
      stageContext: ReturnType<typeof stagesOf>,
      encoder: "frozen" | "joint"
    ): Promise<MazeModels> => {
      const levels = (await levelsStage(stageContext, collected, trained)) as TrainedLevels
      const jepa = levels.jointJepa ?? trained.jepa
      const recorded = recordedStates(collected, jepa, stageContext.config)
      const memory = await memoryStage(
        stageContext,
        collected,
        encoder === "joint" ? levels.record.key : trained.record.key,
        () => recorded
      )
      const graph = (memory as NonNullable<typeof memory>).graph
      return {
        name,
        jepa,
        stack: levels.stack,
        dataset: collected.dataset,
        graph,
        passageHops: settings.levels.map((level) =>
          strideHops(graph, recorded, level.stride, settings.passages.quantile)
        ),
        probe: probePositions(recorded, collected.dataset, context.seed),
        levelErrors: levels.errors,
        encoder
      }
    }
    const frozen = await derive(frozenContext, "frozen")
    if (!jointMazes.has(name)) return { frozen, joint: undefined }
    return { frozen, joint: await derive(stagesOf("joint"), "joint") }
  }

  return {
    id: "maze-hier",
    description:
      "Mazes from 64x64 pixels: flat gradient planning against 2- and 3-level hierarchies of learned latent macro-actions, at equal planning compute, without and with a landmark memory",
    protocol: {
      mazes: mazes.join(", "),
      episodesPerRow: settings.episodes,
      data: `${transitions} random-walk transitions per maze (64x64 images)`,
      jepa: `${jepaPlan.epochs * jepaPlan.stepsPerEpoch} steps, batch ${jepaPlan.batchSize}, rollout ${jepaPlan.rolloutSteps}`,
      levels: settings.levels
        .map(
          (level, index) =>
            `level ${index + 1}: stride ${level.stride}, ${level.macroActionSize}-dim macro-actions in [-1, 1]`
        )
        .join("; "),
      levelTraining: `${levelSteps} steps, batch ${settings.levelTraining.batchSize}, sequences of ${settings.levelTraining.topSteps} top-level steps; encoder frozen (joint also, on ${[...jointMazes].join(", ")})`,
      planners: `level 0: gradient (${settings.primitive.restarts} restarts, ${settings.primitive.warmStartIterations} warm iterations, horizon ${settings.primitive.horizon}); levels 1 and 2: CEM (${settings.upper.map((upper) => `${upper.samples} samples, horizon ${upper.horizon}, replanning every ${upper.replanInterval} steps`).join("; ")}); the subgoal is the top plan's first predicted latent${settings.anchorSubgoals ? " moved to the nearest landmark" : ""}, or the target itself once that step reaches it (a later step's landmark when the first stays at the agent's own); levels 1 and 2 guarded by the memory's passages: a macro-step spanning more landmark hops than ${settings.passages.quantile * 100}% of the recorded stretches of its stride costs ${settings.passages.weight} per hop beyond; their cost adds ${settings.route.weight} x the squared hops of the memory from each predicted latent to the target to the latent distance`,
      compute:
        "flat: the gradient planner with as many restarts as match the 2-level hierarchy's predictions per step (measured in the same run); evaluationsPerStep counts forward predictions of every level",
      memory: `landmark graph of the recorded latents (${settings.memory.landmarks} k-means landmarks, split where they straddle walls or wall corners, link fraction ${settings.memory.linkFraction}), above the top level, targets ${lookaheads.filter((hops) => hops > 0).join(" or ")} hops ahead; rows without these waypoints too (the hierarchy's anchors, passage guardrail and route cost still read the graph; the flat planner then has only the goal)`,
      success: "within half a cell of the goal; budget as maxEpisodeSteps of the maze"
    },
    columns: [
      mazeColumn("env", (row) => row.env),
      mazeColumn("levels", (row) => String(row.levels)),
      mazeColumn("planner", (row) => row.planner),
      mazeColumn("memory", (row) =>
        row.landmarks === 0 ? "no waypoints" : `${row.landmarks} landmarks, ${row.lookahead} hops`
      ),
      mazeColumn("encoder", (row) => row.encoder),
      mazeColumn("episodes", (row) => String(row.episodes)),
      mazeColumn("success", (row) => row.successRate.toFixed(2)),
      mazeColumn("mean steps", (row) => row.meanSteps.toFixed(1)),
      mazeColumn("plan ms/step", (row) => row.planMsPerStep.toFixed(0)),
      mazeColumn("predictions/step", (row) => row.evaluationsPerStep.toFixed(0))
    ],
    run: async function* (context) {
      const rng = Random.fromSeed(context.seed)
      const scratch =
        context.directory === undefined ? await mkdtemp(join(tmpdir(), "telos-maze-hier-")) : undefined
      const directory = context.directory ?? (scratch as string)
      try {
        for (const [index, name] of mazes.entries()) {
          const { frozen, joint } = await prepareModels(context, name, directory, {
            index,
            count: mazes.length
          })
          try {
            for (const lookahead of lookaheads) {
              const hierarchies = levelCounts.filter((count) => count > 1)
              let matched = settings.primitive.restarts
              for (const levels of hierarchies) {
                const row = await planRow(context, rng, frozen, levels, lookahead, matched, directory)
                if (levels === 2 || hierarchies.length === 1)
                  matched = matchedRestarts(row.evaluationsPerStep)
                yield row
              }
              if (levelCounts.includes(1))
                yield await planRow(context, rng, frozen, 1, lookahead, matched, directory)
            }
            if (joint !== undefined && levelCounts.includes(2)) {
              yield await planRow(
                context,
                rng,
                joint,
                2,
                lookaheads.find((hops) => hops > 0) ?? 0,
                settings.primitive.restarts,
                directory
              )
            }
          } finally {
            frozen.stack.dispose()
            frozen.jepa.dispose()
            joint?.stack.dispose()
            joint?.jepa.dispose()
          }
        }
      } finally {
        if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
      }
    },
    checks: mazeHierarchyChecks
  }
}

/** The `maze-hier` suite with its default protocol. */
export const mazeHierarchySuite: Suite = makeMazeHierarchySuite()
