import { describe, expect, it } from "vitest"
import { envPicture } from "../../src/results/EnvPicture.js"

describe("envPicture", () => {
  it("redraws a navigation world's start from its id and the episode's seed", () => {
    const picture = envPicture("diverse-maze-5", { seed: 3 })
    expect(picture).toMatch(/^<svg [^>]*viewBox="0 0 64 64"/)
    expect(envPicture("diverse-maze-5", { seed: 3 })).toBe(picture)
    // Another seed, another layout of the diverse mazes.
    expect(envPicture("diverse-maze-5", { seed: 4 })).not.toBe(picture)
  })

  it("has none for an unknown id, no id, or a picture not in position units", () => {
    expect(envPicture("my-own-env", { seed: 0 })).toBeUndefined()
    expect(envPicture(undefined, { seed: 0 })).toBeUndefined()
    expect(envPicture("__proto__", { seed: 0 })).toBeUndefined()
    // point-mass draws in [-1.1, 1.1] with y up: not the positions' plane.
    expect(envPicture("point-mass", { seed: 0 })).toBeUndefined()
  })
})
