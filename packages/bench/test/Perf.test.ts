import {
  defaultComparedBackends,
  makePerfSuite,
  type PerfRow,
  perfSuite,
  type SuiteRow,
  suites,
  summaryText
} from "@telos/bench"
import { Random, UnknownNameError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCemWorkload } from "../src/perf/CemWorkload.js"
import { runGradientWorkload } from "../src/perf/GradientWorkload.js"
import { makeJepaTrainer, vicregTerms } from "../src/perf/JepaTrainWorkload.js"
import { type MlpPlanningProblem, makeMlpPlanningProblem, sequenceCosts } from "../src/perf/MlpWorldModel.js"
import { runMppiWorkload } from "../src/perf/MppiWorkload.js"
import { prepareWorkload } from "../src/perf/PreparedWorkload.js"
import {
  type CemWorkload,
  findPerfWorkload,
  type GradientWorkload,
  type JepaTrainWorkload,
  type MppiWorkload,
  type PerfWorkload,
  perfWorkloads
} from "../src/perf/Workloads.js"
import { restoreBackendAfterAll, useWasmBackend } from "./fixtures.js"

restoreBackendAfterAll()

// Scaled-down copies of the fixed workloads: the same code paths in milliseconds instead of seconds.
const smallGradient: GradientWorkload = {
  ...(findPerfWorkload("gd-256x16") as GradientWorkload),
  id: "gd-8x3",
  candidates: 8,
  horizon: 3,
  iterations: 5
}
const smallCem: CemWorkload = {
  ...(findPerfWorkload("cem-512x16") as CemWorkload),
  id: "cem-16x3",
  samples: 16,
  elites: 4,
  horizon: 3,
  iterations: 2
}
const smallMppi: MppiWorkload = {
  ...(findPerfWorkload("mppi-512x16") as MppiWorkload),
  id: "mppi-16x3",
  samples: 16,
  horizon: 3,
  iterations: 2
}
const smallJepa: JepaTrainWorkload = {
  ...(findPerfWorkload("jepa-train-256x8") as JepaTrainWorkload),
  id: "jepa-train-8x3",
  batch: 8,
  rolloutSteps: 3
}
const smallCatalog: ReadonlyArray<PerfWorkload> = [smallGradient, smallCem, smallMppi, smallJepa]

const { worldModel, actionBounds } = perfWorkloads
const sequenceLength = (horizon: number): number => horizon * worldModel.actionDim

let problem: MlpPlanningProblem

beforeAll(async () => {
  await useWasmBackend()
  problem = makeMlpPlanningProblem(worldModel, actionBounds, Random.fromSeed(1))
})

afterAll(() => problem.dispose())

const costOf = (sequence: Float32Array, horizon: number): number =>
  tf.tidy(
    () =>
      sequenceCosts(
        problem,
        tf.tensor3d(sequence, [horizon, 1, worldModel.actionDim])
      ).dataSync()[0] as number
  )

const withinBounds = (values: Float32Array): boolean =>
  values.every((value) => value >= actionBounds[0] && value <= actionBounds[1])

describe("the planning cost", () => {
  it("is the squared miss of the final state plus 0.01 times the squared actions", () => {
    const horizon = 2
    const still = new Float32Array(sequenceLength(horizon))
    const pushed = still.map((_, index) => (index % 2 === 0 ? 0.5 : -0.5))
    const miss = tf.tidy(() => {
      const states = tf.tensor3d(pushed, [horizon, 1, worldModel.actionDim])
      let state = problem.start.reshape([1, -1]) as tf.Tensor2D
      for (const action of tf.unstack(states) as Array<tf.Tensor2D>) {
        const hidden = tf.relu(
          tf.concat([state, action], 1).matMul(problem.weights.w1).add(problem.weights.b1)
        )
        const second = tf.relu(hidden.matMul(problem.weights.w2).add(problem.weights.b2))
        state = state.add(second.matMul(problem.weights.w3).add(problem.weights.b3))
      }
      return state.sub(problem.goal).square().sum().dataSync()[0] as number
    })
    expect(costOf(pushed, horizon)).toBeCloseTo(miss + 0.01 * pushed.length * 0.25, 2)
  })
})

describe("the gradient workload", () => {
  it("returns one sequence inside the bounds, cheaper than the best initial one", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (seed) => {
        const initial = runGradientWorkload(
          problem,
          { ...smallGradient, iterations: 0 },
          Random.fromSeed(seed)
        )
        const tuned = runGradientWorkload(problem, smallGradient, Random.fromSeed(seed))
        expect(tuned).toHaveLength(sequenceLength(smallGradient.horizon))
        expect(withinBounds(tuned)).toBe(true)
        expect(costOf(tuned, smallGradient.horizon)).toBeLessThan(costOf(initial, smallGradient.horizon))
      }),
      { numRuns: 4 }
    )
  })

  it("stays inside the bounds when the steps are large", () => {
    const tuned = runGradientWorkload(problem, { ...smallGradient, lr: 5 }, Random.fromSeed(2))
    expect(withinBounds(tuned)).toBe(true)
    expect(tuned.some((value) => Math.abs(value) === 1)).toBe(true)
  })
})

describe.each([
  ["cem", (rng: Random) => runCemWorkload(problem, smallCem, rng), smallCem.horizon],
  ["mppi", (rng: Random) => runMppiWorkload(problem, smallMppi, rng), smallMppi.horizon]
] as const)("the %s workload", (_, run, horizon) => {
  it("returns a mean sequence inside the bounds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (seed) => {
        const mean = run(Random.fromSeed(seed))
        expect(mean).toHaveLength(sequenceLength(horizon))
        expect(withinBounds(mean)).toBe(true)
      }),
      { numRuns: 4 }
    )
  })

  it("gives the same mean for the same seed", () => {
    expect(run(Random.fromSeed(9))).toEqual(run(Random.fromSeed(9)))
  })
})

describe("the jepa training workload", () => {
  it("returns a finite loss that falls over a few steps", () => {
    const trainer = makeJepaTrainer(worldModel, smallJepa, actionBounds, Random.fromSeed(3))
    try {
      const losses = Array.from({ length: 6 }, () => trainer.step())
      expect(losses.every(Number.isFinite)).toBe(true)
      expect(losses.at(-1)).toBeLessThan(losses[0] as number)
    } finally {
      trainer.dispose()
    }
  })
})

describe("every workload", () => {
  it.each(smallCatalog.map((workload) => [workload.id, workload] as const))(
    "%s releases every tensor it makes",
    (_, workload) => {
      const beforeBuilding = tf.memory().numTensors
      const prepared = prepareWorkload(workload, 4)
      // The first training step creates the optimiser's moments, which later steps keep updating.
      prepared.run()
      const beforeRunning = tf.memory().numTensors
      prepared.run()
      prepared.run()
      expect(tf.memory().numTensors).toBe(beforeRunning)
      prepared.dispose()
      expect(tf.memory().numTensors).toBe(beforeBuilding)
    }
  )
})

describe("the building blocks", () => {
  it("VICReg's terms: full variance penalty on a collapse, covariance on correlated dimensions", () => {
    tf.tidy(() => {
      const offDiagonal = tf.tensor2d([0, 1, 1, 0], [2, 2])
      const collapsed = vicregTerms(tf.ones([4, 2]), offDiagonal)
      expect(collapsed.variance.dataSync()[0]).toBeCloseTo(0.99, 5)
      expect(collapsed.covariance.dataSync()[0]).toBeCloseTo(0, 5)
      const correlated = vicregTerms(tf.tensor2d([1, 1, -1, -1], [2, 2]), offDiagonal)
      expect(correlated.variance.dataSync()[0]).toBeCloseTo(0, 5)
      expect(correlated.covariance.dataSync()[0]).toBeCloseTo(4, 4)
    })
  })
})

const collect = async (iterable: AsyncIterable<SuiteRow>): Promise<Array<PerfRow>> => {
  const rows: Array<PerfRow> = []
  for await (const row of iterable) rows.push(row as PerfRow)
  return rows
}

describe("the perf suite", () => {
  it("is registered as perf and runs every fixed workload by default", () => {
    expect(suites.find((suite) => suite.id === "perf")).toBe(perfSuite)
    expect(perfSuite.protocol.workloads).toEqual(perfWorkloads.workloads)
    expect(perfSuite.columns?.map((column) => column.title)).toEqual([
      "id",
      "backend",
      "median ms",
      "min ms",
      "runs",
      "ops/run",
      "native calls/run",
      "compiled steps/run"
    ])
  })

  it("on native, replays each run's planning iterations as compiled steps: one native call each", async () => {
    const suite = makePerfSuite({
      catalog: smallCatalog,
      workloads: ["gd-8x3", "cem-16x3", "jepa-train-8x3"],
      timing: { minRuns: 1, maxRuns: 1, budgetSeconds: 0 }
    })
    const rows = (await collect(
      suite.run({ episodes: undefined, seed: 0, backend: "native", backends: ["native"], progress: () => {} })
    )) as Array<PerfRow>
    for (const row of rows) {
      const workload = smallCatalog.find(({ id }) => id === row.id)
      const iterations = workload !== undefined && "iterations" in workload ? workload.iterations : 1
      expect(row.compiledStepsPerRun, row.id).toBe(iterations)
      expect(row.compileRefusal, row.id).toBeNull()
      // A compiled run: its steps, plus the few products outside them (the final scoring).
      expect(row.nativeCallsPerRun, row.id).toBeLessThan(iterations + 10)
      expect(row.leakedTensors).toBe(0)
    }
  })

  it("yields one timed row per chosen workload", async () => {
    const suite = makePerfSuite({
      catalog: smallCatalog,
      workloads: ["jepa-train-8x3", "cem-16x3"],
      timing: { minRuns: 3, maxRuns: 3, budgetSeconds: 0 }
    })
    const progress: Array<string> = []
    const rows = await collect(
      suite.run({ episodes: undefined, seed: 0, backend: "wasm", progress: (label) => progress.push(label) })
    )
    expect(rows.map((row) => row.id)).toEqual(["jepa-train-8x3", "cem-16x3"])
    expect(progress).toEqual(["jepa-train-8x3 on wasm", "cem-16x3 on wasm"])
    for (const row of rows) {
      expect(row.runs).toBe(3)
      expect(row.msMedian).toBeGreaterThan(0)
      expect(row.msMin).toBeLessThanOrEqual(row.msMedian)
      expect(row.msMax).toBeGreaterThanOrEqual(row.msMedian)
      expect(row.backend).toBe("wasm")
      expect(row.tensorOpsPerRun).toBeGreaterThan(0)
      expect(row.leakedTensors).toBe(0)
    }
    expect(suite.checks?.(rows)).toEqual([{ description: "no workload leaks tensors", passed: true }])
    const table = summaryText(rows, suite.columns).split("\n")
    expect(table[0]).toMatch(
      /^id\s+backend\s+median ms\s+min ms\s+runs\s+ops\/run\s+native calls\/run\s+compiled steps\/run$/
    )
    expect(table).toHaveLength(3)
  })

  it("compares the backends asked for, says which could not run, and restores the active one", async () => {
    const suite = makePerfSuite({
      catalog: smallCatalog,
      workloads: ["cem-16x3"],
      timing: { minRuns: 1, maxRuns: 1, budgetSeconds: 0 }
    })
    await useWasmBackend()
    const rows = await collect(
      suite.run({
        episodes: undefined,
        seed: 0,
        backend: "wasm",
        // tfjs-node is an optional peer that is not installed here.
        backends: ["cpu", "node", "wasm"],
        progress: () => {}
      })
    )
    expect(rows.map((row) => [row.id, row.backend])).toEqual([
      ["cem-16x3", "cpu"],
      ["cem-16x3", "wasm"]
    ])
    expect(tf.getBackend()).toBe("wasm")
    const checks = suite.checks?.(rows) ?? []
    expect(checks[0]).toEqual({ description: "no workload leaks tensors", passed: true })
    expect(checks[1]?.passed).toBe(false)
    expect(checks[1]?.description).toMatch(/every backend compared ran \(telos: backend node skipped/)
  })

  it("compares the active backend with wasm by default", () => {
    expect(defaultComparedBackends("native")).toEqual(["native", "wasm"])
    expect(defaultComparedBackends("wasm")).toEqual(["wasm"])
  })

  it("skips the kernel count when asked", async () => {
    const suite = makePerfSuite({
      catalog: smallCatalog,
      workloads: ["mppi-16x3"],
      timing: { minRuns: 1, maxRuns: 1, budgetSeconds: 0 },
      countKernels: false
    })
    const [row] = await collect(
      suite.run({ episodes: undefined, seed: 0, backend: "wasm", progress: () => {} })
    )
    expect(row).toMatchObject({ id: "mppi-16x3", runs: 1, tensorOpsPerRun: null })
  })

  it("rejects an unknown workload id before running anything", () => {
    expect(() => makePerfSuite({ workloads: ["gd-1x1"] })).toThrow(UnknownNameError)
  })
})
