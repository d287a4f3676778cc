import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { runSuite, type SuiteRow, timingFieldsOf, withoutTimingFields } from "@telos/bench"
import { Random } from "@telos/core"
import { Effect } from "effect"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { tinyQuickstartSuite } from "./fixtures/tinyQuickstart.js"
import { makeTempDir, removeTempDir } from "./fixtures.js"

const benchRoot = join(dirname(fileURLToPath(import.meta.url)), "..")
const entry = join(benchRoot, "test", "fixtures", "tinyBenchProcess.ts")

/** tsx's ESM loader, resolved as the bench package resolves it. */
const tsxLoader = (): string => {
  const resolved = createRequire(join(benchRoot, "package.json")).resolve("tsx/esm")
  const esm = join(dirname(resolved), "index.mjs")
  return pathToFileURL(existsSync(esm) ? esm : resolved).href
}

const directories: Array<string> = []
const children: Array<ChildProcess> = []
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
})
afterAll(async () => {
  await Promise.all(directories.map(removeTempDir))
})

const seed = 2
const total = 4

/** `telos bench --suite quickstart-tiny --out <out>` from source, in a process of its own. */
const start = (out: string) => {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@telos/source",
      "--import",
      tsxLoader(),
      entry,
      "bench",
      "--suite",
      "quickstart-tiny",
      "--episodes",
      "1",
      "--seed",
      String(seed),
      "--out",
      out
    ],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, TELOS_BACKEND: "cpu" } }
  )
  children.push(child)
  let errors = ""
  child.stderr?.on("data", (chunk: Buffer) => {
    errors += chunk.toString()
  })
  const exit = new Promise<{ code: number | null; signal: string | null; errors: string }>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, errors }))
  })
  return { child, exit }
}

/** The rows results.json holds now (none while it does not exist or is being replaced). */
const finishedRows = async (out: string): Promise<ReadonlyArray<SuiteRow>> => {
  try {
    return JSON.parse(await readFile(join(out, "results.json"), "utf8")).rows
  } catch {
    return []
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

const comparable = (rows: ReadonlyArray<SuiteRow>) =>
  rows.map((row) => withoutTimingFields(row, timingFieldsOf(tinyQuickstartSuite)))

describe("a benchmark run killed and started again", () => {
  it("continues after its last finished row until complete, with an uninterrupted run's rows", async () => {
    const reference = await makeTempDir()
    const out = await makeTempDir()
    directories.push(reference, out)
    await Effect.runPromise(
      runSuite(tinyQuickstartSuite, {
        backend: "cpu",
        episodes: 1,
        seed,
        out: reference,
        progress: { update: () => undefined, finish: () => undefined }
      })
    )
    const expected = comparable(await finishedRows(reference))
    expect(expected).toHaveLength(total)

    // Random moments, reproducible: each attempt is stopped some milliseconds after its first new row.
    const rng = Random.fromSeed(18)
    const log: Array<string> = []
    let attempts = 0
    let startedAt: unknown
    while (true) {
      const before = (await finishedRows(out)).length
      const run = start(out)
      attempts++
      if (before >= total - 1) {
        const last = await run.exit
        expect(last.code, last.errors).toBe(0)
        break
      }
      // The first stop is a signal the run honours; the others kill it outright.
      const signal = attempts === 2 ? "SIGTERM" : "SIGKILL"
      const deadline = Date.now() + 60_000
      while ((await finishedRows(out)).length <= before && run.child.exitCode === null) {
        if (Date.now() > deadline) throw new Error(`no new row within 60 s; ${log.join("; ")}`)
        await sleep(20)
      }
      const delay = Math.floor(rng.uniformIn(0, 250))
      await sleep(delay)
      run.child.kill(signal)
      const stopped = await run.exit
      const results = JSON.parse(await readFile(join(out, "results.json"), "utf8"))
      log.push(
        `${signal} after ${before}+ rows and ${delay} ms: ${results.rows.length} rows, ${results.status}`
      )
      startedAt ??= results.startedAt
      if (signal === "SIGTERM") {
        expect(stopped.code, stopped.errors).toBe(143)
        expect(results.status, log.join("; ")).toBe("interrupted")
      } else {
        expect(stopped.signal).toBe("SIGKILL")
      }
      // Never a row lost or written twice, whenever it was killed.
      expect(comparable(results.rows), log.join("; ")).toEqual(expected.slice(0, results.rows.length))
    }
    const results = JSON.parse(await readFile(join(out, "results.json"), "utf8"))
    expect(results.status, log.join("; ")).toBe("complete")
    expect(comparable(results.rows), log.join("; ")).toEqual(expected)
    expect(results.startedAt).toBe(startedAt)
    expect(results.resumedAt).toHaveLength(attempts - 1)
  }, 180_000)
})
