/**
 * The `envs` suite: how fast every registered environment steps, single and batched, through the
 * `Env` API and through its bare definition (what data collection uses). Rows report steps per
 * second, so the cost of validation, copying and batching is visible beside the physics itself.
 *
 * @module
 */
import { Worker } from "node:worker_threads"
import { Random } from "@telos/core"
import { type EnvRegistry, type EnvSpec, envRegistry } from "@telos/envs"
import type { Suite, SuiteRow, SummaryColumn } from "../../report/Suite.js"

/** Seconds of stepping per row (after a short warm-up). */
export const throughputSeconds = 0.5

/** Copies stepped together in the batched rows. */
export const batchedCopies = 64

const actionPoolSize = 1024

/** How a row steps its environment. */
export type SteppingMode = "single" | "batched" | "definition"

/** One row of the `envs` suite. */
export interface ThroughputRow extends SuiteRow {
  /** The environment's id. */
  readonly env: string
  /** How it was stepped. */
  readonly mode: SteppingMode
  /** Copies stepped together (1 unless batched). */
  readonly copies: number
  /** Numbers per observation. */
  readonly observationSize: number
  /** Environment steps taken while timed (over all copies). */
  readonly steps: number
  /** Wall-clock seconds of the timed steps. */
  readonly seconds: number
  /** `steps / seconds`. */
  readonly stepsPerSecond: number
}

// Actions are drawn before timing starts, so the figures measure the environment, not the sampler.
const actionPool = (spec: EnvSpec<unknown>, seed: number): ReadonlyArray<Float64Array | number> => {
  const rng = Random.fromSeed(seed)
  return Array.from({ length: actionPoolSize }, () => spec.definition.actionSpace.sample(rng))
}

const timed = (stepChunk: () => number, seconds: number): { steps: number; seconds: number } => {
  stepChunk() // warm-up: let the JIT compile the hot path before timing
  const started = performance.now()
  let steps = 0
  let elapsed = 0
  while (elapsed < seconds * 1000) {
    steps += stepChunk()
    elapsed = performance.now() - started
  }
  return { steps, seconds: elapsed / 1000 }
}

const singleChunk = (spec: EnvSpec<unknown>, actions: ReadonlyArray<Float64Array | number>, seed: number) => {
  const env = spec.make()
  env.reset({ seed })
  let index = 0
  return (): number => {
    for (let step = 0; step < 1000; step++) {
      const outcome = env.step(actions[index++ % actionPoolSize] as Float64Array | number)
      if (outcome.terminated || outcome.truncated) env.reset()
    }
    return 1000
  }
}

const batchedChunk = (
  spec: EnvSpec<unknown>,
  actions: ReadonlyArray<Float64Array | number>,
  seed: number
) => {
  const envs = spec.makeVector(batchedCopies)
  envs.reset({ seed })
  let offset = 0
  return (): number => {
    for (let step = 0; step < 20; step++) {
      const batch = Array.from(
        { length: batchedCopies },
        (_, copy) => actions[(offset + copy) % actionPoolSize] as Float64Array | number
      )
      envs.step(batch)
      offset += batchedCopies
    }
    return 20 * batchedCopies
  }
}

const definitionChunk = (
  spec: EnvSpec<unknown>,
  actions: ReadonlyArray<Float64Array | number>,
  seed: number
) => {
  const definition = spec.definition
  const rng = Random.fromSeed(seed)
  let state = definition.initialState(rng, undefined)
  let steps = 0
  let index = 0
  let checksum = 0
  return (): number => {
    for (let step = 0; step < 1000; step++) {
      const action = actions[index++ % actionPoolSize] as Float64Array | number
      // A discrete definition receives its choice as a one-number array.
      const next = definition.transition(
        state,
        typeof action === "number" ? Float64Array.of(action) : action,
        rng
      )
      const observation = definition.observe(next.state)
      checksum += observation[0] ?? 0 // keeps the observation from being optimised away
      steps++
      state =
        next.terminated || steps % definition.maxEpisodeSteps === 0
          ? definition.initialState(rng, undefined)
          : next.state
    }
    return Number.isNaN(checksum) ? 0 : 1000
  }
}

const chunkMakers: Record<SteppingMode, typeof singleChunk> = {
  single: singleChunk,
  batched: batchedChunk,
  definition: definitionChunk
}

/**
 * Measures one environment in one mode.
 *
 * @example
 * ```ts
 * measureThroughput(envRegistry.get("pendulum"), "single", 0, 0.2).stepsPerSecond
 * ```
 */
export const measureThroughput = (
  spec: EnvSpec<unknown>,
  mode: SteppingMode,
  seed: number,
  seconds = throughputSeconds
): ThroughputRow => {
  const { steps, seconds: elapsed } = timed(chunkMakers[mode](spec, actionPool(spec, seed), seed), seconds)
  return {
    env: spec.id,
    mode,
    copies: mode === "batched" ? batchedCopies : 1,
    observationSize: spec.definition.observationSpace.size,
    steps,
    seconds: elapsed,
    stepsPerSecond: steps / elapsed
  }
}

const modes: ReadonlyArray<SteppingMode> = ["single", "batched", "definition"]

/**
 * Measures a built-in environment in every mode (or the modes given) inside a fresh worker thread
 * (see `worker.ts`). Only works from the built output, where the worker module is JavaScript.
 */
export const measureInWorker = (
  id: string,
  seed: number,
  seconds: number,
  only: ReadonlyArray<SteppingMode> = modes
): Promise<ReadonlyArray<ThroughputRow>> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./worker.js", import.meta.url), {
      workerData: { id, modes: only, seed, seconds }
    })
    worker.once("message", (rows: ReadonlyArray<ThroughputRow>) => resolve(rows))
    worker.once("error", reject)
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`the throughput worker for ${id} exited with code ${code}`))
    })
  })

const throughputColumn = (title: string, cell: (row: ThroughputRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as ThroughputRow)
})

/**
 * Builds the `envs` suite over a registry (all built-in environments by default).
 *
 * @example
 * ```ts
 * const quick = makeEnvThroughputSuite({ seconds: 0.1 })
 * ```
 */
export const makeEnvThroughputSuite = (
  options: {
    readonly registry?: EnvRegistry
    readonly seconds?: number
    /** One worker thread per environment (built-in registry only); in this thread otherwise. */
    readonly isolate?: boolean
  } = {}
): Suite => {
  const registry = options.registry ?? envRegistry
  const seconds = options.seconds ?? throughputSeconds
  const isolate = options.isolate ?? false
  return {
    id: "envs",
    description: "Environment throughput: steps per second of every registered env, single, batched and bare",
    protocol: {
      what: "steps per second with uniformly random actions drawn before timing; episodes reset when they end",
      single: "one environment through the Env API (action validation, observation copies, info)",
      batched: `${batchedCopies} copies through the VectorEnv API, counted as ${batchedCopies} steps per call`,
      definition: "the environment's pure transition and observe functions, as the data collectors call them",
      secondsPerRow: seconds,
      threads: isolate
        ? "one worker thread per environment, run one after another (a fresh engine for each)"
        : "one (Node.js main thread); later rows share warmed-up, more polymorphic call sites"
    },
    columns: [
      throughputColumn("env", (row) => row.env),
      throughputColumn("mode", (row) => row.mode),
      throughputColumn("copies", (row) => String(row.copies)),
      throughputColumn("observation size", (row) => String(row.observationSize)),
      throughputColumn("steps/s", (row) => Math.round(row.stepsPerSecond).toLocaleString("en-US"))
    ],
    timingFields: ["steps", "seconds", "stepsPerSecond"],
    skipsFinishedRows: true,
    run: async function* (context) {
      const entries = registry.list()
      let finished = context.resumeAfter ?? 0
      for (const [index, { id }] of entries.entries()) {
        // Each row is measured on its own: a resumed run starts at the first unfinished one.
        const remaining = modes.slice(Math.min(finished, modes.length))
        finished = Math.max(0, finished - modes.length)
        if (remaining.length === 0) continue
        context.progress(id, index / entries.length)
        if (isolate) {
          yield* await measureInWorker(id, context.seed, seconds, remaining)
        } else {
          for (const mode of remaining) yield measureThroughput(registry.get(id), mode, context.seed, seconds)
        }
      }
    }
  }
}

/** The `envs` suite over every built-in environment, each measured in its own worker thread. */
export const envThroughputSuite: Suite = makeEnvThroughputSuite({ isolate: true })
