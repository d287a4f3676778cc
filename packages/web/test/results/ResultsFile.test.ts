import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  decodeResultsFile,
  NotResultsFileError,
  parseResultsFile,
  ResultsFieldError,
  type ResultsFileError,
  ResultsNotJsonError,
  ResultsTooLargeError,
  rowGroup,
  rowLabel
} from "../../src/results/ResultsFile.js"
import { faultsText, opened, planningRow, resultsText, runText, sweepText } from "./Fixtures.js"

/** The error parsing `text` fails with; the test fails when it parses. */
const failure = (text: string, limit?: number): ResultsFileError => {
  const parsed = parseResultsFile(text, "results.json", limit)
  if (Result.isSuccess(parsed)) throw new Error("expected the file to be refused")
  return parsed.failure
}

const fieldError = (text: string): ResultsFieldError => {
  const error = failure(text)
  expect(error).toBeInstanceOf(ResultsFieldError)
  return error as ResultsFieldError
}

describe("parseResultsFile on real runs", () => {
  it("reads a telos run with drawn episodes: summary, planning fields, traces, stages, checksum", () => {
    const file = opened(runText, "run.json")
    expect(file).toMatchObject({
      source: "run.json",
      suite: "run",
      status: "complete",
      backend: "native",
      seed: 0
    })
    expect(file.checksum).toBe("matches")
    expect(file.rows).toHaveLength(2)
    const [truth, random] = file.rows
    expect(truth).toMatchObject({
      index: 0,
      env: "two-rooms",
      agent: "ground-truth",
      levels: 1,
      successRate: 0.5
    })
    expect(random).toMatchObject({ index: 1, agent: "random", successRate: 0 })
    expect(truth?.planMsPerStep).toBeGreaterThan(0)
    expect(truth?.traces).toHaveLength(2)
    expect(truth?.traces?.[0]).toMatchObject({ seed: 0, success: true })
    expect(truth?.traces?.[0]?.goal).toHaveLength(2)
    expect(truth?.fields.predictionsPerStep).toBeGreaterThan(0)
    expect(file.stages.map((stage) => stage.stage)).toEqual(["episodes (ground-truth)", "episodes (random)"])
    expect(file.stages[0]?.figures).toEqual([["successRate", 0.5]])
    expect(file.checks.length).toBeGreaterThanOrEqual(0)
  })

  it("reads a sweep's planning rows and a faults run's rows, which have no planning fields", () => {
    const sweep = opened(sweepText)
    expect(sweep.suite).toBe("sweep")
    expect(sweep.checksum).toBe("matches")
    expect(sweep.rows.every((row) => row.successRate !== undefined && row.planMsPerStep !== undefined)).toBe(
      true
    )
    const faults = opened(faultsText)
    expect(faults.rows).toHaveLength(8)
    expect(faults.rows[0]).toEqual({
      index: 0,
      fields: expect.objectContaining({ group: "kill", target: "collect" })
    })
    expect(faults.checks).toEqual([
      { description: "no defect in any group", passed: true },
      { description: "no byte of finished work lost", passed: true }
    ])
  })

  it("says when the rows are not those the checksum was written with", () => {
    const edited = JSON.parse(sweepText)
    edited.rows[0].successRate = 0
    expect(opened(JSON.stringify(edited)).checksum).toBe("differs")
    expect(opened(resultsText([planningRow()])).checksum).toBe("absent")
  })

  it("reads a sweep aggregate's figures over seeds as their mean, with the success interval", () => {
    const aggregate = opened(sweepText).rows[4]
    expect(aggregate).toMatchObject({ successRate: 1, successInterval: [1, 1], meanSteps: 20, levels: 1 })
    const single = { mean: 0.5, std: null, interval: null }
    expect(
      opened(resultsText([planningRow({ successRate: single })])).rows[0]?.successInterval
    ).toBeUndefined()
    const wide = { mean: 0.5, std: 0.1, interval: [-0.2, 1.2] }
    expect(opened(resultsText([planningRow({ successRate: wide })])).rows[0]?.successInterval).toEqual([
      -0.2, 1.2
    ])
    expect(
      fieldError(resultsText([planningRow({ successRate: { mean: 0.5, interval: [1] } })]))
    ).toMatchObject({
      field: "rows[0].successRate.interval",
      expected: "null or [low, high], finite numbers"
    })
    expect(fieldError(resultsText([planningRow({ successRate: { mean: 2 } })])).field).toBe(
      "rows[0].successRate.mean"
    )
  })

  it("takes a running file without finishedAt, and extra fields anywhere", () => {
    const file = opened(
      resultsText([planningRow({ horizon: 30, nested: { any: [1, "two"] } })], {
        status: "running",
        futureField: { version: 2 }
      })
    )
    expect(file.status).toBe("running")
    expect(file.finishedAt).toBeUndefined()
    expect(file.rows[0]?.fields.horizon).toBe(30)
  })
})

describe("parseResultsFile on files it must refuse", () => {
  it("names text that is not JSON", () => {
    const error = failure('{"suite": "run", rows: ')
    expect(error).toBeInstanceOf(ResultsNotJsonError)
    expect(error._tag).toBe("ResultsNotJsonError")
    expect(error.message).toMatch(/^results\.json is not JSON: /)
  })

  it("names JSON that is not a results file, and what it holds instead", () => {
    for (const text of [
      "[1, 2]",
      "null",
      '"results"',
      '{"name": "telos", "version": "0.1.0"}',
      '{"suite": "x"}'
    ]) {
      const error = failure(text)
      expect(error).toBeInstanceOf(NotResultsFileError)
      expect(error.message).toContain("is not a telos results file")
    }
    expect(failure('{"name": "telos", "version": "0.1.0"}').message).toContain(
      "an object with keys name, version"
    )
  })

  it("names the field, the row, what was expected and what was received", () => {
    const rate = fieldError(resultsText([planningRow(), planningRow({ successRate: "high" })]))
    expect(rate).toMatchObject({
      field: "rows[1].successRate",
      row: 1,
      expected: "a number in [0, 1]",
      received: '"high"'
    })
    expect(rate.message).toBe(
      'results.json: rows[1].successRate: expected a number in [0, 1], received "high"'
    )
    expect(fieldError(resultsText([planningRow({ successRate: 1.5 })]))).toMatchObject({
      received: "1.5",
      row: 0
    })
    expect(fieldError(resultsText([planningRow({ planMsPerStep: -3 })])).field).toBe("rows[0].planMsPerStep")
    expect(fieldError(resultsText([planningRow({ levels: 0 })]))).toMatchObject({
      field: "rows[0].levels",
      expected: "an integer, at least 1",
      received: "0"
    })
    expect(fieldError(resultsText([planningRow({ env: { id: "x" } })]))).toMatchObject({
      field: "rows[0].env",
      expected: "a string",
      received: "an object with keys id"
    })
    expect(fieldError(resultsText([planningRow(), 42]))).toMatchObject({
      field: "rows[1]",
      row: 1,
      received: "42"
    })
  })

  it("names the point of a trace that is not a point", () => {
    const trace = {
      seed: 0,
      positions: [
        [1, 2],
        [3, "4"]
      ],
      subgoals: []
    }
    expect(fieldError(resultsText([planningRow({ traces: [trace] })]))).toMatchObject({
      field: "rows[0].traces[0].positions[1]",
      row: 0,
      expected: "a point [x, y] of finite numbers",
      received: "an array of 2"
    })
    const subgoal = { seed: 0, positions: [[1, 2]], subgoals: [{ level: 0, step: 0, at: [1, 1] }] }
    expect(fieldError(resultsText([planningRow({ traces: [subgoal] })])).field).toBe(
      "rows[0].traces[0].subgoals[0].level"
    )
    expect(fieldError(resultsText([planningRow({ traces: "none" })])).field).toBe("rows[0].traces")
  })

  it("names the file's own fields: rows, status, checks", () => {
    expect(fieldError(resultsText([], { rows: { 0: {} } }))).toMatchObject({
      field: "rows",
      expected: "an array"
    })
    expect(fieldError(resultsText([], { status: "done" }))).toMatchObject({
      field: "status",
      expected: "one of running, complete, failed, interrupted",
      received: '"done"'
    })
    expect(fieldError(resultsText([], { checks: [{ description: "x", passed: "yes" }] })).field).toBe(
      "checks[0].passed"
    )
    expect(fieldError(resultsText([], { suite: 7 })).field).toBe("suite")
  })

  it("refuses a file longer than the limit before parsing it", () => {
    const error = failure(resultsText([planningRow()]), 100)
    expect(error).toBeInstanceOf(ResultsTooLargeError)
    expect(error.message).toContain("at most 100")
  })

  it("cuts a long received value short in the message", () => {
    const error = fieldError(
      resultsText([planningRow({ env: 7 })], { suite: "x".repeat(500), status: "y".repeat(500) })
    )
    expect(error.message.length).toBeLessThan(200)
  })
})

describe("parseResultsFile on JSON's null and hostile keys", () => {
  it("reads null (JSON's NaN) in a plotted number as not measured, and drops a subgoal at [null, null]", () => {
    const trace = {
      seed: 1,
      positions: [
        [1, 2],
        [2, 3]
      ],
      subgoals: [
        { level: 1, step: 0, at: [null, null] },
        { level: 1, step: 1, at: [4, 4] }
      ]
    }
    const row = opened(resultsText([planningRow({ planMsPerStep: null, meanReturn: null, traces: [trace] })]))
      .rows[0]
    expect(row?.planMsPerStep).toBeUndefined()
    expect(row?.meanReturn).toBeUndefined()
    expect(row?.traces?.[0]?.subgoals).toEqual([{ level: 1, step: 1, at: [4, 4] }])
    expect(row?.fields.planMsPerStep).toBeNull()
  })

  it("keeps __proto__ and constructor keys as plain fields", () => {
    const text = resultsText([{ ...planningRow(), constructor: "x" }]).replace(
      '"env":',
      '"__proto__": {"successRate": 2}, "env":'
    )
    const file = opened(text)
    expect(file.rows[0]?.successRate).toBe(0.5)
    expect(Object.keys(file.rows[0]?.fields ?? {})).toContain("__proto__")
    expect(file.rows[0]?.fields.constructor).toBe("x")
  })

  it("never throws: any JSON value is a file or one of the typed errors", () => {
    const tags = ["NotResultsFileError", "ResultsFieldError"]
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const decoded = decodeResultsFile(value, "any.json")
        return Result.isSuccess(decoded) || tags.includes(decoded.failure._tag)
      })
    )
    // Results-shaped values with arbitrary rows and fields: the parser meets every branch.
    const shaped = fc.record({
      suite: fc.oneof(fc.string(), fc.integer()),
      status: fc.constantFrom("complete", "running", "done"),
      rows: fc.array(
        fc.oneof(
          fc.dictionary(
            fc.constantFrom("env", "levels", "successRate", "planMsPerStep", "traces", "episodes", "agent"),
            fc.jsonValue()
          ),
          fc.jsonValue()
        )
      ),
      checks: fc.jsonValue(),
      stages: fc.jsonValue()
    })
    fc.assert(
      fc.property(shaped, (value) => {
        const parsed = parseResultsFile(JSON.stringify(value))
        return (
          Result.isSuccess(parsed) ||
          ["NotResultsFileError", "ResultsFieldError"].includes(parsed.failure._tag)
        )
      })
    )
  })
})

describe("rowLabel and rowGroup", () => {
  it("name a planning row by environment, agent and levels, and group it by agent and levels", () => {
    const [first, second] = opened(
      resultsText([planningRow(), planningRow({ agent: "hierarchical", levels: 2 })])
    ).rows
    expect(rowLabel(first!)).toBe("#1 two-rooms · ground-truth · 1 level")
    expect(rowLabel(second!)).toBe("#2 two-rooms · hierarchical · 2 levels")
    expect(rowGroup(second!)).toBe("hierarchical · 2 levels")
    // Under the group's heading, what the heading says is left out.
    expect(rowLabel(second!, true)).toBe("#2 two-rooms")
  })

  it("add a sweep's setting, and name other suites' rows by their text fields", () => {
    expect(rowLabel(opened(sweepText).rows[2]!)).toBe(
      "#3 point-mass · ground-truth · 1 level · actor.horizon=30"
    )
    const faults = opened(faultsText).rows[3]
    expect(rowLabel(faults!)).toBe("#4 corrupt · dataset.bin")
    expect(rowGroup(faults!)).toBe("")
    expect(rowLabel(opened(sweepText).rows[4]!)).toBe(
      "#5 point-mass · ground-truth · 1 level · actor.horizon=20 · mean of 2 seeds"
    )
  })
})
