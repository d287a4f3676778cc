import { type BackendCandidate, Box, ConfigError, Discrete, InvalidValueError } from "@telos/core"
import { decodeConfigEither, fromResult, resolveBackendTaskEither, validateEither } from "@telos/core/fp-ts"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { either } from "fp-ts"
import { describe, expect, it } from "vitest"
import { restoreBackendAfterAll } from "./support.js"

const left = <E, A>(value: either.Either<E, A>): E => {
  if (either.isRight(value)) throw new Error("expected Left")
  return value.left
}

const right = <E, A>(value: either.Either<E, A>): A => {
  if (either.isLeft(value)) throw new Error(`expected Right, got Left ${String(value.left)}`)
  return value.right
}

describe("fromResult", () => {
  it("maps Success to Right and Failure to Left", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(fromResult(Result.succeed(value))).toEqual(either.right(value))
        expect(fromResult(Result.fail(value))).toEqual(either.left(value))
      })
    )
  })
})

describe("validateEither", () => {
  const box = new Box({ low: -1, high: 1, shape: [2] })

  it("is Right with the checked copy for a value inside a box", () => {
    const input = [0.5, -0.5]
    const value = right(validateEither(box, input, "action"))
    expect(value).toBeInstanceOf(Float64Array)
    expect(Array.from(value)).toEqual(input)
  })

  it("is Left with an InvalidValueError naming the component", () => {
    const error = left(validateEither(box, [0, Number.NaN], "action"))
    expect(error).toBeInstanceOf(InvalidValueError)
    expect(error.field).toBe("action[1]")
    expect(error.expected).toBe("a finite number in [-1, 1]")
    expect(error.received).toBe("NaN")
    expect(left(validateEither(box, [0])).field).toBe("value")
  })

  it("agrees with the space's own validate, for boxes and discrete spaces", () => {
    const discrete = new Discrete(3, 1)
    fc.assert(
      fc.property(
        fc.oneof(fc.array(fc.double(), { maxLength: 3 }), fc.double(), fc.integer({ min: -1, max: 5 })),
        (value) => {
          expect(either.isRight(validateEither(box, value))).toBe(box.contains(value))
          expect(either.isRight(validateEither(discrete, value))).toBe(discrete.contains(value))
        }
      )
    )
  })

  it("is Right with the number for a discrete space, Left outside it", () => {
    const discrete = new Discrete(3, 1)
    expect(validateEither(discrete, 2)).toEqual(either.right(2))
    const error = left(validateEither(discrete, 4, "choice"))
    expect(error.field).toBe("choice")
    expect(error.expected).toBe("an integer in [1, 3]")
  })
})

describe("decodeConfigEither", () => {
  const Options = Schema.Struct({
    horizon: Schema.Int.check(Schema.isGreaterThan(0)),
    nested: Schema.Struct({ kind: Schema.Literals(["a", "b"]) })
  })

  it("is Right with the decoded config", () => {
    expect(decodeConfigEither(Options, { horizon: 3, nested: { kind: "b" } })).toEqual(
      either.right({ horizon: 3, nested: { kind: "b" } })
    )
  })

  it("is Left with a ConfigError naming every bad field", () => {
    const error = left(decodeConfigEither(Options, { horizon: 0, nested: { kind: "c" } }, "planner config"))
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.source).toBe("planner config")
    expect(error.issues.map((issue) => issue.field).sort()).toEqual(["horizon", "nested.kind"])
  })
})

describe("resolveBackendTaskEither", () => {
  restoreBackendAfterAll()

  const cpu: BackendCandidate = { name: "cpu", tensorflowName: "cpu", load: () => Promise.resolve() }
  const missing: BackendCandidate = {
    name: "node",
    tensorflowName: "tensorflow",
    load: () => Promise.reject(Object.assign(new Error("absent"), { code: "ERR_MODULE_NOT_FOUND" }))
  }

  it("is a lazy task that resolves to Right with the choice", async () => {
    let loads = 0
    const counted: BackendCandidate = {
      ...cpu,
      load: () => {
        loads++
        return Promise.resolve()
      }
    }
    const task = resolveBackendTaskEither({ candidates: [missing, counted], environment: {} })
    expect(loads).toBe(0)
    const choice = right(await task())
    expect(choice).toEqual({ name: "cpu", notices: ["telos: backend node skipped (not installed)"] })
    expect(loads).toBe(1)
  })

  it("is Left with a ConfigError for an unknown TELOS_BACKEND", async () => {
    const error = left(
      await resolveBackendTaskEither({ candidates: [cpu], environment: { TELOS_BACKEND: "quantum" } })()
    )
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.issues[0]!.field).toBe("TELOS_BACKEND")
    expect(error.issues[0]!.expected).toContain('"quantum"')
  })
})
