import { access, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { type PlanningRow, runSuite, type Suite, SuiteFailedError } from "@telos/bench"
import { clearInterruption, InterruptedError, requestInterruption } from "@telos/core"
import { Effect, Exit } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { Progress } from "../src/cli/Progress.js"
import { listSuite, makeRow, makeTempDir, readResults, removeTempDir } from "./fixtures.js"

let directory = ""
beforeEach(async () => {
  directory = await makeTempDir()
})
afterEach(async () => {
  clearInterruption()
  await removeTempDir(directory)
})

const recordingProgress = (): Progress & { readonly calls: Array<string> } => {
  const calls: Array<string> = []
  return {
    calls,
    update: (label, fraction) => calls.push(`${label}:${fraction}`),
    finish: () => calls.push("finish")
  }
}

const options = (progress: Progress = recordingProgress()) => ({
  backend: "cpu" as const,
  episodes: undefined,
  seed: 0,
  out: directory,
  progress
})

const rows = [makeRow({ env: "first" }), makeRow({ env: "second" }), makeRow({ env: "third" })]

describe("runSuite and its run directory's lock", () => {
  it("refuses a second run in a directory while the first writes there, and frees it when done", async () => {
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow = listSuite("slow", rows, { betweenRows: () => held })
    const first = Effect.runPromise(runSuite(slow, options()))
    while (
      !(await access(join(directory, ".telos.lock")).then(
        () => true,
        () => false
      ))
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const second = await Effect.runPromiseExit(runSuite(listSuite("other", rows), options()))
    expect(Exit.isFailure(second) ? String(second.cause) : "").toContain(`in use by process ${process.pid}`)
    release()
    expect((await first).results.rows).toHaveLength(3)
    await expect(access(join(directory, ".telos.lock"))).rejects.toThrow()
  })
})

describe("runSuite", () => {
  it("rewrites results.json after every row, marked running until the suite ends", async () => {
    const seen: Array<Record<string, unknown>> = []
    const suite = listSuite("stream", rows, {
      betweenRows: async () => {
        seen.push(await readResults(directory))
      }
    })
    const files = await Effect.runPromise(runSuite(suite, options()))
    expect(seen.map((results) => results.status)).toEqual(["running", "running"])
    expect(seen.map((results) => (results.rows as ReadonlyArray<PlanningRow>).map((row) => row.env))).toEqual(
      [["first"], ["first", "second"]]
    )
    expect(seen[0]?.finishedAt).toBeUndefined()
    expect(seen[0]?.checks).toEqual([])
    expect(files.directory).toBe(directory)
    expect(files.results.status).toBe("complete")
    expect(files.results.rows.map((row) => row.env)).toEqual(["first", "second", "third"])
    const final = await readResults(directory)
    expect(final.status).toBe("complete")
    expect(final.finishedAt).toEqual(expect.any(String))
    expect((final.rows as ReadonlyArray<PlanningRow>).length).toBe(3)
  })

  it("writes the Markdown and HTML reports beside results.json after every row", async () => {
    const reports: Array<string> = []
    const suite = listSuite("stream", rows, {
      betweenRows: async () => {
        reports.push(await readFile(join(directory, "report.md"), "utf8"))
        await access(join(directory, "report.html"))
      }
    })
    await Effect.runPromise(runSuite(suite, options()))
    expect(reports[0]).toContain("| first |")
    expect(reports[0]).not.toContain("| second |")
    expect(reports[0]).toContain("status running")
    const html = await readFile(join(directory, "report.html"), "utf8")
    expect(html).toContain("<td>third</td>")
  })

  it("evaluates the suite's checks on all its rows once it completes", async () => {
    const received: Array<ReadonlyArray<string>> = []
    const suite = listSuite("checked", rows, {
      checks: (finished) => {
        received.push(finished.map((row) => String(row.env)))
        return [
          { description: "three rows", passed: finished.length === 3 },
          { description: "all solved", passed: finished.every((row) => row.successRate === 1) }
        ]
      }
    })
    const files = await Effect.runPromise(runSuite(suite, options()))
    expect(received).toEqual([["first", "second", "third"]])
    const expected = [
      { description: "three rows", passed: true },
      { description: "all solved", passed: false }
    ]
    expect(files.results.checks).toEqual(expected)
    expect((await readResults(directory)).checks).toEqual(expected)
    const markdown = await readFile(join(directory, "report.md"), "utf8")
    expect(markdown).toContain("- PASS: three rows")
    expect(markdown).toContain("- FAIL: all solved")
  })

  it("passes episodes, seed, backend and progress to the suite, and finishes the progress", async () => {
    let context: Parameters<Suite["run"]>[0] | undefined
    const suite: Suite = {
      id: "context",
      description: "records its context",
      protocol: {},
      run: async function* (received) {
        context = received
        received.progress("row", 0.5)
        yield makeRow()
      }
    }
    const progress = recordingProgress()
    await Effect.runPromise(runSuite(suite, { ...options(progress), episodes: 9, seed: 4, backend: "wasm" }))
    expect(context).toMatchObject({ episodes: 9, seed: 4, backend: "wasm" })
    expect(progress.calls).toEqual(["row:0.5", "finish"])
    expect((await readResults(directory)).backend).toBe("wasm")
  })

  it("times the run with the injected clock", async () => {
    const times = [new Date("2025-03-04T05:06:07.000Z"), new Date("2025-03-04T05:06:09.500Z")]
    let calls = 0
    const now = () => times[Math.min(calls++, times.length - 1)] as Date
    const files = await Effect.runPromise(runSuite(listSuite("clock", [makeRow()]), { ...options(), now }))
    expect(files.results.startedAt).toBe("2025-03-04T05:06:07.000Z")
    expect(files.results.durationSeconds).toBe(2.5)
  })

  it("fails with SuiteFailedError and keeps the finished rows when the suite throws", async () => {
    const progress = recordingProgress()
    const suite = listSuite("broken", rows, { failAfter: 2 })
    const exit = await Effect.runPromiseExit(runSuite(suite, options(progress)))
    expect(Exit.isFailure(exit)).toBe(true)
    const error = await Effect.runPromise(Effect.flip(runSuite(suite, options())))
    expect(error).toBeInstanceOf(SuiteFailedError)
    expect(error._tag).toBe("SuiteFailedError")
    if (error._tag !== "SuiteFailedError") return
    expect(error.suite).toBe("broken")
    expect(error.reason).toBe("boom after 2 rows")
    expect(error.directory).toBe(directory)
    expect(error.message).toContain(directory)
    expect(progress.calls.at(-1)).toBe("finish")
    const results = await readResults(directory)
    expect(results.status).toBe("failed")
    expect(results.error).toBe("boom after 2 rows")
    expect(results.checks).toEqual([])
    expect((results.rows as ReadonlyArray<PlanningRow>).map((row) => row.env)).toEqual(["first", "second"])
  })

  it("reports a suite that throws a non-Error value", async () => {
    const suite: Suite = {
      id: "odd",
      description: "throws a string",
      protocol: {},
      // biome-ignore lint/correctness/useYield: the suite fails before its first row
      run: async function* () {
        throw "plain string"
      }
    }
    const error = await Effect.runPromise(Effect.flip(runSuite(suite, options())))
    expect(error._tag === "SuiteFailedError" && error.reason).toBe("plain string")
    expect((await readResults(directory)).rows).toEqual([])
  })

  it("fails with a FileError when the run directory cannot be created", async () => {
    const blocker = join(directory, "a-file")
    await writeFile(blocker, "not a directory")
    const error = await Effect.runPromise(
      Effect.flip(runSuite(listSuite("blocked", [makeRow()]), { ...options(), out: join(blocker, "run") }))
    )
    expect(error._tag).toBe("FileError")
  })
})

describe("runSuite when a suite misbehaves outside its rows", () => {
  it("records a suite that throws before producing any row as failed", async () => {
    const suite: Suite = {
      id: "broken-start",
      description: "throws when asked for its rows",
      protocol: {},
      run: () => {
        throw new Error("cannot start\nmore detail")
      }
    }
    const exit = await Effect.runPromiseExit(runSuite(suite, options()))
    expect(Exit.isFailure(exit)).toBe(true)
    const results = await readResults(directory)
    expect(results.status).toBe("failed")
    expect(results.error).toBe("cannot start")
    expect(results.rows).toEqual([])
  })

  it("keeps the rows when the checks throw, reporting a failed check", async () => {
    const suite = listSuite("broken-checks", rows, {
      checks: () => {
        throw new Error("no such field")
      }
    })
    const files = await Effect.runPromise(runSuite(suite, options()))
    expect(files.results.status).toBe("complete")
    expect(files.results.rows).toHaveLength(3)
    expect(files.results.checks).toEqual([
      { description: "the suite's checks could not be evaluated: no such field", passed: false }
    ])
  })
})

describe("runSuite when a stop is requested", () => {
  /** Yields `rows`, requesting a stop (as a signal would) while computing the row at `stopAt`. */
  const stoppingSuite = (stopAt: number, log: Array<string>): Suite => ({
    id: "stopping",
    description: "a signal arrives during one of its rows",
    protocol: {},
    run: async function* () {
      try {
        for (const [index, row] of rows.entries()) {
          log.push(`computing ${row.env}`)
          if (index === stopAt) requestInterruption("SIGTERM")
          yield row
        }
      } finally {
        log.push("cleaned up")
      }
    }
  })

  it("finishes the row it is in, marks the results interrupted and fails with the InterruptedError", async () => {
    const log: Array<string> = []
    const progress = recordingProgress()
    const error = await Effect.runPromise(Effect.flip(runSuite(stoppingSuite(1, log), options(progress))))
    expect(error).toBeInstanceOf(InterruptedError)
    expect(error._tag === "InterruptedError" && error.reason).toBe("SIGTERM")
    // The third row is never started, and the suite's own cleanup runs.
    expect(log).toEqual(["computing first", "computing second", "cleaned up"])
    expect(progress.calls.at(-1)).toBe("finish")
    const results = await readResults(directory)
    expect(results.status).toBe("interrupted")
    expect(results.error).toBe("interrupted by SIGTERM")
    expect(results.finishedAt).toEqual(expect.any(String))
    expect(results.checks).toEqual([])
    expect((results.rows as ReadonlyArray<PlanningRow>).map((row) => row.env)).toEqual(["first", "second"])
    expect(await readFile(join(directory, "report.md"), "utf8")).toContain("status interrupted")
  })

  it("records a stop the suite raises at a safe point inside a row, with the same error", async () => {
    const stop = new InterruptedError({ reason: "SIGINT" })
    const suite: Suite = {
      id: "stopped-inside",
      description: "its loop checks for a stop",
      protocol: {},
      run: async function* () {
        yield makeRow({ env: "first" })
        throw stop
      }
    }
    const error = await Effect.runPromise(Effect.flip(runSuite(suite, options())))
    expect(error).toBe(stop)
    const results = await readResults(directory)
    expect(results.status).toBe("interrupted")
    expect(results.error).toBe("interrupted by SIGINT")
    expect((results.rows as ReadonlyArray<PlanningRow>).map((row) => row.env)).toEqual(["first"])
  })

  it("starts nothing when the stop came before the first row", async () => {
    const log: Array<string> = []
    requestInterruption("SIGHUP")
    const error = await Effect.runPromise(Effect.flip(runSuite(stoppingSuite(9, log), options())))
    expect(error._tag).toBe("InterruptedError")
    expect(log).toEqual([])
    const results = await readResults(directory)
    expect(results).toMatchObject({ status: "interrupted", rows: [] })
  })
})

describe("runSuite's run directory", () => {
  it("fails with a FileError naming --out when it is a file, before the first row is computed", async () => {
    const file = join(directory, "results-as-a-file")
    await writeFile(file, "not a directory")
    let started = false
    const suite: Suite = {
      id: "never-started",
      description: "records whether it was asked for rows",
      protocol: {},
      run: async function* () {
        started = true
        yield makeRow()
      }
    }
    const error = await Effect.runPromise(Effect.flip(runSuite(suite, { ...options(), out: file })))
    expect(error._tag).toBe("FileError")
    expect(error._tag === "FileError" && error.path).toBe(file)
    expect(started).toBe(false)
    expect(await readFile(file, "utf8")).toBe("not a directory")
  })

  it("records the seed, the episode override and the backends compared in results.json", async () => {
    await Effect.runPromise(
      runSuite(listSuite("identity", [makeRow()]), {
        ...options(),
        seed: 7,
        episodes: 3,
        backends: ["cpu", "wasm"]
      })
    )
    expect(await readResults(directory)).toMatchObject({ seed: 7, episodes: 3, backends: ["cpu", "wasm"] })
  })
})
