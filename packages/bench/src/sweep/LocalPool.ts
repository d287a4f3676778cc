/**
 * The embedded executor: trials run in a pool of worker processes on this machine (one per core
 * by default), no service needed. Each worker is a forked Node process serving trials over its IPC
 * channel (`PoolWorker.ts`). A worker that exits in the middle of a trial is replaced by a fresh
 * one and the trial attempted again; an error counts as a failed attempt too; a trial that fails
 * {@link trialAttempts} attempts is reported failed and the sweep goes on. A requested stop kills
 * the workers and rejects with `InterruptedError`; the workers also exit when the coordinator dies
 * (their IPC channel closes).
 *
 * @module
 */
import { type ChildProcess, fork } from "node:child_process"
import { availableParallelism, hostname } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { InterruptedError, interruptionRequested } from "@telos/core"
import { childExecArgv } from "../cli/ChildModules.js"
import type { TrialRequest, WorkerMessage } from "./TrialServer.js"
import { type SweepPlan, type Trial, type TrialEvents, type TrialExecutor, trialAttempts } from "./Trials.js"

const here = dirname(fileURLToPath(import.meta.url))
const fromSource = import.meta.url.endsWith(".ts")

/** The pool worker's entry module: the built one, or the source one when running from source. */
export const poolWorkerEntry = (): string => join(here, fromSource ? "PoolWorker.ts" : "PoolWorker.js")

/** Options of {@link localPool}. */
export interface LocalPoolOptions {
  /** Worker processes (default: `os.availableParallelism()`), never more than the pending trials. */
  readonly workers?: number | undefined
  /** The workers' entry module (default {@link poolWorkerEntry}; a test may serve another runner). */
  readonly entry?: string | undefined
  /** How often a requested stop is looked for, in milliseconds (default 100). */
  readonly pollMs?: number | undefined
}

interface Worker {
  readonly child: ChildProcess
  readonly name: string
  ready: boolean
  busy: Trial | undefined
}

/**
 * A {@link TrialExecutor} running trials in worker processes on this machine.
 *
 * @example
 * ```ts
 * const pool = localPool({ workers: 4 })
 * await pool.run(plan, plan.trials, { onStart, onDone, onFailed })
 * await pool.close()
 * ```
 */
export const localPool = (options: LocalPoolOptions = {}): TrialExecutor => {
  const entry = options.entry ?? poolWorkerEntry()
  const live = new Set<Worker>()
  const stop = (worker: Worker) => {
    live.delete(worker)
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL")
  }
  const close = async () => {
    for (const worker of [...live]) stop(worker)
  }
  const run = (plan: SweepPlan, pending: ReadonlyArray<Trial>, events: TrialEvents): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const queue = [...pending]
      const failures = new Map<number, number>()
      let unsettled = pending.length
      let ended = false
      const size = Math.max(1, Math.min(options.workers ?? availableParallelism(), pending.length))
      const end = (error?: unknown) => {
        if (ended) return
        ended = true
        clearInterval(poll)
        for (const worker of [...live]) stop(worker)
        if (error === undefined) resolve()
        else reject(error)
      }
      const settle = () => {
        unsettled -= 1
        if (unsettled === 0) end()
      }
      const failed = (trial: Trial, error: string) => {
        const attempts = (failures.get(trial.trial) ?? 0) + 1
        failures.set(trial.trial, attempts)
        if (attempts >= trialAttempts) {
          events.onFailed({ trial: trial.trial, error, attempts })
          settle()
        } else {
          // Tried again before the trials not yet started, so that it does not wait for them all.
          queue.unshift(trial)
        }
      }
      const dispatch = (worker: Worker) => {
        if (ended || !worker.ready || worker.busy !== undefined) return
        const trial = queue.shift()
        if (trial === undefined) {
          // Nothing left for it: free its core for the trials still running elsewhere.
          stop(worker)
          return
        }
        worker.busy = trial
        events.onStart(trial.trial, worker.name)
        worker.child.send({ plan, trial } satisfies TrialRequest)
      }
      const spawn = () => {
        const child = fork(entry, [], {
          execArgv: [...childExecArgv(entry)],
          stdio: ["ignore", "ignore", "inherit", "ipc"],
          serialization: "advanced"
        })
        const worker: Worker = { child, name: `${hostname()}:${child.pid}`, ready: false, busy: undefined }
        live.add(worker)
        child.on("message", (message: WorkerMessage) => {
          if ("ready" in message) {
            worker.ready = true
          } else {
            const trial = worker.busy
            worker.busy = undefined
            if (trial !== undefined && !ended) {
              if ("outcome" in message) {
                const attempts = (failures.get(trial.trial) ?? 0) + 1
                events.onDone({ ...message.outcome, attempts })
                settle()
              } else {
                failed(trial, message.error)
              }
            }
          }
          dispatch(worker)
        })
        child.once("exit", (code, signal) => {
          const wasLive = live.delete(worker)
          const trial = worker.busy
          worker.busy = undefined
          if (ended || interruptionRequested() !== undefined) return
          if (trial !== undefined) {
            failed(trial, `worker ${worker.name} exited during the trial (${signal ?? `code ${code}`})`)
          }
          // A worker that died is replaced while there is work for it.
          if (wasLive && queue.length > 0) spawn()
        })
        child.once("error", (error) => {
          if (!ended && live.size === 0) end(error)
        })
      }
      const poll = setInterval(() => {
        const reason = interruptionRequested()
        if (reason !== undefined) end(new InterruptedError({ reason }))
      }, options.pollMs ?? 100)
      if (pending.length === 0) {
        end()
        return
      }
      for (let index = 0; index < size; index++) spawn()
    })
  return { run, close }
}
