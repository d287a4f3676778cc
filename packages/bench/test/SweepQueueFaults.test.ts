/**
 * A sweep across processes, as across machines: a real `redis-server`, two `telos worker`s and a
 * `telos sweep --queue` coordinator, each a `telos` process started the way a user starts it. One
 * worker is SIGKILLed in the middle of a trial and the coordinator is SIGKILLed after its first
 * finished trial, then started again with the same `--out`; the sweep's rows must equal, row for
 * row apart from timings, those of the same sweep run by the local pool with no queue.
 */
import { readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { setTimeout as delay } from "node:timers/promises"
import { lockFileName, processAlive } from "@telos/core/node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { withoutTimingFields } from "../src/report/Results.js"
import { planningTimingFields, type SuiteRow } from "../src/report/Suite.js"
import { runTelos, startTelos, type TelosProcess } from "../src/suites/faults/TelosProcess.js"
import { type RedisServer, startRedis } from "./fixtures/redis.js"
import { scratchDirectory } from "./fixtures/workspace.js"

// Quickstart-sized trials of 1-3 s each: point-mass, the ground truth's planner, 2 episodes.
const sweepFile = `env: point-mass
preset: quickstart
base:
  evaluation: { agents: [ground-truth], episodes: 2 }
grid: { actor.horizon: [20, 30] }
seeds: 2
`

const until = async (condition: () => boolean, timeoutMs: number, what: string): Promise<void> => {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await delay(50)
  }
}

const rowsOf = async (directory: string): Promise<ReadonlyArray<SuiteRow>> => {
  const results = JSON.parse(await readFile(join(directory, "results.json"), "utf8")) as {
    readonly status: string
    readonly rows: ReadonlyArray<SuiteRow>
  }
  expect(results.status).toBe("complete")
  return results.rows.map((row) => withoutTimingFields(row, planningTimingFields))
}

describe("a sweep on a queue", () => {
  let redis: RedisServer
  const started: Array<TelosProcess> = []
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    for (const run of started) if (run.launcher.exitCode === null) run.launcher.kill("SIGKILL")
    await Promise.all(started.map((run) => run.exit))
    await redis?.stop()
  })

  it("loses and doubles no row when a worker and the coordinator are SIGKILLed: the rows equal the local pool's", async () => {
    const folder = await scratchDirectory("sweep-queue")
    await writeFile(join(folder, "sweep.yaml"), sweepFile)
    const cache = join(folder, "shared-cache")
    const local = await runTelos(
      ["sweep", "--config", "sweep.yaml", "--out", "local", "--workers", "2"],
      folder
    )
    expect(local.code, local.output).toBe(0)

    const worker = () => {
      const run = startTelos(["worker", "--queue", redis.url, "--cache", cache], folder)
      started.push(run)
      return run
    }
    const workers = [worker(), worker()]
    const coordinate = () => {
      const run = startTelos(
        ["sweep", "--config", "sweep.yaml", "--out", "queued", "--queue", redis.url, "--cache", cache],
        folder
      )
      started.push(run)
      return run
    }
    const first = coordinate()

    // The first trial a worker starts: that worker (the process running it, not its launcher) dies.
    const startLine = /worker [^\s:]+:(\d+): trial (\d+) of sweep/
    const firstStart = () =>
      workers.map((run) => run.output.join("").match(startLine)).find((m) => m !== null)
    await until(() => firstStart() !== undefined, 60_000, "a worker to start a trial")
    const [, pid, killedTrial] = firstStart() as RegExpMatchArray
    process.kill(Number(pid), "SIGKILL")

    // The coordinator dies after its first finished trial, its results written; a second one goes on.
    await until(() => /telos: trial \d+ .* done in/.test(first.output.join("")), 120_000, "a finished trial")
    const lock = JSON.parse(await readFile(join(folder, "queued", lockFileName), "utf8")) as { pid: number }
    process.kill(lock.pid, "SIGKILL")
    await first.exit
    await until(() => !processAlive(lock.pid), 10_000, "the coordinator to die")
    const second = coordinate()
    const ended = await Promise.race([second.exit, delay(120_000).then(() => undefined)])
    const output = [...first.output, ...second.output].join("")
    expect(ended?.code, output).toBe(0)

    const queued = await rowsOf(join(folder, "queued"))
    expect(queued).toEqual(await rowsOf(join(folder, "local")))
    const trials = queued.filter((row) => row.kind !== "aggregate").map((row) => row.trial)
    expect(trials).toEqual([0, 1, 2, 3])
    // The killed worker's trial ran again elsewhere.
    expect(output).toMatch(new RegExp(`trial ${killedTrial} \\(.*after [2-9] attempts`))
    const survivors = workers.filter((run) => run.launcher.exitCode === null)
    expect(survivors).toHaveLength(1)

    // A worker asked to stop exits 143.
    survivors[0]?.launcher.kill("SIGTERM")
    expect((await survivors[0]?.exit)?.code).toBe(143)
  }, 240_000)
})
