/**
 * What every registered environment must do, checked for each one: a new environment is covered
 * as soon as it is registered. Environment-specific physics lives in each environment's own file.
 */
import { InvalidValueError, Random } from "@telos/core"
import { envRegistry } from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { runActions, thrownBy } from "./support.js"

const specs = envRegistry.list().map((entry) => envRegistry.get(entry.id))

/** In-bounds action sequences for an environment, drawn from its own action space. */
const actionsFor = (id: string, maxLength: number) =>
  fc.tuple(fc.integer(), fc.integer({ min: 1, max: maxLength })).map(([seed, length]) => {
    const space = envRegistry.get(id).definition.actionSpace
    const rng = Random.fromSeed(seed)
    return Array.from({ length }, () => Array.from(space.sample(rng)))
  })

describe.each(specs.map((spec) => [spec.id, spec] as const))("%s", (id, spec) => {
  // Pixel observations are large; fewer runs keep the suite fast without losing the property.
  const numRuns = spec.definition.observationSpace.size > 1000 ? 5 : 30

  it("gives the same trajectory for the same seed and actions", () => {
    fc.assert(
      fc.property(fc.integer(), actionsFor(id, 40), (seed, actions) => {
        expect(runActions(spec.make(), seed, actions)).toEqual(runActions(spec.make(), seed, actions))
      }),
      { numRuns }
    )
  })

  it("keeps every observation inside its observation space", () => {
    fc.assert(
      fc.property(fc.integer(), actionsFor(id, 60), (seed, actions) => {
        for (const { observation } of runActions(spec.make(), seed, actions)) {
          expect(spec.definition.observationSpace.contains(observation)).toBe(true)
        }
      }),
      { numRuns }
    )
  })

  it("rejects NaN, infinite, out-of-bounds and wrongly sized actions with an error naming them", () => {
    const space = spec.definition.actionSpace
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: space.size - 1 }),
        fc.constantFrom("nan", "infinity", "above", "below"),
        (component, kind) => {
          const env = spec.make()
          env.reset({ seed: 0 })
          const action = Array.from(space.sample(Random.fromSeed(component)))
          const high = space.high[component] as number
          const low = space.low[component] as number
          action[component] =
            kind === "nan"
              ? Number.NaN
              : kind === "infinity"
                ? Number.POSITIVE_INFINITY
                : kind === "above"
                  ? high + 0.5
                  : low - 0.5
          const error = thrownBy(() => env.step(action))
          expect(error).toBeInstanceOf(InvalidValueError)
          expect((error as InvalidValueError).field).toBe(`action[${component}]`)
        }
      ),
      { numRuns: 20 }
    )
    const env = spec.make()
    env.reset({ seed: 0 })
    expect(thrownBy(() => env.step([...space.sample(Random.fromSeed(1)), 0]))).toMatchObject({
      _tag: "InvalidValueError",
      field: "action"
    })
    expect(thrownBy(() => env.step(0.5))).toMatchObject({ _tag: "InvalidValueError", field: "action" })
  })
})
