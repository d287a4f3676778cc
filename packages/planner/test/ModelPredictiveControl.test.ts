import { Random } from "@telos/core"
import { goalCost, gradientPlanner, runEpisodes } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { shiftEnv, shiftModel } from "./fixtures.js"

const task = (iterations = 10) => ({
  model: shiftModel(2),
  planner: gradientPlanner({ iterations, restarts: 2, learningRate: 0.3 }),
  horizon: 8,
  goalOf: (info: Readonly<Record<string, unknown>>) => info.goal as Float64Array,
  cost: (goals: tf.Tensor2D | undefined) => goalCost({ goal: goals as tf.Tensor2D, mode: "running" })
})

describe("runEpisodes", () => {
  it("reaches the goal in every episode, replanning every step", () => {
    const envs = [shiftEnv(2), shiftEnv(2), shiftEnv(2)]
    const steps: Array<number> = []
    const run = runEpisodes(envs, [1, 2, 3], task(), Random.fromSeed(0), {
      onStep: (step) => steps.push(step)
    })
    expect(run.episodes.map((episode) => episode.success)).toEqual([true, true, true])
    expect(run.planCalls).toBe(Math.max(...run.episodes.map((episode) => episode.steps)))
    expect(steps.at(-1)).toBe(run.planCalls)
    run.episodes.forEach((episode) => {
      expect(episode.plannedCosts.length).toBe(episode.steps)
      expect(episode.totalReward).toBeLessThan(0)
    })
  })

  it("reports failure when the step budget ends the episode", () => {
    const run = runEpisodes([shiftEnv(2, 0.05, 2)], [5], task(1), Random.fromSeed(0))
    expect(run.episodes[0]?.success).toBe(false)
    expect(run.episodes[0]?.steps).toBe(2)
  })

  it("returns the tensor count to its baseline", () => {
    const before = tf.memory().numTensors
    runEpisodes([shiftEnv(2, 0.05, 5), shiftEnv(2, 0.05, 5)], [1, 2], task(3), Random.fromSeed(0))
    expect(tf.memory().numTensors).toBe(before)
  })

  it("requires one seed per environment", () => {
    expect(() => runEpisodes([shiftEnv(2)], [1, 2], task(), Random.fromSeed(0))).toThrow(/seeds/)
  })
})
