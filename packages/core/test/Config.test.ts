import { ConfigError, decodeConfig, decodeConfigResult, decodeConfigSync, withDefaults } from "@telos/core"
import { Effect, Result, Schema } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

const Options = Schema.Struct({
  horizon: Schema.Int.check(Schema.isGreaterThan(0)),
  learningRate: Schema.Number,
  nested: Schema.Struct({ kind: Schema.Literals(["a", "b"]) })
})

const good = { horizon: 12, learningRate: 0.05, nested: { kind: "a" } }

const failureOf = <A>(result: Result.Result<A, ConfigError>): ConfigError => {
  if (Result.isSuccess(result)) throw new Error(`expected a failure, got ${JSON.stringify(result.success)}`)
  return result.failure
}

const issueAt = (error: ConfigError, field: string): string => {
  const issue = error.issues.find((entry) => entry.field === field)
  if (issue === undefined) throw new Error(`no issue for ${field} in ${error.message}`)
  return issue.expected
}

describe("decodeConfigResult", () => {
  it("decodes a good config", () => {
    expect(decodeConfigResult(Options, good)).toEqual(Result.succeed(good))
  })

  it("names every bad field with what it expected and what it received", () => {
    const error = failureOf(
      decodeConfigResult(
        Options,
        { horizon: 0, learningRate: "fast", nested: { kind: "c" } },
        "planner config"
      )
    )
    expect(error).toBeInstanceOf(ConfigError)
    expect(error._tag).toBe("ConfigError")
    expect(error.source).toBe("planner config")
    expect(error.issues.map((issue) => issue.field).sort()).toEqual([
      "horizon",
      "learningRate",
      "nested.kind"
    ])
    expect(issueAt(error, "horizon")).toBe("expected a value greater than 0, received 0")
    expect(issueAt(error, "learningRate")).toBe('expected number, received "fast"')
    expect(issueAt(error, "nested.kind")).toBe('expected "a" | "b", received "c"')
    expect(error.message).toMatch(/^invalid planner config: /)
    expect(error.message).toContain("nested.kind: expected")
  })

  it("reports a non-integer horizon", () => {
    const error = failureOf(decodeConfigResult(Options, { ...good, horizon: 1.5 }))
    expect(error.issues).toEqual([{ field: "horizon", expected: "expected an integer, received 1.5" }])
    expect(error.source).toBe("config")
  })

  it("reports exactly the bad fields, for any mix of good and bad fields", () => {
    const horizon = fc.oneof(
      fc.integer({ min: 1, max: 1000 }).map((value) => ({ value, bad: false })),
      fc
        .oneof(
          fc.integer({ max: 0 }),
          fc.double({ min: 0.1, max: 100, noInteger: true }),
          fc.string(),
          fc.constant(null)
        )
        .map((value) => ({ value, bad: true }))
    )
    const learningRate = fc.oneof(
      fc.double({ noNaN: true }).map((value) => ({ value, bad: false })),
      fc.oneof(fc.string(), fc.boolean(), fc.constant(null)).map((value) => ({ value, bad: true }))
    )
    const kind = fc.oneof(
      fc.constantFrom("a", "b").map((value) => ({ value, bad: false })),
      fc
        .oneof(fc.string(), fc.integer())
        .filter((value) => value !== "a" && value !== "b")
        .map((value) => ({ value, bad: true }))
    )
    fc.assert(
      fc.property(horizon, learningRate, kind, (h, l, k) => {
        const input = { horizon: h.value, learningRate: l.value, nested: { kind: k.value } }
        const result = decodeConfigResult(Options, input)
        const expectedBad = [h.bad && "horizon", l.bad && "learningRate", k.bad && "nested.kind"].filter(
          (field): field is string => typeof field === "string"
        )
        if (expectedBad.length === 0) {
          expect(Result.isSuccess(result)).toBe(true)
          return
        }
        const error = failureOf(result)
        // A value can break several checks at once (NaN is neither an integer nor positive), so a
        // field may carry more than one issue; the set of fields must be exactly the bad ones.
        expect([...new Set(error.issues.map((issue) => issue.field))].sort()).toEqual(expectedBad.sort())
        const received: Record<string, unknown> = {
          horizon: h.value,
          learningRate: l.value,
          "nested.kind": k.value
        }
        for (const issue of error.issues) {
          expect(issue.expected).toMatch(/^expected /)
          const value = received[issue.field]
          const shown = typeof value === "string" ? JSON.stringify(value) : String(value)
          expect(issue.expected.endsWith(`, received ${shown}`)).toBe(true)
          expect(error.message).toContain(`${issue.field}: ${issue.expected}`)
        }
      })
    )
  })

  it("rejects excess properties, at the top and nested", () => {
    const error = failureOf(
      decodeConfigResult(Options, { ...good, horizn: 3, nested: { kind: "b", extra: true } })
    )
    expect(error.issues.map((issue) => issue.field).sort()).toEqual(["horizn", "nested.extra"])
    expect(issueAt(error, "horizn")).toBe("expected no excess property")
  })

  it("reports missing keys", () => {
    const error = failureOf(decodeConfigResult(Options, { learningRate: 1, nested: {} }))
    expect(error.issues).toEqual([
      { field: "horizon", expected: "missing key" },
      { field: "nested.kind", expected: "missing key" }
    ])
  })

  it("reports a config that is not an object at the root", () => {
    for (const [input, shown] of [
      [null, "null"],
      [5, "5"],
      ["x", '"x"']
    ] as const) {
      const error = failureOf(decodeConfigResult(Options, input))
      expect(error.issues).toEqual([{ field: "(root)", expected: `expected object, received ${shown}` }])
    }
  })

  it("names array elements by index", () => {
    const Listed = Schema.Struct({ weights: Schema.Array(Schema.Number) })
    const error = failureOf(decodeConfigResult(Listed, { weights: [1, "2", 3] }))
    expect(error.issues).toEqual([{ field: "weights[1]", expected: 'expected number, received "2"' }])
  })
})

describe("decodeConfig and decodeConfigSync", () => {
  const bad = { horizon: -1, learningRate: 0.1, nested: { kind: "z" } }

  it("fail in the Effect error channel with the same ConfigError", async () => {
    const expected = failureOf(decodeConfigResult(Options, bad, "suite config"))
    const result = await Effect.runPromise(Effect.result(decodeConfig(Options, bad, "suite config")))
    expect(Result.isFailure(result)).toBe(true)
    if (Result.isFailure(result)) {
      expect(result.failure).toBeInstanceOf(ConfigError)
      expect(result.failure.issues).toEqual(expected.issues)
      expect(result.failure.source).toBe("suite config")
    }
    const caught = await Effect.runPromise(
      decodeConfig(Options, bad).pipe(
        Effect.catchTag("ConfigError", (error) => Effect.succeed(error.issues.length))
      )
    )
    expect(caught).toBe(2)
  })

  it("succeed with the decoded value", async () => {
    expect(await Effect.runPromise(decodeConfig(Options, good))).toEqual(good)
    expect(decodeConfigSync(Options, good)).toEqual(good)
  })

  it("throw the ConfigError outside Effect", () => {
    const expected = failureOf(decodeConfigResult(Options, bad, "cli"))
    let thrown: unknown
    try {
      decodeConfigSync(Options, bad, "cli")
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    expect((thrown as ConfigError).issues).toEqual(expected.issues)
    expect((thrown as ConfigError).message).toBe(expected.message)
  })
})

describe("withDefaults", () => {
  it("takes every defined override and the default for everything else", () => {
    const partial = fc.record(
      {
        horizon: fc.option(fc.integer(), { nil: undefined }),
        restarts: fc.option(fc.integer(), { nil: undefined })
      },
      { requiredKeys: [] }
    )
    fc.assert(
      fc.property(fc.integer(), fc.integer(), partial, (horizon, restarts, overrides) => {
        const defaults = { horizon, restarts }
        const merged = withDefaults(defaults, overrides)
        expect(merged).toEqual({
          horizon: overrides.horizon ?? horizon,
          restarts: overrides.restarts ?? restarts
        })
        expect(defaults).toEqual({ horizon, restarts })
        expect(merged).not.toBe(defaults)
      })
    )
  })

  it("keeps defined falsy overrides", () => {
    expect(
      withDefaults({ horizon: 16, verbose: true, name: "x" }, { horizon: 0, verbose: false, name: "" })
    ).toEqual({
      horizon: 0,
      verbose: false,
      name: ""
    })
  })
})
