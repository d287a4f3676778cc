import {
  BackendError,
  ConfigError,
  describeValue,
  InvalidValueError,
  type TelosError,
  UnknownNameError
} from "@telos/core"
import { Effect, Result } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

describe("InvalidValueError", () => {
  it("names the field, the expected value and the received value", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (field, expected, received) => {
        const error = new InvalidValueError({ field, expected, received })
        expect(error._tag).toBe("InvalidValueError")
        expect(error.message).toBe(`${field}: expected ${expected}, received ${received}`)
        expect(error).toBeInstanceOf(Error)
        expect(error.field).toBe(field)
        expect(error.expected).toBe(expected)
        expect(error.received).toBe(received)
      })
    )
  })

  it("reads as one line", () => {
    const error = new InvalidValueError({
      field: "action[1]",
      expected: "a number in [-1, 1]",
      received: "NaN"
    })
    expect(error.message).toBe("action[1]: expected a number in [-1, 1], received NaN")
    expect(String(error)).toContain("action[1]: expected a number in [-1, 1], received NaN")
  })
})

describe("ConfigError", () => {
  it("lists every issue after the source", () => {
    const error = new ConfigError({
      source: "planner config",
      issues: [
        { field: "horizon", expected: "expected an integer, received 1.5" },
        { field: "nested.kind", expected: 'expected "a" | "b", received "c"' }
      ]
    })
    expect(error._tag).toBe("ConfigError")
    expect(error.message).toBe(
      'invalid planner config: horizon: expected an integer, received 1.5; nested.kind: expected "a" | "b", received "c"'
    )
  })

  it("mentions each issue's field and expectation, whatever they are", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.record({ field: fc.string(), expected: fc.string() }), { maxLength: 5 }),
        (source, issues) => {
          const error = new ConfigError({ source, issues })
          expect(error.message.startsWith(`invalid ${source}: `)).toBe(true)
          for (const issue of issues) expect(error.message).toContain(`${issue.field}: ${issue.expected}`)
        }
      )
    )
  })
})

describe("BackendError and UnknownNameError", () => {
  it("name the backend and the reason", () => {
    const error = new BackendError({ backend: "node", reason: "not installed" })
    expect(error._tag).toBe("BackendError")
    expect(error.message).toBe("backend node unavailable: not installed")
  })

  it("name the kind, the name and the known names", () => {
    const error = new UnknownNameError({
      kind: "environment",
      name: "pointmass",
      known: ["point-mass", "reacher"]
    })
    expect(error._tag).toBe("UnknownNameError")
    expect(error.message).toBe('unknown environment "pointmass"; known: point-mass, reacher')
  })

  it("are typed failures in Effect, told apart by their tag", async () => {
    const fail = (error: TelosError): Effect.Effect<never, TelosError> => Effect.fail(error)
    const errors: ReadonlyArray<TelosError> = [
      new InvalidValueError({ field: "x", expected: "y", received: "z" }),
      new ConfigError({ source: "s", issues: [] }),
      new BackendError({ backend: "b", reason: "r" }),
      new UnknownNameError({ kind: "k", name: "n", known: [] })
    ]
    const tags = await Promise.all(
      errors.map((error) =>
        Effect.runPromise(
          fail(error).pipe(
            Effect.catchTags({
              InvalidValueError: (e) => Effect.succeed(`${e._tag}:${e.field}`),
              ConfigError: (e) => Effect.succeed(`${e._tag}:${e.source}`),
              BackendError: (e) => Effect.succeed(`${e._tag}:${e.backend}`),
              UnknownNameError: (e) => Effect.succeed(`${e._tag}:${e.name}`)
            })
          )
        )
      )
    )
    expect(tags).toEqual(["InvalidValueError:x", "ConfigError:s", "BackendError:b", "UnknownNameError:n"])
  })

  it("can be yielded in Effect.gen", async () => {
    const program = Effect.gen(function* () {
      yield* new BackendError({ backend: "wasm", reason: "broken" })
      return 1
    })
    const result = await Effect.runPromise(Effect.result(program))
    expect(Result.isFailure(result)).toBe(true)
    if (Result.isFailure(result)) expect(result.failure.reason).toBe("broken")
  })
})

describe("describeValue", () => {
  it("shows numbers, NaN and infinities as written", () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        expect(describeValue(x)).toBe(Number.isNaN(x) ? "NaN" : String(x))
      })
    )
    expect(describeValue(Number.NaN)).toBe("NaN")
    expect(describeValue(Number.NEGATIVE_INFINITY)).toBe("-Infinity")
    expect(describeValue(1.5)).toBe("1.5")
  })

  it("quotes strings", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(describeValue(text)).toBe(JSON.stringify(text))
      })
    )
    expect(describeValue("a")).toBe('"a"')
  })

  it("shows null and undefined", () => {
    expect(describeValue(null)).toBe("null")
    expect(describeValue(undefined)).toBe("undefined")
  })

  it("shows short arrays and typed arrays whole, long ones cut after six items, with the length", () => {
    expect(describeValue([])).toBe("[] (length 0)")
    expect(describeValue([1, Number.NaN, "x"])).toBe('[1, NaN, "x"] (length 3)')
    expect(describeValue(new Float32Array([0.5, 2]))).toBe("[0.5, 2] (length 2)")
    expect(describeValue([1, 2, 3, 4, 5, 6, 7, 8])).toBe("[1, 2, 3, 4, 5, 6, ...] (length 8)")
    expect(describeValue([[1, 2]])).toBe("[[1, 2] (length 2)] (length 1)")
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 20 }), (items) => {
        const text = describeValue(items)
        expect(text.endsWith(`(length ${items.length})`)).toBe(true)
        expect(text.includes("...")).toBe(items.length > 6)
      })
    )
  })

  it("shows booleans and bigints as written", () => {
    expect(describeValue(true)).toBe("true")
    expect(describeValue(false)).toBe("false")
    expect(describeValue(12n)).toBe("12n")
  })

  it("names the type of anything else", () => {
    expect(describeValue({ a: 1 })).toBe("object")
    expect(describeValue(() => 1)).toBe("function")
    expect(describeValue(Symbol("s"))).toBe("symbol")
    expect(describeValue(new DataView(new ArrayBuffer(4)))).toBe("object")
  })
})
