import { InvalidValueError, UnknownNameError } from "@telos/core"
import { EnvRegistry, envRegistry, pendulum, pointMass } from "@telos/envs"
import { describe, expect, it } from "vitest"
import { thrownBy } from "../support.js"

const builtins = [
  "point-mass",
  "pendulum",
  "reacher",
  "two-rooms",
  "two-rooms-pixels",
  "two-rooms-thick-walls",
  "two-rooms-thick-walls-pixels",
  "two-rooms-wind",
  "maze-u",
  "maze-four-rooms",
  "maze-medium",
  "maze-large",
  "maze-u-pixels",
  "maze-four-rooms-pixels",
  "maze-medium-pixels",
  "maze-large-pixels",
  "grid-doors",
  "diverse-maze-5",
  "diverse-maze-20",
  "diverse-maze-held-out",
  "diverse-maze-held-out-short",
  "diverse-maze-held-out-medium",
  "diverse-maze-held-out-long",
  "diverse-maze-validation-long",
  "diverse-maze-5-pixels",
  "diverse-maze-20-pixels",
  "diverse-maze-held-out-pixels",
  "diverse-maze-held-out-short-pixels",
  "diverse-maze-held-out-medium-pixels",
  "diverse-maze-held-out-long-pixels",
  "diverse-maze-validation-long-pixels"
]

describe("EnvRegistry", () => {
  it("lists the built-in environments", () => {
    expect(envRegistry.list().map((entry) => entry.id)).toEqual(builtins)
    for (const entry of envRegistry.list()) expect(entry.description.length).toBeGreaterThan(0)
  })

  it("makes a registered environment by id", () => {
    const env = envRegistry.make("pendulum")
    expect(env.id).toBe("pendulum")
    expect(env.reset({ seed: 0 }).observation).toHaveLength(3)
    expect(envRegistry.get("point-mass")).toBe(pointMass)
    expect(envRegistry.has("point-mass")).toBe(true)
  })

  it("names the known ids when asked for an unknown one", () => {
    const error = thrownBy(() => envRegistry.get("cart-pole"))
    expect(error).toBeInstanceOf(UnknownNameError)
    expect(error).toMatchObject({ kind: "environment", name: "cart-pole", known: builtins })
    expect((error as UnknownNameError).message).toContain(builtins.join(", "))
    expect(thrownBy(() => envRegistry.make("cart-pole"))).toBeInstanceOf(UnknownNameError)
  })

  it("refuses a second environment with the same id", () => {
    const registry = new EnvRegistry().register(pendulum)
    expect(thrownBy(() => registry.register(pendulum))).toBeInstanceOf(InvalidValueError)
    expect(registry.list()).toHaveLength(1)
  })
})
