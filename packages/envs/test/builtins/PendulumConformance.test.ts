/**
 * Replays Gymnasium's own Pendulum-v1 trajectories (see /work/shared/conformance/README.md). Their
 * torques are drawn from [-3, 3], beyond the action space, so every episode also checks that
 * `outOfRangeActions: "clip"` gives what Gymnasium's internal clip gives, reward included.
 */
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { pendulum } from "@telos/envs"
import { describe, expect, it } from "vitest"

interface ReferenceEpisode {
  readonly theta0: number
  readonly thetadot0: number
  readonly actions: ReadonlyArray<number>
  readonly obs: ReadonlyArray<ReadonlyArray<number>>
  readonly rewards: ReadonlyArray<number>
}

const readEpisodes = (path: string): ReadonlyArray<ReferenceEpisode> =>
  (JSON.parse(readFileSync(path, "utf8")) as { episodes: ReadonlyArray<ReferenceEpisode> }).episodes

// Gymnasium returns float32 observations; its README names 1e-5 as the bar.
const tolerance = 1e-5

const replay = (episode: ReferenceEpisode): { clippedSteps: number } => {
  const env = pendulum.make()
  env.reset({ seed: 0, options: { theta: episode.theta0, thetaDot: episode.thetadot0 } })
  let clippedSteps = 0
  episode.actions.forEach((torque, t) => {
    if (Math.abs(torque) > 2) clippedSteps += 1
    const { observation, reward } = env.step([torque])
    const expected = episode.obs[t] as ReadonlyArray<number>
    observation.forEach((value, i) => {
      expect(Math.abs(value - (expected[i] as number)), `step ${t}, observation[${i}]`).toBeLessThan(
        tolerance
      )
    })
    const expectedReward = episode.rewards[t] as number
    expect(Math.abs(reward - expectedReward), `step ${t}, reward`).toBeLessThan(
      tolerance * Math.max(1, Math.abs(expectedReward))
    )
  })
  return { clippedSteps }
}

// The full file exists on the machines the project is developed on; the excerpt travels with the repo.
const sharedReference = "/work/shared/conformance/pendulum-v1.json"
const excerpt = fileURLToPath(new URL("../fixtures/pendulum-v1-excerpt.json", import.meta.url))

describe("pendulum against Gymnasium's Pendulum-v1", () => {
  it("reproduces the excerpt of Gymnasium's trajectories, out-of-range torques included", () => {
    const episodes = readEpisodes(excerpt)
    const clipped = episodes.reduce((total, episode) => total + replay(episode).clippedSteps, 0)
    expect(clipped).toBeGreaterThan(10)
  })

  it.skipIf(!existsSync(sharedReference))("reproduces all 20 reference episodes of 200 steps", () => {
    const episodes = readEpisodes(sharedReference)
    expect(episodes).toHaveLength(20)
    const clipped = episodes.reduce((total, episode) => total + replay(episode).clippedSteps, 0)
    expect(clipped).toBeGreaterThan(500)
  })
})
