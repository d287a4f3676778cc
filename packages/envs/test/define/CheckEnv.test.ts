import { Box, Discrete, InvalidValueError } from "@telos/core"
import {
  checkEnv,
  defineEnv,
  type EnvCheck,
  EnvCheckError,
  type EnvDefinition,
  type EnvSpec,
  envRegistry
} from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { thrownBy } from "../support.js"

interface LineState {
  readonly x: number
  readonly goal: number
  readonly steps: number
}

// A well-behaved environment with a goal: every broken variant below changes one thing in it.
const line: EnvDefinition<LineState, Box> = {
  id: "line",
  description: "Reach a goal on a line.",
  observationSpace: new Box({ low: -10, high: 10, shape: [1] }),
  actionSpace: new Box({ low: -1, high: 1, shape: [1] }),
  maxEpisodeSteps: 30,
  initialState: (rng) => ({ x: rng.uniformIn(-5, 5), goal: rng.uniformIn(-5, 5), steps: 0 }),
  transition: (state, action) => {
    const x = Math.max(-10, Math.min(10, state.x + (action[0] as number)))
    return {
      state: { ...state, x, steps: state.steps + 1 },
      reward: -Math.abs(x - state.goal),
      terminated: false
    }
  },
  observe: (state) => Float64Array.of(state.x),
  info: (state) => ({ goal: Float64Array.of(state.goal), success: Math.abs(state.x - state.goal) < 0.1 })
}

const failedCheck = (spec: Pick<EnvSpec<LineState>, "id" | "definition" | "make">): EnvCheck | undefined => {
  const error = thrownBy(() => checkEnv(spec))
  if (error === undefined) return undefined
  expect(error).toBeInstanceOf(EnvCheckError)
  return (error as EnvCheckError).check
}

const broken = (changes: Partial<Record<keyof EnvDefinition<LineState>, unknown>>): EnvCheck | undefined =>
  failedCheck(defineEnv({ ...line, ...changes } as EnvDefinition<LineState>))

// A spec whose definition defineEnv would refuse: checkEnv also takes specs built by hand.
const brokenByHand = (
  changes: Partial<Record<keyof EnvDefinition<LineState>, unknown>>
): EnvCheck | undefined => {
  const definition = { ...line, ...changes } as EnvDefinition<LineState>
  expect(() => defineEnv(definition)).toThrow(InvalidValueError)
  return failedCheck({ id: "line", make: defineEnv(line).make, definition })
}

describe("checkEnv", () => {
  it("passes every built-in environment, for several seeds, within a few hundred steps each", () => {
    for (const { id } of envRegistry.list()) {
      for (const seed of [0, 1, 17]) {
        const report = checkEnv(envRegistry.get(id), { seed })
        expect(report.env).toBe(id)
        expect(report.warnings).toEqual([])
        expect(report.steps).toBeGreaterThan(0)
        expect(report.steps).toBeLessThanOrEqual(400)
      }
    }
  })

  it("passes a well-behaved definition, with Box or Discrete actions", () => {
    expect(checkEnv(defineEnv(line))).toEqual({ env: "line", steps: 30 + 2 * 30, warnings: [] })
    const discrete = defineEnv<LineState, Discrete>({
      ...line,
      actionSpace: new Discrete(3, -1),
      transition: (state, action) => line.transition(state, action, undefined as never)
    })
    expect(checkEnv(discrete).warnings).toEqual([])
  })

  it("names the environment, the check and the detail in a one-line message", () => {
    const error = thrownBy(() =>
      checkEnv(defineEnv({ ...line, observe: (state: LineState) => Float64Array.of(state.x, 0) }))
    ) as EnvCheckError
    expect(error).toMatchObject({ _tag: "EnvCheckError", env: "line", check: "observation" })
    expect(error.message).toBe(`line: check observation failed: ${error.detail}`)
    expect(error.detail).toContain("reset")
    expect(error.message).not.toContain("\n")
  })

  it("catches a definition whose trajectory depends on more than the seed and the actions", () => {
    let calls = 0
    expect(
      broken({
        transition: (state: LineState, action: Float64Array) => {
          calls += 1
          const result = line.transition(state, action, undefined as never)
          return { ...result, reward: result.reward + (calls % 7 === 0 ? 1e-9 : 0) }
        }
      })
    ).toBe("determinism")
    // A start that ignores the seed's stream: fresh environments agree, a reseeded one does not.
    let resets = 0
    expect(
      broken({
        initialState: () => {
          resets += 1
          return { x: resets % 2, goal: 3, steps: 0 }
        }
      })
    ).toBe("determinism")
  })

  it("catches NaN, infinite and wrongly sized observations, after a reset or a step", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY),
        fc.integer({ min: 0, max: 40 }),
        (bad, at) => {
          const check = broken({
            observe: (state: LineState) => Float64Array.of(state.steps === Math.min(at, 30) ? bad : state.x)
          })
          expect(check).toBe("observation")
        }
      ),
      { numRuns: 20 }
    )
    expect(broken({ observe: () => new Float64Array(0) })).toBe("observation")
  })

  it("catches observations outside the observation space, but allows float rounding at a bound", () => {
    expect(
      broken({ observe: (state: LineState) => Float64Array.of(state.steps === 5 ? 10.5 : state.x) })
    ).toBe("observation-space")
    expect(
      broken({ observe: (state: LineState) => Float64Array.of(state.steps === 5 ? 10 + 1e-9 : state.x) })
    ).toBe(undefined)
    expect(brokenByHand({ observationSpace: new Discrete(3) })).toBe("observation-space")
  })

  it("catches rewards that are not finite numbers and flags that are not booleans", () => {
    const withResult = (change: Record<string, unknown>) =>
      broken({
        transition: (state: LineState, action: Float64Array) => ({
          ...line.transition(state, action, undefined as never),
          ...(state.steps === 3 ? change : {})
        })
      })
    expect(withResult({ reward: Number.NaN })).toBe("reward")
    expect(withResult({ reward: "1" })).toBe("reward")
    expect(withResult({ terminated: 1 })).toBe("termination")
  })

  it("catches a missing or non-boolean success at the end of a goal-reaching episode", () => {
    expect(broken({ info: (state: LineState) => ({ goal: Float64Array.of(state.goal) }) })).toBe(
      "info-success"
    )
    expect(
      broken({
        info: (state: LineState) => ({
          goal: Float64Array.of(state.goal),
          success: state.steps > 3 ? 1 : false
        })
      })
    ).toBe("info-success")
    // Without a goal, success is not required.
    expect(broken({ info: () => ({}) })).toBe(undefined)
  })

  it("catches a goal that is not a finite observation-shaped vector", () => {
    expect(
      broken({ info: (state: LineState) => ({ goal: Float64Array.of(state.goal, 0), success: false }) })
    ).toBe("goal")
    expect(
      broken({
        info: (state: LineState) => ({
          goal: Float64Array.of(state.steps === 2 ? Number.NaN : 0),
          success: false
        })
      })
    ).toBe("goal")
    // A pixel world's goal is a state; its observation-shaped goal is goalImage.
    const pixelGoal = (goalImage: Float64Array) =>
      broken({
        info: (state: LineState) => ({ goal: Float64Array.of(state.goal, 0, 0), goalImage, success: false })
      })
    expect(pixelGoal(Float64Array.of(0.5))).toBe(undefined)
    expect(pixelGoal(Float64Array.of(0.5, 0.5))).toBe("goal")
  })

  it("catches goal dimensions that are not distinct integer indices of the observation", () => {
    for (const goalDimensions of [[1], [0, 0], [0.5], [-1], [], "0"]) {
      expect(brokenByHand({ goalDimensions })).toBe("goal-dimensions")
    }
    expect(broken({ goalDimensions: [0] })).toBe(undefined)
  })

  it("catches goal weights without goal dimensions, of the wrong count, negative or not finite", () => {
    expect(brokenByHand({ goalWeights: [1] })).toBe("goal-dimensions")
    for (const goalWeights of [[1, 1], [], [-1], [Number.NaN], ["1"]]) {
      expect(brokenByHand({ goalDimensions: [0], goalWeights })).toBe("goal-dimensions")
    }
    expect(broken({ goalDimensions: [0], goalWeights: [0.5] })).toBe(undefined)
  })

  it("catches a reset that fails without options, and a step that fails on its own actions", () => {
    expect(
      broken({
        initialState: (_rng: unknown, options: Readonly<Record<string, unknown>> | undefined) => {
          if (options === undefined) throw new Error("options required")
          return { x: 0, goal: 1, steps: 0 }
        }
      })
    ).toBe("reset-options")
    expect(
      broken({
        transition: (state: LineState, action: Float64Array) => {
          if ((action[0] as number) > 0.9) throw new TypeError("boom")
          return line.transition(state, action, undefined as never)
        }
      })
    ).toBe("step")
  })

  it("catches bad spaces and step budgets that defineEnv cannot see", () => {
    const made = defineEnv(line)
    const withDefinition = (changes: Record<string, unknown>) =>
      failedCheck({
        id: "line",
        make: made.make,
        definition: { ...line, ...changes } as EnvDefinition<LineState>
      })
    expect(withDefinition({ actionSpace: { _tag: "Tuple" } })).toBe("action-space")
    expect(withDefinition({ outOfRangeActions: "wrap" })).toBe("action-space")
    expect(withDefinition({ maxEpisodeSteps: 0 })).toBe("max-episode-steps")
    // The environment truncates at 30 steps, so a definition claiming 20 or 40 is caught.
    expect(withDefinition({ maxEpisodeSteps: 20 })).toBe("max-episode-steps")
    expect(withDefinition({ maxEpisodeSteps: 40 })).toBe("max-episode-steps")
  })

  it("warns, without failing, when another seed starts the same episode or truncation is out of reach", () => {
    const fixed = checkEnv(defineEnv({ ...line, initialState: () => ({ x: 1, goal: 3, steps: 0 }) }))
    expect(fixed.warnings).toHaveLength(1)
    expect(fixed.warnings[0]).toContain("seeds 0 and 1")
    const long = checkEnv(defineEnv({ ...line, maxEpisodeSteps: 1000 }), { maxSteps: 50 })
    expect(long.warnings).toHaveLength(1)
    expect(long.warnings[0]).toContain("maxEpisodeSteps = 1000")
  })
})
