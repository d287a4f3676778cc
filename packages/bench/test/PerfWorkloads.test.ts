import { readFileSync } from "node:fs"
import { UnknownNameError } from "@telos/core"
import { describe, expect, it } from "vitest"
import { jepaEncoderHidden, jepaLearningRate, jepaLossWeights } from "../src/perf/JepaTrainWorkload.js"
import {
  actionCostWeight,
  findPerfWorkload,
  gradientInitialStd,
  perfWorkloads
} from "../src/perf/Workloads.js"

// A copy of the shared perf-workloads.json, kept beside the tests so that the comparison
// runs on every machine (the shared file lives on the development machines only).
const sharedDefinitions = new URL("./fixtures/perf-workloads.json", import.meta.url)

describe("the embedded perf workloads", () => {
  it("equal perf-workloads.json field for field", () => {
    const shared: unknown = JSON.parse(readFileSync(sharedDefinitions, "utf8"))
    expect(perfWorkloads).toEqual(shared)
  })

  it("fix the mlp-wm world model, its cost and its bounds", () => {
    expect(perfWorkloads.worldModel).toEqual({
      name: "mlp-wm",
      stateDim: 64,
      actionDim: 4,
      hidden: 256,
      predictor: "s_next = s + W3 relu(W2 relu(W1 [s; a] + b1) + b2) + b3",
      init: "Glorot-uniform weights, zero biases, fixed seed"
    })
    expect(perfWorkloads.cost).toBe(
      "c(seq) = ||s_T - g||^2 + 0.01 * sum_t ||a_t||^2, with a fixed random goal g and start s_0"
    )
    expect(perfWorkloads.actionBounds).toEqual([-1, 1])
  })

  it("list the five workloads in order", () => {
    expect(perfWorkloads.workloads.map(({ id }) => id)).toEqual([
      "gd-256x16",
      "gd-1024x64",
      "cem-512x16",
      "mppi-512x16",
      "jepa-train-256x8"
    ])
  })

  it("fix the gradient workloads' parameters", () => {
    for (const [id, candidates, horizon] of [
      ["gd-256x16", 256, 16],
      ["gd-1024x64", 1024, 64]
    ] as const) {
      expect(findPerfWorkload(id)).toEqual({
        id,
        planner: "gradient",
        candidates,
        horizon,
        iterations: 20,
        optimizer: "adam",
        lr: 0.05,
        init: "N(0, 0.1^2) clipped to bounds",
        projection: "clip to bounds after every step",
        result: "best candidate's action sequence read back to host memory"
      })
    }
  })

  it("fix the sampling workloads' parameters", () => {
    expect(findPerfWorkload("cem-512x16")).toEqual({
      id: "cem-512x16",
      planner: "cem",
      samples: 512,
      elites: 64,
      horizon: 16,
      iterations: 10,
      initStd: 0.5,
      result: "final mean sequence read back to host memory"
    })
    expect(findPerfWorkload("mppi-512x16")).toEqual({
      id: "mppi-512x16",
      planner: "mppi",
      samples: 512,
      horizon: 16,
      iterations: 10,
      temperature: 1,
      noiseStd: 0.5,
      result: "final weighted mean sequence read back to host memory"
    })
  })

  it("fix the training workload's parameters", () => {
    expect(findPerfWorkload("jepa-train-256x8")).toMatchObject({
      planner: "none",
      trainStep: true,
      batch: 256,
      rolloutSteps: 8,
      observationDim: 64,
      encoder: "MLP 64 -> 256 -> 256 -> 64, relu",
      optimizer: "adam lr 1e-3, one step over all parameters",
      result: "loss value read back to host memory"
    })
  })

  it("agree with the constants the implementations read from the texts", () => {
    expect(findPerfWorkload("gd-256x16")).toMatchObject({
      init: `N(0, ${gradientInitialStd}^2) clipped to bounds`
    })
    expect(perfWorkloads.cost).toContain(`+ ${actionCostWeight} * sum_t ||a_t||^2`)
    const jepa = findPerfWorkload("jepa-train-256x8")
    expect(jepa).toMatchObject({
      encoder: `MLP 64 -> ${jepaEncoderHidden} -> ${jepaEncoderHidden} -> 64, relu`,
      optimizer: `adam lr ${jepaLearningRate.toExponential()}, one step over all parameters`
    })
    const { prediction, variance, covariance } = jepaLossWeights
    expect(jepa).toMatchObject({
      loss: expect.stringContaining(`weights ${prediction}, ${variance}, ${covariance}`)
    })
  })

  it("name the known ids when asked for an unknown one", () => {
    expect(() => findPerfWorkload("gd-1x1")).toThrow(UnknownNameError)
    expect(() => findPerfWorkload("gd-1x1")).toThrow(/known: gd-256x16, gd-1024x64/)
  })
})
