/**
 * Command-line arguments of `telos` (`telos bench ...`, `telos collect ...`, `telos train ...`), decoded with a Schema
 * so that a bad argument is one line naming the flag and what it expected.
 *
 * @module
 */
import { type BackendName, backendNames, ConfigError, decodeConfigResult } from "@telos/core"
import { Result, Schema } from "effect"
import type { TrainingLossWeights } from "../pipeline/WorldModelTraining.js"
import { parseQueueAddress, type QueueAddress } from "../sweep/QueueConnection.js"

/** What the user asked for. */
export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "list" }
  | {
      readonly kind: "run"
      readonly suite: string
      readonly out: string | undefined
      readonly episodes: number | undefined
      readonly seed: number
      /** `--backends`: the backends a suite compares (the perf suite); `undefined` when not given. */
      readonly backends?: ReadonlyArray<BackendName>
      /** `--overwrite`: replace a complete run in `out` instead of refusing. */
      readonly overwrite?: boolean
    }
  | CollectCommand
  | TrainCommand
  | PipelineCommand
  | SweepCommand
  | WorkerCommand

/**
 * `telos run`: the whole pipeline on one environment, configured by its defaults, a config file
 * and `--set` overrides.
 *
 * @example
 * ```ts
 * const command: PipelineCommand = {
 *   kind: "pipeline", env: "point-mass", config: undefined, preset: undefined,
 *   overrides: ["actor.horizon=24"], out: undefined, cache: "runs/cache", printConfig: false
 * }
 * ```
 */
export interface PipelineCommand {
  readonly kind: "pipeline"
  /** A registered id or a module path; `undefined` when the config file names it. */
  readonly env: string | undefined
  /** A JSON or YAML config file. */
  readonly config: string | undefined
  /** A suite whose settings apply under the config file (`telos bench --list` names them). */
  readonly preset: string | undefined
  /** `key.path=value` overrides, in order. */
  readonly overrides: ReadonlyArray<string>
  readonly out: string | undefined
  /** The stage cache's folder. */
  readonly cache: string
  /** Print the resolved configuration and stop. */
  readonly printConfig: boolean
  /** `--overwrite`: replace a complete run in `out` (or the bundle in `export`) instead of refusing. */
  readonly overwrite?: boolean
  /** `--export DIR`: write the learned agents as an agent bundle there instead of running episodes. */
  readonly export?: string | undefined
}

/**
 * `telos collect`: gather an offline dataset from an environment with an exploration policy.
 *
 * @example
 * ```ts
 * const command: CollectCommand = {
 *   kind: "collect", env: "two-rooms", transitions: 100_000, out: "runs/data",
 *   observations: "pixels", policy: undefined, episodeLength: undefined, seed: 0
 * }
 * ```
 */
export interface CollectCommand {
  readonly kind: "collect"
  readonly env: string
  readonly transitions: number
  readonly out: string
  /** Record state observations only, or images too. */
  readonly observations: "state" | "pixels"
  /** `undefined`: a random walk for 2-D actions, uniform actions otherwise. */
  readonly policy: "random-walk" | "uniform" | "correlated" | undefined
  /** `undefined`: the environment's own episode budget. */
  readonly episodeLength: number | undefined
  readonly seed: number
  /**
   * The share of random-walk episodes sent through one of the environment's doorways (its doors;
   * see `doorwayWalkPolicy`); `undefined` or 0: none.
   */
  readonly doorwayRate?: number | undefined
  /** `--overwrite`: replace a dataset already in `out` instead of refusing. */
  readonly overwrite?: boolean
}

/**
 * `telos train`: train a JEPA world model on an offline dataset, with a checkpoint after every
 * epoch. Options left `undefined` take the defaults of the observation kind (see `TrainCommand`).
 *
 * @example
 * ```ts
 * const command: TrainCommand = {
 *   kind: "train", env: "two-rooms", observations: "state", data: "runs/data", out: "runs/model",
 *   epochs: 5, stepsPerEpoch: undefined, batchSize: undefined, rolloutSteps: undefined,
 *   latentSize: undefined, learningRate: undefined, latentVariableSize: undefined, seed: 0, resume: false
 * }
 * ```
 */
export interface TrainCommand {
  readonly kind: "train"
  /** The environment the dataset must come from; its action space bounds the model's actions. */
  readonly env: string
  /** Train on state vectors or on the dataset's images. */
  readonly observations: "state" | "pixels"
  /** The dataset: a directory holding `dataset.bin`, or the file. */
  readonly data: string
  /** The checkpoint directory, rewritten after every epoch. */
  readonly out: string
  readonly epochs: number | undefined
  readonly stepsPerEpoch: number | undefined
  readonly batchSize: number | undefined
  readonly rolloutSteps: number | undefined
  readonly latentSize: number | undefined
  readonly learningRate: number | undefined
  /** Size of the latent variable z; 0 (deterministic) when `undefined`. */
  readonly latentVariableSize: number | undefined
  readonly seed: number
  /** Continue the checkpoint in `out` instead of starting afresh. */
  readonly resume: boolean
  /** `--overwrite`: start afresh over a checkpoint already in `out` instead of refusing. */
  readonly overwrite?: boolean
  /** The loss terms' weights (the pipeline's configuration sets them); the library's defaults when absent. */
  readonly lossWeights?: TrainingLossWeights | undefined
  /** Windows the evaluation after each epoch samples (the pipeline's configuration sets it). */
  readonly evaluationSamples?: number | undefined
}

/**
 * The largest value each count flag takes. Past them a run would not fit in memory or time on any
 * machine telos runs on, and the failure would come late and unnamed ("Invalid array length").
 */
export const flagBounds = {
  episodes: 100_000,
  seed: Number.MAX_SAFE_INTEGER,
  transitions: 100_000_000,
  "episode-length": 1_000_000,
  epochs: 1_000_000,
  "steps-per-epoch": 10_000_000,
  "batch-size": 65_536,
  "rollout-steps": 1_000,
  "latent-size": 65_536,
  "latent-variable": 65_536,
  workers: 4_096
} as const

const count = (name: keyof typeof flagBounds, above: number) =>
  Schema.optional(Schema.Int.check(Schema.isGreaterThan(above), Schema.isLessThanOrEqualTo(flagBounds[name])))

/** The flags of `telos run`, after tokenising (`--set` is taken apart first: it repeats). */
export const PipelineFlags = Schema.Struct({
  help: Schema.optional(Schema.Boolean),
  env: Schema.optional(Schema.NonEmptyString),
  config: Schema.optional(Schema.NonEmptyString),
  preset: Schema.optional(Schema.NonEmptyString),
  out: Schema.optional(Schema.NonEmptyString),
  cache: Schema.optional(Schema.NonEmptyString),
  "print-config": Schema.optional(Schema.Boolean),
  overwrite: Schema.optional(Schema.Boolean),
  export: Schema.optional(Schema.NonEmptyString)
})

/** The flags of `telos bench`, after tokenising. */
export const BenchFlags = Schema.Struct({
  list: Schema.optional(Schema.Boolean),
  help: Schema.optional(Schema.Boolean),
  suite: Schema.optional(Schema.NonEmptyString),
  out: Schema.optional(Schema.NonEmptyString),
  episodes: count("episodes", 0),
  seed: count("seed", -1),
  backends: Schema.optional(Schema.NonEmptyString),
  overwrite: Schema.optional(Schema.Boolean)
})

/**
 * The flags of `telos collect`, after tokenising.
 *
 * @example
 * ```ts
 * decodeConfigResult(CollectFlags, { env: "two-rooms", transitions: 1000, out: "runs/d" }, "arguments")
 * ```
 */
export const CollectFlags = Schema.Struct({
  help: Schema.optional(Schema.Boolean),
  env: Schema.optional(Schema.NonEmptyString),
  transitions: count("transitions", 0),
  out: Schema.optional(Schema.NonEmptyString),
  obs: Schema.optional(Schema.Literals(["state", "pixels"])),
  policy: Schema.optional(Schema.Literals(["random-walk", "uniform", "correlated"])),
  "episode-length": count("episode-length", 0),
  "doorway-rate": Schema.optional(
    Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(1))
  ),
  seed: count("seed", -1),
  overwrite: Schema.optional(Schema.Boolean)
})

/**
 * The flags of `telos train`, after tokenising.
 *
 * @example
 * ```ts
 * decodeConfigResult(TrainFlags, { env: "two-rooms", obs: "state", data: "runs/d", out: "runs/m" }, "arguments")
 * ```
 */
export const TrainFlags = Schema.Struct({
  help: Schema.optional(Schema.Boolean),
  env: Schema.optional(Schema.NonEmptyString),
  obs: Schema.optional(Schema.Literals(["state", "pixels"])),
  data: Schema.optional(Schema.NonEmptyString),
  out: Schema.optional(Schema.NonEmptyString),
  epochs: count("epochs", 0),
  "steps-per-epoch": count("steps-per-epoch", 0),
  "batch-size": count("batch-size", 1),
  "rollout-steps": count("rollout-steps", 0),
  "latent-size": count("latent-size", 0),
  "learning-rate": Schema.optional(Schema.Number.check(Schema.isFinite(), Schema.isGreaterThan(0))),
  "latent-variable": count("latent-variable", -1),
  seed: count("seed", -1),
  resume: Schema.optional(Schema.Boolean),
  overwrite: Schema.optional(Schema.Boolean)
})

// ---- telos sweep (the distributed part adds --queue here and the worker command beside it)

/**
 * `telos sweep --config FILE [--out DIR] [--workers N] [--cache DIR] [--overwrite]`: the trials of a
 * sweep file, run by a local pool of worker processes (see `sweep/Sweep.ts`).
 *
 * @example
 * ```ts
 * parseArguments(["sweep", "--config", "sweep.yaml", "--workers", "2"])
 * // Success: { kind: "sweep", config: "sweep.yaml", out: undefined, workers: 2, cache: undefined, overwrite: false }
 * ```
 */
export interface SweepCommand {
  /** The command. */
  readonly kind: "sweep"
  /** The sweep file (JSON or YAML). */
  readonly config: string
  /** The output folder; `runs/sweep/<timestamp>` when absent. */
  readonly out: string | undefined
  /** Local worker processes; one per core when absent. */
  readonly workers: number | undefined
  /** The stage cache the trials share; `<out>/cache` when absent. */
  readonly cache: string | undefined
  /** Replace whatever results the folder holds instead of resuming or refusing them. */
  readonly overwrite: boolean
  /** `--queue redis://host:port`: the trials go on this BullMQ queue for `telos worker`s instead. */
  readonly queue?: QueueAddress | undefined
}

/** The flags of `telos sweep`, after tokenising. */
export const SweepFlags = Schema.Struct({
  help: Schema.optional(Schema.Boolean),
  config: Schema.optional(Schema.NonEmptyString),
  out: Schema.optional(Schema.NonEmptyString),
  workers: count("workers", 0),
  cache: Schema.optional(Schema.NonEmptyString),
  overwrite: Schema.optional(Schema.Boolean),
  queue: Schema.optional(Schema.String)
})

const parseSweep = (rest: ReadonlyArray<string>): Result.Result<Command, ConfigError> => {
  const tokens = tokenize(rest)
  if (Result.isFailure(tokens)) return Result.fail(tokens.failure)
  const decoded = decodeConfigResult(SweepFlags, tokens.success, "arguments")
  if (Result.isFailure(decoded)) return Result.fail(asFlagError(decoded.failure, "sweep"))
  const flags = decoded.success
  if (flags.help === true) return Result.succeed({ kind: "help" })
  if (flags.config === undefined) return Result.fail(argumentError("--config", "a sweep file (JSON or YAML)"))
  const queue = flags.queue === undefined ? undefined : parseQueueAddress(flags.queue, "--queue")
  if (queue !== undefined && Result.isFailure(queue)) return Result.fail(queue.failure)
  return Result.succeed({
    kind: "sweep",
    config: flags.config,
    out: flags.out,
    workers: flags.workers,
    cache: flags.cache,
    overwrite: flags.overwrite === true,
    ...(queue === undefined ? {} : { queue: queue.success })
  })
}

// ---- end of telos sweep

// ---- telos worker (trials from a sweep's queue, on any machine)

/**
 * `telos worker --queue redis://host:port [--cache DIR] [--concurrency N]`: takes trials of any
 * sweep from the queue and runs them here until stopped (see `sweep/QueueWorker.ts`).
 *
 * @example
 * ```ts
 * parseArguments(["worker", "--queue", "redis://10.0.0.5:6379", "--cache", "/shared/cache"])
 * // Success: { kind: "worker", queue: { host: "10.0.0.5", port: 6379, ... }, cache: "/shared/cache", concurrency: 1 }
 * ```
 */
export interface WorkerCommand {
  /** The command. */
  readonly kind: "worker"
  /** The queue's Redis. */
  readonly queue: QueueAddress
  /** The stage cache to use instead of each sweep's own (a folder shared by the machines). */
  readonly cache: string | undefined
  /** Trials run at once by this worker. */
  readonly concurrency: number
}

/** The most trials one worker runs at once: each holds its own models in memory. */
export const maxWorkerConcurrency = 256

/** The flags of `telos worker`, after tokenising. */
export const WorkerFlags = Schema.Struct({
  help: Schema.optional(Schema.Boolean),
  queue: Schema.optional(Schema.String),
  cache: Schema.optional(Schema.NonEmptyString),
  concurrency: Schema.optional(
    Schema.Int.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(maxWorkerConcurrency))
  )
})

const parseWorker = (rest: ReadonlyArray<string>): Result.Result<Command, ConfigError> => {
  const tokens = tokenize(rest)
  if (Result.isFailure(tokens)) return Result.fail(tokens.failure)
  const decoded = decodeConfigResult(WorkerFlags, tokens.success, "arguments")
  if (Result.isFailure(decoded)) return Result.fail(asFlagError(decoded.failure, "worker"))
  const flags = decoded.success
  if (flags.help === true) return Result.succeed({ kind: "help" })
  if (flags.queue === undefined)
    return Result.fail(argumentError("--queue", "redis://HOST:PORT (the sweep's queue)"))
  const queue = parseQueueAddress(flags.queue, "--queue")
  if (Result.isFailure(queue)) return Result.fail(queue.failure)
  return Result.succeed({
    kind: "worker",
    queue: queue.success,
    cache: flags.cache,
    concurrency: flags.concurrency ?? 1
  })
}

// ---- end of telos worker

const booleanFlags = new Set(["list", "help", "resume", "print-config", "overwrite"])
// Only these flags hold numbers; the others (a suite id, a directory) stay strings even when they
// look numeric, so `--out 2024` names a directory called 2024.
const numericFlags = new Set([
  "episodes",
  "seed",
  "transitions",
  "episode-length",
  "doorway-rate",
  "epochs",
  "steps-per-epoch",
  "batch-size",
  "rollout-steps",
  "latent-size",
  "learning-rate",
  "latent-variable",
  "workers",
  "concurrency"
])

/** The usage text. */
export const usage = `usage:
  telos run --env ID|PATH [options]  the whole pipeline on an environment (a registered id, or the
                   path of a module exporting one): collect, train the JEPA and its levels, build
                   the memory, plan with each agent; every stage cached by its configuration
options:
  --config FILE    a JSON or YAML config (see the README's "Configuration"); --env may come from it
  --preset SUITE   a suite's settings under the config, e.g. --preset maze-hier (its protocol)
  --set KEY=VALUE  override one config key, e.g. --set actor.horizon=24 (repeatable)
  --out DIR        where to write results.json, report.md, report.html (default runs/run/TIMESTAMP)
  --cache DIR      the stage cache (default runs/cache)
  --print-config   print the resolved configuration as JSON and stop
  --overwrite      replace a complete run in --out (an unfinished one is resumed without it)
  --export DIR     write the learned agents as an agent bundle in DIR (models, memory, probes,
                   decoder; what the web app loads) and time them here, instead of a run

  telos sweep --config FILE [options]  the trials of a sweep file (a base configuration, a grid or
                   a list of settings over config keys, seeds; see the README's "Sweeps"), each
                   trial a run of the pipeline; rows and aggregates over seeds in results.json
options:
  --out DIR        where to write sweep.json, results.json and the reports (default
                   runs/sweep/TIMESTAMP); started again with the same DIR, the sweep goes on
  --workers N      worker processes on this machine (default: one per core)
  --cache DIR      the stage cache the trials share (default DIR/cache)
  --overwrite      replace the results in --out (another sweep's, or a complete one)
  --queue URL      redis://HOST:PORT: put the trials on this BullMQ queue for telos workers on
                   any machine instead of running them here (--workers is then unused)

  telos worker --queue URL [options]  take trials of any sweep from the queue at URL
                   (redis://HOST:PORT) and run them here, until stopped (SIGINT/SIGTERM put the
                   running trial back in the queue)
options:
  --cache DIR      the stage cache, a folder every worker reaches (default each sweep's own)
  --concurrency N  trials run at once by this worker (default 1)

  telos bench --list                 list the benchmark suites
  telos bench --suite ID [options]   run a suite
options:
  --out DIR        where to write results.json, report.md, report.html (default runs/ID/TIMESTAMP)
  --episodes N     episodes per row, overriding the suite's own counts (N > 0)
  --seed S         seed of the first episode (default 0); episode i uses S + i
  --backends LIST  comma-separated backends to compare, each in turn (perf suite; default the
                   active backend and wasm)
  --overwrite      replace a complete run in --out (an unfinished one is resumed without it)
  --export DIR     write the learned agents as an agent bundle in DIR (models, memory, probes,
                   decoder; what the web app loads) and time them here, instead of a run

  telos collect --env ID --transitions N --out DIR [options]
                   gather an offline dataset into DIR/dataset.bin
options:
  --obs state|pixels            record images too with pixels (default state)
  --policy random-walk|uniform|correlated  exploration (default random-walk for 2-D actions,
                   else uniform; correlated: actions that persist, for bodies with inertia)
  --episode-length L            transitions per episode (default the environment's budget)
  --doorway-rate R              share of random-walk episodes sent through a door of the
                   environment (0 to 1; default 0; environments that declare doorways)
  --seed S                      seed of the whole collection (default 0)
  --overwrite                   replace a dataset already in DIR (refused without it)

  telos train --env ID --obs state|pixels --data DIR --out DIR [options]
                   train a JEPA world model on a dataset; a checkpoint in DIR after every epoch
options:
  --epochs N             epochs in all, counting those a resumed checkpoint has done (default 5)
  --steps-per-epoch N    optimisation steps per epoch (default 100)
  --batch-size N         sequences per step (default 64 for state, 32 for pixels)
  --rollout-steps N      predicted steps per training sequence (default 4)
  --latent-size N        size of the latent state (default 16)
  --learning-rate X      Adam's learning rate (default 0.001)
  --latent-variable N    size of the latent variable z (default 0: deterministic)
  --seed S               seed of the weights and the batches (default 0)
  --resume               continue the checkpoint in --out from its next epoch (the flags must
                         describe the same model; the optimiser's state starts afresh)
  --overwrite            start afresh over a checkpoint already in --out (refused without it)
environment:
  TELOS_BACKEND         auto | node-gpu | node | native | wasm | cpu
  TELOS_NATIVE_THREADS  threads per matrix product of the native backend (default: the cores)`

const argumentError = (field: string, expected: string): ConfigError =>
  new ConfigError({ source: "arguments", issues: [{ field, expected }] })

const asNumberIfNumeric = (text: string): string | number => {
  const value = Number(text)
  return text.trim() !== "" && Number.isFinite(value) ? value : text
}

/** Splits `--flag value` and `--flag=value` pairs into a record for the Schema. */
const tokenize = (tokens: ReadonlyArray<string>): Result.Result<Record<string, unknown>, ConfigError> => {
  const flags: Record<string, unknown> = {}
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as string
    if (!token.startsWith("--"))
      return Result.fail(
        argumentError(
          token.trim() === "" ? JSON.stringify(token) : token,
          "a flag starting with --; see telos --help"
        )
      )
    const [name, inline] = token.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]
    if (booleanFlags.has(name)) {
      if (inline !== undefined) return Result.fail(argumentError(`--${name}`, "no value"))
      flags[name] = true
      continue
    }
    const value = inline ?? tokens[index + 1]
    if (value === undefined || (inline === undefined && value.startsWith("--"))) {
      return Result.fail(argumentError(`--${name}`, "a value after the flag"))
    }
    if (inline === undefined) index++
    flags[name] = numericFlags.has(name) ? asNumberIfNumeric(value) : value
  }
  return Result.succeed(flags)
}

const asFlagError = (error: ConfigError, command: string): ConfigError =>
  new ConfigError({
    source: "arguments",
    issues: error.issues.map((issue) => ({
      field: issue.field === "(root)" ? issue.field : `--${issue.field}`,
      expected: issue.expected.replace(/^expected no excess property$/, `not a telos ${command} flag`)
    }))
  })

/** Collects `--set` (repeatable) apart from the other flags. */
const splitOverrides = (
  tokens: ReadonlyArray<string>
): Result.Result<
  { readonly rest: ReadonlyArray<string>; readonly overrides: ReadonlyArray<string> },
  ConfigError
> => {
  const rest: Array<string> = []
  const overrides: Array<string> = []
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as string
    if (token === "--set" || token.startsWith("--set=")) {
      const value = token === "--set" ? tokens[++index] : token.slice("--set=".length)
      if (value === undefined || value.length === 0) return Result.fail(argumentError("--set", "KEY=VALUE"))
      overrides.push(value)
    } else rest.push(token)
  }
  return Result.succeed({ rest, overrides })
}

const parsePipeline = (tokens: ReadonlyArray<string>): Result.Result<Command, ConfigError> => {
  const split = splitOverrides(tokens)
  if (Result.isFailure(split)) return Result.fail(split.failure)
  const flags = tokenize(split.success.rest)
  if (Result.isFailure(flags)) return Result.fail(flags.failure)
  const decoded = decodeConfigResult(PipelineFlags, flags.success, "arguments")
  if (Result.isFailure(decoded)) return Result.fail(asFlagError(decoded.failure, "run"))
  const parsed = decoded.success
  if (parsed.help === true) return Result.succeed({ kind: "help" })
  if (parsed.env === undefined && parsed.config === undefined) {
    return Result.fail(
      argumentError("--env", "an environment id or module path (or a --config that names one)")
    )
  }
  return Result.succeed({
    kind: "pipeline",
    env: parsed.env,
    config: parsed.config,
    preset: parsed.preset,
    overrides: split.success.overrides,
    out: parsed.out,
    cache: parsed.cache ?? "runs/cache",
    printConfig: parsed["print-config"] === true,
    overwrite: parsed.overwrite === true,
    ...(parsed.export === undefined ? {} : { export: parsed.export })
  })
}

const parseCollect = (rest: ReadonlyArray<string>): Result.Result<Command, ConfigError> => {
  const tokens = tokenize(rest)
  if (Result.isFailure(tokens)) return Result.fail(tokens.failure)
  const decoded = decodeConfigResult(CollectFlags, tokens.success, "arguments")
  if (Result.isFailure(decoded)) return Result.fail(asFlagError(decoded.failure, "collect"))
  const flags = decoded.success
  if (flags.help === true) return Result.succeed({ kind: "help" })
  const missing = [
    ...(flags.env === undefined ? [{ field: "--env", expected: "an environment id" }] : []),
    ...(flags.transitions === undefined
      ? [{ field: "--transitions", expected: "a number of transitions > 0" }]
      : []),
    ...(flags.out === undefined ? [{ field: "--out", expected: "a directory for dataset.bin" }] : [])
  ]
  if (flags.env === undefined || flags.transitions === undefined || flags.out === undefined) {
    return Result.fail(new ConfigError({ source: "arguments", issues: missing }))
  }
  return Result.succeed({
    kind: "collect",
    env: flags.env,
    transitions: flags.transitions,
    out: flags.out,
    observations: flags.obs ?? "state",
    policy: flags.policy,
    episodeLength: flags["episode-length"],
    doorwayRate: flags["doorway-rate"],
    seed: flags.seed ?? 0,
    overwrite: flags.overwrite === true
  })
}

const parseTrain = (rest: ReadonlyArray<string>): Result.Result<Command, ConfigError> => {
  const tokens = tokenize(rest)
  if (Result.isFailure(tokens)) return Result.fail(tokens.failure)
  const decoded = decodeConfigResult(TrainFlags, tokens.success, "arguments")
  if (Result.isFailure(decoded)) return Result.fail(asFlagError(decoded.failure, "train"))
  const flags = decoded.success
  if (flags.help === true) return Result.succeed({ kind: "help" })
  const { env, obs, data, out } = flags
  if (env === undefined || obs === undefined || data === undefined || out === undefined) {
    return Result.fail(
      new ConfigError({
        source: "arguments",
        issues: [
          ...(env === undefined ? [{ field: "--env", expected: "an environment id" }] : []),
          ...(obs === undefined ? [{ field: "--obs", expected: "state or pixels" }] : []),
          ...(data === undefined
            ? [{ field: "--data", expected: "a dataset directory (from telos collect)" }]
            : []),
          ...(out === undefined ? [{ field: "--out", expected: "a directory for the checkpoint" }] : [])
        ]
      })
    )
  }
  return Result.succeed({
    kind: "train",
    env,
    observations: obs,
    data,
    out,
    epochs: flags.epochs,
    stepsPerEpoch: flags["steps-per-epoch"],
    batchSize: flags["batch-size"],
    rolloutSteps: flags["rollout-steps"],
    latentSize: flags["latent-size"],
    learningRate: flags["learning-rate"],
    latentVariableSize: flags["latent-variable"],
    seed: flags.seed ?? 0,
    resume: flags.resume === true,
    overwrite: flags.overwrite === true
  })
}

/**
 * Decodes `argv` (without the node and script paths).
 *
 * @example
 * ```ts
 * parseArguments(["bench", "--suite", "quickstart", "--episodes", "2"])
 * // Success: { kind: "run", suite: "quickstart", episodes: 2, seed: 0, out: undefined }
 * parseArguments(["collect", "--env", "two-rooms", "--transitions", "1000", "--out", "runs/d"])
 * // Success: { kind: "collect", env: "two-rooms", transitions: 1000, observations: "state", ... }
 * parseArguments(["train", "--env", "two-rooms", "--obs", "state", "--data", "runs/d", "--out", "runs/m"])
 * // Success: { kind: "train", env: "two-rooms", observations: "state", epochs: undefined, ... }
 * ```
 */
export const parseArguments = (argv: ReadonlyArray<string>): Result.Result<Command, ConfigError> => {
  const [command, ...rest] = argv
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    return Result.succeed({ kind: "help" })
  }
  if (command === "collect") return parseCollect(rest)
  if (command === "train") return parseTrain(rest)
  if (command === "run") return parsePipeline(rest)
  if (command === "sweep") return parseSweep(rest)
  if (command === "worker") return parseWorker(rest)
  if (command !== "bench") {
    return Result.fail(
      argumentError(
        "command",
        `"run", "sweep", "worker", "bench", "collect" or "train", received "${command}"`
      )
    )
  }
  const tokens = tokenize(rest)
  if (Result.isFailure(tokens)) return Result.fail(tokens.failure)
  const decoded = decodeConfigResult(BenchFlags, tokens.success, "arguments")
  if (Result.isFailure(decoded)) return Result.fail(asFlagError(decoded.failure, "bench"))
  const flags = decoded.success
  if (flags.help === true) return Result.succeed({ kind: "help" })
  if (flags.list === true) return Result.succeed({ kind: "list" })
  if (flags.suite === undefined)
    return Result.fail(argumentError("--suite", "a suite id (or --list to see them)"))
  let backends: ReadonlyArray<BackendName> | undefined
  if (flags.backends !== undefined) {
    const parsed = parseBackendList(flags.backends)
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    backends = parsed.success
  }
  return Result.succeed({
    kind: "run",
    suite: flags.suite,
    out: flags.out,
    episodes: flags.episodes,
    seed: flags.seed ?? 0,
    overwrite: flags.overwrite === true,
    ...(backends !== undefined ? { backends } : {})
  })
}

/** `native,wasm` to `["native", "wasm"]`, every name checked and none repeated. */
const parseBackendList = (text: string): Result.Result<ReadonlyArray<BackendName>, ConfigError> => {
  const names = text.split(",").map((name) => name.trim())
  const known = backendNames as ReadonlyArray<string>
  const unknown = names.find((name) => !known.includes(name))
  if (unknown !== undefined) {
    return Result.fail(
      argumentError(
        "--backends",
        `a comma-separated list of ${backendNames.join(", ")}, received "${unknown}"`
      )
    )
  }
  if (new Set(names).size !== names.length) {
    return Result.fail(argumentError("--backends", `each backend at most once, received "${text}"`))
  }
  return Result.succeed(names as ReadonlyArray<BackendName>)
}
