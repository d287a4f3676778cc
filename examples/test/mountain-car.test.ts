import { checkEnv } from "@telos/envs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import mountainCarDefault, {
  mountainCar,
  mountainCarConstants,
  mountainCarModel,
  mountainCarTransition
} from "../mountain-car.js"
import { actionIn, maxDifference, modelStep, runEpisode } from "./support.js"

const { minPosition, maxPosition, maxSpeed, power, gravity } = mountainCarConstants
const space = mountainCar.definition.observationSpace

describe("mountain-car", () => {
  it("is the default export: Gymnasium's spaces, a place for a goal, 999 steps", () => {
    expect(mountainCarDefault).toBe(mountainCar)
    expect(Array.from(space.low)).toEqual([-1.2, -0.07])
    expect(Array.from(space.high)).toEqual([0.6, 0.07])
    expect(mountainCar.definition.goalDimensions).toEqual([0])
    expect(mountainCar.definition.goal).toEqual([0.45, 0])
    expect(mountainCar.definition.maxEpisodeSteps).toBe(999)
  })

  it("passes telos's own environment checker without warnings", () => {
    // Its 999-step budget is beyond the checker's default walk of 300 steps.
    for (const seed of [0, 1, 2]) expect(checkEnv(mountainCar, { seed, maxSteps: 1000 }).warnings).toEqual([])
  })

  it("steps as Gymnasium's equations say", () => {
    const { state, reward, terminated } = mountainCarTransition(
      { position: -0.5, velocity: 0.01 },
      Float64Array.of(0.6)
    )
    const velocity = 0.01 + 0.6 * power - gravity * Math.cos(-1.5)
    expect(state.velocity).toBeCloseTo(velocity, 12)
    expect(state.position).toBeCloseTo(-0.5 + velocity, 12)
    expect(reward).toBeCloseTo(-0.1 * 0.36, 12)
    expect(terminated).toBe(false)
  })

  it("clips the speed and a force beyond [-1, 1], as Gymnasium does", () => {
    // Where the slope is flat (cos 3x = 0) the engine alone pushes past the speed limit.
    const fast = mountainCarTransition({ position: -Math.PI / 6, velocity: 0.0699 }, Float64Array.of(5))
    expect(fast.state.velocity).toBe(maxSpeed)
    // The clipped force costs 0.1, not 2.5.
    expect(fast.reward).toBeCloseTo(-0.1, 12)
    const env = mountainCar.make()
    env.reset({ seed: 0 })
    expect(() => env.step([3])).not.toThrow()
  })

  it("stops the car at the left wall and pays 100 at the flag", () => {
    const wall = mountainCarTransition({ position: -1.19, velocity: -0.05 }, Float64Array.of(-1))
    expect(wall.state).toEqual({ position: minPosition, velocity: 0 })
    const flag = mountainCarTransition({ position: 0.44, velocity: 0.05 }, Float64Array.of(0))
    expect(flag.terminated).toBe(true)
    expect(flag.reward).toBe(100)
    expect(mountainCarTransition({ position: 0.59, velocity: 0.07 }, Float64Array.of(1)).state.position).toBe(
      maxPosition
    )
  })

  it("cannot climb straight up: full force right from the valley fails, rocking first succeeds", () => {
    const env = mountainCar.make()
    expect(runEpisode(env, 0, () => [1]).success).toBe(false)
    // Push along the velocity: the textbook energy-pumping controller.
    const rocking = runEpisode(env, 0, (observation) => [(observation[1] as number) >= 0 ? 1 : -1])
    expect(rocking.success).toBe(true)
    expect(rocking.steps).toBeLessThan(200)
  })

  it("has a ground-truth model that agrees with the transition (float32)", () => {
    const model = mountainCarModel()
    fc.assert(
      fc.property(
        fc.double({ min: minPosition, max: maxPosition, noNaN: true }),
        fc.double({ min: -maxSpeed, max: maxSpeed, noNaN: true }),
        actionIn(mountainCar.definition.actionSpace),
        (position, velocity, action) => {
          const expected = mountainCarTransition({ position, velocity }, Float64Array.from(action)).state
          const [predicted] = modelStep(model, [Float64Array.of(position, velocity)], [action])
          expect(
            maxDifference(predicted as Float32Array, [expected.position, expected.velocity])
          ).toBeLessThan(1e-4)
        }
      ),
      { numRuns: 60 }
    )
  })
})
