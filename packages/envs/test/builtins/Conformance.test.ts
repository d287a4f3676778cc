/**
 * What every registered environment must do, checked for each one: a new environment is covered
 * as soon as it is registered. Environment-specific physics lives in each environment's own file.
 */
import { type ActionInput, type Box, type Discrete, type Env, InvalidValueError, Random } from "@telos/core"
import { envRegistry } from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { runActions, thrownBy, withArraysAsBytes } from "../support.js"

const specs = envRegistry.list().map((entry) => envRegistry.get(entry.id))

/** In-bounds action sequences for an environment, drawn from its own action space. */
const actionsFor = (id: string, maxLength: number) =>
  fc.tuple(fc.integer(), fc.integer({ min: 1, max: maxLength })).map(([seed, length]) => {
    const space = envRegistry.get(id).definition.actionSpace
    const rng = Random.fromSeed(seed)
    return Array.from({ length }, (): ActionInput => {
      const sampled = space.sample(rng)
      return typeof sampled === "number" ? sampled : Array.from(sampled)
    })
  })

describe.each(specs.map((spec) => [spec.id, spec] as const))("%s", (id, spec) => {
  // Pixel observations are large; fewer runs keep the suite fast without losing the property.
  const numRuns = spec.definition.observationSpace.size > 1000 ? 5 : 30

  it("gives the same trajectory for the same seed and actions", () => {
    fc.assert(
      fc.property(fc.integer(), actionsFor(id, 40), (seed, actions) => {
        expect(withArraysAsBytes(runActions(spec.make(), seed, actions))).toEqual(
          withArraysAsBytes(runActions(spec.make(), seed, actions))
        )
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

  const space = spec.definition.actionSpace
  if (space._tag === "Box") boxActionRules(spec.make, space, spec.definition.outOfRangeActions ?? "reject")
  else discreteActionRules(spec.make, space)
})

const outside = (space: Box, component: number, kind: string): number => {
  const high = space.high[component] as number
  const low = space.low[component] as number
  return kind === "nan"
    ? Number.NaN
    : kind === "infinity"
      ? Number.POSITIVE_INFINITY
      : kind === "above"
        ? high + 0.5
        : low - 0.5
}

function boxActionRules(make: () => Env, space: Box, rule: "reject" | "clip"): void {
  it(`${rule === "clip" ? "clips finite out-of-bounds actions and rejects" : "rejects"} NaN, infinite, ${rule === "clip" ? "" : "out-of-bounds "}and wrongly sized actions with an error naming them`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: space.size - 1 }),
        fc.constantFrom("nan", "infinity", "above", "below"),
        (component, kind) => {
          const env = make()
          env.reset({ seed: 0 })
          const action = Array.from(space.sample(Random.fromSeed(component)))
          action[component] = outside(space, component, kind)
          const clips = rule === "clip" && (kind === "above" || kind === "below")
          if (clips) {
            const onBound = [...action]
            onBound[component] =
              kind === "above" ? (space.high[component] as number) : (space.low[component] as number)
            const reference = make()
            reference.reset({ seed: 0 })
            expect(env.step(action)).toEqual(reference.step(onBound))
            return
          }
          const error = thrownBy(() => env.step(action))
          expect(error).toBeInstanceOf(InvalidValueError)
          expect((error as InvalidValueError).field).toBe(`action[${component}]`)
        }
      ),
      { numRuns: 20 }
    )
    const env = make()
    env.reset({ seed: 0 })
    expect(thrownBy(() => env.step([...space.sample(Random.fromSeed(1)), 0]))).toMatchObject({
      _tag: "InvalidValueError",
      field: "action"
    })
    expect(thrownBy(() => env.step(0.5))).toMatchObject({ _tag: "InvalidValueError", field: "action" })
  })
}

function discreteActionRules(make: () => Env, space: Discrete): void {
  it("rejects choices that are not integers of the space, naming the action", () => {
    const last = space.start + space.n - 1
    for (const action of [
      space.start - 1,
      last + 1,
      space.start + 0.5,
      Number.NaN,
      Number.POSITIVE_INFINITY
    ]) {
      const env = make()
      env.reset({ seed: 0 })
      expect(thrownBy(() => env.step(action))).toMatchObject({ _tag: "InvalidValueError", field: "action" })
    }
    const env = make()
    env.reset({ seed: 0 })
    expect(thrownBy(() => env.step([space.start]))).toMatchObject({
      _tag: "InvalidValueError",
      field: "action"
    })
    expect(() => env.step(last)).not.toThrow()
  })
}
