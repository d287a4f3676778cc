import { InvalidValueError } from "@telos/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { graphFromJson, graphToJson, probeFromJson } from "../src/pipeline/MemoryJson.js"

const graphArbitrary = fc
  .record({ latentSize: fc.integer({ min: 1, max: 4 }), count: fc.integer({ min: 1, max: 5 }) })
  .chain(({ latentSize, count }) =>
    fc.record({
      latentSize: fc.constant(latentSize),
      count: fc.constant(count),
      landmarks: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), {
        minLength: latentSize * count,
        maxLength: latentSize * count
      }),
      edges: fc.array(
        fc.array(
          fc.record({
            to: fc.integer({ min: 0, max: count - 1 }),
            length: fc.double({ min: 0, max: 100, noNaN: true }),
            transitions: fc.nat(50)
          })
        ),
        { minLength: count, maxLength: count }
      )
    })
  )

describe("the memory's JSON", () => {
  it("round-trips any landmark graph through text", () => {
    fc.assert(
      fc.property(graphArbitrary, (json) => {
        const graph = graphFromJson(json)
        const again = graphFromJson(JSON.parse(JSON.stringify(graphToJson(graph))))
        // JSON writes -0 as 0: equal as numbers, which is all a landmark's position needs.
        expect(Array.from(again.landmarks, (value) => value + 0)).toEqual(
          Array.from(graph.landmarks, (value) => value + 0)
        )
        expect(again.edges).toEqual(graph.edges)
        expect(again.count).toBe(graph.count)
      })
    )
  })

  it("names the field of a damaged graph", () => {
    const good = {
      latentSize: 2,
      count: 2,
      landmarks: [0, 1, 2, 3],
      edges: [[{ to: 1, length: 1, transitions: 3 }], []]
    }
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [null, "memory"],
      [{ ...good, latentSize: 0 }, "memory.latentSize"],
      [{ ...good, landmarks: [0, 1, 2] }, "memory.landmarks.length"],
      [{ ...good, landmarks: [0, 1, "2", 3] }, "memory.landmarks[2]"],
      [{ ...good, edges: [[]] }, "memory.edges.length"],
      [{ ...good, edges: [[{ to: 2, length: 1, transitions: 1 }], []] }, "memory.edges[0][0].to"],
      [{ ...good, edges: [[{ to: 1, length: -1, transitions: 1 }], []] }, "memory.edges[0][0].length"]
    ]
    for (const [value, field] of cases) {
      const error = (() => {
        try {
          graphFromJson(value)
        } catch (caught) {
          return caught
        }
        return undefined
      })()
      expect(error, field).toBeInstanceOf(InvalidValueError)
      expect((error as InvalidValueError).field).toBe(field)
    }
  })

  it("reads a probe and refuses one of the wrong size or with a non-finite weight", () => {
    const json = { latentSize: 2, outputSize: 1, weights: [1, 2], bias: [0.5], features: "linear", r2: 0.9 }
    expect(probeFromJson(json).probe.weights).toEqual([1, 2])
    expect(probeFromJson({ ...json, r2: null }).r2).toBeNaN()
    expect(() => probeFromJson({ ...json, weights: [1] })).toThrow(/probe\.weights\.length/)
    expect(() => probeFromJson({ ...json, features: "quadratic" })).toThrow(/probe\.weights\.length/)
    expect(() => probeFromJson({ ...json, bias: [null] })).toThrow(/probe\.bias\[0\]/)
  })
})
