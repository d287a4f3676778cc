import { traceRecorder, traceSvg } from "@telos/bench"
import { describe, expect, it } from "vitest"

const info = (x: number, y: number, extra: Record<string, unknown> = {}) => ({
  position: Float64Array.of(x, y),
  goal: Float64Array.of(50, 60),
  ...extra
})

describe("traceRecorder", () => {
  it("records the first episodes only: the reset's position, each step's, the goal, the layout and the outcome", () => {
    const recorder = traceRecorder(1, [7, 8], 2, (latent) => [
      (latent[0] as number) * 10,
      (latent[1] as number) * 10
    ])
    recorder.onReset(0, info(1, 2, { layout: 41 }))
    recorder.onReset(1, info(3, 4))
    recorder.onTransition(0, info(2, 2))
    recorder.onTransition(1, info(4, 4))
    recorder.onSubgoals(1, [0, 1], Float32Array.of(1, 2, 3, 4))
    recorder.onTransition(0, info(3, 2, { success: true }))
    recorder.onSubgoals(2, [0], Float32Array.of(5, 6, 0, 0))
    expect(recorder.traces()).toEqual([
      {
        seed: 7,
        positions: [
          [1, 2],
          [2, 2],
          [3, 2]
        ],
        goal: [50, 60],
        layout: 41,
        success: true,
        subgoals: [
          { level: 1, step: 1, at: [10, 20] },
          { level: 2, step: 2, at: [50, 60] }
        ]
      }
    ])
  })

  it("keeps no subgoals without a way to read positions, and no trace of an environment without positions", () => {
    const recorder = traceRecorder(2, [0, 1], 2)
    recorder.onReset(0, info(1, 1))
    recorder.onReset(1, { goal: Float64Array.of(0, 0) })
    recorder.onSubgoals(1, [0], Float32Array.of(1, 1, 1, 1))
    expect(recorder.traces()).toHaveLength(1)
    expect(recorder.traces()[0]?.subgoals).toEqual([])
  })
})

describe("traceSvg", () => {
  const picture =
    '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 64 64"><rect/></svg>'
  const trace = {
    seed: 0,
    positions: [
      [1, 2],
      [3, 4]
    ] as const,
    success: false,
    subgoals: [
      { level: 1, step: 0, at: [5, 6] as const },
      { level: 2, step: 0, at: [7, 8] as const }
    ]
  }

  it("draws the path and each level's subgoals in the picture's own units, and says how it ended", () => {
    const drawn = traceSvg(picture, trace, "flat, seed 0") as string
    expect(drawn.startsWith(picture.slice(0, -"</svg>".length))).toBe(true)
    expect(drawn.endsWith("</svg>")).toBe(true)
    expect(drawn).toContain('points="1,2 3,4"')
    expect(drawn).toContain('cx="5" cy="6"')
    expect(drawn).toContain("#e8590c")
    expect(drawn).toContain(">failure; subgoals of level 1, level 2<")
  })

  it("draws nothing over a picture that is not an SVG in position units", () => {
    expect(traceSvg("<svg></svg>", trace, "x")).toBeUndefined()
    expect(traceSvg("not a picture", trace, "x")).toBeUndefined()
  })
})
