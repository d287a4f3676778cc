import { type RunOptions, runSuite, type SuiteRow, timingFieldsOf, withoutTimingFields } from "@telos/bench"
import { clearInterruption, requestInterruption } from "@telos/core"
import { Effect } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { tinyQuickstartSuite } from "./fixtures/tinyQuickstart.js"
import { makeTempDir, readResults, removeTempDir } from "./fixtures.js"

const directories: Array<string> = []
const freshDirectory = async (): Promise<string> => {
  const directory = await makeTempDir()
  directories.push(directory)
  return directory
}
afterEach(() => {
  clearInterruption()
})
afterAll(async () => {
  await Promise.all(directories.map(removeTempDir))
})

/** Runs the shrunk quickstart into `out`, recording its progress labels. */
const attempt = (out: string, labels: Array<string> = [], stopOn?: string) => {
  const options: RunOptions = {
    backend: "cpu",
    episodes: 1,
    seed: 3,
    out,
    progress: {
      update: (label) => {
        // A signal arriving while this row is computed.
        if (stopOn !== undefined && label.startsWith(stopOn)) requestInterruption("SIGINT")
        labels.push(label)
      },
      finish: () => undefined
    }
  }
  return runSuite(tinyQuickstartSuite, options)
}

const comparable = (rows: ReadonlyArray<SuiteRow>) =>
  rows.map((row) => withoutTimingFields(row, timingFieldsOf(tinyQuickstartSuite)))

describe("a suite of pipeline runs, resumed", () => {
  let uninterrupted: ReadonlyArray<SuiteRow> = []
  beforeAll(async () => {
    const out = await freshDirectory()
    await Effect.runPromise(attempt(out))
    uninterrupted = (await readResults(out)).rows as ReadonlyArray<SuiteRow>
  })

  it("starts no run it finished, starts the next after its finished rows, and writes an uninterrupted run's rows", async () => {
    const out = await freshDirectory()
    // Stopped while the second run's first row (pendulum, ground truth) is computed.
    const stopped = await Effect.runPromise(Effect.flip(attempt(out, [], "run 2/2 pendulum")))
    expect(stopped._tag).toBe("InterruptedError")
    const finished = ((await readResults(out)).rows as ReadonlyArray<SuiteRow>).length
    // The runner stops after that row; a loop that checks inside it stops before it ends.
    expect([2, 3]).toContain(finished)
    clearInterruption()
    const labels: Array<string> = []
    await Effect.runPromise(attempt(out, labels))
    expect(labels.some((label) => label.startsWith("run 1/2"))).toBe(false)
    expect(labels.some((label) => label.endsWith("episodes: ground-truth"))).toBe(finished === 2)
    expect(labels.some((label) => label.endsWith("episodes: random"))).toBe(true)
    const results = await readResults(out)
    expect(results.status).toBe("complete")
    expect(comparable(results.rows as ReadonlyArray<SuiteRow>)).toEqual(comparable(uninterrupted))
  })

  it.each([1, 3])(
    "asked to start after %i finished rows, computes none of them and yields the rest",
    async (resumeAfter) => {
      const labels: Array<string> = []
      const rows: Array<SuiteRow> = []
      for await (const row of tinyQuickstartSuite.run({
        backend: "cpu",
        episodes: 1,
        seed: 3,
        directory: await freshDirectory(),
        progress: (label) => labels.push(label),
        resumeAfter
      }))
        rows.push(JSON.parse(JSON.stringify(row)))
      expect(comparable(rows)).toEqual(comparable(uninterrupted.slice(resumeAfter)))
      // Rows are point-mass's ground truth and random actions, then pendulum's.
      const computed = [
        ...new Set(labels.map((label) => label.replace(/^run (\d)\/2 (\S+): episodes: (\S+)$/, "$2 $3")))
      ]
      expect(computed).toEqual(
        ["point-mass ground-truth", "point-mass random", "pendulum ground-truth", "pendulum random"].slice(
          resumeAfter
        )
      )
    }
  )

  it("records every run's resolved configuration in the protocol from the first row on", async () => {
    const out = await freshDirectory()
    await Effect.runPromise(Effect.flip(attempt(out, [], "run 1/2 point-mass: episodes: random")))
    const protocol = (await readResults(out)).protocol as { readonly resolved: ReadonlyArray<unknown> }
    expect(protocol.resolved).toHaveLength(2)
    expect(protocol.resolved.map((config) => (config as { seed: number }).seed)).toEqual([3, 3])
  })
})
