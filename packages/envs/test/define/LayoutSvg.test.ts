import { type LayoutPoint, layoutSvg, type WallLayout } from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { thrownBy } from "../support.js"

const twoRooms: WallLayout = {
  width: 64,
  height: 64,
  walls: [
    { x: 30, y: 0, width: 4, height: 26 },
    { x: 30, y: 38, width: 4, height: 26 }
  ]
}

const points = (maxLength: number): fc.Arbitrary<Array<LayoutPoint>> =>
  fc.array(
    fc.tuple(
      fc.double({ min: -10, max: 80, noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: -10, max: 80, noNaN: true, noDefaultInfinity: true })
    ),
    { maxLength }
  )

const layouts: fc.Arbitrary<WallLayout> = fc.record({
  width: fc.integer({ min: 8, max: 200 }),
  height: fc.integer({ min: 8, max: 200 }),
  walls: fc.array(
    fc.record({
      x: fc.integer({ min: 0, max: 100 }),
      y: fc.integer({ min: 0, max: 100 }),
      width: fc.integer({ min: 1, max: 20 }),
      height: fc.integer({ min: 1, max: 20 })
    }),
    { maxLength: 8 }
  )
})

/**
 * Checks that the markup is well formed in the ways a browser's XML parser cares about: tags
 * balance and nest, attribute values are quoted and hold no raw `<`, and every `&` starts one
 * of the five predefined entities. Returns the problems found.
 */
const wellFormednessProblems = (markup: string): Array<string> => {
  const problems: Array<string> = []
  const open: Array<string> = []
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g
  let consumed = 0
  for (const match of markup.matchAll(tag)) {
    const text = markup.slice(consumed, match.index)
    if (text.includes("<") || text.includes(">")) problems.push(`stray markup in ${JSON.stringify(text)}`)
    consumed = match.index + match[0].length
    const [, closing, name = "", , selfClosing] = match
    if (closing === "/") {
      const expected = open.pop()
      if (expected !== name) problems.push(`</${name}> closes <${expected}>`)
    } else if (selfClosing !== "/") {
      open.push(name)
    }
  }
  if (consumed !== markup.length) problems.push(`unparsed tail ${JSON.stringify(markup.slice(consumed))}`)
  if (open.length > 0) problems.push(`unclosed ${open.join(", ")}`)
  for (const ampersand of markup.matchAll(/&(?!(?:amp|lt|gt|quot|apos);)/g)) {
    problems.push(`bare & at ${ampersand.index}`)
  }
  if (/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(markup)) {
    problems.push("a character XML forbids")
  }
  if (!markup.startsWith("<svg ") || !markup.endsWith("</svg>")) problems.push("not one svg element")
  return problems
}

const count = (markup: string, pattern: RegExp): number => markup.match(pattern)?.length ?? 0

describe("layoutSvg", () => {
  it("draws one rect per wall inside the walls group, plus the arena floor", () => {
    fc.assert(
      fc.property(layouts, (layout) => {
        const svg = layoutSvg(layout)
        const walls = /<g class="walls"[^>]*>(.*?)<\/g>/.exec(svg)?.[1] ?? ""
        expect(count(walls, /<rect /g)).toBe(layout.walls.length)
        expect(count(svg, /<rect /g)).toBe(layout.walls.length + 1)
        for (const wall of layout.walls) {
          expect(walls).toContain(
            `<rect x="${wall.x}" y="${wall.y}" width="${wall.width}" height="${wall.height}"/>`
          )
        }
      })
    )
  })

  it("draws one polyline per trajectory with all its points, and markers at both ends", () => {
    fc.assert(
      fc.property(fc.array(points(12), { maxLength: 5 }), (paths) => {
        const svg = layoutSvg(twoRooms, { trajectories: paths.map((path) => ({ points: path })) })
        const polylines = [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((match) => match[1] ?? "")
        expect(polylines).toHaveLength(paths.length)
        polylines.forEach((list, index) => {
          const pairs = list === "" ? [] : list.split(" ")
          expect(pairs).toHaveLength(paths[index]?.length ?? -1)
          for (const pair of pairs) expect(pair).toMatch(/^-?\d+(\.\d{1,2})?,-?\d+(\.\d{1,2})?$/)
        })
        const drawn = paths.filter((path) => path.length > 0).length
        expect(count(svg, /<circle class="first"/g)).toBe(drawn)
        expect(count(svg, /<circle class="last"/g)).toBe(drawn)
      })
    )
  })

  it("rounds coordinates to at most two decimals and never writes -0", () => {
    const svg = layoutSvg(twoRooms, {
      trajectories: [
        {
          points: [
            [1 / 3, 2 / 3],
            [-0.001, 10.006],
            [12.999, 0]
          ]
        }
      ]
    })
    expect(svg).toContain('points="0.33,0.67 0,10.01 13,0"')
    expect(svg).not.toMatch(/-0[",\s]/)
  })

  it("marks the start with a circle, the goal with a star and each subgoal with a diamond", () => {
    const svg = layoutSvg(twoRooms, {
      start: [10, 12],
      goal: [54, 50],
      subgoals: [
        [32, 32],
        [40, 20],
        [48, 44]
      ]
    })
    expect(svg).toContain('<circle class="start" cx="10" cy="12"')
    const star = /<polygon class="goal" points="([^"]*)"/.exec(svg)?.[1] ?? ""
    expect(star.split(" ")).toHaveLength(10)
    expect(star.startsWith("54,47.2 ")).toBe(true) // the top point, 2.8 units above the goal
    const diamonds = [...svg.matchAll(/<polygon class="subgoal" points="([^"]*)"/g)].map((match) => match[1])
    expect(diamonds).toEqual([
      "32,30.4 33.6,32 32,33.6 30.4,32",
      "40,18.4 41.6,20 40,21.6 38.4,20",
      expect.any(String)
    ])
    expect(count(svg, /<circle class="start"/g)).toBe(1)
  })

  it("puts a label beside the end of its trajectory, towards the arena's middle", () => {
    const svg = layoutSvg(twoRooms, {
      trajectories: [
        { points: [[10, 10]], label: "left" },
        { points: [[50, 30]], label: "right" }
      ]
    })
    expect(svg).toContain('<text x="11.6" y="8.4" text-anchor="start"')
    expect(svg).toContain('<text x="48.4" y="28.4" text-anchor="end"')
  })

  it("draws nothing optional when no options are given", () => {
    const svg = layoutSvg(twoRooms)
    expect(svg).not.toMatch(/polyline|polygon|circle|<text|<title/)
    expect(svg).toContain('width="256" height="256" viewBox="0 0 64 64"')
  })

  it("sizes the document by the scale and adds a band for the title", () => {
    expect(layoutSvg(twoRooms, { scale: 2 })).toContain('width="128" height="128" viewBox="0 0 64 64"')
    const titled = layoutSvg({ width: 128, height: 64, walls: [] }, { scale: 1, title: "maze" })
    // One unit is 128 / 64 = 2 layout pixels; the band is 7 units high.
    expect(titled).toContain('width="128" height="78" viewBox="0 -14 128 78"')
    expect(titled).toContain(">maze</text>")
  })

  it("escapes the title, labels and colours", () => {
    const svg = layoutSvg(twoRooms, {
      title: `<b>& "quoted" 'title'`,
      trajectories: [
        {
          points: [
            [1, 1],
            [5, 5]
          ],
          label: "<b>&",
          color: '"red" onload="alert(1)'
        }
      ]
    })
    expect(svg).toContain("&lt;b&gt;&amp; &quot;quoted&quot; &apos;title&apos;")
    expect(svg).toContain(">&lt;b&gt;&amp;</text>")
    expect(svg).toContain("<title>&lt;b&gt;&amp;</title>")
    expect(svg).not.toContain("<b>")
    expect(svg).not.toContain('onload="')
    expect(wellFormednessProblems(svg)).toEqual([])
  })

  it("is deterministic and well formed for any drawing", () => {
    const drawings = fc.record(
      {
        scale: fc.double({ min: 0.5, max: 8, noNaN: true }),
        trajectories: fc.array(
          fc.record(
            {
              points: points(10),
              color: fc.constantFrom("red", "#123456", "rgb(1, 2, 3)"),
              label: fc.string({ unit: "binary" })
            },
            { requiredKeys: ["points"] }
          ),
          { maxLength: 4 }
        ),
        start: fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 63 })),
        goal: fc.tuple(
          fc.double({ min: 0, max: 64, noNaN: true }),
          fc.double({ min: 0, max: 64, noNaN: true })
        ),
        subgoals: points(4),
        title: fc.string({ unit: "binary" })
      },
      { requiredKeys: [] }
    )
    fc.assert(
      fc.property(layouts, drawings, (layout, options) => {
        const svg = layoutSvg(layout, options)
        expect(layoutSvg(structuredClone(layout), structuredClone(options))).toBe(svg)
        expect(wellFormednessProblems(svg)).toEqual([])
      })
    )
  })

  it("replaces characters XML cannot hold at all", () => {
    const svg = layoutSvg(twoRooms, { title: "bell\u0007 nul\u0000 lone\uD800 ok\u00e9\u{1F600}" })
    expect(svg).toContain(">bell\uFFFD nul\uFFFD lone\uFFFD ok\u00e9\u{1F600}</text>")
    expect(wellFormednessProblems(svg)).toEqual([])
  })

  it("the well-formedness check catches broken markup", () => {
    expect(wellFormednessProblems("<svg ><g></svg>")).not.toEqual([])
    expect(wellFormednessProblems("<svg ><text>a & b</text></svg>")).not.toEqual([])
    expect(wellFormednessProblems("<svg ><text>a<b</text></svg>")).not.toEqual([])
    expect(wellFormednessProblems("<svg ><text>\u0001</text></svg>")).not.toEqual([])
    expect(wellFormednessProblems('<svg ><rect x="1"/></svg>')).toEqual([])
  })

  it("names the field at fault for bad sizes and coordinates", () => {
    expect(thrownBy(() => layoutSvg({ ...twoRooms, width: 0 }))).toMatchObject({
      _tag: "InvalidValueError",
      field: "layout.width"
    })
    expect(thrownBy(() => layoutSvg(twoRooms, { scale: -1 }))).toMatchObject({ field: "options.scale" })
    expect(
      thrownBy(() => layoutSvg({ ...twoRooms, walls: [{ x: Number.NaN, y: 0, width: 1, height: 1 }] }))
    ).toMatchObject({ field: "layout.walls[0].x" })
    expect(
      thrownBy(() =>
        layoutSvg(twoRooms, {
          trajectories: [
            { points: [] },
            {
              points: [
                [0, 0],
                [1, Number.POSITIVE_INFINITY]
              ]
            }
          ]
        })
      )
    ).toMatchObject({ field: "options.trajectories[1].points[1][1]" })
    expect(thrownBy(() => layoutSvg(twoRooms, { goal: [Number.NaN, 1] }))).toMatchObject({
      field: "options.goal[0]"
    })
    expect(
      thrownBy(() => layoutSvg(twoRooms, { subgoals: [[1, 2], [3] as unknown as LayoutPoint] }))
    ).toMatchObject({ field: "options.subgoals[1]" })
  })
})
