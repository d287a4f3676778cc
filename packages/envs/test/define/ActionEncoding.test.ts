import { Box, Discrete, InvalidValueError } from "@telos/core"
import {
  actionEncodingSize,
  decodeAction,
  encodeAction,
  encodeActionInto,
  modelActionSpace
} from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { thrownBy } from "../support.js"

/** A discrete space and one of its values. */
const discreteChoices = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: -5, max: 5 }))
  .chain(([n, start]) =>
    fc.integer({ min: start, max: start + n - 1 }).map((value) => [new Discrete(n, start), value] as const)
  )

describe("action encoding", () => {
  it("encodes a discrete choice as a one-hot row of length n that decodes back to the choice", () => {
    fc.assert(
      fc.property(discreteChoices, ([space, value]) => {
        const row = encodeAction(space, value)
        expect(row).toHaveLength(actionEncodingSize(space))
        expect(row).toHaveLength(space.n)
        expect(Array.from(row).filter((entry) => entry === 1)).toHaveLength(1)
        expect(Array.from(row).filter((entry) => entry === 0)).toHaveLength(space.n - 1)
        expect(row[value - space.start]).toBe(1)
        expect(decodeAction(space, row)).toBe(value)
        expect(encodeAction(space, Float64Array.of(value))).toEqual(row)
        expect(modelActionSpace(space).contains(row)).toBe(true)
      })
    )
  })

  it("decodes any row to start plus its first largest entry", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3, max: 3 }),
        fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 1, maxLength: 8 }),
        (start, row) => {
          const chosen = decodeAction(new Discrete(row.length, start), row) - start
          const largest = Math.max(...row)
          expect(row[chosen]).toBe(largest)
          expect(row.slice(0, chosen).every((entry) => entry < largest)).toBe(true)
        }
      )
    )
    expect(decodeAction(new Discrete(3), [0.2, 0.4, 0.4])).toBe(1)
    expect(decodeAction(new Discrete(2), [Number.NEGATIVE_INFINITY, -1e300])).toBe(1)
  })

  it("copies a box action, and decodes a box row as itself", () => {
    const space = new Box({ low: -1, high: 1, shape: [2, 2] })
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 4, maxLength: 4 }),
        (values) => {
          const source = Float64Array.from(values)
          const row = encodeAction(space, source)
          expect(row).toEqual(source)
          expect(row).not.toBe(source)
          const decoded = decodeAction(space, row)
          expect(decoded).toEqual(source)
          expect(decoded).not.toBe(row)
        }
      )
    )
    expect(actionEncodingSize(space)).toBe(4)
    expect(modelActionSpace(space)).toBe(space)
  })

  it("maps Discrete(n) to the unit box of n dimensions for models", () => {
    const box = modelActionSpace(new Discrete(5, 3))
    expect(box.shape).toEqual([5])
    expect(Array.from(box.low)).toEqual([0, 0, 0, 0, 0])
    expect(Array.from(box.high)).toEqual([1, 1, 1, 1, 1])
  })

  it("writes into a larger buffer at an offset, clearing the row and nothing else", () => {
    const rows = new Float32Array(12).fill(7)
    encodeActionInto(new Discrete(4), 2, rows, 4)
    expect(Array.from(rows)).toEqual([7, 7, 7, 7, 0, 0, 1, 0, 7, 7, 7, 7])
    encodeActionInto(new Box({ low: -1, high: 1, shape: [2] }), [0.5, -0.25], rows, 10)
    expect(Array.from(rows.subarray(8))).toEqual([7, 7, 0.5, -0.25])
  })

  it("rejects choices outside the space, wrong lengths and NaN with a typed error naming the field", () => {
    const space = new Discrete(3, 1)
    for (const bad of [0, 4, 1.5, Number.NaN, [1, 2]]) {
      const error = thrownBy(() => encodeAction(space, bad, "actions[2]"))
      expect(error).toBeInstanceOf(InvalidValueError)
      expect(error).toMatchObject({ field: "actions[2]" })
    }
    const box = new Box({ low: -1, high: 1, shape: [2] })
    expect(thrownBy(() => encodeAction(box, [1]))).toMatchObject({
      _tag: "InvalidValueError",
      field: "action"
    })
    expect(thrownBy(() => encodeAction(box, 1))).toMatchObject({ _tag: "InvalidValueError", field: "action" })
    expect(thrownBy(() => encodeAction(box, [0, Number.NaN]))).toMatchObject({ field: "action[1]" })
    expect(thrownBy(() => decodeAction(space, [0, 1]))).toMatchObject({
      _tag: "InvalidValueError",
      field: "action"
    })
    expect(thrownBy(() => decodeAction(space, [0, Number.NaN, 1]))).toMatchObject({ field: "action[1]" })
    expect(thrownBy(() => decodeAction(box, [0, 0, 0]))).toMatchObject({ field: "action" })
  })
})
