import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { PlanningRow, Suite, SuiteResults, Terminal } from "@telos/bench"
import type { ConfigError, Env, WorldModel } from "@telos/core"
import { Box, resolveBackend } from "@telos/core"
import { defineEnv, type EnvSpec } from "@telos/envs"
import { defineWorldModel } from "@telos/worldmodel"
import * as tf from "@tensorflow/tfjs"
import { Effect, Result } from "effect"
import { afterAll, beforeAll } from "vitest"
import { type Command, parseArguments } from "../src/cli/Arguments.js"

/**
 * Activates the wasm backend (about twice as fast as cpu for planning) through @telos/core, which
 * ships it; falls back to cpu where it cannot load.
 */
export const useWasmBackend = async (): Promise<string> =>
  (await Effect.runPromise(resolveBackend({ preferred: "wasm", environment: {} }))).name

/**
 * Puts the backend that was active before the calling file's tests back after them. Files share a
 * process (`isolate: false`): one that leaves wasm active would run every later file on it. Call it
 * at the top of the file, before the hooks that switch.
 */
export const restoreBackendAfterAll = (): void => {
  let original = ""
  beforeAll(async () => {
    await tf.ready()
    original = tf.getBackend()
  })
  afterAll(async () => {
    if (tf.getBackend() !== original) await tf.setBackend(original)
  })
}

/** A world where the latent is a position and an action moves it: s' = s + 0.1 a. */
export const shiftModel = (latentSize: number): WorldModel =>
  defineWorldModel({
    name: "shift",
    latentSize,
    actionSpace: new Box({ low: -1, high: 1, shape: [latentSize] }),
    encode: (observations) => tf.tidy(() => observations.toFloat() as tf.Tensor2D),
    step: (states, actions) => tf.tidy(() => states.add(actions.mul(0.1)) as tf.Tensor2D)
  })

/** The state of the shift world: where the point is and where it should go. */
export interface ShiftState {
  /** The point's position. */
  readonly position: Float64Array
  /** The goal's position. */
  readonly goal: Float64Array
}

const distance = (state: ShiftState): number =>
  Math.hypot(...state.position.map((value, index) => value - (state.goal[index] as number)))

/**
 * The same world as an environment, defined as users define theirs: start and goal drawn from the
 * seed, reward minus the distance, success (termination) within `tolerance` of the goal, truncated
 * after `maxEpisodeSteps`.
 */
export const shiftEnv = (latentSize: number, maxEpisodeSteps = 60, tolerance = 0.05): Env =>
  shiftSpec(latentSize, maxEpisodeSteps, tolerance).make()

/** The definition {@link shiftEnv} makes its environments from (to collect data in, for one). */
export const shiftSpec = (latentSize: number, maxEpisodeSteps = 60, tolerance = 0.05): EnvSpec<ShiftState> =>
  defineEnv<ShiftState>({
    id: "shift",
    description: "A point moved directly by its action towards a goal.",
    observationSpace: new Box({ low: -10, high: 10, shape: [latentSize] }),
    actionSpace: new Box({ low: -1, high: 1, shape: [latentSize] }),
    maxEpisodeSteps,
    initialState: (rng) => ({
      position: Float64Array.from({ length: latentSize }, () => rng.uniformIn(-0.5, 0.5)),
      goal: Float64Array.from({ length: latentSize }, () => rng.uniformIn(-0.5, 0.5))
    }),
    transition: (state, action) => {
      const next = {
        ...state,
        position: state.position.map((value, index) => value + 0.1 * (action[index] as number))
      }
      return { state: next, reward: -distance(next), terminated: distance(next) < tolerance }
    },
    observe: (state) => state.position.slice(),
    info: (state) => ({ goal: state.goal.slice(), success: distance(state) < tolerance })
  })

/** A planning row with plausible values. */
export const makeRow = (overrides: Partial<PlanningRow> = {}): PlanningRow => ({
  env: "shift",
  planner: "gradient",
  levels: 1,
  seed: 0,
  episodes: 4,
  successRate: 0.75,
  meanReturn: -12.5,
  meanSteps: 23.25,
  planMsPerStep: 3.5,
  ...overrides
})

/** Results of a finished run with the given rows. */
export const makeResults = (overrides: Partial<SuiteResults> = {}): SuiteResults => ({
  suite: "fake",
  protocol: { episodes: 4, note: "a fake protocol" },
  backend: "cpu",
  seed: 0,
  startedAt: "2025-01-02T03:04:05.678Z",
  status: "complete",
  finishedAt: "2025-01-02T03:04:07.678Z",
  durationSeconds: 2,
  rows: [makeRow()],
  checks: [],
  ...overrides
})

/** A suite that yields `rows` one by one, with optional hooks. */
export const listSuite = (
  id: string,
  rows: ReadonlyArray<PlanningRow>,
  options: {
    readonly description?: string
    readonly betweenRows?: (finished: number) => Promise<void>
    readonly failAfter?: number
    readonly checks?: Suite["checks"]
  } = {}
): Suite => ({
  id,
  description: options.description ?? `the ${id} suite`,
  protocol: { rows: rows.length },
  run: async function* (context) {
    for (const [index, row] of rows.entries()) {
      if (options.failAfter === index) throw new Error(`boom after ${index} rows\nsecond line`)
      if (index > 0) await options.betweenRows?.(index)
      context.progress(row.env, 1)
      yield { ...row, seed: context.seed, episodes: context.episodes ?? row.episodes }
    }
  },
  ...(options.checks === undefined ? {} : { checks: options.checks })
})

/** A terminal that records what it is given. */
export const fakeTerminal = (
  environment: Readonly<Record<string, string | undefined>> = { TELOS_BACKEND: "cpu" }
): { terminal: Terminal; out: Array<string>; error: Array<string>; progress: Array<string> } => {
  const out: Array<string> = []
  const error: Array<string> = []
  const progress: Array<string> = []
  return {
    terminal: {
      out: (line) => out.push(line),
      error: (line) => error.push(line),
      progressOutput: { isTTY: false, write: (text: string) => progress.push(text) },
      environment
    },
    out,
    error,
    progress
  }
}

/** A fresh temporary directory. */
export const makeTempDir = (): Promise<string> => mkdtemp(join(tmpdir(), "telos-bench-test-"))

/** Removes a temporary directory. */
export const removeTempDir = (directory: string): Promise<void> =>
  rm(directory, { recursive: true, force: true })

/** `results.json` of a run directory, parsed. */
export const readResults = async (directory: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(join(directory, "results.json"), "utf8")) as Record<string, unknown>

/** The command `argv` parses to; throws when it does not parse. */
export const parsedSuccess = (argv: ReadonlyArray<string>): Command => {
  const parsed = parseArguments(argv)
  if (Result.isFailure(parsed)) throw new Error(`expected success, got ${parsed.failure.message}`)
  return parsed.success
}

/** The error `argv` fails with; throws when it parses. */
export const parsedFailure = (argv: ReadonlyArray<string>): ConfigError => {
  const parsed = parseArguments(argv)
  if (Result.isSuccess(parsed)) throw new Error(`expected failure, got ${JSON.stringify(parsed.success)}`)
  return parsed.failure
}
