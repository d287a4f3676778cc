/**
 * One trial run in this process: the pipeline on the trial's configuration, with the sweep's stage
 * cache, so that a dataset or a model that several trials share is built once. Every way of running
 * trials (the local pool's workers, a queue's workers, a test) runs them through here.
 *
 * @module
 */
import { hostname } from "node:os"
import type { BackendName } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { loadEnvSource, loadEvaluationSource } from "../pipeline/EnvSource.js"
import { pipelineSuite } from "../pipeline/Pipeline.js"
import type { SuiteRow } from "../report/Suite.js"
import { suites } from "../report/Suites.js"
import { presetSettings, trialConfig } from "./TrialConfig.js"
import type { SweepPlan, Trial, TrialOutcome } from "./Trials.js"

/** Options of {@link runTrial}. */
export interface TrialRunOptions {
  /** Reports the trial's progress: a short label and a fraction in [0, 1]. */
  readonly progress?: (label: string, fraction: number) => void
}

// TensorFlow.js's name of the active backend as telos names it (the episodes' cache key holds it).
const activeBackend = (): BackendName => {
  const name = tf.getBackend()
  if (name === "tensorflow") return "node"
  return name === "native" || name === "wasm" ? name : "cpu"
}

/** This worker, as outcomes name it: host and process id. */
export const workerName = (): string => `${hostname()}:${process.pid}`

/**
 * Runs one trial of `plan` in this process: the pipeline with the base, the trial's setting and
 * seed. Each row carries `trial`, `seed`, `setting` and `settingId`; the outcome says 1 attempt
 * (an executor that retried overwrites it).
 *
 * @example
 * ```ts
 * const outcome = await runTrial(plan, plan.trials[0])
 * outcome.rows[0]?.settingId // "actor.horizon=10"
 * ```
 */
export const runTrial = async (
  plan: SweepPlan,
  trial: Trial,
  options?: TrialRunOptions
): Promise<TrialOutcome> => {
  const started = performance.now()
  const source = await loadEnvSource(plan.env)
  const preset = plan.preset === undefined ? undefined : presetSettings(plan.preset, suites)
  const config = trialConfig({ env: plan.env, source, preset, base: plan.base }, trial)
  const evaluationSource = await loadEvaluationSource(config, source)
  const pipeline = pipelineSuite(config, source, { cache: plan.cache, evaluationSource })
  const rows: Array<SuiteRow> = []
  for await (const row of pipeline.run({
    episodes: undefined,
    seed: trial.seed,
    backend: activeBackend(),
    cache: plan.cache,
    progress: options?.progress ?? (() => undefined)
  })) {
    rows.push({
      ...row,
      trial: trial.trial,
      seed: trial.seed,
      setting: trial.setting,
      settingId: trial.settingId
    })
  }
  return {
    trial: trial.trial,
    rows,
    seconds: (performance.now() - started) / 1000,
    attempts: 1,
    worker: workerName()
  }
}
