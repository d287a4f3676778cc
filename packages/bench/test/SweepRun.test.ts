import { readFile, writeFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { clearInterruption, InterruptedError, requestInterruption } from "@telos/core"
import { lockFileName } from "@telos/core/node"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { withoutTimingFields } from "../src/report/Results.js"
import { planningTimingFields, type SuiteRow } from "../src/report/Suite.js"
import { startTelos } from "../src/suites/faults/TelosProcess.js"
import { localPool } from "../src/sweep/LocalPool.js"
import { runSweep } from "../src/sweep/Sweep.js"
import { expandSweep, readSweepSpec } from "../src/sweep/SweepSpec.js"
import { runTrial } from "../src/sweep/TrialRun.js"
import type { SweepPlan, TrialExecutor } from "../src/sweep/Trials.js"
import { makeTempDir, removeTempDir } from "./fixtures.js"

const here = dirname(fileURLToPath(import.meta.url))
const failingWorker = join(here, "fixtures", "failingPoolWorker.ts")

// Quickstart-sized trials: point-mass, the ground truth's planner, 2 episodes each.
const sweepFile = `env: point-mass
preset: quickstart
base:
  actor: { iterations: 20, candidates: 4, initialStd: 0.3 }
  cost: { dimensions: [0, 1, 2, 3], weights: [1, 1, 0.05, 0.05] }
  evaluation: { agents: [ground-truth], episodes: 2 }
grid:
  actor.horizon: [10, 20]
seeds: 2
`

let directory = ""
let file = ""
let reference: ReadonlyArray<SuiteRow> = []
const previousBackend = process.env.TELOS_BACKEND
const silent = { update: () => undefined, finish: () => undefined }
const quiet = { progress: silent, report: () => undefined, notify: () => undefined }

const trialRows = (rows: ReadonlyArray<SuiteRow>): ReadonlyArray<SuiteRow> =>
  rows.filter((row) => row.kind !== "aggregate").map((row) => withoutTimingFields(row, planningTimingFields))

const readResults = async (out: string) =>
  JSON.parse(await readFile(join(out, "results.json"), "utf8")) as {
    status: string
    rows: Array<SuiteRow>
  }

beforeAll(async () => {
  directory = await makeTempDir()
  file = join(directory, "sweep.yaml")
  await writeFile(file, sweepFile)
  // The workers plan on the backend this process plans on, so that their rows can be compared.
  const name = tf.getBackend()
  process.env.TELOS_BACKEND = name === "tensorflow" ? "node" : name
  // The same trials run one by one in this process, with a cache of their own.
  const plan = await expandSweep(await readSweepSpec(file), {
    cache: join(directory, "reference-cache"),
    source: file
  })
  const rows: Array<SuiteRow> = []
  for (const trial of plan.trials) rows.push(...(await runTrial(plan, trial)).rows)
  reference = rows.map((row) => withoutTimingFields(row, planningTimingFields))
})

afterAll(async () => {
  if (previousBackend === undefined) delete process.env.TELOS_BACKEND
  else process.env.TELOS_BACKEND = previousBackend
  await removeTempDir(directory)
})

/** The local pool, with the worker of the first trial started SIGKILLed shortly after it starts. */
const killingFirstWorker = (): TrialExecutor & { killed: Array<number>; attempts: Map<number, number> } => {
  const pool = localPool({ workers: 2 })
  const killed: Array<number> = []
  const attempts = new Map<number, number>()
  return {
    killed,
    attempts,
    close: pool.close,
    run: (plan, pending, events) =>
      pool.run(plan, pending, {
        ...events,
        onDone: (outcome) => {
          attempts.set(outcome.trial, outcome.attempts)
          events.onDone(outcome)
        },
        onStart: (trial, worker) => {
          events.onStart(trial, worker)
          if (killed.length > 0) return
          killed.push(trial)
          const pid = Number(worker.split(":").at(-1))
          setTimeout(() => process.kill(pid, "SIGKILL"), 50)
        }
      })
  }
}

describe("telos sweep on the local pool", () => {
  it("writes the rows of the trials run one by one, a worker SIGKILLed mid-trial retried elsewhere", async () => {
    const out = join(directory, "pool")
    const executor = killingFirstWorker()
    const files = await Effect.runPromise(
      runSweep(
        { kind: "sweep", config: file, out, workers: 2, cache: undefined, overwrite: false },
        { ...quiet, backend: "cpu", executor }
      )
    )
    expect(executor.killed).toHaveLength(1)
    expect(executor.attempts.get(executor.killed[0] as number)).toBe(2)
    expect(files.failures).toEqual([])
    const stored = await readResults(out)
    expect(stored.status).toBe("complete")
    expect(trialRows(stored.rows)).toEqual(reference)
    const aggregates = stored.rows.filter((row) => row.kind === "aggregate")
    expect(aggregates.map((row) => [row.settingId, row.trials])).toEqual([
      ["actor.horizon=10", 2],
      ["actor.horizon=20", 2]
    ])
    expect(aggregates.filter((row) => row.wins === true)).toHaveLength(1)
  })

  it("reports a trial that fails every attempt with its error, and goes on with the others", async () => {
    const out = join(directory, "failing")
    const files = await Effect.runPromise(
      runSweep(
        { kind: "sweep", config: file, out, workers: 2, cache: undefined, overwrite: false },
        { ...quiet, backend: "cpu", executor: localPool({ workers: 2, entry: failingWorker }) }
      )
    )
    expect(files.failures).toEqual([{ trial: 1, error: "trial 1 always fails", attempts: 3 }])
    const stored = await readResults(out)
    expect(
      stored.rows.filter((row) => row.kind !== "aggregate").map((row) => [row.trial, row.status])
    ).toEqual([
      [0, undefined],
      [1, "failed"],
      [2, undefined],
      [3, undefined]
    ])
    expect(stored.rows[1]).toMatchObject({
      error: "trial 1 always fails",
      attempts: 3,
      settingId: "actor.horizon=10"
    })
  })

  it("stops its workers and rejects when a stop is requested", async () => {
    const pool = localPool({ workers: 1, entry: failingWorker, pollMs: 10 })
    const plan: SweepPlan = { key: "k", env: "point-mass", base: {}, trials: [], cache: directory }
    const trial = { trial: 1, seed: 0, setting: {}, settingId: "" }
    requestInterruption("SIGINT")
    try {
      const error = await pool
        .run(plan, [trial], { onStart: () => undefined, onDone: () => undefined, onFailed: () => undefined })
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(InterruptedError)
    } finally {
      clearInterruption()
      await pool.close()
    }
  })
})

describe("telos sweep killed and started again", () => {
  it("keeps the finished trials' rows and runs only the rest, none lost or duplicated", async () => {
    const out = join(directory, "killed")
    const args = ["sweep", "--config", file, "--out", out, "--workers", "1"]
    const first = startTelos(args, directory)
    // SIGKILL the coordinator (the lock's owner) once the first trial is in results.json.
    let finishedBefore = 0
    for (let waited = 0; waited < 60_000; waited += 25) {
      const rows = await readResults(out).then(
        (results) => results.rows.filter((row) => row.kind !== "aggregate"),
        () => []
      )
      if (rows.length > 0) {
        finishedBefore = rows.length
        const owner = JSON.parse(await readFile(join(out, lockFileName), "utf8")) as { pid: number }
        process.kill(owner.pid, "SIGKILL")
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    await first.exit
    expect(finishedBefore).toBeGreaterThan(0)
    expect(finishedBefore).toBeLessThan(4)
    const again = startTelos(args, directory)
    const { code } = await again.exit
    const output = again.output.join("")
    expect(output).toContain("resuming the sweep")
    // Only the trials the killed run had not finished ran again.
    expect(output.match(/telos: trial \d+ .* done in/g)).toHaveLength(4 - finishedBefore)
    expect(code).toBe(0)
    const stored = await readResults(out)
    expect(stored.status).toBe("complete")
    expect(trialRows(stored.rows)).toEqual(reference)
  })

  it("refuses another sweep's folder", async () => {
    const out = join(directory, "pool")
    const other = join(directory, "other.yaml")
    await writeFile(other, sweepFile.replace("[10, 20]", "[10, 30]"))
    const error = await Effect.runPromise(
      runSweep(
        { kind: "sweep", config: other, out, workers: 1, cache: undefined, overwrite: false },
        { ...quiet, backend: "cpu" }
      )
    ).catch((caught: unknown) => caught)
    expect(String(error)).toContain("another sweep")
  })
})
