/**
 * The `telos` command line: `telos bench --list`, `telos bench --suite ID`, `telos collect` and
 * `telos train`.
 * Every failure is one line on stderr and a non-zero exit code (2 for bad input, 130/143/129 for a
 * run stopped by SIGINT/SIGTERM/SIGHUP, 1 for anything else).
 *
 * @module
 */
import { join } from "node:path"
import {
  type CompiledStepTotals,
  ConfigError,
  compiledStepTotals,
  InterruptedError,
  interruptionExitCode,
  resolveBackend
} from "@telos/core"
import { checkEnv, type EnvRegistry, envRegistry } from "@telos/envs"
import { Cause, Effect, Exit, Result } from "effect"
import { bundleColumns, exportAgentBundle } from "../bundle/ExportBundle.js"
import { readConfigFile, resolveRunConfig } from "../configurator/Resolve.js"
import type { RunConfig } from "../configurator/RunConfig.js"
import { type EnvSource, loadEnvSource, loadEvaluationSource } from "../pipeline/EnvSource.js"
import { pipelineSuite } from "../pipeline/Pipeline.js"
import { summaryText } from "../report/Report.js"
import { type RunFiles, runSuite } from "../report/Runner.js"
import type { Suite } from "../report/Suite.js"
import { findSuite, suites } from "../report/Suites.js"
import { runSweep, SweepTrialsFailedError } from "../sweep/Sweep.js"
import { sweepColumns } from "../sweep/SweepResults.js"
import { presetSettings } from "../sweep/TrialConfig.js"
import {
  type PipelineCommand,
  parseArguments,
  type SweepCommand,
  usage,
  type WorkerCommand
} from "./Arguments.js"
import { claimFolder } from "./Claim.js"
import { collectionSummaryText, runCollection } from "./Collection.js"
import { makeProgress, type ProgressOutput } from "./Progress.js"
import { runTraining, trainingSummaryText } from "./TrainCommand.js"

/** Where the command line writes. */
export interface Terminal {
  /** Writes a line of output. */
  readonly out: (line: string) => void
  /** Writes a line of error output. */
  readonly error: (line: string) => void
  /** Where the progress display writes. */
  readonly progressOutput: ProgressOutput
  /** The environment variables (whether progress shows, which backend is chosen). */
  readonly environment: Readonly<Record<string, string | undefined>>
}

const inputErrors = new Set([
  "ConfigError",
  "UnknownNameError",
  "InvalidValueError",
  "EnvModuleError",
  "EnvCheckError",
  "BundleFolderError"
])

const program = (
  argv: ReadonlyArray<string>,
  terminal: Terminal,
  catalog: ReadonlyArray<Suite>,
  environments: EnvRegistry
) =>
  Effect.gen(function* () {
    const command = parseArguments(argv)
    if (Result.isFailure(command)) return yield* command.failure
    const request = command.success
    if (request.kind === "help") {
      terminal.out(usage)
      return
    }
    if (request.kind === "collect") {
      terminal.out(
        `telos: collecting ${request.transitions} transitions from ${request.env} (${request.observations})`
      )
      const progress = makeProgress(terminal.progressOutput, terminal.environment)
      const summary = yield* runCollection(request, { environments, progress, notify: terminal.error })
      terminal.out(collectionSummaryText(summary))
      return
    }
    if (request.kind === "train") {
      const backend = yield* resolveBackend({ environment: terminal.environment })
      for (const notice of backend.notices) terminal.error(notice)
      terminal.out(
        `telos: training a ${request.observations} world model for ${request.env} on backend ${backend.name}`
      )
      const summary = yield* runTraining(request, {
        environments,
        progress: makeProgress(terminal.progressOutput, terminal.environment),
        report: terminal.out,
        notify: terminal.error
      })
      terminal.out(trainingSummaryText(summary))
      return
    }
    if (request.kind === "worker") {
      yield* runWorkerCommand(request, terminal)
      return
    }
    if (request.kind === "sweep") {
      yield* runSweepCommand(request, terminal, environments, catalog)
      return
    }
    if (request.kind === "pipeline") {
      yield* runPipelineCommand(request, terminal, environments, catalog)
      return
    }
    if (request.kind === "list") {
      const width = Math.max(...catalog.map((suite) => suite.id.length))
      for (const suite of catalog) terminal.out(`${suite.id.padEnd(width)}  ${suite.description}`)
      return
    }
    const suite = yield* Effect.try({
      try: () => findSuite(request.suite, catalog),
      catch: (error) => error as Error
    })
    const backend = yield* resolveBackend({ environment: terminal.environment })
    for (const notice of backend.notices) terminal.error(notice)
    terminal.out(`telos: suite ${suite.id} on backend ${backend.name}`)
    const stepsBefore = compiledStepTotals()
    const files = yield* runSuite(suite, {
      backend: backend.name,
      episodes: request.episodes,
      seed: request.seed,
      backends: request.backends,
      out: request.out,
      overwrite: request.overwrite === true,
      notify: terminal.error,
      progress: makeProgress(terminal.progressOutput, terminal.environment)
    })
    printRun(terminal, files, suite, stepsBefore)
  })

/** The end of a run on the terminal: the table, the checks, the stages (if any) and the report's path. */
const printRun = (
  terminal: Terminal,
  files: RunFiles,
  suite: Suite,
  stepsBefore: CompiledStepTotals
): void => {
  terminal.out("")
  terminal.out(summaryText(files.results.rows, suite.columns))
  for (const check of files.results.checks)
    terminal.out(`${check.passed ? "PASS" : "FAIL"}  ${check.description}`)
  terminal.out("")
  for (const stage of files.results.stages ?? []) {
    terminal.out(
      `stage ${stage.stage.padEnd(24)} ${stage.cached ? "cached" : `${stage.seconds.toFixed(1)} s`}`
    )
  }
  terminal.out(`report: ${join(files.directory, "report.html")} (also report.md, results.json)`)
  printCompiledSteps(terminal, stepsBefore)
}

/** One line on how this run's planning and training steps ran: compiled, or on kernels and why. */
const printCompiledSteps = (terminal: Terminal, before: CompiledStepTotals): void => {
  const after = compiledStepTotals()
  const compiledRuns = after.compiledRuns - before.compiledRuns
  const kernelRuns = after.kernelRuns - before.kernelRuns
  const refusals = [...after.refusals.entries()]
    .map(([reason, count]) => [reason, count - (before.refusals.get(reason) ?? 0)] as const)
    .filter(([, count]) => count > 0)
  // Nothing to say where steps do not compile at all (every backend but native).
  if (compiledRuns === 0 && refusals.length === 0) return
  const reasons = refusals
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([reason, count]) => `${reason} (${count})`)
  terminal.out(
    `steps: ${compiledRuns} planning and training steps ran compiled (one native call each), ${kernelRuns} on kernels` +
      (reasons.length === 0 ? "" : `; kept on kernels: ${reasons.join("; ")}`)
  )
}

/** `telos run`: resolve the configuration, check the environment, run the pipeline, print the table. */
const runPipelineCommand = (
  request: PipelineCommand,
  terminal: Terminal,
  environments: EnvRegistry,
  catalog: ReadonlyArray<Suite>
) =>
  Effect.gen(function* () {
    const attempt = <A>(run: () => Promise<A>) =>
      Effect.tryPromise({ try: run, catch: (error) => error as Error })
    const file =
      request.config === undefined
        ? undefined
        : yield* attempt(() => readConfigFile(request.config as string))
    const named = request.env ?? (typeof file?.env === "string" ? file.env : undefined)
    if (named === undefined) {
      return yield* new ConfigError({
        source: request.config ?? "arguments",
        issues: [{ field: "env", expected: "an environment id or module path (--env or the config's env)" }]
      })
    }
    const source = yield* attempt(() => loadEnvSource(named, environments))
    const preset =
      request.preset === undefined
        ? undefined
        : yield* Effect.try({
            try: () => presetSettings(request.preset as string, catalog, "--preset"),
            catch: (error) => error as ConfigError
          })
    const config = yield* Effect.try({
      try: () =>
        resolveRunConfig(source.spec, named, {
          ...(preset === undefined ? {} : { preset }),
          file: file === undefined ? undefined : { ...file, env: named },
          filePath: request.config,
          overrides: request.overrides,
          pixelVariant: source.pixels !== undefined
        }),
      catch: (error) => error as Error
    })
    if (request.printConfig) {
      terminal.out(JSON.stringify(config, null, 2))
      return
    }
    // Checked before any compute is spent on it.
    const checked = yield* Effect.try({ try: () => checkEnv(source.spec), catch: (error) => error as Error })
    for (const warning of checked.warnings) terminal.error(`telos: ${source.spec.id}: ${warning}`)
    const backend = yield* resolveBackend({ environment: terminal.environment })
    for (const notice of backend.notices) terminal.error(notice)
    terminal.out(
      `telos: run on ${named} (${source.spec.id}, checked) on backend ${backend.name}; cache ${request.cache}`
    )
    const evaluationSource = yield* attempt(() => loadEvaluationSource(config, source, environments))
    if (request.export !== undefined) {
      yield* exportCommand(request.export, request, config, source, evaluationSource, backend.name, terminal)
      return
    }
    if (evaluationSource !== undefined) {
      const heldOut = yield* Effect.try({
        try: () => checkEnv(evaluationSource.spec),
        catch: (error) => error as Error
      })
      for (const warning of heldOut.warnings) terminal.error(`telos: ${evaluationSource.spec.id}: ${warning}`)
      terminal.out(
        `telos: agents evaluated in ${evaluationSource.name} (${evaluationSource.spec.id}, checked)`
      )
    }
    const suite = pipelineSuite(config, source, {
      cache: request.cache,
      report: terminal.out,
      evaluationSource
    })
    const stepsBefore = compiledStepTotals()
    const files = yield* runSuite(suite, {
      backend: backend.name,
      episodes: undefined,
      seed: config.seed,
      out: request.out,
      overwrite: request.overwrite === true,
      notify: terminal.error,
      progress: makeProgress(terminal.progressOutput, terminal.environment)
    })
    printRun(terminal, files, suite, stepsBefore)
  })

/** `telos run --export DIR`: the learned agents as an agent bundle, timed here from the files. */
const exportCommand = (
  directory: string,
  request: PipelineCommand,
  config: RunConfig,
  source: EnvSource,
  evaluationSource: EnvSource | undefined,
  backend: string,
  terminal: Terminal
) =>
  Effect.scoped(
    Effect.gen(function* () {
      // The bundle folder is replaced whole: its lock lives beside it.
      yield* claimFolder(directory, "telos run --export", terminal.error, { lockBeside: true })
      const progress = makeProgress(terminal.progressOutput, terminal.environment)
      const exported = yield* Effect.tryPromise({
        try: () =>
          exportAgentBundle(
            {
              config,
              source,
              cache: request.cache,
              progress: progress.update,
              report: terminal.out
            },
            directory,
            { overwrite: request.overwrite === true, backend, evaluationSource }
          ),
        catch: (error) => error as Error
      }).pipe(Effect.ensuring(Effect.sync(progress.finish)))
      terminal.out("")
      terminal.out(summaryText(exported.rows, bundleColumns))
      terminal.out("")
      for (const stage of exported.stages) {
        terminal.out(
          `stage ${stage.stage.padEnd(24)} ${stage.cached ? "cached" : `${stage.seconds.toFixed(1)} s`}`
        )
      }
      terminal.out(
        `bundle: ${exported.directory} (${(exported.bytes / 1e6).toFixed(2)} MB; agents ${exported.manifest.agents.join(", ")})`
      )
    })
  )

// ---- telos sweep

/** `telos sweep`: run the sweep's trials, print the aggregates, exit 1 if a trial failed. */
const runSweepCommand = (
  request: SweepCommand,
  terminal: Terminal,
  environments: EnvRegistry,
  catalog: ReadonlyArray<Suite>
) =>
  Effect.gen(function* () {
    const backend = yield* resolveBackend({ environment: terminal.environment })
    for (const notice of backend.notices) terminal.error(notice)
    terminal.out(`telos: sweep ${request.config} on backend ${backend.name}`)
    const files = yield* runSweep(request, {
      backend: backend.name,
      progress: makeProgress(terminal.progressOutput, terminal.environment),
      report: terminal.out,
      notify: terminal.error,
      environments,
      catalog
    })
    terminal.out("")
    terminal.out(
      summaryText(
        files.results.rows.filter((row) => row.kind === "aggregate"),
        sweepColumns
      )
    )
    for (const check of files.results.checks)
      terminal.out(`${check.passed ? "PASS" : "FAIL"}  ${check.description}`)
    terminal.out(`report: ${join(files.directory, "report.html")} (also report.md, results.json)`)
    if (files.failures.length > 0) {
      return yield* new SweepTrialsFailedError({
        directory: files.directory,
        failures: files.failures,
        trials: files.plan.trials.length
      })
    }
  })

// ---- end of telos sweep

// ---- telos worker

/** `telos worker`: serve trials from the queue until stopped (exit 130/143, the trial put back). */
const runWorkerCommand = (request: WorkerCommand, terminal: Terminal) =>
  Effect.gen(function* () {
    const backend = yield* resolveBackend({ environment: terminal.environment })
    for (const notice of backend.notices) terminal.error(notice)
    terminal.out(`telos: worker on backend ${backend.name}`)
    yield* Effect.tryPromise({
      // Loaded here: no other command needs BullMQ.
      try: async () =>
        (await import("../sweep/QueueWorker.js")).serveTrials(request.queue, {
          cache: request.cache,
          concurrency: request.concurrency,
          notify: terminal.out
        }),
      catch: (error) => error as Error
    })
  })

// ---- end of telos worker

/**
 * Runs the command line and returns the exit code. `catalog` and `environments` are the suites
 * and environments it may name (the built-in ones unless a test or an embedding says otherwise).
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), nodeTerminal())
 * ```
 */
export const main = async (
  argv: ReadonlyArray<string>,
  terminal: Terminal,
  catalog: ReadonlyArray<Suite> = suites,
  environments: EnvRegistry = envRegistry
): Promise<number> => {
  const exit = await Effect.runPromiseExit(program(argv, terminal, catalog, environments))
  if (Exit.isSuccess(exit)) return 0
  const failure = Cause.squash(exit.cause)
  const tag = typeof failure === "object" && failure !== null && "_tag" in failure ? String(failure._tag) : ""
  const message = failure instanceof Error ? failure.message : String(failure)
  if (failure instanceof InterruptedError) {
    terminal.error(`telos: ${message}; finished work is kept, temporaries removed`)
    return interruptionExitCode(failure.reason)
  }
  terminal.error(`telos: ${message.split("\n")[0]}`)
  if (
    terminal.environment.TELOS_DEBUG !== undefined &&
    failure instanceof Error &&
    failure.stack !== undefined
  ) {
    terminal.error(failure.stack)
  }
  return inputErrors.has(tag) ? 2 : 1
}

/** The real terminal: stdout, stderr and the process environment. */
export const nodeTerminal = (): Terminal => ({
  out: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
  progressOutput: process.stderr,
  environment: process.env
})
