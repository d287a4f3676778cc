import { Random } from "@telos/core"
import { envRegistry } from "@telos/envs"
import { buildLandmarkGraph } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import {
  type AgentParts,
  agentOf,
  costOf,
  levelActor,
  levelMetric,
  onlineMemoryOf,
  planningLevelsOf,
  resolveRunConfig,
  upperLevelCost
} from "../src/index.js"

// A corridor recorded back and forth: latents (x, 0) for x = 0..19, so landmarks lie along a line
// and the hops between two of them grow with the distance.
const corridor = () => {
  const walk = Array.from({ length: 20 }, (_, x) => [x, 0])
  const latents = Float32Array.from([...walk, ...walk.slice().reverse()].flat())
  return buildLandmarkGraph(
    { latentSize: 2, latents, episodeLengths: [20, 20] },
    { landmarks: 10, minimumTransitions: 1 },
    Random.fromSeed(0)
  )
}

const partsWith = (settings: ReadonlyArray<string>, passageHops: ReadonlyArray<number> = []): AgentParts => {
  const spec = envRegistry.get("point-mass")
  const config = resolveRunConfig(spec, "point-mass", {
    overrides: ["cost.judgedOn=latent", "cost.dimensions=[]", "memory.landmarks=10", ...settings]
  })
  return {
    config,
    model: spec.groundTruthModel(),
    upperModels: [],
    probe: undefined,
    memory: corridor(),
    passageHops,
    observationSize: 4
  }
}

/** The cost of two one-step candidates from x = 0 towards a target at x = 19: one to 18, one to 2. */
const costs = (parts: AgentParts): [number, number] =>
  tf.tidy(() => {
    const targets = tf.tensor2d([[19, 0]])
    const states = tf.tensor3d([
      [
        [0, 0],
        [0, 0]
      ],
      [
        [18, 0],
        [2, 0]
      ]
    ])
    return Array.from(
      upperLevelCost(
        parts,
        0
      )(targets)
        .evaluate(states, tf.zeros([1, 2, 2]))
        .dataSync()
    ) as [number, number]
  })

describe("the upper levels' cost", () => {
  it("is the run's cost alone when the memory's costs weigh nothing", () => {
    const [near, far] = costs(partsWith([]))
    // The squared latent distance: (19 - 18)^2 and (19 - 2)^2.
    expect(near).toBeCloseTo(1, 4)
    expect(far).toBeCloseTo(289, 3)
  })

  it("adds the weighted squared hops of the memory's route to the target", () => {
    const plain = costs(partsWith([]))
    const routed = costs(partsWith(["memory.routeWeight=2"]))
    const addedNear = routed[0] - plain[0]
    const addedFar = routed[1] - plain[1]
    expect(addedNear).toBeGreaterThanOrEqual(0)
    // Far along the corridor is several hops away: at least 2 x 2^2 more.
    expect(addedFar).toBeGreaterThanOrEqual(8)
    expect(addedFar).toBeGreaterThan(addedNear)
  })

  it("adds the passage guardrail's penalty to a step spanning more hops than allowed", () => {
    const plain = costs(partsWith([]))
    const guarded = costs(partsWith(["memory.passages.weight=10"], [1]))
    // From x = 0, a step to x = 2 spans at most one landmark hop; a step to 18 spans many.
    expect(guarded[1] - plain[1]).toBeCloseTo(0, 3)
    expect(guarded[0] - plain[0]).toBeGreaterThanOrEqual(10)
    // No hops measured for a level: no guardrail there.
    expect(costs(partsWith(["memory.passages.weight=10"], []))).toEqual(plain)
  })
})

describe("the levels' actors", () => {
  it("plan each level above 0 with upperActor, or with that level's own settings over it", () => {
    const spec = envRegistry.get("point-mass")
    const model = spec.groundTruthModel()
    const hierarchy = (settings: ReadonlyArray<string>) => {
      const parts = partsWith(["levels.strides=[5,20]", ...settings])
      // Level models only need their strides here: no plan is made.
      const upperModels = [5, 20].map((stride) => ({ ...model, stride }))
      return agentOf("hierarchical", { ...parts, model, upperModels })
    }
    expect(hierarchy([]).name).toBe("hierarchical: gradient < cem < cem")
    expect(hierarchy(['upperActors=[{},{"planner":"mppi","horizon":4}]']).name).toBe(
      "hierarchical: gradient < cem < mppi"
    )
    const config = partsWith(["levels.strides=[5,20]", 'upperActors=[{"horizon":4}]']).config
    expect([levelActor(config, 1).horizon, levelActor(config, 2).horizon]).toEqual([
      4,
      config.upperActor.horizon
    ])
  })

  it("rejects more level actors than levels, and a discrete planner for macro-actions", () => {
    expect(() => partsWith(["levels.strides=[5]", "upperActors=[{},{}]"])).toThrow(/upperActors/)
    expect(() =>
      partsWith(["levels.strides=[5,20]", 'upperActors=[{},{"planner":"categorical-cem"}]'])
    ).toThrow(/upperActors\[1\]\.planner/)
    expect(() => partsWith(['upperActors=[{"horizon":0}]'])).toThrow(/upperActors\[0\]\.horizon|horizon/)
  })
})

describe("the configured goal cost", () => {
  it("judges every predicted step (running) or the last one only (terminal)", () => {
    const judged = (mode: string) =>
      tf.tidy(() => {
        const { config } = partsWith([`cost.mode=${mode}`])
        // One candidate passing the target at step 1 and leaving it by step 2.
        const states = tf.tensor3d([[[0, 0]], [[19, 0]], [[15, 0]]])
        return costOf(
          config,
          undefined
        )(tf.tensor2d([[19, 0]]))
          .evaluate(states, tf.zeros([2, 1, 2]))
          .dataSync()[0] as number
      })
    expect(judged("running")).toBeCloseTo((0 + 16) / 2, 4)
    expect(judged("terminal")).toBeCloseTo(16, 4)
  })
})

describe("the configured goal metric", () => {
  it("scores the distance instead of its square where asked: every level, or the levels above 0 alone", () => {
    const squared = costs(partsWith([]))
    expect(costs(partsWith(["cost.upperMetric=distance"]))).toEqual([
      expect.closeTo(1, 4),
      expect.closeTo(17, 3)
    ])
    expect(costs(partsWith(["cost.metric=distance"]))).toEqual([expect.closeTo(1, 4), expect.closeTo(17, 3)])
    expect(costs(partsWith(["cost.metric=distance", "cost.upperMetric=squared"]))).toEqual(squared)
    const level0 = (settings: ReadonlyArray<string>) =>
      tf.tidy(
        () =>
          costOf(
            partsWith(settings).config,
            undefined
          )(tf.tensor2d([[19, 0]]))
            .evaluate(tf.tensor3d([[[0, 0]], [[2, 0]]]), tf.zeros([1, 1, 2]))
            .dataSync()[0] as number
      )
    expect(level0(["cost.upperMetric=distance"])).toBeCloseTo(289, 3)
    expect(level0(["cost.metric=distance"])).toBeCloseTo(17, 3)
    const config = partsWith(["cost.upperMetric=distance"]).config
    expect([levelMetric(config, 0), levelMetric(config, 1), levelMetric(config, 2)]).toEqual([
      "squared",
      "distance",
      "distance"
    ])
    expect(() => partsWith(["cost.upperMetric=cosine"])).toThrow(/cost.upperMetric/)
  })

  it("goes with each level to the online memory, which measures its points in that unit", () => {
    const spec = envRegistry.get("point-mass")
    const model = spec.groundTruthModel()
    const heights = (kind: "flat" | "hierarchical+online", settings: ReadonlyArray<string>) => {
      const parts = partsWith(["levels.strides=[5,20]", ...settings])
      const upperModels = [5, 20].map((stride) => ({ ...model, stride }))
      return planningLevelsOf(kind, { ...parts, model, upperModels }).map((level) => level.memoryHeights)
    }
    expect(heights("hierarchical+online", [])).toEqual(["squared", "squared", "squared"])
    expect(heights("hierarchical+online", ["cost.upperMetric=distance"])).toEqual([
      "squared",
      "distance",
      "distance"
    ])
    expect(heights("flat", ["cost.metric=distance"])).toEqual(["distance"])
  })
})

describe("the online memory's agents", () => {
  it("plan with a stall memory in the parts' step lengths, and name what is missing without one", () => {
    const parts = partsWith(["memory.landmarks=0", "memory.online.width=4"])
    expect(() => agentOf("flat+online", { ...parts, memory: undefined })).toThrow(/stepLength/)
    const online = onlineMemoryOf({ ...parts, stepLength: 0.5 })
    expect(online.name).toContain("stall memory")
    // A stall at the origin, 3 from the goal (3, 0): its bump is 9 high and 2 (4 x 0.5) wide.
    const memory = online.start(Float32Array.from([3, 0, 0, 0]), 4)
    // One stall: the fifth plan, a window (4) after the first.
    for (let plan = 0; plan < 5; plan++) memory.observe(new Float32Array(4), [true])
    expect(memory.remembered()).toEqual([1])
    const value = tf.tidy(() => {
      const cost = memory.cost([0])
      const states = tf.tensor3d([[[0, 0, 0, 0]], [[2, 0, 0, 0]]])
      return cost?.evaluate(states, tf.zeros([1, 1, 2]) as tf.Tensor3D).dataSync()[0]
    })
    expect(value).toBeCloseTo(9 * Math.exp(-1), 4)
    const agent = agentOf("flat+online", { ...parts, memory: undefined, stepLength: 0.5 })
    expect(agent.levels).toBe(1)
  })
})
