import { Random } from "@telos/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

describe("Random", () => {
  it("gives the same stream for the same seed", () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const a = Random.fromSeed(seed)
        const b = Random.fromSeed(seed)
        for (let i = 0; i < 10; i++) expect(a.uniform()).toBe(b.uniform())
      })
    )
  })
})
