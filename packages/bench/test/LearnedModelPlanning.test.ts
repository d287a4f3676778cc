/**
 * The whole loop on a learned model, asserted by its outcome: random-action data from the shift
 * world, a small JEPA trained on it for a few seconds, and an agent that plans in the JEPA's latent
 * space must bring the point to its goal in most episodes. A model that learned no dynamics, or an
 * encoder whose goal latent misleads, fails here, whatever its loss said.
 */
import { join } from "node:path"
import { Random } from "@telos/core"
import { collectEpisodes, uniformPolicy } from "@telos/envs"
import { flatAgent, goalCost, gradientPlanner, runEpisodes } from "@telos/planner"
import { createJepa, type JepaModel, trainJepa } from "@telos/worldmodel"
import { openDataset, writeDataset } from "@telos/worldmodel/node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  makeTempDir,
  removeTempDir,
  restoreBackendAfterAll,
  shiftEnv,
  shiftSpec,
  useWasmBackend
} from "./fixtures.js"

restoreBackendAfterAll()

let directory = ""
let model: JepaModel

// About two seconds on wasm. At 100 training steps the agent already fails some episodes; an
// untrained model succeeds in about one of six.
beforeAll(async () => {
  await useWasmBackend()
  directory = await makeTempDir()
  const spec = shiftSpec(2)
  const path = join(directory, "dataset.bin")
  await writeDataset(
    path,
    { envId: "shift", seed: 0, collector: { policy: "uniform" }, observationSize: 2, actionSize: 2 },
    collectEpisodes({
      spec,
      policy: uniformPolicy(spec.definition.actionSpace),
      transitions: 2000,
      episodeLength: 20,
      seed: 0
    })
  )
  const dataset = await openDataset(path)
  model = createJepa(
    {
      observation: { kind: "vector", size: 2 },
      latentSize: 8,
      actionLow: [-1, -1],
      actionHigh: [1, 1],
      encoderHidden: [32],
      predictorHidden: [32],
      inverseDynamicsHidden: [16],
      latentVariableSize: 0
    },
    0
  )
  await trainJepa(model, dataset, {
    epochs: 1,
    stepsPerEpoch: 200,
    batchSize: 32,
    rolloutSteps: 4,
    learningRate: 3e-3
  })
}, 120_000)

afterAll(async () => {
  model.dispose()
  await removeTempDir(directory)
})

describe("planning with a learned JEPA", () => {
  it("reaches the goal in most episodes of the shift world", () => {
    const agent = flatAgent({
      model: model.worldModel,
      planner: gradientPlanner({ iterations: 10, restarts: 2, learningRate: 0.3 }),
      horizon: 8,
      cost: (targets) => goalCost({ goal: targets, mode: "running" })
    })
    const seeds = [1, 2, 3, 4, 5, 6]
    const t = performance.now()
    const run = runEpisodes(
      seeds.map(() => shiftEnv(2, 40)),
      seeds,
      agent,
      { rng: Random.fromSeed(0) }
    )
    console.log(
      "plan ms",
      performance.now() - t,
      run.episodes.map((e) => [e.success, e.steps])
    )
    const successes = run.episodes.filter((episode) => episode.success).length
    expect(successes).toBeGreaterThanOrEqual(5)
  })
})
