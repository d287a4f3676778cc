import { type ActionInput, Box, Discrete, InvalidValueError, Random, type StepResult } from "@telos/core"
import { type BoxEnv, defineEnv, type EnvSpec, envRegistry, pointMass } from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { actionSequences, runActions, thrownBy, withArraysAsBytes } from "../support.js"

interface DriftState {
  readonly position: number
}

// A small env whose transition also draws from the stream, so seeding covers both reset and step.
const drift = defineEnv<DriftState>({
  id: "drift",
  description: "A noisy point on a line.",
  observationSpace: new Box({ low: -Infinity, high: Infinity, shape: [1] }),
  actionSpace: new Box({ low: -1, high: 1, shape: [1] }),
  maxEpisodeSteps: 3,
  initialState: (rng, options) => ({
    position: typeof options?.start === "number" ? options.start : rng.uniformIn(-1, 1)
  }),
  transition: (state, action, rng) => {
    const position = state.position + action[0]! + 0.1 * rng.normal()
    return { state: { position }, reward: -Math.abs(position), terminated: position > 2 }
  },
  observe: (state) => Float64Array.of(state.position)
})

describe("defineEnv: single environments", () => {
  it("rejects a step before the first reset with a typed error", () => {
    const error = thrownBy(() => drift.make().step([0]))
    expect(error).toBeInstanceOf(InvalidValueError)
    expect(error).toMatchObject({ field: "step" })
  })

  it("starts from a stream seeded with 0 and continues it when reset without a seed", () => {
    const first = drift.make()
    const second = drift.make()
    const a = first.reset().observation
    expect(second.reset().observation).toEqual(a)
    expect(drift.make().reset({ seed: 0 }).observation).toEqual(a)
    expect(first.reset().observation).not.toEqual(a)
    expect(first.reset({ seed: 0 }).observation).toEqual(a)
  })

  it("gives the same trajectory for the same seed and actions", () => {
    fc.assert(
      fc.property(fc.integer(), actionSequences(1, 1, 12), (seed, actions) => {
        expect(runActions(drift.make(), seed, actions)).toEqual(runActions(drift.make(), seed, actions))
      }),
      { numRuns: 50 }
    )
  })

  it("truncates at maxEpisodeSteps and then asks for a reset", () => {
    const env = drift.make()
    env.reset({ seed: 1, options: { start: -10 } })
    expect(env.step([0])).toMatchObject({ terminated: false, truncated: false })
    expect(env.step([0])).toMatchObject({ terminated: false, truncated: false })
    expect(env.step([0])).toMatchObject({ terminated: false, truncated: true })
    const error = thrownBy(() => env.step([0]))
    expect(error).toBeInstanceOf(InvalidValueError)
    expect((error as InvalidValueError).expected).toContain("reset()")
    env.reset()
    expect(env.step([0]).truncated).toBe(false)
  })

  it("reports termination by the task, not truncation", () => {
    const env = drift.make()
    env.reset({ seed: 2, options: { start: 1.9 } })
    const result = env.step([1])
    expect(result).toMatchObject({ terminated: true, truncated: false })
    expect(thrownBy(() => env.step([0]))).toBeInstanceOf(InvalidValueError)
  })

  it("returns fresh observations that callers may modify", () => {
    // This definition's state is its observation, so handing it out uncopied would let callers
    // rewrite the state.
    const shared = defineEnv<Float64Array>({
      id: "shared",
      description: "An env whose state is its observation.",
      observationSpace: drift.definition.observationSpace,
      actionSpace: drift.definition.actionSpace,
      maxEpisodeSteps: 10,
      initialState: () => Float64Array.of(0),
      transition: (state, action) => ({
        state: Float64Array.of(state[0]! + action[0]!),
        reward: 0,
        terminated: false
      }),
      observe: (state) => state
    })
    const env = shared.make()
    env.reset().observation.fill(99)
    const stepped = env.step([0.5])
    expect(Array.from(stepped.observation)).toEqual([0.5])
    stepped.observation.fill(-99)
    expect(Array.from(env.step([0.25]).observation)).toEqual([0.75])
  })

  it("rejects bad actions with a typed error naming the component, and changes nothing", () => {
    const bad = fc.oneof(
      fc.constant({ action: [Number.NaN, 0], field: "action[0]" }),
      fc.constant({ action: [0, Number.POSITIVE_INFINITY], field: "action[1]" }),
      fc.constant({ action: [Number.NEGATIVE_INFINITY, 0], field: "action[0]" }),
      fc.constant({ action: [0], field: "action" }),
      fc.constant({ action: [0, 0, 0], field: "action" }),
      fc.double({ min: 1, max: 1e6, minExcluded: true, noNaN: true }).map((value) => ({
        action: [0, value],
        field: "action[1]"
      })),
      fc.double({ min: -1e6, max: -1, maxExcluded: true, noNaN: true }).map((value) => ({
        action: [value, 0],
        field: "action[0]"
      }))
    )
    fc.assert(
      fc.property(fc.integer(), bad, (seed, { action, field }) => {
        const env = pointMass.make()
        const reference = pointMass.make()
        env.reset({ seed })
        reference.reset({ seed })
        const error = thrownBy(() => env.step(action))
        expect(error).toBeInstanceOf(InvalidValueError)
        expect((error as InvalidValueError).field).toBe(field)
        expect(env.step([0.3, -0.2])).toEqual(reference.step([0.3, -0.2]))
      }),
      { numRuns: 60 }
    )
  })

  it("rejects a seed that is not a finite number", () => {
    expect(thrownBy(() => drift.make().reset({ seed: Number.NaN }))).toMatchObject({
      _tag: "InvalidValueError",
      field: "seed"
    })
  })

  it("rejects a seed too large to have a stream of its own, instead of aliasing it", () => {
    // 1e300 once replayed seed 0's episode, and 2^64 + 1 seed 1's.
    for (const seed of [1e300, -1e300, 2 ** 53, 2 ** 64 + 2 ** 12]) {
      expect(
        thrownBy(() => drift.make().reset({ seed })),
        `seed ${seed}`
      ).toMatchObject({
        _tag: "InvalidValueError",
        field: "seed"
      })
    }
    const largest = drift.make().reset({ seed: Number.MAX_SAFE_INTEGER }).observation
    expect(largest).toEqual(drift.make().reset({ seed: Number.MAX_SAFE_INTEGER }).observation)
  })

  it("renders a plain SVG when the definition draws nothing", () => {
    const env = drift.make()
    expect(env.render()).toContain("<svg")
    env.reset({ seed: 0 })
    expect(env.render()).toMatch(/^<svg[\s\S]*drift[\s\S]*<\/svg>$/)
  })

  it("offers a ground-truth model only when the definition has one", () => {
    expect(drift.hasGroundTruthModel).toBe(false)
    expect(thrownBy(() => drift.groundTruthModel())).toBeInstanceOf(InvalidValueError)
    expect(pointMass.hasGroundTruthModel).toBe(true)
    expect(pointMass.groundTruthModel().name).toBe("point-mass-dynamics")
  })

  it("rejects a definition without an id or with a bad step budget", () => {
    const definition = drift.definition
    expect(thrownBy(() => defineEnv({ ...definition, id: "" }))).toMatchObject({ field: "definition.id" })
    expect(thrownBy(() => defineEnv({ ...definition, maxEpisodeSteps: 0 }))).toMatchObject({
      field: "definition.maxEpisodeSteps"
    })
  })

  it("rejects any member removed or of the wrong kind, naming it, before any step", () => {
    // Each member with values that are not what the definition promises; `undefined` is a removal.
    const fn = () => undefined
    const wrong: Record<string, ReadonlyArray<unknown>> = {
      id: [undefined, "", 3],
      description: [undefined, 3, null],
      observationSpace: [undefined, new Discrete(3), { low: -1, high: 1, shape: [1] }, "box"],
      actionSpace: [undefined, { _tag: "Box" }, 3, [new Discrete(2)]],
      maxEpisodeSteps: [undefined, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "3"],
      initialState: [undefined, 3, "initialState", {}],
      transition: [undefined, 3, "transition", {}],
      observe: [undefined, null, {}],
      info: [null, 3, {}],
      render: [null, "<svg/>"],
      groundTruthModel: [null, {}],
      outOfRangeActions: ["wrap", 1, null],
      image: [3, { channels: 1, height: 1, width: 1 }, { channels: 0, height: 1, width: 1, render: fn }],
      goalDimensions: [[], [1], [0, 0], [0.5], "0"],
      goal: [[0, 0], [Number.NaN], "0", []],
      doorways: [
        3,
        [{}],
        [{ centre: [0, 0], halfExtent: [-1, 0], axis: [1, 0] }],
        [{ centre: [0, 0], halfExtent: [1, 1], axis: [0, 0] }],
        [{ centre: [0, Number.NaN], halfExtent: [1, 1], axis: [1, 0] }]
      ]
    }
    const replacements = fc.oneof(
      ...Object.entries(wrong).map(([member, values]) =>
        fc.constantFrom(...values).map((value) => ({ member, value }))
      )
    )
    fc.assert(
      fc.property(replacements, fc.boolean(), ({ member, value }, remove) => {
        const definition: Record<string, unknown> = { ...drift.definition, [member]: value }
        if (remove && value === undefined) delete definition[member]
        const error = thrownBy(() => defineEnv(definition as never))
        expect(error, `${member}: ${String(value)}`).toBeInstanceOf(InvalidValueError)
        expect((error as InvalidValueError).field.startsWith(`definition.${member}`)).toBe(true)
      }),
      { numRuns: 150 }
    )
    // Weights need dimensions, one each.
    expect(thrownBy(() => defineEnv({ ...drift.definition, goalWeights: [1] }))).toMatchObject({
      field: "definition.goalWeights"
    })
    expect(
      thrownBy(() => defineEnv({ ...drift.definition, goalDimensions: [0], goalWeights: [1, 1] }))
    ).toMatchObject({ field: "definition.goalWeights" })
    expect(thrownBy(() => defineEnv(undefined as never))).toMatchObject({ field: "definition" })
  })

  it("checks doorways when the env is defined, naming the doorway and the field", () => {
    const withDoorways = (doorways: unknown) => () =>
      defineEnv({ ...pointMass.definition, doorways } as never)
    const door = { centre: [0, 0], halfExtent: [0.1, 0.2], axis: [2, 0] }
    expect(withDoorways([door])).not.toThrow()
    expect(thrownBy(withDoorways([door, { ...door, halfExtent: [0.1, -1] }]))).toMatchObject({
      field: "definition.doorways[1].halfExtent"
    })
    expect(thrownBy(withDoorways([{ ...door, axis: [0, 0] }]))).toMatchObject({
      field: "definition.doorways[0].axis"
    })
    expect(thrownBy(withDoorways([{ ...door, centre: [0, Number.POSITIVE_INFINITY] }]))).toMatchObject({
      field: "definition.doorways[0].centre"
    })
    expect(thrownBy(withDoorways({ centre: [0, 0] }))).toMatchObject({ field: "definition.doorways" })
  })

  it("accepts a definition without any of its optional members, and every built-in one", () => {
    const optional = ["outOfRangeActions", "goalDimensions", "goalWeights", "goal", "info", "render", "image"]
    const full = {
      ...drift.definition,
      outOfRangeActions: "clip",
      goalDimensions: [0],
      goalWeights: [2],
      goal: [0],
      info: () => ({}),
      render: () => "<svg/>",
      image: { channels: 1, height: 2, width: 2, render: () => new Uint8Array(4) }
    }
    fc.assert(
      fc.property(fc.subarray(optional), (removed) => {
        const definition: Record<string, unknown> = { ...full }
        for (const member of removed) delete definition[member]
        // Weights without dimensions are refused (above); keep the pair consistent.
        if (!("goalDimensions" in definition)) delete definition.goalWeights
        expect(() => defineEnv(definition as never)).not.toThrow()
      }),
      { numRuns: 40 }
    )
    for (const { id } of envRegistry.list()) {
      expect(() => defineEnv(envRegistry.get(id).definition)).not.toThrow()
    }
  })
})

// What a single env does under Gymnasium's next-step autoreset.
const stepLikeVector = (env: BoxEnv, ended: boolean, action: ActionInput): StepResult<Float64Array> => {
  if (!ended) return env.step(action)
  const { observation, info } = env.reset()
  return { observation, reward: 0, terminated: false, truncated: false, info }
}

// Every built-in environment, so a new one is covered as soon as it is registered.
const specs = [drift, ...envRegistry.list().map((entry) => envRegistry.get(entry.id))] as ReadonlyArray<
  EnvSpec<unknown>
>

describe("defineEnv: vector environments", () => {
  it("agree exactly with single environments under the same seeds and actions", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...specs),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer(),
        (spec, count, seed, length, actionSeed) => {
          const vector = spec.makeVector(count)
          const singles = Array.from({ length: count }, () => spec.make())
          expect(withArraysAsBytes(vector.reset({ seed }))).toEqual(
            withArraysAsBytes(singles.map((env, index) => env.reset({ seed: seed + index })))
          )
          const actionRandom = Random.fromSeed(actionSeed)
          const ended = singles.map(() => false)
          for (let step = 0; step < length; step++) {
            const actions = singles.map((env): ActionInput => {
              const sampled = env.actionSpace.sample(actionRandom)
              return typeof sampled === "number" ? sampled : Array.from(sampled)
            })
            const expected = singles.map((env, index) =>
              stepLikeVector(env, ended[index] ?? false, actions[index]!)
            )
            expected.forEach((result, index) => {
              ended[index] = result.terminated || result.truncated
            })
            expect(withArraysAsBytes(vector.step(actions))).toEqual(withArraysAsBytes(expected))
          }
        }
      ),
      { numRuns: 40 }
    )
  })

  it("resets a finished copy on its next step, with reward 0 and the reset observation", () => {
    const vector = drift.makeVector(2)
    const single = drift.make()
    vector.reset({ seed: 7, options: { start: -10 } })
    single.reset({ seed: 8, options: { start: -10 } })
    for (let step = 0; step < 2; step++) {
      expect(vector.step([[0], [0]]).every((result) => !result.truncated)).toBe(true)
      single.step([0])
    }
    expect(vector.step([[0], [0]]).every((result) => result.truncated)).toBe(true)
    single.step([0])
    const restarted = vector.step([[1], [1]])
    expect(restarted[1]).toEqual({
      observation: single.reset().observation,
      reward: 0,
      terminated: false,
      truncated: false,
      info: {}
    })
    expect(restarted.every((result) => !result.terminated && !result.truncated)).toBe(true)
    // The episode restarted: three more steps until the next truncation.
    expect(vector.step([[0], [0]]).some((result) => result.truncated)).toBe(false)
  })

  it("refuses to step a finished copy when autoReset is off, moving no copy", () => {
    const vector = drift.makeVector(2, { autoReset: false })
    const reference = drift.makeVector(2, { autoReset: false })
    vector.reset({ seed: 3, options: { start: -10 } })
    reference.reset({ seed: 3, options: { start: -10 } })
    for (let step = 0; step < 3; step++) vector.step([[0], [0]])
    const error = thrownBy(() => vector.step([[0], [0]]))
    expect(error).toMatchObject({ _tag: "InvalidValueError", field: "copies[0]" })
    expect(vector.autoReset).toBe(false)
    expect(vector.reset({ seed: 3, options: { start: -10 } })).toEqual(
      reference.reset({ seed: 3, options: { start: -10 } })
    )
  })

  it("validates every action before moving any copy", () => {
    const vector = pointMass.makeVector(3)
    const reference = pointMass.makeVector(3)
    vector.reset({ seed: 11 })
    reference.reset({ seed: 11 })
    const good = [0.1, 0.2]
    expect(thrownBy(() => vector.step([good, [0, Number.NaN], good]))).toMatchObject({
      _tag: "InvalidValueError",
      field: "actions[1][1]"
    })
    expect(thrownBy(() => vector.step([good, good]))).toMatchObject({ field: "actions" })
    expect(vector.step([good, good, good])).toEqual(reference.step([good, good, good]))
  })

  it("rejects stepping before reset and a bad count", () => {
    expect(
      thrownBy(() =>
        pointMass.makeVector(2).step([
          [0, 0],
          [0, 0]
        ])
      )
    ).toBeInstanceOf(InvalidValueError)
    expect(thrownBy(() => pointMass.makeVector(0))).toMatchObject({ field: "count" })
    expect(thrownBy(() => pointMass.makeVector(1.5))).toMatchObject({ field: "count" })
  })

  it("rejects a seed whose copies' seeds would leave the range of distinct seeds, resetting no copy", () => {
    const vector = drift.makeVector(3)
    const last = Number.MAX_SAFE_INTEGER - 2
    expect(thrownBy(() => vector.reset({ seed: last + 1 }))).toMatchObject({
      _tag: "InvalidValueError",
      field: "seed"
    })
    expect(thrownBy(() => vector.reset({ seed: 1e300 }))).toMatchObject({ field: "seed" })
    // Nothing was reset: the copies still wait for their first reset.
    expect(thrownBy(() => vector.step([[0], [0], [0]]))).toMatchObject({ field: "copies[0]" })
    expect(vector.reset({ seed: last })).toHaveLength(3)
  })
})
