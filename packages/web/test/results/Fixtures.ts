/**
 * Results files for the viewer's tests: three real ones (a `telos run` with drawn episodes, a
 * sweep, the faults suite), and builders of rows and traces.
 *
 * @module
 */
import { readFileSync } from "node:fs"
import { Result } from "effect"
import { type EpisodeTrace, parseResultsFile, type ResultsFile } from "../../src/results/ResultsFile.js"

const fixture = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8")

/** A `telos run --env two-rooms` of the ground truth's planner and random actions, 2 episodes each, both drawn. */
export const runText = fixture("run-two-rooms.json")
/** A sweep over `actor.horizon` on point-mass: planning rows with trial fields, no traces. */
export const sweepText = fixture("sweep-point-mass.json")
/** The faults suite: rows with no planning fields at all. */
export const faultsText = fixture("faults.json")

/** The file parsed, or the test fails with the error's message. */
export const opened = (text: string, source = "results.json"): ResultsFile => {
  const parsed = parseResultsFile(text, source)
  if (Result.isFailure(parsed)) throw new Error(`expected a results file: ${parsed.failure.message}`)
  return parsed.success
}

/** A results file around `rows`, as the bench writes one (without a checksum). */
export const resultsText = (rows: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    suite: "quickstart",
    protocol: { episodes: 2 },
    backend: "native",
    seed: 0,
    startedAt: "2026-12-06T22:44:36.472Z",
    status: "complete",
    durationSeconds: 1,
    rows,
    checks: [],
    ...extra
  })

/** A planning row, with `fields` over the defaults. */
export const planningRow = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  env: "two-rooms",
  planner: "ground-truth: gradient",
  agent: "ground-truth",
  levels: 1,
  seed: 0,
  episodes: 4,
  successRate: 0.5,
  meanReturn: -20,
  meanSteps: 100,
  planMsPerStep: 12.5,
  ...fields
})

/** A hierarchical episode: a diagonal path, a goal, and subgoals of levels 1 and 2. */
export const hierarchicalTrace: EpisodeTrace = {
  seed: 3,
  positions: Array.from({ length: 20 }, (_, step) => [10 + step, 12 + step] as const),
  goal: [40, 40],
  subgoals: [
    { level: 2, step: 0, at: [30, 30] },
    { level: 1, step: 0, at: [15, 15] },
    { level: 1, step: 8, at: [22, 22] }
  ],
  success: true
}

/**
 * Whether `svg` is well-formed as far as the viewer's output goes: every tag closed in order, and
 * no `<` outside a tag (text from a file that was not escaped would open one).
 */
export const wellFormed = (svg: string): boolean => {
  const stack: Array<string> = []
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/y
  let at = 0
  while (at < svg.length) {
    const next = svg.indexOf("<", at)
    if (next === -1) break
    tag.lastIndex = next
    const match = tag.exec(svg)
    if (match === null) return false
    const [, closing, name, , selfClosing] = match
    if (closing === "/") {
      if (stack.pop() !== name) return false
    } else if (selfClosing !== "/") stack.push(name as string)
    at = tag.lastIndex
  }
  return stack.length === 0
}
