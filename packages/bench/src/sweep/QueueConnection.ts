/**
 * Where a sweep's queue lives and how its jobs are kept: the `redis://host:port` address given to
 * `telos sweep --queue` and `telos worker --queue`, the one well-known queue every sweep shares
 * (each job carries its plan, so a worker serves any sweep without being told which), and the
 * timings that decide how soon a killed worker's trial goes back to the queue.
 *
 * Nothing here loads BullMQ: the arguments' parser checks an address without it.
 *
 * @module
 */
import { ConfigError } from "@telos/core"
import { Data, Result } from "effect"
import type { SweepPlan, TrialExecutor } from "./Trials.js"

/**
 * A Redis server's address, from `redis://host:port`.
 *
 * @example
 * ```ts
 * const address: QueueAddress = { url: "redis://10.0.0.5:6379", host: "10.0.0.5", port: 6379 }
 * ```
 */
export interface QueueAddress {
  /** The address as given. */
  readonly url: string
  /** The host name or IP (an IPv6 address without its brackets). */
  readonly host: string
  /** The TCP port. */
  readonly port: number
}

/** The queue every sweep's trials go through; jobs of different sweeps differ by their plan. */
export const trialQueueName = "telos-trials"

/**
 * How the queue notices a dead worker. A worker holds a lock on its trial for `lockDurationMs`,
 * renewed every half of it while the trial runs; a worker killed outright stops renewing, and
 * another worker's check (every `stalledIntervalMs`) puts the trial back in the queue, so a killed
 * worker's trial starts again elsewhere within about `lockDurationMs + 2 * stalledIntervalMs`.
 * A trial whose worker died `maxStalledCount` times is failed on the next death, as one that threw
 * `trialAttempts` times is: three deaths, or three errors, end a trial.
 *
 * The lock is short so that a sweep loses seconds, not minutes, to a dead machine. Its renewal is a
 * timer in the worker's event loop: a trial that held the loop for longer than the lock would be
 * taken for dead and run again elsewhere (its first result is then refused by the queue, so no row
 * is doubled, only time lost); the pipeline's stages yield far more often than that.
 */
export const queueTimings = {
  lockDurationMs: 8_000,
  stalledIntervalMs: 2_000,
  maxStalledCount: 2
} as const

/**
 * The id of `trial`'s job: the same for a restarted coordinator, so that adding it again adds
 * nothing. (BullMQ refuses a `:` in an id: the parts are joined by `-`.)
 */
export const trialJobId = (plan: SweepPlan, trial: number): string => `${plan.key}-trial-${trial}`

/**
 * The queue could not be used: its Redis did not answer, or refused a command.
 *
 * @example
 * ```ts
 * new QueueError({ url: "redis://10.0.0.5:6379", reason: "connect ECONNREFUSED" }).message
 * // "the queue at redis://10.0.0.5:6379 did not answer: connect ECONNREFUSED"
 * ```
 */
export class QueueError extends Data.TaggedError("QueueError")<{
  /** The queue's address. */
  readonly url: string
  /** What went wrong. */
  readonly reason: string
}> {
  /** `the queue at <url> did not answer: <reason>`. */
  override get message(): string {
    return `the queue at ${this.url} did not answer: ${this.reason}`
  }
}

const expectedAddress = "redis://HOST:PORT (a Redis server's host and port)"

/**
 * Reads `redis://host:port`; anything else (another scheme, no port, a path, a password) is a
 * {@link ConfigError} naming `flag`.
 *
 * @example
 * ```ts
 * parseQueueAddress("redis://127.0.0.1:6379", "--queue") // Success: { host: "127.0.0.1", port: 6379, ... }
 * parseQueueAddress("localhost:6379", "--queue")         // Failure: --queue: expected redis://HOST:PORT ...
 * ```
 */
export const parseQueueAddress = (text: string, flag: string): Result.Result<QueueAddress, ConfigError> => {
  const refuse = (detail: string) =>
    Result.fail(
      new ConfigError({
        source: "arguments",
        issues: [{ field: flag, expected: `${expectedAddress}, received "${text}" (${detail})` }]
      })
    )
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return refuse("not a URL")
  }
  if (url.protocol !== "redis:") return refuse(`scheme ${url.protocol.replace(/:$/, "")}`)
  if (url.hostname === "") return refuse("no host")
  // `new URL` drops a port equal to the scheme's default; redis: has none, so "" means absent.
  if (url.port === "") return refuse("no port")
  if (url.username !== "" || url.password !== "") return refuse("credentials are not supported")
  if ((url.pathname !== "" && url.pathname !== "/") || url.search !== "" || url.hash !== "")
    return refuse("a path or query")
  const port = Number(url.port)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return refuse("port out of 1..65535")
  return Result.succeed({ url: text, host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port })
}

/** ioredis's options for `address`: BullMQ's blocking connections need `maxRetriesPerRequest: null`. */
export const redisOptions = (address: QueueAddress) => ({
  host: address.host,
  port: address.port,
  maxRetriesPerRequest: null
})

/**
 * The queue executor for `address`, loaded on first use, so that a `telos` command that uses no
 * queue never loads BullMQ.
 *
 * @example
 * ```ts
 * const executor = lazyQueueExecutor(address)
 * await executor.run(plan, plan.trials, events)
 * ```
 */
export const lazyQueueExecutor = (address: QueueAddress): TrialExecutor => {
  let loaded: Promise<TrialExecutor> | undefined
  const load = () => {
    loaded ??= import("./QueueExecutor.js").then((module) => module.queueExecutor(address))
    return loaded
  }
  return {
    run: async (plan, pending, events) => (await load()).run(plan, pending, events),
    close: async () => {
      if (loaded !== undefined) await (await loaded).close()
    }
  }
}
