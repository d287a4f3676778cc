import { access, readFile } from "node:fs/promises"
import { join } from "node:path"
import { main } from "@telos/bench"
import { compileStep, registerStepTracer, type StepTracer } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { usage } from "../src/cli/Arguments.js"
import { fakeTerminal, listSuite, makeRow, makeTempDir, readResults, removeTempDir } from "./fixtures.js"

const rows = [
  makeRow({ env: "alpha", successRate: 1, meanReturn: -3.25 }),
  makeRow({ env: "beta", successRate: 0.5, meanReturn: -40 })
]

const catalog = [
  listSuite("tiny", rows, {
    description: "two rows, instantly",
    checks: (finished) => [{ description: "alpha solved", passed: finished[0]?.successRate === 1 }]
  }),
  listSuite("broken", rows, { description: "fails after its first row", failAfter: 1 }),
  listSuite("a-much-longer-id", [], { description: "no rows at all" }),
  // Runs a step three times between its rows: recorded once, replayed twice.
  listSuite("compiling", rows, {
    betweenRows: async () => {
      const step = compileStep(([x]) => [(x as tf.Tensor).add(1)])
      const x = tf.scalar(1)
      for (let run = 0; run < 3; run++) tf.dispose(step.run([x]))
      x.dispose()
    }
  })
]

/** A step compiler for the cpu backend that replays by running the step again. */
const rerunningTracer: StepTracer = {
  trace: (step, args) => ({
    results: tf.tidy(() => [...step(args)]),
    replay: {
      accepts: () => true,
      run: (next) => tf.tidy(() => [...step(next)]),
      kernelCalls: { recorded: 1, kept: 1 }
    },
    reason: undefined
  })
}

let directory = ""
beforeEach(async () => {
  directory = await makeTempDir()
})
afterEach(async () => {
  await removeTempDir(directory)
})

describe("main", () => {
  it("prints the usage for --help and exits 0", async () => {
    const terminal = fakeTerminal()
    expect(await main(["--help"], terminal.terminal, catalog)).toBe(0)
    expect(terminal.out).toEqual([usage])
    expect(terminal.error).toEqual([])
  })

  it("lists each suite with its description, aligned, and exits 0", async () => {
    const terminal = fakeTerminal()
    expect(await main(["bench", "--list"], terminal.terminal, catalog)).toBe(0)
    expect(terminal.error).toEqual([])
    expect(terminal.out).toHaveLength(catalog.length)
    catalog.forEach((suite, index) => {
      const line = terminal.out[index] as string
      expect(line.startsWith(suite.id)).toBe(true)
      expect(line).toContain(suite.description)
      expect(line.indexOf(suite.description)).toBe("a-much-longer-id".length + 2)
    })
  })

  it("rejects an unknown suite with one line naming it and the known ones, exit 2", async () => {
    const terminal = fakeTerminal()
    expect(await main(["bench", "--suite", "nope", "--out", directory], terminal.terminal, catalog)).toBe(2)
    expect(terminal.error).toHaveLength(1)
    const line = terminal.error[0] as string
    expect(line.startsWith("telos: ")).toBe(true)
    expect(line).toContain('"nope"')
    for (const suite of catalog) expect(line).toContain(suite.id)
    expect(terminal.out).toEqual([])
    await expect(access(join(directory, "results.json"))).rejects.toThrow()
  })

  it.each([
    { case: "--episodes -2", argv: ["bench", "--suite", "tiny", "--episodes", "-2"], flag: "--episodes" },
    { case: "--episodes abc", argv: ["bench", "--suite", "tiny", "--episodes", "abc"], flag: "--episodes" },
    { case: "--bogus 1", argv: ["bench", "--suite", "tiny", "--bogus", "1"], flag: "--bogus" },
    { case: "frobnicate", argv: ["frobnicate"], flag: "frobnicate" }
  ])("rejects $case with one line naming $flag, exit 2", async ({ argv, flag }) => {
    const terminal = fakeTerminal()
    expect(await main(argv, terminal.terminal, catalog)).toBe(2)
    expect(terminal.error).toHaveLength(1)
    expect(terminal.error[0]).toMatch(/^telos: /)
    expect(terminal.error[0]).toContain(flag)
    expect(terminal.out).toEqual([])
  })

  it("rejects an unknown TELOS_BACKEND with one line, exit 2", async () => {
    const terminal = fakeTerminal({ TELOS_BACKEND: "abacus" })
    expect(await main(["bench", "--suite", "tiny", "--out", directory], terminal.terminal, catalog)).toBe(2)
    expect(terminal.error).toHaveLength(1)
    expect(terminal.error[0]).toMatch(/^telos: .*TELOS_BACKEND/)
  })

  it("says how the run's steps ran when any compiled, counting this run's alone", async () => {
    registerStepTracer("cpu", rerunningTracer)
    try {
      for (const out of [directory, join(directory, "again")]) {
        const terminal = fakeTerminal()
        expect(await main(["bench", "--suite", "compiling", "--out", out], terminal.terminal, catalog)).toBe(
          0
        )
        expect(terminal.error).toEqual([])
        expect(terminal.out).toContain(
          "steps: 2 planning and training steps ran compiled (one native call each), 1 on kernels"
        )
      }
    } finally {
      registerStepTracer("cpu", undefined)
    }
  })

  it("runs a suite: summary table, checks, report path, and results.json as other tools read it", async () => {
    const terminal = fakeTerminal()
    const code = await main(
      ["bench", "--suite", "tiny", "--out", directory, "--episodes", "3", "--seed", "5"],
      terminal.terminal,
      catalog
    )
    expect(terminal.error).toEqual([])
    expect(code).toBe(0)
    expect(terminal.out[0]).toBe("telos: suite tiny on backend cpu")
    const lines = terminal.out.flatMap((text) => text.split("\n"))
    const header = lines.find((line) => line.startsWith("env"))
    expect(header).toMatch(/^env\s+planner\s+levels\s+episodes\s+success\s+mean return/)
    expect(lines.some((line) => line.startsWith("alpha ") && line.includes("1.00"))).toBe(true)
    expect(lines.some((line) => line.startsWith("beta ") && line.includes("0.50"))).toBe(true)
    expect(terminal.out).toContain("PASS  alpha solved")
    const reportLine = terminal.out.find((line) => line.startsWith("report: "))
    expect(reportLine).toBe(`report: ${join(directory, "report.html")} (also report.md, results.json)`)
    expect(terminal.progress).toEqual([])

    const results = await readResults(directory)
    expect(results).toMatchObject({
      suite: "tiny",
      protocol: { rows: 2 },
      backend: "cpu",
      status: "complete"
    })
    expect(Number.isNaN(Date.parse(results.startedAt as string))).toBe(false)
    const written = results.rows as ReadonlyArray<Record<string, unknown>>
    expect(written).toHaveLength(2)
    for (const row of written) {
      for (const field of [
        "env",
        "planner",
        "levels",
        "seed",
        "episodes",
        "successRate",
        "meanReturn",
        "meanSteps",
        "planMsPerStep"
      ]) {
        expect(row).toHaveProperty(field)
      }
      expect(row).toMatchObject({ seed: 5, episodes: 3 })
    }
    expect(written.map((row) => row.env)).toEqual(["alpha", "beta"])
    expect(results.checks).toEqual([{ description: "alpha solved", passed: true }])
    expect(await readFile(join(directory, "report.md"), "utf8")).toContain("# telos bench: tiny")
    expect(await readFile(join(directory, "report.html"), "utf8")).toContain("<h1>telos bench: tiny</h1>")
  })

  it("keeps the rows of a suite that fails: exit 1, one line, results.json marked failed", async () => {
    const terminal = fakeTerminal()
    expect(await main(["bench", "--suite", "broken", "--out", directory], terminal.terminal, catalog)).toBe(1)
    expect(terminal.error).toHaveLength(1)
    const line = terminal.error[0] as string
    expect(line).toMatch(/^telos: /)
    expect(line).toContain("broken")
    expect(line).toContain("boom after 1 rows")
    expect(line).toContain(directory)
    expect(terminal.out.some((text) => text.startsWith("report: "))).toBe(false)

    const results = await readResults(directory)
    expect(results.status).toBe("failed")
    expect(results.error).toBe("boom after 1 rows")
    expect((results.rows as ReadonlyArray<{ env: string }>).map((row) => row.env)).toEqual(["alpha"])
    expect(await readFile(join(directory, "report.md"), "utf8")).toContain("Stopped early")
  })

  it("prints the stack of a failure too when TELOS_DEBUG is set", async () => {
    const terminal = fakeTerminal({ TELOS_BACKEND: "cpu", TELOS_DEBUG: "1" })
    expect(await main(["bench", "--suite", "broken", "--out", directory], terminal.terminal, catalog)).toBe(1)
    expect(terminal.error.length).toBeGreaterThan(1)
    expect(terminal.error[0]).toMatch(/^telos: /)
  })
})
