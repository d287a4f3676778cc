import { readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import {
  decodeResults,
  type PlanningRow,
  RunDirectoryError,
  type RunIdentity,
  readStoredResults,
  runDifference,
  runSuite,
  type Suite,
  serializeResults,
  withoutTimingFields
} from "@telos/bench"
import { clearInterruption, InterruptedError, requestInterruption } from "@telos/core"
import { Effect, Result } from "effect"
import * as fc from "fast-check"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { makeResults, makeRow, makeTempDir, readResults, removeTempDir } from "./fixtures.js"

let directory = ""
beforeEach(async () => {
  directory = await makeTempDir()
})
afterEach(async () => {
  clearInterruption()
  await removeTempDir(directory)
})

const progress = { update: () => undefined, finish: () => undefined }

const options = {
  backend: "cpu" as const,
  episodes: undefined as number | undefined,
  seed: 0,
  get out() {
    return directory
  },
  progress
}

const envs = ["a", "b", "c", "d", "e"]

/**
 * Five rows; `computed` records each row the suite computes, and a stop is requested while it
 * computes the row named in `stopAt` (as a signal would). `skips` says whether it honours
 * `resumeAfter`.
 */
const countingSuite = (
  computed: Array<string>,
  settings: { readonly skips: boolean; readonly stopAt?: string; readonly rows?: ReadonlyArray<string> }
): Suite => ({
  id: "counting",
  description: "five rows, each recorded when computed",
  protocol: { rows: (settings.rows ?? envs).length },
  skipsFinishedRows: settings.skips,
  run: async function* (context) {
    const rows = settings.rows ?? envs
    for (const env of rows.slice(settings.skips ? (context.resumeAfter ?? 0) : 0)) {
      computed.push(env)
      if (env === settings.stopAt) requestInterruption("SIGINT")
      yield makeRow({ env, seed: context.seed, planMsPerStep: Math.random() })
    }
  }
})

const interruptedRun = async (suite: Suite, stopAt: string): Promise<void> => {
  const error = await Effect.runPromise(Effect.flip(runSuite(suite, options)))
  expect(error).toBeInstanceOf(InterruptedError)
  expect((await readResults(directory)).status).toBe("interrupted")
  expect(((await readResults(directory)).rows as ReadonlyArray<PlanningRow>).at(-1)?.env).toBe(stopAt)
  clearInterruption()
}

const envsOf = (rows: ReadonlyArray<Record<string, unknown>>) => rows.map((row) => row.env)

describe("runSuite resuming a run", () => {
  it("continues after the last finished row, computing no row twice and keeping none twice", async () => {
    const computed: Array<string> = []
    await interruptedRun(countingSuite(computed, { skips: true, stopAt: "b" }), "b")
    const first = await readResults(directory)
    await interruptedRun(countingSuite(computed, { skips: true, stopAt: "c" }), "c")
    const files = await Effect.runPromise(runSuite(countingSuite(computed, { skips: true }), options))
    expect(computed).toEqual(envs)
    expect(envsOf(files.results.rows)).toEqual(envs)
    const results = await readResults(directory)
    expect(results.status).toBe("complete")
    expect(envsOf(results.rows as ReadonlyArray<Record<string, unknown>>)).toEqual(envs)
    // The first attempt's start is kept; each later attempt is recorded.
    expect(results.startedAt).toBe(first.startedAt)
    expect(results.resumedAt).toHaveLength(2)
    expect(await readFile(join(directory, "report.md"), "utf8")).toContain("resumed at")
  })

  it("keeps the finished rows as they were written", async () => {
    await interruptedRun(countingSuite([], { skips: true, stopAt: "b" }), "b")
    const before = (await readResults(directory)).rows
    await Effect.runPromise(runSuite(countingSuite([], { skips: true }), options))
    expect(((await readResults(directory)).rows as ReadonlyArray<unknown>).slice(0, 2)).toEqual(before)
  })

  it("drops the rows a suite that cannot skip computes again", async () => {
    const computed: Array<string> = []
    await interruptedRun(countingSuite(computed, { skips: false, stopAt: "c" }), "c")
    const files = await Effect.runPromise(runSuite(countingSuite(computed, { skips: false }), options))
    expect(computed).toEqual(["a", "b", "c", ...envs])
    expect(envsOf(files.results.rows)).toEqual(envs)
  })

  it("resumes a failed run too", async () => {
    const failing: Suite = {
      ...countingSuite([], { skips: true }),
      run: async function* () {
        yield makeRow({ env: "a" })
        throw new Error("out of memory")
      }
    }
    await Effect.runPromise(Effect.flip(runSuite(failing, options)))
    expect((await readResults(directory)).status).toBe("failed")
    const computed: Array<string> = []
    await Effect.runPromise(runSuite(countingSuite(computed, { skips: true }), options))
    expect(computed).toEqual(["b", "c", "d", "e"])
    expect(await readResults(directory)).toMatchObject({ status: "complete" })
    expect((await readResults(directory)).error).toBeUndefined()
  })
})

describe("runSuite refusing a run directory", () => {
  const refusal = async (suite: Suite, overrides: Partial<typeof options> = {}) => {
    const before = await readFile(join(directory, "results.json"), "utf8")
    const error = await Effect.runPromise(Effect.flip(runSuite(suite, { ...options, ...overrides })))
    expect(await readFile(join(directory, "results.json"), "utf8")).toBe(before)
    expect(error).toBeInstanceOf(RunDirectoryError)
    return error as RunDirectoryError
  }

  it("refuses a complete run, computing nothing, and runs it again when asked to overwrite", async () => {
    await Effect.runPromise(runSuite(countingSuite([], { skips: true }), options))
    const computed: Array<string> = []
    const error = await refusal(countingSuite(computed, { skips: true }))
    expect(error.problem).toBe("complete")
    expect(error.message).toContain(directory)
    expect(error.message).toContain("complete run")
    expect(error.message).toContain("--overwrite")
    expect(computed).toEqual([])
    await Effect.runPromise(
      runSuite(countingSuite(computed, { skips: true }), { ...options, overwrite: true })
    )
    expect(computed).toEqual(envs)
    expect((await readResults(directory)).resumedAt).toBeUndefined()
  })

  it("refuses a run of another seed, protocol or suite, naming what differs", async () => {
    await interruptedRun(countingSuite([], { skips: true, stopAt: "b" }), "b")
    const computed: Array<string> = []
    const seed = await refusal(countingSuite(computed, { skips: true }), { seed: 4 })
    expect(seed.problem).toBe("other-run")
    expect(seed.detail).toBe("seed: 0 there, 4 here")
    const protocol = await refusal(countingSuite(computed, { skips: true, rows: ["a", "b", "c"] }))
    expect(protocol.detail).toBe("protocol.rows: 5 there, 3 here")
    const episodes = await refusal(countingSuite(computed, { skips: true }), { episodes: 2 })
    expect(episodes.detail).toBe("episodes: none there, 2 here")
    const other = await refusal({ ...countingSuite(computed, { skips: true }), id: "other" })
    expect(other.detail).toBe('suite: "counting" there, "other" here')
    expect(computed).toEqual([])
  })

  it("refuses a results.json it cannot read, saying why", async () => {
    await writeFile(join(directory, "results.json"), '{"suite": "counting", "rows": [')
    const broken = await refusal(countingSuite([], { skips: true }))
    expect(broken.problem).toBe("unreadable")
    expect(broken.message).toContain(join(directory, "results.json"))
    expect(broken.detail).toMatch(/^not JSON/)
    const { seed: _seed, ...withoutSeed } = makeResults({ suite: "counting", status: "interrupted" })
    await writeFile(join(directory, "results.json"), JSON.stringify(withoutSeed))
    const missing = await refusal(countingSuite([], { skips: true }))
    expect(missing.problem).toBe("unreadable")
    expect(missing.detail).toContain("seed")
  })
})

describe("results.json as a resumed run reads it", () => {
  const statuses = ["running", "complete", "failed", "interrupted"] as const
  const results = fc.record({
    suite: fc.string(),
    seed: fc.integer(),
    status: fc.constantFrom(...statuses),
    resumedAt: fc.array(
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      { maxLength: 3 }
    ),
    rows: fc.array(fc.record({ env: fc.string(), successRate: fc.double({ noNaN: true, min: 0, max: 1 }) }))
  })

  it("decodes back what the runner writes", () => {
    fc.assert(
      fc.property(results, (fields) => {
        const written = makeResults({ ...fields, rows: fields.rows.map((row) => makeRow(row)) })
        const decoded = decodeResults(JSON.parse(serializeResults(written)), "results.json")
        expect(Result.isSuccess(decoded) && decoded.success).toEqual(JSON.parse(serializeResults(written)))
      })
    )
  })

  it("tells the same run from another by its first difference", () => {
    const stored = makeResults({ suite: "s", protocol: { a: { b: [1, 2] } }, status: "interrupted" })
    const identity: RunIdentity = {
      suite: "s",
      backend: "cpu",
      backends: undefined,
      seed: 0,
      episodes: undefined,
      protocol: { a: { b: [1, 2] } }
    }
    expect(runDifference(stored, identity)).toBeUndefined()
    expect(runDifference(stored, { ...identity, backend: "wasm" })).toBe('backend: "cpu" there, "wasm" here')
    expect(runDifference(stored, { ...identity, protocol: { a: { b: [1, 3] } } })).toBe(
      "protocol.a.b[1]: 2 there, 3 here"
    )
    expect(runDifference(stored, { ...identity, protocol: { a: { b: [1, 2] }, c: 1 } })).toBe(
      "protocol.c: none there, 1 here"
    )
    // Compared as results.json records it: what JSON drops or turns to null is not a difference.
    expect(
      runDifference(stored, { ...identity, protocol: { a: { b: [1, 2], d: undefined } } })
    ).toBeUndefined()
  })

  it("compares rows apart from their timing fields, at any depth", () => {
    const row = {
      env: "e",
      planMsPerStep: 3,
      history: [{ loss: 1, seconds: 2 }],
      nested: { seconds: 1, n: 2 }
    }
    expect(withoutTimingFields(row, ["planMsPerStep", "seconds"])).toEqual({
      env: "e",
      history: [{ loss: 1 }],
      nested: { n: 2 }
    })
  })
})

describe("readStoredResults and the rows' checksum", () => {
  it("refuses results whose rows are not those written with their checksum, and reads them when they are", async () => {
    const results = makeResults({ rows: [makeRow({ env: "a", successRate: 0.25 })], status: "interrupted" })
    const text = serializeResults(results)
    await writeFile(join(directory, "results.json"), text)
    const read = await Effect.runPromise(readStoredResults(directory))
    expect(read?.rows).toEqual(JSON.parse(JSON.stringify(results.rows)))
    await writeFile(
      join(directory, "results.json"),
      text.replace('"successRate": 0.25', '"successRate": 0.75')
    )
    const edited = await Effect.runPromise(Effect.result(readStoredResults(directory)))
    expect(Result.isFailure(edited) ? edited.failure.message : "").toContain("do not match the checksum")
  })
})
