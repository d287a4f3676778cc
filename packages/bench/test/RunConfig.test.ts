import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Box, ConfigError, Discrete, decodeConfigSync, FileError, Random, type WorldModel } from "@telos/core"
import { defineEnv, type EnvSpec, envRegistry } from "@telos/envs"
import { goalCost, maxPlanningCandidates, maxPlanningHorizon } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { defaultRunConfig } from "../src/configurator/Defaults.js"
import {
  type ConfigSources,
  mergeConfig,
  parseOverride,
  readConfigFile,
  resolveRunConfig
} from "../src/configurator/Resolve.js"
import { RunConfig } from "../src/configurator/RunConfig.js"
import { plannerOf } from "../src/pipeline/Agents.js"

interface TinyOptions {
  readonly maxEpisodeSteps?: number
  readonly discrete?: boolean
  readonly observationSize?: number
  readonly goalDimensions?: ReadonlyArray<number>
  readonly goalWeights?: ReadonlyArray<number>
  readonly groundTruth?: boolean
  readonly goal?: ReadonlyArray<number>
}

/** A do-nothing environment with the given shape; only its definition matters to the configurator. */
const tinyEnv = (options: TinyOptions = {}): EnvSpec<unknown> => {
  const size = options.observationSize ?? 3
  return defineEnv<number>({
    id: "tiny",
    description: "A state that never changes.",
    observationSpace: new Box({ low: -1, high: 1, shape: [size] }),
    actionSpace: options.discrete === true ? new Discrete(4) : new Box({ low: -1, high: 1, shape: [2] }),
    maxEpisodeSteps: options.maxEpisodeSteps ?? 50,
    ...(options.goalDimensions === undefined ? {} : { goalDimensions: options.goalDimensions }),
    ...(options.goalWeights === undefined ? {} : { goalWeights: options.goalWeights }),
    ...(options.goal === undefined ? {} : { goal: options.goal }),
    ...(options.groundTruth === true
      ? {
          groundTruthModel: (): WorldModel => {
            throw new Error("not needed by the configurator")
          }
        }
      : {}),
    initialState: () => 0,
    transition: (state) => ({ state, reward: 0, terminated: false }),
    observe: () => new Float64Array(size)
  }) as EnvSpec<unknown>
}

/** The `ConfigError` `call` throws (fails the test when it throws nothing or something else). */
const configError = (call: () => unknown): ConfigError => {
  try {
    call()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw new Error(`expected a ConfigError, got ${String(error)}`)
  }
  throw new Error("expected a ConfigError, got none")
}

const asyncError = async (call: () => Promise<unknown>): Promise<unknown> => {
  try {
    await call()
  } catch (error) {
    return error
  }
  throw new Error("expected an error, got none")
}

const pointMass = envRegistry.get("point-mass")
const gridDoors = envRegistry.get("grid-doors")

const resolve = (spec: EnvSpec<unknown>, overrides: ReadonlyArray<string>, sources: ConfigSources = {}) =>
  resolveRunConfig(spec, spec.id, { ...sources, overrides })

/** The first actions of the actor `overrides` configure, planned once on point-mass towards the origin. */
const planOnPointMass = (overrides: ReadonlyArray<string>): Array<number> => {
  const actor = resolve(pointMass, overrides).actor
  const initialStates = tf.tensor2d([[0.5, -0.5, 0, 0]])
  const cost = goalCost({ goal: [[0, 0, 0, 0]] })
  const result = plannerOf(actor).plan(
    { model: pointMass.groundTruthModel(), initialStates, cost, horizon: 4 },
    Random.fromSeed(0)
  )
  initialStates.dispose()
  return Array.from(result.actions)
}

describe("defaultRunConfig", () => {
  it.each(envRegistry.list().map((entry) => entry.id))(
    "%s: decodes as a RunConfig and resolves as it is",
    (id) => {
      const spec = envRegistry.get(id)
      const config = defaultRunConfig(spec, id)
      expect(decodeConfigSync(RunConfig, config, "defaults")).toEqual(config)
      expect(resolveRunConfig(spec, id)).toEqual(config)
      expect(config.env).toBe(id)
      expect(config.actor.planner).toBe(
        spec.definition.actionSpace._tag === "Discrete" ? "categorical-cem" : "gradient"
      )
      expect(config.evaluation.agents.includes("ground-truth")).toBe(spec.hasGroundTruthModel)
      expect(config.data.episodeLength).toBeLessThanOrEqual(spec.definition.maxEpisodeSteps)
    }
  )

  it("plans grid-doors' discrete actions with the categorical CEM and point-mass's box with the gradient", () => {
    expect(gridDoors.definition.actionSpace._tag).toBe("Discrete")
    expect(defaultRunConfig(gridDoors, "grid-doors").actor.planner).toBe("categorical-cem")
    expect(defaultRunConfig(pointMass, "point-mass").actor.planner).toBe("gradient")
  })

  it("judges the goal through a probe on the declared goal coordinates, on the latent otherwise", () => {
    expect(pointMass.definition.goalDimensions).toEqual([0, 1])
    const declared = defaultRunConfig(pointMass, "point-mass").cost
    expect(declared.judgedOn).toBe("probe")
    expect(declared.dimensions).toEqual([0, 1])
    const tiny = defaultRunConfig(tinyEnv({ observationSize: 5, goalDimensions: [4, 2] }), "tiny").cost
    expect(tiny).toMatchObject({ judgedOn: "probe", dimensions: [4, 2] })
    expect(defaultRunConfig(tinyEnv(), "tiny").cost).toMatchObject({ judgedOn: "latent", dimensions: [] })
    // A learned latent often holds a coordinate curved: the default probe reads products too.
    expect(declared.probe).toBe("quadratic")
  })

  it("weighs the declared goal coordinates as the environment declares (pendulum: upright over still)", () => {
    const pendulum = envRegistry.get("pendulum")
    expect(defaultRunConfig(pendulum, "pendulum").cost).toMatchObject({
      judgedOn: "probe",
      dimensions: [0, 1, 2],
      weights: [1, 1, 0.01],
      goal: [1, 0, 0]
    })
    const weighed = tinyEnv({ observationSize: 5, goalDimensions: [4, 2], goalWeights: [2, 0.5] })
    expect(defaultRunConfig(weighed, "tiny").cost.weights).toEqual([2, 0.5])
    expect(defaultRunConfig(pointMass, "point-mass").cost.weights).toEqual([])
  })

  it("copies a declared fixed goal, and reads the episodes' goal otherwise", () => {
    expect(defaultRunConfig(tinyEnv({ goal: [0.5, 0, -0.5] }), "tiny").cost.goal).toEqual([0.5, 0, -0.5])
    expect(defaultRunConfig(tinyEnv(), "tiny").cost.goal).toBeNull()
  })

  it("gives episodes shorter than 40 steps no levels and no hierarchical agent", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 39 }), fc.boolean(), (steps, discrete) => {
        const config = defaultRunConfig(tinyEnv({ maxEpisodeSteps: steps, discrete }), "tiny")
        expect(config.levels.strides).toEqual([])
        expect(config.evaluation.agents).toEqual(["random", "flat"])
      }),
      { numRuns: 40 }
    )
    const long = defaultRunConfig(tinyEnv({ maxEpisodeSteps: 40 }), "tiny")
    expect(long.levels.strides).toEqual([2])
    expect(long.evaluation.agents).toEqual(["random", "flat", "hierarchical"])
  })

  it("resolves with no sources for any environment's shape (property)", () => {
    const shapes = fc
      .record({
        maxEpisodeSteps: fc.integer({ min: 1, max: 5000 }),
        discrete: fc.boolean(),
        observationSize: fc.integer({ min: 1, max: 12 }),
        groundTruth: fc.boolean(),
        fixedGoal: fc.boolean()
      })
      .chain((shape) =>
        fc.record({
          shape: fc.constant(shape),
          goalDimensions: fc.option(
            fc.uniqueArray(fc.integer({ min: 0, max: shape.observationSize - 1 }), {
              minLength: 1,
              maxLength: shape.observationSize
            }),
            { nil: undefined }
          )
        })
      )
    fc.assert(
      fc.property(shapes, ({ shape, goalDimensions }) => {
        const spec = tinyEnv({
          ...shape,
          ...(goalDimensions === undefined ? {} : { goalDimensions }),
          ...(shape.fixedGoal ? { goal: Array.from({ length: shape.observationSize }, () => 0) } : {})
        })
        const config = resolveRunConfig(spec, "tiny")
        expect(config).toEqual(defaultRunConfig(spec, "tiny"))
        expect(config.cost.judgedOn).toBe(goalDimensions === undefined ? "latent" : "probe")
        expect(config.evaluation.agents.includes("ground-truth")).toBe(shape.groundTruth)
        expect(config.evaluation.agents.includes("hierarchical")).toBe(shape.maxEpisodeSteps >= 40)
        expect(config.actor.horizon).toBeGreaterThanOrEqual(10)
        expect(config.actor.horizon).toBeLessThanOrEqual(30)
      }),
      { numRuns: 100 }
    )
  })
})

/** JSON-like trees with safe keys (a few shared, so that merges meet). */
const key = fc.constantFrom("a", "b", "c", "actor", "horizon", "strides")
const leaf = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 })
)
const { tree } = fc.letrec((tie) => ({
  tree: fc.dictionary(key, fc.oneof({ depthSize: "small" }, leaf, tie("tree")), { maxKeys: 4 })
}))

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

describe("mergeConfig", () => {
  it("merging {} is the identity, and merging into {} gives the override", () => {
    fc.assert(
      fc.property(tree, (value) => {
        expect(mergeConfig(value, {})).toEqual(value)
        expect(mergeConfig({}, value)).toEqual(value)
      })
    )
  })

  it("merges objects key by key and replaces arrays and scalars (property)", () => {
    fc.assert(
      fc.property(tree, tree, (base, override) => {
        const before = JSON.stringify([base, override])
        const merged = mergeConfig(base, override) as Record<string, unknown>
        // Neither input is changed.
        expect(JSON.stringify([base, override])).toBe(before)
        expect(Object.keys(merged).sort()).toEqual(
          [...new Set([...Object.keys(base), ...Object.keys(override)])].sort()
        )
        for (const [name, value] of Object.entries(merged)) {
          if (!(name in override)) expect(value).toBe(base[name])
          else if (isObject(base[name]) && isObject(override[name]))
            expect(value).toEqual(mergeConfig(base[name], override[name]))
          else expect(value).toBe(override[name])
        }
      })
    )
  })

  it("replaces an array whole rather than merging it by index", () => {
    expect(
      mergeConfig({ levels: { strides: [10, 40, 80], batchSize: 32 } }, { levels: { strides: [5] } })
    ).toEqual({
      levels: { strides: [5], batchSize: 32 }
    })
    expect(mergeConfig({ cost: { goal: [1, 2] } }, { cost: { goal: null } })).toEqual({
      cost: { goal: null }
    })
    expect(mergeConfig({ actor: { horizon: 16 } }, { actor: 3 })).toEqual({ actor: 3 })
  })
})

describe("parseOverride", () => {
  it.each([
    { text: "actor.horizon=24", expected: { actor: { horizon: 24 } } },
    { text: "levels.strides=[10,40]", expected: { levels: { strides: [10, 40] } } },
    { text: "actor.planner=cem", expected: { actor: { planner: "cem" } } },
    { text: "cost.goal=null", expected: { cost: { goal: null } } },
    { text: 'env="point-mass"', expected: { env: "point-mass" } },
    { text: "seed=3", expected: { seed: 3 } },
    { text: "a.b=x=y", expected: { a: { b: "x=y" } } },
    { text: "a.b=", expected: { a: { b: "" } } }
  ])("reads $text", ({ text, expected }) => {
    expect(parseOverride(text)).toEqual(expected)
  })

  it("nests any JSON value at any dotted path (property)", () => {
    const name = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,6}$/).filter((text) => text !== "constructor")
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), fc.jsonValue(), (path, value) => {
        let nested: unknown = parseOverride(`${path.join(".")}=${JSON.stringify(value)}`)
        for (const segment of path) {
          expect(Object.keys(nested as object)).toEqual([segment])
          nested = (nested as Record<string, unknown>)[segment]
        }
        expect(nested).toEqual(JSON.parse(JSON.stringify(value)))
      })
    )
  })

  it.each([
    { text: "=3", names: "=3" },
    { text: "a..b=1", names: "a..b" },
    { text: ".a=1", names: ".a" },
    { text: "a.=1", names: "a." },
    { text: "__proto__.x=1", names: "__proto__.x" },
    { text: "a.constructor=1", names: "a.constructor" },
    { text: "actor.horizon", names: "actor.horizon" }
  ])("rejects $text with a ConfigError naming it", ({ text, names }) => {
    const error = configError(() => parseOverride(text))
    expect(error.source).toBe("--set")
    expect(error.message).toContain(names)
  })
})

describe("resolveRunConfig", () => {
  it("applies the file over the defaults and the overrides over both, in order", () => {
    const config = resolve(pointMass, ["actor.horizon=24", "memory.lookahead=7", "actor.horizon=25"], {
      file: { actor: { horizon: 12, iterations: 3 }, memory: { lookahead: 5 } },
      filePath: "run.yaml"
    })
    expect(config.actor).toMatchObject({ horizon: 25, iterations: 3, planner: "gradient" })
    expect(config.memory.lookahead).toBe(7)
    expect(config.worldModel).toEqual(defaultRunConfig(pointMass, "point-mass").worldModel)
  })

  it("the last --set of a key wins (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 5 }), (horizons) => {
        const config = resolve(
          pointMass,
          horizons.map((horizon) => `actor.horizon=${horizon}`)
        )
        expect(config.actor.horizon).toBe(horizons.at(-1))
      }),
      { numRuns: 30 }
    )
  })

  it.each([
    { case: "an unknown key", spec: "point-mass", set: ["actor.horizn=3"], names: "actor.horizn" },
    { case: "an unknown section", spec: "point-mass", set: ["actors.horizon=3"], names: "actors" },
    { case: "a wrong type", spec: "point-mass", set: ["actor.horizon=abc"], names: "actor.horizon" },
    { case: "a non-integer", spec: "point-mass", set: ["actor.horizon=2.5"], names: "actor.horizon" },
    { case: "an unknown planner", spec: "point-mass", set: ["actor.planner=astar"], names: "actor.planner" },
    {
      case: "strides that are not increasing multiples",
      spec: "point-mass",
      set: ["levels.strides=[10,15]"],
      names: "levels.strides[1]"
    },
    { case: "a stride below 1", spec: "point-mass", set: ["levels.strides=[0]"], names: "levels.strides[0]" },
    { case: "a stride of 1", spec: "point-mass", set: ["levels.strides=[1]"], names: "levels.strides[0]" },
    {
      case: "a repeated stride",
      spec: "point-mass",
      set: ["levels.strides=[10,20,20]"],
      names: "levels.strides[2]"
    },
    {
      case: "a goal coordinate beyond the observation",
      spec: "point-mass",
      set: ["cost.dimensions=[0,4]"],
      names: "cost.dimensions[1]"
    },
    {
      case: "a repeated goal coordinate",
      spec: "point-mass",
      set: ["cost.dimensions=[1,1]"],
      names: "cost.dimensions"
    },
    {
      case: "a goal of the wrong length",
      spec: "point-mass",
      set: ["cost.goal=[0,0,0]"],
      names: "cost.goal"
    },
    {
      case: "the categorical CEM on box actions",
      spec: "point-mass",
      set: ["actor.planner=categorical-cem"],
      names: "actor.planner"
    },
    {
      case: "the gradient on discrete actions",
      spec: "grid-doors",
      set: ["actor.planner=gradient"],
      names: "actor.planner"
    },
    {
      case: "the categorical CEM for macro-actions",
      spec: "point-mass",
      set: ["upperActor.planner=categorical-cem"],
      names: "upperActor.planner"
    },
    {
      case: "a replan interval beyond the horizon",
      spec: "point-mass",
      set: ["actor.horizon=10", "actor.replanInterval=11"],
      names: "actor.replanInterval"
    },
    {
      case: "a memory agent without landmarks",
      spec: "point-mass",
      set: ['evaluation.agents=["flat+memory"]'],
      names: "evaluation.agents[0]",
      mentions: "memory.landmarks"
    },
    {
      case: "a hierarchical agent without levels",
      spec: "point-mass",
      set: ["levels.strides=[]", 'evaluation.agents=["flat","hierarchical"]'],
      names: "evaluation.agents[1]",
      mentions: "levels.strides"
    },
    {
      case: "a hierarchical memory agent without levels",
      spec: "point-mass",
      set: ["levels.strides=[]", "memory.landmarks=8", 'evaluation.agents=["hierarchical+memory"]'],
      names: "evaluation.agents[0]",
      mentions: "levels.strides"
    },
    {
      case: "an unknown agent",
      spec: "point-mass",
      set: ['evaluation.agents=["oracle"]'],
      names: "evaluation.agents[0]"
    },
    {
      case: "matched compute for a flat agent without its hierarchical counterpart",
      spec: "point-mass",
      set: [
        "evaluation.equalCompute=true",
        'evaluation.agents=["flat","hierarchical+memory"]',
        "memory.landmarks=8"
      ],
      names: "evaluation.agents[0]",
      mentions: '"hierarchical"'
    },
    {
      case: "matched compute for a sampling planner",
      spec: "point-mass",
      set: ["evaluation.equalCompute=true", "actor.planner=cem", 'evaluation.agents=["hierarchical","flat"]'],
      names: "evaluation.equalCompute"
    },
    {
      case: "a passage guardrail without a memory",
      spec: "point-mass",
      set: ["memory.passages.weight=10"],
      names: "memory.passages.weight",
      mentions: "memory.landmarks"
    },
    {
      case: "a route cost without a memory",
      spec: "point-mass",
      set: ["memory.routeWeight=2"],
      names: "memory.routeWeight"
    },
    {
      case: "a random walk on 1-D actions",
      spec: "pendulum",
      set: ["data.policy=random-walk"],
      names: "data.policy",
      mentions: "2-D box actions"
    },
    {
      case: "correlated actions on a discrete space",
      spec: "grid-doors",
      set: ["data.policy=correlated"],
      names: "data.policy"
    },
    {
      case: "a passage quantile above 1",
      spec: "point-mass",
      set: ["memory.passages.quantile=1.5"],
      names: "memory.passages.quantile"
    },
    {
      case: "a keep-out zone centred on three coordinates",
      spec: "point-mass",
      set: ['guardrail.keepOut=[{"center":[0,0,0],"radius":0.1}]'],
      names: "guardrail.keepOut[0].center"
    },
    {
      case: "a keep-out zone of radius 0",
      spec: "point-mass",
      set: ['guardrail.keepOut=[{"center":[0,0],"radius":0}]'],
      names: "guardrail.keepOut[0].radius"
    },
    {
      case: "a guardrail position beyond the observation",
      spec: "point-mass",
      set: ['guardrail.keepOut=[{"center":[0,0],"radius":0.1}]', "guardrail.position=[0,4]"],
      names: "guardrail.position[1]"
    },
    {
      case: "a guardrail position on one coordinate twice",
      spec: "point-mass",
      set: ['guardrail.keepOut=[{"center":[0,0],"radius":0.1}]', "guardrail.position=[1,1]"],
      names: "guardrail.position",
      mentions: "distinct"
    },
    {
      case: "the hybrid planner on discrete actions",
      spec: "grid-doors",
      set: ["actor.planner=hybrid"],
      names: "actor.planner"
    },
    {
      case: "exploration through doorways an environment does not declare",
      spec: "point-mass",
      set: ["data.doorwayRate=0.5"],
      names: "data.doorwayRate",
      mentions: "declares no doorways"
    },
    {
      case: "exploration through doorways without the random walk",
      spec: "two-rooms",
      set: ["data.policy=uniform", "data.doorwayRate=0.5"],
      names: "data.doorwayRate",
      mentions: "random walk"
    },
    {
      case: "a doorway rate above 1",
      spec: "two-rooms",
      set: ["data.doorwayRate=1.5"],
      names: "data.doorwayRate"
    }
  ])("rejects $case with a ConfigError naming $names", ({ spec, set, names, ...rest }) => {
    const error = configError(() => resolve(envRegistry.get(spec), set))
    expect(error.source).toBe("--set")
    expect(error.message).toContain(names)
    if ("mentions" in rest) expect(error.message).toContain(rest.mentions)
  })

  it("names a bad horizon as the horizon, with the bound it broke, and bounds candidates too", () => {
    // 0 and -3 once read as a bad replanInterval elsewhere; 1e9 passed here and failed as a
    // RangeError when the planner allocated its plan.
    for (const field of ["actor", "upperActor"] as const) {
      for (const [value, bound] of [
        ["0", "greater than 0"],
        ["-3", "greater than 0"],
        ["1e9", String(maxPlanningHorizon)],
        [String(maxPlanningHorizon + 1), String(maxPlanningHorizon)]
      ] as const) {
        const error = configError(() => resolve(pointMass, [`${field}.horizon=${value}`]))
        expect(error.issues.map((issue) => issue.field)).toEqual([`${field}.horizon`])
        expect(error.message).toContain(bound)
      }
      expect(resolve(pointMass, [`${field}.horizon=${maxPlanningHorizon}`])[field].horizon).toBe(
        maxPlanningHorizon
      )
      const candidates = configError(() => resolve(pointMass, [`${field}.candidates=1e9`]))
      expect(candidates.issues.map((issue) => issue.field)).toEqual([`${field}.candidates`])
      expect(candidates.message).toContain(String(maxPlanningCandidates))
    }
  })

  it("rejects the ground-truth agent on an environment without a ground-truth model", () => {
    const spec = tinyEnv({ groundTruth: false })
    expect(defaultRunConfig(spec, "tiny").evaluation.agents).not.toContain("ground-truth")
    const error = configError(() => resolve(spec, ['evaluation.agents=["flat","ground-truth"]']))
    expect(error.message).toContain("evaluation.agents[1]")
    expect(error.message).toContain("ground-truth")
    expect(
      resolve(tinyEnv({ groundTruth: true }), ['evaluation.agents=["ground-truth"]']).evaluation.agents
    ).toEqual(["ground-truth"])
  })

  it("accepts the settings those checks allow", () => {
    const config = resolve(pointMass, [
      "levels.strides=[5,20,60]",
      "cost.dimensions=[3,0]",
      "cost.goal=[0.1,0.2,0,0]",
      "actor.planner=mppi",
      "actor.replanInterval=16",
      "actor.horizon=16",
      "memory.landmarks=12",
      'evaluation.agents=["hierarchical+memory","flat+memory"]'
    ])
    expect(config.levels.strides).toEqual([5, 20, 60])
    expect(config.cost.goal).toEqual([0.1, 0.2, 0, 0])
    expect(resolve(gridDoors, ["actor.horizon=12"]).actor.planner).toBe("categorical-cem")
    const guarded = resolve(pointMass, [
      'guardrail.keepOut=[{"center":[0.5,-0.5],"radius":0.2}]',
      "guardrail.position=[1,0]",
      "actor.planner=hybrid",
      "actor.refineSteps=4"
    ])
    expect(guarded.guardrail).toMatchObject({ position: [1, 0], margin: 0, enforced: true })
    expect(plannerOf(guarded.actor).name).toBe("cem + gradient")
  })

  it("hands MPPI its noise and temperature: no noise leaves the mean plan as it was", () => {
    const plan = (overrides: ReadonlyArray<string>) =>
      planOnPointMass(["actor.planner=mppi", "actor.candidates=16", ...overrides])
    expect(plan(["actor.noiseStd=0"]).every((value) => value === 0)).toBe(true)
    expect(plan(["actor.noiseStd=0.5"]).some((value) => value !== 0)).toBe(true)
    // A low temperature is greedier: another weighted mean from the same samples.
    expect(plan(["actor.temperature=0.001"])).not.toEqual(plan(["actor.temperature=1000"]))
  })

  it("hands CEM and the hybrid's CEM their first spread: none leaves every sample at the box's middle", () => {
    const plan = (overrides: ReadonlyArray<string>) =>
      planOnPointMass(["actor.candidates=16", "actor.iterations=0", ...overrides])
    for (const planner of ["cem", "hybrid"]) {
      const still = plan([`actor.planner=${planner}`, "actor.initialStd=0", "actor.refineSteps=0"])
      expect(still.every((value) => value === 0)).toBe(true)
      expect(plan([`actor.planner=${planner}`, "actor.initialStd=0.5"]).some((value) => value !== 0)).toBe(
        true
      )
    }
  })

  it("applies a suite's settings over the defaults and under the file and --set, naming it in errors", () => {
    const preset = { name: "my-suite", settings: { actor: { horizon: 12 }, memory: { landmarks: 32 } } }
    const config = resolveRunConfig(pointMass, "point-mass", {
      preset,
      file: { memory: { landmarks: 64 } },
      overrides: ["actor.iterations=5"]
    })
    expect([config.actor.horizon, config.memory.landmarks, config.actor.iterations]).toEqual([12, 64, 5])
    const error = configError(() =>
      resolveRunConfig(pointMass, "point-mass", {
        preset: { name: "broken", settings: { actor: { horizon: 0 } } }
      })
    )
    expect(error.source).toBe("preset broken")
    expect(error.message).toContain("actor.horizon")
  })

  it("names the config file as the source of an error in it", () => {
    const error = configError(() =>
      resolveRunConfig(pointMass, "point-mass", {
        file: { actor: { horizn: 3 } },
        filePath: "runs/mine.yaml"
      })
    )
    expect(error.source).toBe("runs/mine.yaml")
    expect(error.message).toContain("runs/mine.yaml")
    expect(error.message).toContain("actor.horizn")
  })

  it("blames a --set for its own error even when a config file is given", () => {
    const error = configError(() =>
      resolveRunConfig(pointMass, "point-mass", {
        file: { actor: { horizon: 12 } },
        filePath: "runs/mine.yaml",
        overrides: ["actor.horizn=3"]
      })
    )
    expect(error.source).toBe("--set")
    expect(error.message).toContain("actor.horizn")
  })

  it("rejects a __proto__ key in a config file instead of changing the prototype", () => {
    const file = JSON.parse('{"__proto__": {"actor": {"horizon": 3}, "bogus": 1}}') as Record<string, unknown>
    const error = configError(() => resolveRunConfig(pointMass, "point-mass", { file }))
    expect(error.message).toContain("__proto__")
  })
})

describe("readConfigFile", () => {
  let directory = ""
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "telos-run-config-"))
  })
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true })
  })
  const file = async (name: string, text: string): Promise<string> => {
    const path = join(directory, name)
    await writeFile(path, text)
    return path
  }

  it("reads JSON and YAML (.yaml and .yml) into the same mapping", async () => {
    const expected = {
      actor: { horizon: 24, planner: "cem" },
      levels: { strides: [10, 40] },
      cost: { goal: null }
    }
    const json = await file("run.json", JSON.stringify(expected))
    const yaml = "actor:\n  horizon: 24\n  planner: cem\nlevels:\n  strides: [10, 40]\ncost:\n  goal: null\n"
    expect(await readConfigFile(json)).toEqual(expected)
    expect(await readConfigFile(await file("run.yaml", yaml))).toEqual(expected)
    expect(await readConfigFile(await file("run.yml", yaml))).toEqual(expected)
    const config = resolveRunConfig(pointMass, "point-mass", {
      file: await readConfigFile(json),
      filePath: json
    })
    expect(config.actor).toMatchObject({ horizon: 24, planner: "cem" })
  })

  it.each([
    {
      case: "YAML with a duplicate key",
      name: "dup.yaml",
      text: "actor:\n  horizon: 3\n  horizon: 4\n",
      names: "YAML"
    },
    { case: "malformed JSON", name: "bad.json", text: '{"actor": {"horizon": 3,}', names: "JSON" },
    { case: "a list at the top (JSON)", name: "list.json", text: "[1, 2]", names: "(root)" },
    { case: "a list at the top (YAML)", name: "list.yaml", text: "- 1\n- 2\n", names: "(root)" },
    { case: "a scalar at the top", name: "scalar.yml", text: "3\n", names: "(root)" },
    { case: "an empty file", name: "empty.yaml", text: "", names: "(root)" },
    { case: "JSON null", name: "null.json", text: "null", names: "(root)" }
  ])("rejects $case with a ConfigError naming the file", async ({ name, text, names }) => {
    const path = await file(name, text)
    const error = await asyncError(() => readConfigFile(path))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).source).toBe(path)
    expect((error as ConfigError).message).toContain(path)
    expect((error as ConfigError).message).toContain(names)
    expect((error as ConfigError).message).not.toContain("\n")
  })

  it("reports a missing file as a FileError naming it", async () => {
    const path = join(directory, "nope.yaml")
    const error = await asyncError(() => readConfigFile(path))
    expect(error).toBeInstanceOf(FileError)
    expect((error as FileError).path).toBe(path)
    expect((error as FileError).message).toContain(path)
  })
})

describe("pixel runs", () => {
  const twoRooms = envRegistry.get("two-rooms")

  it("need an environment that draws images", () => {
    const error = configError(() => resolve(pointMass, ["data.observations=pixels"]))
    expect(error.message).toContain("data.observations")
    expect(error.message).toContain("draws no images")
  })

  it("need a pixel variant to evaluate learned agents in, unless only random and ground truth run", () => {
    const error = configError(() => resolve(twoRooms, ["data.observations=pixels"]))
    expect(error.message).toContain("two-rooms-pixels")
    expect(resolve(twoRooms, ["data.observations=pixels"], { pixelVariant: true }).data.observations).toBe(
      "pixels"
    )
    expect(
      resolve(twoRooms, ["data.observations=pixels", 'evaluation.agents=["random","ground-truth"]']).data
        .observations
    ).toBe("pixels")
  })
})

describe("cost weights", () => {
  it("weigh the judged observation coordinates, one each, only through a probe", () => {
    expect(resolve(pointMass, ["cost.weights=[1,0.5]"]).cost.weights).toEqual([1, 0.5])
    expect(resolve(pointMass, ["cost.dimensions=[]", "cost.weights=[1,1,0.1,0.1]"]).cost.weights).toEqual([
      1, 1, 0.1, 0.1
    ])
    expect(configError(() => resolve(pointMass, ["cost.weights=[1]"])).message).toContain("cost.weights")
    const latent = configError(() => resolve(pointMass, ["cost.judgedOn=latent", "cost.weights=[1,1]"]))
    expect(latent.message).toContain('cost.judgedOn "probe"')
    expect(configError(() => resolve(pointMass, ["cost.weights=[1,-1]"])).message).toContain("cost.weights")
  })
})
