/**
 * Trials on a BullMQ queue: the coordinator's side of a sweep across machines. Each pending trial
 * becomes one job on {@link trialQueueName}, carrying its plan, and any `telos worker` on any
 * machine takes it (see `QueueWorker.ts`). A job's id is fixed by its plan and trial, so a
 * coordinator restarted over the same sweep adds nothing twice: it finds the jobs still queued or
 * running and waits for them, and those already finished with their results.
 *
 * The coordinator learns of each job's end from the queue's events, and checks every unfinished
 * job's state now and then as well, so that an event lost to a dropped connection loses no trial.
 * A stop request (SIGINT, SIGTERM) ends the wait with an `InterruptedError`; the jobs stay queued.
 *
 * @module
 */
import { InterruptedError, interruptionRequested } from "@telos/core"
import { type Job, Queue, QueueEvents } from "bullmq"
import { type QueueAddress, QueueError, redisOptions, trialJobId, trialQueueName } from "./QueueConnection.js"
import {
  type SweepPlan,
  type Trial,
  type TrialEvents,
  type TrialExecutor,
  type TrialOutcome,
  trialAttempts
} from "./Trials.js"

/** What a job carries to the worker that takes it. */
export interface TrialJobData {
  /** The sweep's plan (all of it: a plan is a few kilobytes). */
  readonly plan: SweepPlan
  /** The trial to run. */
  readonly trial: Trial
}

/** What a worker reports when it starts an attempt (the job's progress). */
export interface TrialJobProgress {
  /** The worker's host and pid. */
  readonly worker: string
}

/** Options of {@link queueExecutor}. */
export interface QueueExecutorOptions {
  /** How often every unfinished job's state is checked, besides the queue's events (default 2 s). */
  readonly reconcileMs?: number
  /** How long the first connection may take before the sweep fails (default 10 s). */
  readonly connectTimeoutMs?: number
  /** The wait before a failed attempt's retry, doubling each time (default 1 s). */
  readonly retryDelayMs?: number
}

// Finished jobs are kept a week: long enough for a coordinator to come back for them.
const keptSeconds = 7 * 24 * 3600

const firstLine = (text: string | undefined): string =>
  (text ?? "").split("\n")[0]?.trim() || "no error message"

// A connection lost for good leaves `close` waiting on it: the coordinator stops waiting after 5 s.
const closeWithin = async (closable: { readonly close: () => Promise<void> } | undefined): Promise<void> => {
  if (closable === undefined) return
  let timer: NodeJS.Timeout | undefined
  await Promise.race([closable.close(), new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000)))])
  clearTimeout(timer)
}

/** Resolves `ready`, or fails with a {@link QueueError} naming `address` after `timeoutMs`. */
export const reachQueue = async (
  address: QueueAddress,
  ready: Promise<unknown>,
  timeoutMs: number
): Promise<void> => {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new QueueError({ url: address.url, reason: `no connection within ${timeoutMs / 1000} s` })),
      timeoutMs
    )
  })
  try {
    await Promise.race([ready, late])
  } catch (error) {
    throw error instanceof QueueError
      ? error
      : new QueueError({ url: address.url, reason: firstLine(String((error as Error)?.message ?? error)) })
  } finally {
    clearTimeout(timer)
  }
}

/** A trial's job as the coordinator adds it: its id, its data, its attempts and their spacing. */
export const trialJob = (plan: SweepPlan, trial: Trial, retryDelayMs: number) => ({
  name: plan.key,
  data: { plan, trial } satisfies TrialJobData,
  opts: {
    jobId: trialJobId(plan, trial.trial),
    attempts: trialAttempts,
    backoff: { type: "exponential", delay: retryDelayMs },
    removeOnComplete: { age: keptSeconds },
    removeOnFail: { age: keptSeconds }
  }
})

/**
 * A {@link TrialExecutor} over the BullMQ queue at `address`: `run` adds one job per pending trial
 * (at most {@link trialAttempts} attempts each, a second apart and doubling) and resolves once each
 * has been reported done or failed.
 *
 * @example
 * ```ts
 * const executor = queueExecutor({ url: "redis://10.0.0.5:6379", host: "10.0.0.5", port: 6379 })
 * try { await executor.run(plan, plan.trials, events) } finally { await executor.close() }
 * ```
 */
export const queueExecutor = (address: QueueAddress, options: QueueExecutorOptions = {}): TrialExecutor => {
  const connection = redisOptions(address)
  const queue = new Queue<TrialJobData, TrialOutcome>(trialQueueName, { connection })
  // Connection errors surface through `reachQueue` and the commands that fail; ioredis retries.
  queue.on("error", () => undefined)
  // Made once the queue answers: a QueueEvents that never connected never finishes closing.
  let queueEvents: QueueEvents | undefined

  const run = async (plan: SweepPlan, pending: ReadonlyArray<Trial>, events: TrialEvents): Promise<void> => {
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000
    await reachQueue(address, queue.waitUntilReady(), connectTimeoutMs)
    if (queueEvents === undefined) {
      queueEvents = new QueueEvents(trialQueueName, { connection })
      queueEvents.on("error", () => undefined)
    }
    const listener = queueEvents
    await reachQueue(address, listener.waitUntilReady(), connectTimeoutMs)
    const byJobId = new Map(pending.map((trial) => [trialJobId(plan, trial.trial), trial]))
    const open = new Set(byJobId.keys())
    let finish: () => void = () => undefined
    let abort: (error: unknown) => void = () => undefined
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve
      abort = reject
    })
    const close = (jobId: string) => {
      open.delete(jobId)
      if (open.size === 0) finish()
    }
    // Reads a job's state and reports it if it ended; safe to call any number of times.
    const settle = async (jobId: string): Promise<void> => {
      if (!open.has(jobId)) return
      const trial = byJobId.get(jobId) as Trial
      // The state first, then the job: a job read before it finished holds no result yet.
      const state = await queue.getJobState(jobId)
      if (state !== "completed" && state !== "failed") return
      const job: Job<TrialJobData, TrialOutcome> | undefined = await queue.getJob(jobId)
      if (job === undefined || !open.has(jobId)) return
      if (state === "completed") {
        const outcome = job.returnvalue as Partial<TrialOutcome> | null
        close(jobId)
        if (outcome === null || !Array.isArray(outcome.rows)) {
          events.onFailed({
            trial: trial.trial,
            error: `job ${jobId} finished without rows (a worker of another telos version?)`,
            attempts: job.attemptsStarted
          })
        } else events.onDone({ ...(outcome as TrialOutcome), trial: trial.trial })
      } else {
        close(jobId)
        events.onFailed({
          trial: trial.trial,
          error: firstLine(job.failedReason),
          attempts: Math.max(job.attemptsStarted, job.attemptsMade)
        })
      }
    }
    const settleSafely = (jobId: string) => {
      settle(jobId).catch(abort)
    }
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
      const trial = byJobId.get(jobId)
      if (trial === undefined || !open.has(jobId)) return
      const worker = (data as Partial<TrialJobProgress> | undefined)?.worker
      if (typeof worker !== "string") return
      // A progress report per attempt: each is a start (a retry on another worker after a death).
      events.onStart(trial.trial, worker)
    }
    const onEnd = ({ jobId }: { jobId: string }) => {
      if (open.has(jobId)) settleSafely(jobId)
    }
    listener.on("progress", onProgress)
    listener.on("completed", onEnd)
    listener.on("failed", onEnd)
    const reconcile = setInterval(() => {
      for (const jobId of open) settleSafely(jobId)
    }, options.reconcileMs ?? 2_000)
    // A stop request ends the wait; the jobs stay queued for the workers and a restarted coordinator.
    const watchStop = setInterval(() => {
      const reason = interruptionRequested()
      if (reason !== undefined) abort(new InterruptedError({ reason }))
    }, 100)
    try {
      if (open.size === 0) return
      await queue.addBulk(pending.map((trial) => trialJob(plan, trial, options.retryDelayMs ?? 1_000)))
      // Jobs a previous coordinator added may have ended already: no event will come for them.
      await Promise.all([...open].map(settle))
      await finished
    } finally {
      clearInterval(reconcile)
      clearInterval(watchStop)
      listener.off("progress", onProgress)
      listener.off("completed", onEnd)
      listener.off("failed", onEnd)
    }
  }

  return {
    run,
    close: async () => {
      await Promise.allSettled([closeWithin(queueEvents), closeWithin(queue)])
    }
  }
}
