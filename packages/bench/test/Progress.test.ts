import * as fc from "fast-check"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { makeProgress, type ProgressOutput, progressEnabled } from "../src/cli/Progress.js"

const clearLine = "\r\u001b[2K"

const recorder = (isTTY: boolean | undefined): ProgressOutput & { readonly written: Array<string> } => {
  const written: Array<string> = []
  return { isTTY, written, write: (text: string) => written.push(text) }
}

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(new Date("2025-01-01T00:00:00Z"))
})
afterEach(() => {
  vi.useRealTimers()
})

describe("makeProgress", () => {
  it.each([
    { case: "not a terminal", isTTY: false, environment: {} },
    { case: "isTTY unset", isTTY: undefined, environment: {} },
    { case: "CI=true", isTTY: true, environment: { CI: "true" } },
    { case: "CI=1", isTTY: true, environment: { CI: "1" } }
  ])("writes nothing when $case", ({ isTTY, environment }) => {
    const output = recorder(isTTY)
    const progress = makeProgress(output, environment)
    progress.update("pendulum", 0.3)
    vi.advanceTimersByTime(500)
    progress.update("pendulum", 1)
    progress.finish()
    expect(output.written).toEqual([])
  })

  it.each([
    { case: "CI unset", environment: {} },
    { case: "CI empty", environment: { CI: "" } },
    { case: "CI=false", environment: { CI: "false" } },
    { case: "CI undefined", environment: { CI: undefined } }
  ])("draws a bar on a terminal with $case, and finish clears the line", ({ environment }) => {
    const output = recorder(true)
    const progress = makeProgress(output, environment)
    progress.update("pendulum", 0.5)
    expect(output.written).toHaveLength(1)
    const bar = output.written[0] as string
    expect(bar.startsWith("\r")).toBe(true)
    expect(bar).toContain("pendulum")
    expect(bar).toContain(`[${"#".repeat(15)}${"-".repeat(15)}]`)
    expect(bar.endsWith(" 50%")).toBe(true)
    expect(bar).not.toContain("\n")
    progress.finish()
    expect(output.written.at(-1)).toBe(clearLine)
    progress.finish()
    expect(output.written).toHaveLength(2)
  })

  it("clears the line before every draw, so a shorter label leaves nothing behind", () => {
    const output = recorder(true)
    const progress = makeProgress(output, {})
    progress.update("point-mass gradient", 0.5)
    vi.advanceTimersByTime(200)
    progress.update("pendulum", 0.1)
    expect(output.written.length).toBe(2)
    for (const line of output.written) expect(line.startsWith(clearLine)).toBe(true)
  })

  it("clears nothing when it drew nothing", () => {
    const output = recorder(true)
    makeProgress(output, {}).finish()
    expect(output.written).toEqual([])
  })

  it("redraws at most every 100 ms, but always draws completion", () => {
    const output = recorder(true)
    const progress = makeProgress(output, {})
    progress.update("row", 0.1)
    progress.update("row", 0.2)
    expect(output.written).toHaveLength(1)
    vi.advanceTimersByTime(99)
    progress.update("row", 0.3)
    expect(output.written).toHaveLength(1)
    vi.advanceTimersByTime(1)
    progress.update("row", 0.4)
    expect(output.written).toHaveLength(2)
    expect(output.written[1]).toMatch(/ 40%$/)
    progress.update("row", 1)
    expect(output.written).toHaveLength(3)
    expect(output.written[2]).toMatch(/\[#{30}\] 100%$/)
  })

  it("keeps the bar the same width whatever the fraction", () => {
    fc.assert(
      fc.property(fc.double({ min: -2, max: 3, noNaN: true }), (fraction) => {
        const output = recorder(true)
        makeProgress(output, {}).update("label", fraction)
        const bar = output.written[0] as string
        const inside = /\[([#-]*)\]/.exec(bar)?.[1] ?? ""
        expect(inside).toHaveLength(30)
        const percent = Number(/(\d+)%$/.exec(bar)?.[1])
        expect(percent).toBeGreaterThanOrEqual(0)
        expect(percent).toBeLessThanOrEqual(100)
      })
    )
  })
})

describe("progressEnabled", () => {
  it("is on exactly on a terminal outside CI", () => {
    fc.assert(
      fc.property(
        fc.option(fc.boolean(), { nil: undefined }),
        fc.option(fc.constantFrom("", "false", "true", "1", "yes", "0"), { nil: undefined }),
        (isTTY, ci) => {
          const expected = isTTY === true && (ci === undefined || ci === "" || ci === "false")
          expect(progressEnabled({ isTTY, write: () => undefined }, { CI: ci })).toBe(expected)
        }
      )
    )
  })
})
