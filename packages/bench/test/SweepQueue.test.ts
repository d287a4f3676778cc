/**
 * The queue executor and its workers in this process, on a real `redis-server`, with a stand-in
 * for `runTrial`: every trial reported once, a trial that always throws reported failed after its
 * attempts while the others finish, a coordinator that comes back finds the finished jobs, and an
 * address that is not `redis://host:port` (or a Redis that does not answer) is refused by name.
 */
import { clearInterruption, InterruptedError, requestInterruption } from "@telos/core"
import { Queue } from "bullmq"
import { Result } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseArguments } from "../src/cli/Arguments.js"
import {
  parseQueueAddress,
  type QueueAddress,
  QueueError,
  redisOptions,
  trialQueueName
} from "../src/sweep/QueueConnection.js"
import { queueExecutor, trialJob } from "../src/sweep/QueueExecutor.js"
import { type QueueWorker, startQueueWorker, type TrialRunner } from "../src/sweep/QueueWorker.js"
import {
  type SweepPlan,
  type Trial,
  type TrialFailure,
  type TrialOutcome,
  trialAttempts
} from "../src/sweep/Trials.js"
import { type RedisServer, startRedis } from "./fixtures/redis.js"

const address = (url: string): QueueAddress => {
  const parsed = parseQueueAddress(url, "--queue")
  if (Result.isFailure(parsed)) throw parsed.failure
  return parsed.success
}

const makePlan = (key: string, count: number): SweepPlan => {
  const trials: Array<Trial> = Array.from({ length: count }, (_, trial) => ({
    trial,
    seed: trial,
    setting: { "actor.horizon": trial },
    settingId: `actor.horizon=${trial}`
  }))
  return { key, env: "point-mass", base: {}, trials, cache: "unused" }
}

/** A stand-in trial: one row from its seed after `workMs` of work; trial `broken` throws. */
const standIn =
  (calls: Array<number>, broken: number, workMs = 20): TrialRunner =>
  async (_plan, trial) => {
    calls.push(trial.trial)
    await new Promise((resolve) => setTimeout(resolve, workMs))
    if (trial.trial === broken) throw new Error(`trial ${broken} is broken\nsecond line`)
    return {
      trial: trial.trial,
      rows: [{ trial: trial.trial, value: trial.seed * 2 }],
      seconds: 0.02,
      attempts: 1,
      worker: "x"
    }
  }

const runSweep = async (url: string, plan: SweepPlan, reconcileMs = 200) => {
  const executor = queueExecutor(address(url), { retryDelayMs: 10, reconcileMs })
  const done: Array<TrialOutcome> = []
  const failed: Array<TrialFailure> = []
  const starts: Array<[number, string]> = []
  try {
    await executor.run(plan, plan.trials, {
      onStart: (trial, worker) => starts.push([trial, worker]),
      onDone: (outcome) => done.push(outcome),
      onFailed: (failure) => failed.push(failure)
    })
  } finally {
    await executor.close()
  }
  return { done, failed, starts }
}

describe("the queue executor", () => {
  let redis: RedisServer
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it("runs each trial once on two workers, fails an always-throwing trial after its attempts, and a restarted coordinator finds every result", async () => {
    const plan = makePlan("sweep-a", 5)
    const calls: Array<number> = []
    const workers: Array<QueueWorker> = []
    try {
      for (let index = 0; index < 2; index++)
        workers.push(await startQueueWorker(address(redis.url), { run: standIn(calls, 3) }))
      const first = await runSweep(redis.url, plan)
      expect(first.done.map((outcome) => outcome.trial).sort()).toEqual([0, 1, 2, 4])
      for (const outcome of first.done) {
        expect(outcome.rows).toEqual([{ trial: outcome.trial, value: outcome.trial * 2 }])
        expect(outcome.attempts).toBe(1)
        expect(workers.map((worker) => worker.name)).toContain(outcome.worker)
      }
      expect(first.failed).toEqual([{ trial: 3, error: "trial 3 is broken", attempts: trialAttempts }])
      expect(calls.filter((trial) => trial === 3)).toHaveLength(trialAttempts)
      expect(calls.filter((trial) => trial !== 3).sort()).toEqual([0, 1, 2, 4])
      expect(first.starts.filter(([trial]) => trial === 3)).toHaveLength(trialAttempts)

      // Added again under the same ids: nothing runs, the finished jobs answer.
      const again = await runSweep(redis.url, plan)
      expect(calls).toHaveLength(4 + trialAttempts)
      expect(again.done.map((outcome) => outcome.trial).sort()).toEqual([0, 1, 2, 4])
      expect(again.done).toEqual(expect.arrayContaining(first.done))
      expect(again.failed).toEqual(first.failed)
    } finally {
      await Promise.all(workers.map((worker) => worker.close()))
    }
  })

  it("reports each finished trial with its rows even when its state is read as it finishes", async () => {
    const plan = makePlan("sweep-d", 40)
    const calls: Array<number> = []
    const worker = await startQueueWorker(address(redis.url), { run: standIn(calls, -1, 0), concurrency: 4 })
    try {
      // Checking every job's state every millisecond reads many of them in the middle of finishing.
      const sweep = await runSweep(redis.url, plan, 1)
      expect(sweep.done.map((outcome) => outcome.trial).sort((a, b) => a - b)).toEqual(
        plan.trials.map((t) => t.trial)
      )
      for (const outcome of sweep.done)
        expect(outcome.rows).toEqual([{ trial: outcome.trial, value: outcome.trial * 2 }])
    } finally {
      await worker.close()
    }
  })

  it("puts a trial stopped by a stop request back in the queue, no attempt counted, for another worker", async () => {
    const plan = makePlan("sweep-c", 1)
    const trial = plan.trials[0] as Trial
    const queue = new Queue(trialQueueName, { connection: redisOptions(address(redis.url)) })
    const stopping = await startQueueWorker(address(redis.url), {
      run: async () => {
        requestInterruption("SIGTERM")
        throw new InterruptedError({ reason: "SIGTERM" })
      }
    })
    try {
      const job = trialJob(plan, trial, 10)
      const added = await queue.add(job.name, job.data, job.opts)
      const id = added.id as string
      // Started once, then back in the waiting list.
      for (let waited = 0; ; waited += 20) {
        const current = await queue.getJob(id)
        if ((await current?.getState()) === "waiting" && (current?.attemptsStarted ?? 0) > 0) break
        if (waited > 5_000) throw new Error(`the job stayed ${await current?.getState()}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await stopping.close()
      clearInterruption()
      expect((await queue.getJob(id))?.attemptsMade).toBe(0)
      const calls: Array<number> = []
      const other = await startQueueWorker(address(redis.url), { run: standIn(calls, -1) })
      try {
        const sweep = await runSweep(redis.url, plan)
        expect(sweep.done.map((outcome) => outcome.rows)).toEqual([[{ trial: 0, value: 0 }]])
        expect(calls).toEqual([0])
      } finally {
        await other.close()
      }
    } finally {
      clearInterruption()
      await stopping.close()
      await queue.close()
    }
  })

  it("fails with a QueueError naming the address when no Redis answers", async () => {
    const closed = address("redis://127.0.0.1:1")
    const executor = queueExecutor(closed, { connectTimeoutMs: 300 })
    const events = { onStart: () => undefined, onDone: () => undefined, onFailed: () => undefined }
    try {
      const error = await executor.run(makePlan("sweep-b", 1), [], events).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(QueueError)
      expect((error as QueueError).message).toContain("redis://127.0.0.1:1")
    } finally {
      await executor.close()
    }
    await expect(startQueueWorker(closed, { connectTimeoutMs: 300 })).rejects.toBeInstanceOf(QueueError)
  })
})

describe("queue addresses", () => {
  it("reads redis://host:port", () => {
    expect(parseQueueAddress("redis://10.0.0.5:6379", "--queue")).toEqual(
      Result.succeed({ url: "redis://10.0.0.5:6379", host: "10.0.0.5", port: 6379 })
    )
    expect(Result.getOrThrow(parseQueueAddress("redis://[::1]:7000/", "--queue")).host).toBe("::1")
  })

  it.each([
    "localhost:6379",
    "http://localhost:6379",
    "redis://localhost",
    "redis://:6379",
    "redis://user:secret@localhost:6379",
    "redis://localhost:6379/2",
    "redis://localhost:99999",
    ""
  ])("refuses %j naming --queue", (text) => {
    const parsed = parseQueueAddress(text, "--queue")
    expect(Result.isFailure(parsed)).toBe(true)
    if (Result.isFailure(parsed)) {
      expect(parsed.failure._tag).toBe("ConfigError")
      expect(parsed.failure.issues[0]?.field).toBe("--queue")
      expect(parsed.failure.issues[0]?.expected).toContain("redis://HOST:PORT")
    }
  })
})

describe("the queue's command-line flags", () => {
  it("reads telos worker and telos sweep --queue", () => {
    const worker = parseArguments(["worker", "--queue", "redis://127.0.0.1:6379", "--concurrency", "2"])
    expect(Result.getOrThrow(worker)).toEqual({
      kind: "worker",
      queue: { url: "redis://127.0.0.1:6379", host: "127.0.0.1", port: 6379 },
      cache: undefined,
      concurrency: 2
    })
    const sweep = parseArguments(["sweep", "--config", "s.yaml", "--queue", "redis://h:1"])
    expect(Result.getOrThrow(sweep)).toMatchObject({ kind: "sweep", queue: { host: "h", port: 1 } })
  })

  it.each([
    [["worker"], "--queue"],
    [["worker", "--queue", "h:6379"], "--queue"],
    [["worker", "--queue", "redis://h:1", "--concurrency", "0"], "--concurrency"],
    [["worker", "--queue", "redis://h:1", "--workers", "2"], "--workers"],
    [["sweep", "--config", "s.yaml", "--queue", "redis://h"], "--queue"]
  ])("refuses %j naming %s", (argv, field) => {
    const parsed = parseArguments(argv)
    expect(Result.isFailure(parsed)).toBe(true)
    if (Result.isFailure(parsed)) expect(parsed.failure.issues.map((issue) => issue.field)).toContain(field)
  })
})
