import { Box, Discrete, InvalidValueError, Random } from "@telos/core"
import { Result } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

const finite = fc.double({ noNaN: true, noDefaultInfinity: true })

/** One component's bounds: finite on both sides, on one side, or on neither. */
const bound: fc.Arbitrary<readonly [number, number]> = fc.oneof(
  fc.tuple(finite, finite).map(([a, b]) => (a <= b ? ([a, b] as const) : ([b, a] as const))),
  fc
    .tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }))
    .map(([low, width]) => [low, low + width] as const),
  finite.map((low) => [low, Number.POSITIVE_INFINITY] as const),
  finite.map((high) => [Number.NEGATIVE_INFINITY, high] as const),
  fc.constant([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY] as const)
)

const shape = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })

const box: fc.Arbitrary<Box> = shape.chain((dimensions) => {
  const size = dimensions.reduce((a, b) => a * b, 1)
  return fc
    .array(bound, { minLength: size, maxLength: size })
    .map(
      (bounds) =>
        new Box({ low: bounds.map(([low]) => low), high: bounds.map(([, high]) => high), shape: dimensions })
    )
})

const failure = <A>(result: Result.Result<A, InvalidValueError>): InvalidValueError => {
  if (Result.isSuccess(result)) throw new Error(`expected a failure, got ${String(result.success)}`)
  return result.failure
}

describe("Box", () => {
  it("samples values it contains, for any bounds and shape", () => {
    fc.assert(
      fc.property(box, fc.integer(), (space, seed) => {
        const rng = Random.fromSeed(seed)
        for (let i = 0; i < 5; i++) {
          const value = space.sample(rng)
          expect(value).toBeInstanceOf(Float64Array)
          expect(value.length).toBe(space.size)
          for (let j = 0; j < space.size; j++) {
            expect(Number.isFinite(value[j])).toBe(true)
            expect(value[j]).toBeGreaterThanOrEqual(space.low[j]!)
            expect(value[j]).toBeLessThanOrEqual(space.high[j]!)
          }
          expect(space.contains(value)).toBe(true)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("samples bounds wider than the largest double without overflowing", () => {
    const space = new Box({ low: -Number.MAX_VALUE, high: Number.MAX_VALUE, shape: [64] })
    const value = space.sample(Random.fromSeed(1))
    expect(space.contains(value)).toBe(true)
    // Spread over the whole range, not piled up on a bound.
    expect(value.filter((x) => x < 0).length).toBeGreaterThan(10)
    expect(value.filter((x) => x > 0).length).toBeGreaterThan(10)
    expect(new Set(value).size).toBe(64)
  })

  it("samples the same values from the same seed", () => {
    fc.assert(
      fc.property(box, fc.integer(), (space, seed) => {
        expect(space.sample(Random.fromSeed(seed))).toEqual(space.sample(Random.fromSeed(seed)))
      })
    )
  })

  it("samples uniformly inside finite bounds", () => {
    const space = new Box({ low: [0, -2], high: [1, 2] })
    const rng = Random.fromSeed(5)
    const sums = [0, 0]
    const count = 5000
    for (let i = 0; i < count; i++) {
      const value = space.sample(rng)
      sums[0]! += value[0]!
      sums[1]! += value[1]!
    }
    expect(sums[0]! / count).toBeCloseTo(0.5, 1)
    expect(sums[1]! / count).toBeCloseTo(0, 1)
  })

  it("infers its shape from array bounds and broadcasts scalar bounds", () => {
    const inferred = new Box({ low: [-1, -2, -3], high: 5 })
    expect(inferred.shape).toEqual([3])
    expect(inferred.size).toBe(3)
    expect(Array.from(inferred.high)).toEqual([5, 5, 5])
    const scalar = new Box({ low: 0, high: 1 })
    expect(scalar.shape).toEqual([1])
    const grid = new Box({ low: 0, high: 1, shape: [2, 3] })
    expect(grid.size).toBe(6)
    expect(Array.from(grid.low)).toEqual([0, 0, 0, 0, 0, 0])
    expect(grid._tag).toBe("Box")
  })

  it("accepts every vector inside its bounds, as a fresh copy", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: -1e3, max: 1e3, noNaN: true }),
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ min: 0, max: 1e3, noNaN: true })
          ),
          { minLength: 1, maxLength: 6 }
        ),
        (components) => {
          const low = components.map(([l]) => l)
          const high = components.map(([l, , w]) => l + w)
          const value = components.map(([l, t, w]) => Math.min(l + t * w, l + w))
          const space = new Box({ low, high })
          const result = space.validate(value, "action")
          expect(Result.isSuccess(result)).toBe(true)
          if (Result.isSuccess(result)) {
            expect(Array.from(result.success)).toEqual(value)
            expect(result.success).not.toBe(value)
          }
        }
      )
    )
  })

  it("returns a copy that does not alias a typed-array input", () => {
    const space = new Box({ low: -1, high: 1, shape: [2] })
    const input = new Float64Array([0.5, -0.5])
    const result = space.validate(input)
    if (!Result.isSuccess(result)) throw new Error("expected success")
    expect(result.success).not.toBe(input)
    result.success[0] = 0.9
    expect(input[0]).toBe(0.5)
    expect(space.contains(new Float32Array([0.25, 1]))).toBe(true)
  })

  it("rejects NaN and infinities naming the component", () => {
    const space = new Box({ low: -1, high: 1, shape: [3] })
    const cases: Array<[number, string]> = [
      [Number.NaN, "NaN"],
      [Number.POSITIVE_INFINITY, "Infinity"],
      [Number.NEGATIVE_INFINITY, "-Infinity"]
    ]
    for (const [bad, shown] of cases) {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 }), (index) => {
          const value = [0, 0, 0]
          value[index] = bad
          const error = failure(space.validate(value, "action"))
          expect(error).toBeInstanceOf(InvalidValueError)
          expect(error._tag).toBe("InvalidValueError")
          expect(error.field).toBe(`action[${index}]`)
          expect(error.expected).toBe("a finite number in [-1, 1]")
          expect(error.received).toBe(shown)
          expect(space.contains(value)).toBe(false)
        })
      )
    }
  })

  it("rejects NaN and infinities even where the bounds are infinite", () => {
    const space = new Box({ low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, shape: [2] })
    expect(space.contains([1e300, -1e300])).toBe(true)
    const error = failure(space.validate([0, Number.POSITIVE_INFINITY], "observation"))
    expect(error.field).toBe("observation[1]")
    expect(error.expected).toContain("[-Infinity, Infinity]")
    expect(space.contains([Number.NaN, 0])).toBe(false)
  })

  it("rejects an out-of-bounds component, naming it and its bounds", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((size) =>
            fc.tuple(
              fc.array(fc.integer({ min: -100, max: 100 }), { minLength: size, maxLength: size }),
              fc.integer({ min: 0, max: size - 1 }),
              fc.boolean(),
              fc.double({ min: 1e-6, max: 1e6, noNaN: true })
            )
          ),
        ([low, index, above, excess]) => {
          const high = low.map((l) => l + 10)
          const space = new Box({ low, high })
          const value = low.map((l) => l + 5)
          value[index] = above ? high[index]! + excess : low[index]! - excess
          const error = failure(space.validate(value, "action"))
          expect(error.field).toBe(`action[${index}]`)
          expect(error.expected).toBe(`a finite number in [${low[index]}, ${high[index]}]`)
          expect(error.received).toBe(String(value[index]))
          expect(error.message).toBe(
            `action[${index}]: expected a finite number in [${low[index]}, ${high[index]}], received ${value[index]}`
          )
        }
      )
    )
  })

  it("reports the first offending component", () => {
    const space = new Box({ low: [0, 0, 0], high: [1, 1, 1] })
    expect(failure(space.validate([0.5, 2, Number.NaN], "a")).field).toBe("a[1]")
    expect(failure(space.validate([0.5, 0.5, -1])).field).toBe("value[2]")
  })

  it("shows fractional bounds in the expected range", () => {
    const space = new Box({ low: [-0.5], high: [0.25] })
    expect(failure(space.validate([0.3])).expected).toBe("a finite number in [-0.5000, 0.2500]")
  })

  it("rejects a vector of the wrong length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 10 }), (size, length) => {
        fc.pre(size !== length)
        const space = new Box({ low: -1, high: 1, shape: [size] })
        const error = failure(space.validate(new Array<number>(length).fill(0), "action"))
        expect(error.field).toBe("action")
        expect(error.expected).toBe(`length ${size}`)
        expect(error.received).toBe(`length ${length}`)
      })
    )
  })

  it("rejects values that are not arrays of numbers", () => {
    const space = new Box({ low: -1, high: 1, shape: [2] })
    const cases: Array<[unknown, string]> = [
      [0.5, "0.5"],
      ["[0, 0]", '"[0, 0]"'],
      [null, "null"],
      [undefined, "undefined"],
      [{ 0: 0, 1: 0, length: 2 }, "object"],
      [new DataView(new ArrayBuffer(16)), "object"]
    ]
    for (const [value, shown] of cases) {
      const error = failure(space.validate(value, "action"))
      expect(error.field).toBe("action")
      expect(error.expected).toBe("an array of 2 numbers")
      expect(error.received).toBe(shown)
      expect(space.contains(value)).toBe(false)
    }
    const wrongItem = failure(space.validate([0, "0"], "action"))
    expect(wrongItem.field).toBe("action[1]")
    expect(wrongItem.received).toBe('"0"')
    expect(failure(space.validate([0, undefined], "action")).received).toBe("undefined")
    expect(failure(space.validate(new Array(2), "action")).field).toBe("action[0]")
  })

  it("agrees with validate on contains, for arbitrary input", () => {
    const value = fc.oneof(
      fc.array(fc.oneof(fc.double(), fc.integer({ min: -3, max: 3 })), { maxLength: 4 }),
      fc.anything()
    )
    fc.assert(
      fc.property(box, value, (space, candidate) => {
        expect(space.contains(candidate)).toBe(Result.isSuccess(space.validate(candidate)))
      })
    )
    fc.assert(
      fc.property(box, fc.integer(), (space, seed) => {
        const sample = space.sample(Random.fromSeed(seed))
        expect(space.contains(sample)).toBe(Result.isSuccess(space.validate(sample)))
      })
    )
  })

  it("clips finite vectors into its bounds", () => {
    fc.assert(
      fc.property(box, fc.array(finite, { minLength: 27, maxLength: 27 }), (space, raw) => {
        const clipped = space.clip(raw.slice(0, space.size))
        expect(clipped.length).toBe(space.size)
        expect(space.contains(clipped)).toBe(true)
        for (let i = 0; i < space.size; i++) {
          const x = raw[i]!
          if (x >= space.low[i]! && x <= space.high[i]!) expect(clipped[i]).toBe(x)
        }
      })
    )
  })

  it("clips to the nearest bound", () => {
    const space = new Box({ low: [-1, 0], high: [1, 2] })
    expect(Array.from(space.clip([-5, 7]))).toEqual([-1, 2])
    expect(Array.from(space.clip([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]))).toEqual([-1, 2])
    expect(Number.isNaN(space.clip([Number.NaN, 1])[0])).toBe(true)
    // Inside the bounds a component is kept exactly, the sign of zero too (found by the property above).
    expect(Object.is(new Box({ low: [0], high: [0] }).clip([-0])[0], -0)).toBe(true)
  })

  it("rejects low above high, naming the component", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 5 })
          .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }))),
        finite,
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        ([size, index], low, gap) => {
          const lows = new Array<number>(size).fill(low)
          const highs = new Array<number>(size).fill(low + gap)
          highs[index] = low - gap
          fc.pre(highs[index]! < low)
          let thrown: unknown
          try {
            new Box({ low: lows, high: highs })
          } catch (error) {
            thrown = error
          }
          expect(thrown).toBeInstanceOf(InvalidValueError)
          expect((thrown as InvalidValueError).field).toBe(`Box bounds[${index}]`)
          expect((thrown as InvalidValueError).expected).toContain("low <= high")
        }
      )
    )
  })

  it("rejects NaN bounds and bounds that leave no finite value", () => {
    expect(() => new Box({ low: Number.NaN, high: 1 })).toThrow(InvalidValueError)
    expect(() => new Box({ low: 0, high: Number.NaN })).toThrow(InvalidValueError)
    expect(() => new Box({ low: Number.POSITIVE_INFINITY, high: Number.POSITIVE_INFINITY })).toThrow(
      /Box bounds\[0\]/
    )
    expect(() => new Box({ low: Number.NEGATIVE_INFINITY, high: Number.NEGATIVE_INFINITY })).toThrow(
      InvalidValueError
    )
  })

  it("rejects bad shapes and bounds of the wrong length", () => {
    for (const bad of [[0], [2, -1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY]]) {
      expect(() => new Box({ low: 0, high: 1, shape: bad })).toThrow(/Box\.shape: expected positive integer/)
    }
    expect(() => new Box({ low: [], high: 1 })).toThrow(InvalidValueError)
    expect(() => new Box({ low: [0, 0], high: [1, 1, 1] })).toThrow(
      /Box\.high: expected 2 bounds, received 3/
    )
    expect(() => new Box({ low: [0, 0], high: 1, shape: [3] })).toThrow(/Box\.low: expected 3 bounds/)
  })
})

describe("Discrete", () => {
  const discrete = fc
    .tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: -1000, max: 1000 }))
    .map(([n, start]) => new Discrete(n, start))

  it("samples integers in [start, start + n)", () => {
    fc.assert(
      fc.property(discrete, fc.integer(), (space, seed) => {
        const rng = Random.fromSeed(seed)
        for (let i = 0; i < 20; i++) {
          const value = space.sample(rng)
          expect(Number.isInteger(value)).toBe(true)
          expect(value).toBeGreaterThanOrEqual(space.start)
          expect(value).toBeLessThan(space.start + space.n)
          expect(space.contains(value)).toBe(true)
        }
      })
    )
  })

  it("samples every value", () => {
    const space = new Discrete(4, -2)
    const rng = Random.fromSeed(2)
    const seen = new Set<number>()
    for (let i = 0; i < 200; i++) seen.add(space.sample(rng))
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1])
    expect(space._tag).toBe("Discrete")
    expect(new Discrete(3).start).toBe(0)
  })

  it("accepts exactly its integers", () => {
    fc.assert(
      fc.property(discrete, fc.integer({ min: -3000, max: 3000 }), (space, value) => {
        const inside = value >= space.start && value < space.start + space.n
        expect(space.contains(value)).toBe(inside)
        const result = space.validate(value, "action")
        if (inside) expect(result).toEqual(Result.succeed(value))
        else {
          const error = failure(result)
          expect(error.field).toBe("action")
          expect(error.expected).toBe(`an integer in [${space.start}, ${space.start + space.n - 1}]`)
          expect(error.received).toBe(String(value))
        }
      })
    )
  })

  it("rejects non-integers and non-numbers", () => {
    const space = new Discrete(5)
    const cases: Array<[unknown, string]> = [
      [1.5, "1.5"],
      [Number.NaN, "NaN"],
      [Number.POSITIVE_INFINITY, "Infinity"],
      ["2", '"2"'],
      [[2], "[2] (length 1)"],
      [null, "null"]
    ]
    for (const [value, shown] of cases) {
      const error = failure(space.validate(value, "choice"))
      expect(error.field).toBe("choice")
      expect(error.expected).toBe("an integer in [0, 4]")
      expect(error.received).toBe(shown)
      expect(space.contains(value)).toBe(false)
    }
  })

  it("agrees with validate on contains, for arbitrary input", () => {
    fc.assert(
      fc.property(
        discrete,
        fc.oneof(fc.integer({ min: -2000, max: 2000 }), fc.double(), fc.anything()),
        (space, value) => {
          expect(space.contains(value)).toBe(Result.isSuccess(space.validate(value)))
        }
      )
    )
  })

  it("rejects a bad size or start", () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new Discrete(n)).toThrow(/Discrete\.n: expected a positive integer/)
    }
    expect(() => new Discrete(3, 0.5)).toThrow(/Discrete\.start: expected an integer, received 0\.5/)
  })
})

describe("Discrete.choose", () => {
  it("picks start plus the index of the largest score, the first on ties (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: -5, max: 5 }),
        (scores, start) => {
          const chosen = new Discrete(scores.length, start).choose(scores) - start
          const largest = Math.max(...scores)
          expect(scores[chosen]).toBe(largest)
          expect(scores.slice(0, chosen).every((score) => score < largest)).toBe(true)
        }
      )
    )
  })

  it("names a row of the wrong length and a NaN score", () => {
    expect(() => new Discrete(3).choose([0, 1], "row")).toThrow(/row.*3 scores/)
    expect(() => new Discrete(3).choose([0, Number.NaN, 1], "row")).toThrow(/row\[1\]/)
  })
})
