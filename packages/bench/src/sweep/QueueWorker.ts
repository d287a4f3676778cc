/**
 * `telos worker`: takes trials from the BullMQ queue, of any sweep, and runs them one at a time
 * (by default) in this process. A trial that throws is attempted again, on this worker or another,
 * up to `trialAttempts` attempts; a worker killed outright stops renewing its trial's lock and the
 * queue gives the trial to another worker (see `queueTimings`). A stop request (SIGINT, SIGTERM)
 * takes no new trial, puts the running one back in the queue without counting an attempt, and ends
 * the worker with an {@link InterruptedError}.
 *
 * @module
 */
import { setTimeout as delay } from "node:timers/promises"
import { InterruptedError, interruptionRequested } from "@telos/core"
import { type Job, WaitingError, Worker } from "bullmq"
import { type QueueAddress, queueTimings, redisOptions, trialQueueName } from "./QueueConnection.js"
import { reachQueue, type TrialJobData, type TrialJobProgress } from "./QueueExecutor.js"
import { runTrial, workerName } from "./TrialRun.js"
import type { SweepPlan, Trial, TrialOutcome } from "./Trials.js"

/** Runs one trial in this process (`runTrial`, or a stand-in in tests). */
export type TrialRunner = (plan: SweepPlan, trial: Trial) => Promise<TrialOutcome>

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions {
  /** Runs each trial (default `runTrial`, in this process). */
  readonly run?: TrialRunner | undefined
  /** The stage cache to use instead of the plan's (a folder this machine reaches). */
  readonly cache?: string | undefined
  /** Trials run at once in this process (default 1). */
  readonly concurrency?: number | undefined
  /** Writes a line when a trial starts or ends. */
  readonly notify?: ((line: string) => void) | undefined
  /** How long the first connection may take before the worker fails (default 10 s). */
  readonly connectTimeoutMs?: number | undefined
}

/** A started worker. */
export interface QueueWorker {
  /** `host:pid`, as reported with each trial it starts. */
  readonly name: string
  /** Takes no new trial, lets the running ones end (or be put back), closes the connections. */
  readonly close: () => Promise<void>
}

/**
 * Starts taking trials from the queue at `address`; resolves once connected.
 *
 * @example
 * ```ts
 * const worker = await startQueueWorker(address, { cache: "/shared/cache" })
 * // ... later
 * await worker.close()
 * ```
 */
export const startQueueWorker = async (
  address: QueueAddress,
  options: QueueWorkerOptions
): Promise<QueueWorker> => {
  const name = workerName()
  const notify = options.notify ?? (() => undefined)
  const run = options.run ?? ((plan: SweepPlan, trial: Trial) => runTrial(plan, trial))
  const process_ = async (job: Job<TrialJobData, TrialOutcome>, token?: string): Promise<TrialOutcome> => {
    const { plan, trial } = job.data
    const progress: TrialJobProgress = { worker: name }
    await job.updateProgress(progress as unknown as object)
    notify(
      `telos: worker ${name}: trial ${trial.trial} of sweep ${plan.key} (${trial.settingId}, seed ${trial.seed}), attempt ${job.attemptsStarted}`
    )
    try {
      const outcome = await run(options.cache === undefined ? plan : { ...plan, cache: options.cache }, trial)
      notify(`telos: worker ${name}: trial ${trial.trial} done in ${outcome.seconds.toFixed(1)} s`)
      return { ...outcome, trial: trial.trial, attempts: job.attemptsStarted, worker: name }
    } catch (error) {
      // Stopped on request, not failed: the trial goes back to the queue for another worker.
      if (interruptionRequested() !== undefined) {
        await job.moveToWait(token)
        notify(`telos: worker ${name}: trial ${trial.trial} put back in the queue`)
        throw new WaitingError()
      }
      notify(
        `telos: worker ${name}: trial ${trial.trial} failed: ${String((error as Error)?.message ?? error).split("\n")[0]}`
      )
      throw error
    }
  }
  const worker = new Worker<TrialJobData, TrialOutcome>(trialQueueName, process_, {
    connection: redisOptions(address),
    concurrency: options.concurrency ?? 1,
    lockDuration: queueTimings.lockDurationMs,
    stalledInterval: queueTimings.stalledIntervalMs,
    maxStalledCount: queueTimings.maxStalledCount,
    autorun: false
  })
  // Lost connections are retried by ioredis; failed trials are the queue's to retry.
  worker.on("error", (error) => notify(`telos: worker ${name}: ${error.message.split("\n")[0]}`))
  try {
    await reachQueue(address, worker.waitUntilReady(), options.connectTimeoutMs ?? 10_000)
  } catch (error) {
    await worker.close(true)
    throw error
  }
  const running = worker.run()
  running.catch((error: unknown) => notify(`telos: worker ${name}: ${String(error)}`))
  return {
    name,
    close: async () => {
      await worker.close()
      await running.catch(() => undefined)
    }
  }
}

/**
 * Serves trials until a stop is requested (see `requestInterruption`), then closes gracefully and
 * fails with an {@link InterruptedError} naming the reason: `telos worker`'s whole life.
 */
export const serveTrials = async (address: QueueAddress, options: QueueWorkerOptions): Promise<never> => {
  const worker = await startQueueWorker(address, options)
  options.notify?.(`telos: worker ${worker.name} waiting for trials on ${address.url} (${trialQueueName})`)
  for (;;) {
    const reason = interruptionRequested()
    if (reason !== undefined) {
      await worker.close()
      throw new InterruptedError({ reason })
    }
    await delay(200)
  }
}
