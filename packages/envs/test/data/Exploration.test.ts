import { Box, InvalidValueError, Random } from "@telos/core"
import {
  correlatedPolicy,
  type ExplorationPolicy,
  pendulum,
  pointMass,
  randomWalkPolicy,
  uniformPolicy
} from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { thrownBy } from "../support.js"

const noObservation = new Float64Array(0)

const actionsOf = (
  policy: ExplorationPolicy,
  seed: number,
  steps: number,
  size: number
): Array<Float64Array> => {
  const episode = policy.startEpisode(Random.fromSeed(seed))
  return Array.from({ length: steps }, () => episode.act(noObservation, new Float64Array(size)).slice())
}

/** Boxes of `size` components with finite bounds, possibly asymmetric or degenerate. */
const boxes = (size: number) =>
  fc
    .array(
      fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true })),
      { minLength: size, maxLength: size }
    )
    .map(
      (pairs) =>
        new Box({
          low: pairs.map(([low]) => low),
          high: pairs.map(([low, width]) => low + width),
          shape: [size]
        })
    )

const insideBox = (box: Box, action: Float64Array): void => {
  expect(action).toHaveLength(box.size)
  for (let i = 0; i < box.size; i++) {
    expect(action[i]).toBeGreaterThanOrEqual(box.low[i] as number)
    expect(action[i]).toBeLessThanOrEqual(box.high[i] as number)
  }
}

describe("uniformPolicy", () => {
  it("stays inside any finite box and repeats itself for a seed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((size) => fc.tuple(fc.constant(size), boxes(size))),
        fc.nat(),
        ([size, box], seed) => {
          const actions = actionsOf(uniformPolicy(box), seed, 30, size)
          for (const action of actions) insideBox(box, action)
          expect(actionsOf(uniformPolicy(box), seed, 30, size)).toEqual(actions)
        }
      ),
      { numRuns: 100 }
    )
  })

  it("covers the box evenly", () => {
    const box = new Box({ low: [-2, 10], high: [2, 11] })
    const actions = actionsOf(uniformPolicy(box), 5, 10_000, 2)
    const mean = (index: number) =>
      actions.reduce((total, action) => total + (action[index] as number), 0) / 10_000
    expect(mean(0)).toBeCloseTo(0, 1)
    expect(mean(1)).toBeCloseTo(10.5, 1)
  })

  it("works for a 1-D action space such as pendulum's", () => {
    const actions = actionsOf(uniformPolicy(pendulum.definition.actionSpace), 1, 100, 1)
    for (const action of actions) insideBox(pendulum.definition.actionSpace, action)
  })

  it("rejects a box with an infinite bound, naming the component", () => {
    const error = thrownBy(() => uniformPolicy(new Box({ low: [0, 0], high: [1, Number.POSITIVE_INFINITY] })))
    expect(error).toBeInstanceOf(InvalidValueError)
    expect(error).toMatchObject({ field: "actionSpace[1]" })
  })
})

describe("randomWalkPolicy", () => {
  const twoRoomsActions = new Box({ low: -2.45, high: 2.45, shape: [2] })

  it("stays inside any 2-D box, with any settings, and repeats itself for a seed", () => {
    fc.assert(
      fc.property(
        boxes(2),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.nat(),
        (box, concentration, low, extra, seed) => {
          const make = () =>
            randomWalkPolicy(box, { concentration, minimumStep: low, maximumStep: low + extra })
          const actions = actionsOf(make(), seed, 40, 2)
          for (const action of actions) insideBox(box, action)
          expect(actionsOf(make(), seed, 40, 2)).toEqual(actions)
        }
      ),
      { numRuns: 100 }
    )
  })

  it("differs from seed to seed", () => {
    const policy = randomWalkPolicy(twoRoomsActions)
    expect(actionsOf(policy, 1, 10, 2)).not.toEqual(actionsOf(policy, 2, 10, 2))
  })

  it("draws step lengths uniformly in [minimumStep, maximumStep] (inside the box, before any clipping)", () => {
    const policy = randomWalkPolicy(twoRoomsActions, { minimumStep: 0.5, maximumStep: 1.5 })
    const lengths = actionsOf(policy, 2, 5000, 2).map((action) => Math.hypot(action[0]!, action[1]!))
    for (const length of lengths) {
      expect(length).toBeGreaterThanOrEqual(0.5 - 1e-12)
      expect(length).toBeLessThanOrEqual(1.5 + 1e-12)
    }
    expect(lengths.reduce((total, length) => total + length, 0) / lengths.length).toBeCloseTo(1, 1)
  })

  it("keeps a persistent heading that turns by von Mises angles", () => {
    const turns = (concentration: number): number => {
      const actions = actionsOf(
        randomWalkPolicy(twoRoomsActions, { concentration, minimumStep: 1, maximumStep: 1 }),
        3,
        2000,
        2
      )
      let total = 0
      for (let i = 1; i < actions.length; i++) {
        const before = Math.atan2(actions[i - 1]![1]!, actions[i - 1]![0]!)
        const after = Math.atan2(actions[i]![1]!, actions[i]![0]!)
        total += Math.abs(Math.atan2(Math.sin(after - before), Math.cos(after - before)))
      }
      return total / (actions.length - 1)
    }
    // Mean absolute turn: about sqrt(2 / (pi kappa)) for a large kappa, pi / 2 for kappa 0.
    expect(turns(100)).toBeLessThan(0.1)
    expect(turns(5)).toBeGreaterThan(0.2)
    expect(turns(5)).toBeLessThan(0.5)
    expect(turns(0)).toBeGreaterThan(1.3)
  })

  it("starts every episode from a fresh heading", () => {
    const policy = randomWalkPolicy(twoRoomsActions, { concentration: 1e6, minimumStep: 1, maximumStep: 1 })
    const headings = [1, 2, 3, 4].map((seed) => {
      const [action] = actionsOf(policy, seed, 1, 2)
      return Math.atan2(action![1]!, action![0]!)
    })
    expect(new Set(headings.map((heading) => heading.toFixed(3))).size).toBe(4)
  })

  it("records its settings, with the default step range reaching the box's edge", () => {
    expect(randomWalkPolicy(twoRoomsActions).settings).toEqual({
      policy: "random-walk",
      concentration: 5,
      minimumStep: 0,
      maximumStep: 2.45
    })
    expect(randomWalkPolicy(pointMass.definition.actionSpace, { concentration: 2 }).settings).toMatchObject({
      concentration: 2,
      maximumStep: 1
    })
  })

  it.each([
    { case: "a 1-D box", run: () => randomWalkPolicy(pendulum.definition.actionSpace), field: "actionSpace" },
    {
      case: "a 3-D box",
      run: () => randomWalkPolicy(new Box({ low: -1, high: 1, shape: [3] })),
      field: "actionSpace"
    },
    {
      case: "an infinite bound",
      run: () => randomWalkPolicy(new Box({ low: [-1, Number.NEGATIVE_INFINITY], high: [1, 1] })),
      field: "actionSpace[1]"
    },
    {
      case: "a negative kappa",
      run: () => randomWalkPolicy(twoRoomsActions, { concentration: -1 }),
      field: "concentration"
    },
    {
      case: "a negative minimum",
      run: () => randomWalkPolicy(twoRoomsActions, { minimumStep: -1 }),
      field: "minimumStep"
    },
    {
      case: "a maximum below the minimum",
      run: () => randomWalkPolicy(twoRoomsActions, { minimumStep: 2, maximumStep: 1 }),
      field: "maximumStep"
    }
  ])("rejects $case with an InvalidValueError naming $field", ({ run, field }) => {
    const error = thrownBy(run)
    expect(error).toBeInstanceOf(InvalidValueError)
    expect(error).toMatchObject({ field })
  })
})

describe("correlatedPolicy", () => {
  const box = new Box({ low: [-2, 0], high: [2, 1], shape: [2] })
  const actions = (policy: ReturnType<typeof correlatedPolicy>, seed: number, steps: number) => {
    const episode = policy.startEpisode(Random.fromSeed(seed))
    return Array.from({ length: steps }, () =>
      Array.from(episode.act(Float64Array.of(0), new Float64Array(2)))
    )
  }
  const lagOneCorrelation = (series: ReadonlyArray<number>): number => {
    const mean = series.reduce((sum, value) => sum + value, 0) / series.length
    let product = 0
    let square = 0
    for (let t = 0; t < series.length; t++) {
      square += ((series[t] as number) - mean) ** 2
      if (t > 0) product += ((series[t] as number) - mean) * ((series[t - 1] as number) - mean)
    }
    return product / square
  }

  it("stays inside the box and repeats itself for a seed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        (seed, persistence) => {
          const policy = correlatedPolicy(box, { persistence })
          const first = actions(policy, seed, 50)
          for (const [x, y] of first as Array<[number, number]>) {
            expect(x).toBeGreaterThanOrEqual(-2)
            expect(x).toBeLessThanOrEqual(2)
            expect(y).toBeGreaterThanOrEqual(0)
            expect(y).toBeLessThanOrEqual(1)
          }
          expect(actions(policy, seed, 50)).toEqual(first)
        }
      ),
      { numRuns: 30 }
    )
  })

  it("carries each action over to the next, where uniform actions do not", () => {
    const series = (policy: ReturnType<typeof correlatedPolicy>) =>
      actions(policy, 3, 4000).map((action) => action[0] as number)
    expect(lagOneCorrelation(series(correlatedPolicy(box, { persistence: 0.9 })))).toBeGreaterThan(0.75)
    expect(Math.abs(lagOneCorrelation(series(correlatedPolicy(box, { persistence: 0 }))))).toBeLessThan(0.1)
    expect(Math.abs(lagOneCorrelation(series(uniformPolicy(box))))).toBeLessThan(0.1)
    expect(correlatedPolicy(box).settings).toEqual({ policy: "correlated", persistence: 0.95 })
  })

  it("rejects a persistence outside [0, 1) naming it", () => {
    for (const persistence of [1, -0.1, Number.NaN]) {
      expect(() => correlatedPolicy(box, { persistence })).toThrow(/persistence/)
    }
  })
})
