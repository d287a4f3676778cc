/**
 * The queue executor and its workers in this process, on a real `redis-server`, with a stand-in
 * for `runTrial`: every trial reported once, a trial that always throws reported failed after its
 * attempts while the others finish, a coordinator that comes back finds the finished jobs, and an
 * address that is not `redis://host:port` (or a Redis that does not answer) is refused by name.
 */
import { Result } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseQueueAddress, type QueueAddress, QueueError } from "../src/sweep/QueueConnection.js"
import { queueExecutor } from "../src/sweep/QueueExecutor.js"
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

/** A stand-in trial: one row from its seed, a few milliseconds of work; trial `broken` throws. */
const standIn =
  (calls: Array<number>, broken: number): TrialRunner =>
  async (_plan, trial) => {
    calls.push(trial.trial)
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (trial.trial === broken) throw new Error(`trial ${broken} is broken\nsecond line`)
    return {
      trial: trial.trial,
      rows: [{ trial: trial.trial, value: trial.seed * 2 }],
      seconds: 0.02,
      attempts: 1,
      worker: "x"
    }
  }

const runSweep = async (url: string, plan: SweepPlan) => {
  const executor = queueExecutor(address(url), { retryDelayMs: 10, reconcileMs: 200 })
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
