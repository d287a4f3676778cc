import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { defaultTimingProtocol, median, timeRuns, warmUp, warmUpRule } from "../src/perf/Timing.js"

/** A clock that advances only when a run does: each run takes `durations[i]` milliseconds. */
const scriptedRuns = (durations: ReadonlyArray<number>) => {
  let now = 0
  let index = 0
  return {
    clock: () => now,
    run: () => {
      now += durations[index % durations.length] as number
      index++
    }
  }
}

describe("median", () => {
  it("takes the middle value, or the mean of the middle two", () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 2, 3])).toBe(2.5)
    expect(() => median([])).toThrow(RangeError)
  })

  it("lies between the smallest and the largest value", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1 }), (values) => {
        const middle = median(values)
        expect(middle).toBeGreaterThanOrEqual(Math.min(...values))
        expect(middle).toBeLessThanOrEqual(Math.max(...values))
      })
    )
  })
})

describe("timeRuns", () => {
  it("follows the reference's rule: fast workloads stop at 15 runs", () => {
    const { clock, run } = scriptedRuns([10])
    const timings = timeRuns(run, defaultTimingProtocol, clock)
    expect(timings.milliseconds).toHaveLength(15)
    expect(timings.median).toBe(10)
  })

  it("stops once the budget is spent, but not before the minimum", () => {
    const { clock, run } = scriptedRuns([6_000])
    expect(timeRuns(run, defaultTimingProtocol, clock).milliseconds).toHaveLength(4)
    const slow = scriptedRuns([60_000])
    expect(timeRuns(slow.run, defaultTimingProtocol, slow.clock).milliseconds).toHaveLength(3)
  })

  it("reports the median, min and max of the runs it timed", () => {
    const { clock, run } = scriptedRuns([5, 1, 9])
    const timings = timeRuns(run, { minRuns: 3, maxRuns: 3, budgetSeconds: 0 }, clock)
    expect(timings).toEqual({ milliseconds: [5, 1, 9], median: 5, min: 1, max: 9 })
  })

  it("always times at least one run", () => {
    const { clock, run } = scriptedRuns([1])
    expect(timeRuns(run, { minRuns: 0, maxRuns: 0, budgetSeconds: 0 }, clock).milliseconds).toHaveLength(1)
  })
})

describe("warmUp", () => {
  /** Makes the caller's first run, then the warm-up; returns the runs added. */
  const warmUpAfterFirst = (duration: number, protocol = defaultTimingProtocol): number => {
    const { clock, run } = scriptedRuns([duration])
    const started = clock()
    run()
    return warmUp(run, protocol, started, clock)
  }

  it("adds runs until a second has passed, ten runs in all at most", () => {
    expect(warmUpAfterFirst(50)).toBe(9)
    expect(warmUpAfterFirst(300)).toBe(3)
    expect(warmUpAfterFirst(1)).toBe(9)
  })

  it("takes the default protocol's rule where a protocol has none of its own", () => {
    expect(warmUpRule({ minRuns: 3, maxRuns: 3, budgetSeconds: 0 })).toEqual({ seconds: 1, maxRuns: 10 })
    expect(warmUpRule({ minRuns: 3, maxRuns: 3, budgetSeconds: 0, maxWarmUpRuns: 2 })).toEqual({
      seconds: 1,
      maxRuns: 2
    })
  })

  it("adds none to a workload whose first run took the whole warm-up time", () => {
    expect(warmUpAfterFirst(5_000)).toBe(0)
    expect(warmUpAfterFirst(50, { ...defaultTimingProtocol, warmUpSeconds: 0 })).toBe(0)
    expect(warmUpAfterFirst(50, { ...defaultTimingProtocol, maxWarmUpRuns: 1 })).toBe(0)
  })
})
