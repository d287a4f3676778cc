import { InvalidValueError, Random } from "@telos/core"
import { buildLandmarkGraph, closestLandmark, distancesTo, nearestLandmark } from "@telos/planner"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { walledWalks } from "../walledWorld.js"

describe("buildLandmarkGraph", () => {
  const walks = walledWalks(40, 150, 1)
  const graph = buildLandmarkGraph(walks, { landmarks: 60 }, Random.fromSeed(0))

  it("places the landmarks on recorded latents, and joins only what was recorded as passable", () => {
    expect(graph.count).toBeGreaterThanOrEqual(60)
    expect(graph.landmarks).toHaveLength(graph.count * 2)
    for (let index = 0; index < graph.count; index++) {
      const x = graph.landmarks[index * 2] as number
      const y = graph.landmarks[index * 2 + 1] as number
      expect(x >= 0 && x <= 22 && y >= 0 && y <= 10).toBe(true)
    }
    // No edge jumps the wall below its door: every crossing is high up.
    graph.edges.forEach((outgoing, from) => {
      for (const edge of outgoing) {
        const fromX = graph.landmarks[from * 2] as number
        const toX = graph.landmarks[edge.to * 2] as number
        if (fromX < 11 !== toX < 11) {
          expect(
            Math.min(graph.landmarks[from * 2 + 1] as number, graph.landmarks[edge.to * 2 + 1] as number)
          ).toBeGreaterThan(5)
        }
        expect(edge.transitions).toBeGreaterThanOrEqual(2)
      }
    })
  })

  it("measures routes around the wall: from low in one room to low in the other is much longer than the straight line", () => {
    const from = nearestLandmark(graph, [5, 1])
    const to = nearestLandmark(graph, [17, 1])
    const route = distancesTo(graph, to)[from] as number
    expect(route).toBeGreaterThan(2 * 12)
    expect(distancesTo(graph, to)[to]).toBe(0)
  })

  it("splits a cluster whose members no chain of nearby latents joins: no landmark in the gap between two strips", () => {
    const rng = Random.fromSeed(7)
    const lengths = [200, 200]
    const latents = new Float32Array(400 * 2)
    lengths.forEach((length, episode) => {
      // Walks of steps under 0.2 on either side of a gap [4.5, 5.5] they never cross.
      const [low, high] = episode === 0 ? [0, 4.5] : [5.5, 10]
      let x = (low + high) / 2
      let y = 0.5
      for (let step = 0; step < length; step++) {
        x = Math.min(high, Math.max(low, x + rng.uniformIn(-0.2, 0.2)))
        y = Math.min(1, Math.max(0, y + rng.uniformIn(-0.1, 0.1)))
        latents.set([x, y], (episode * length + step) * 2)
      }
    })
    const strips = buildLandmarkGraph(
      { latentSize: 2, latents, episodeLengths: lengths },
      { landmarks: 1 },
      rng
    )
    expect(strips.count).toBeGreaterThanOrEqual(2)
    for (let index = 0; index < strips.count; index++) {
      const x = strips.landmarks[index * 2] as number
      expect(x <= 4.5 || x >= 5.5).toBe(true)
    }
    strips.edges.forEach((outgoing, from) => {
      for (const edge of outgoing) {
        expect((strips.landmarks[from * 2] as number) < 5).toBe((strips.landmarks[edge.to * 2] as number) < 5)
      }
    })
  })

  describe("two corridors that touch only at a corner (as two maze cells diagonal to each other)", () => {
    // Corridor A runs along y = 0 up to (0, 0), corridor B up x = 0.1 from (0.1, 0.1): their ends
    // are closer than the link radius, so one k-means cluster can hold both ends.
    const pointAt = (s: number): [number, number] => (s < 0 ? [s, 0] : [0.1, 0.1 + s])
    const corridors = (crossing: boolean, seed: number) => {
      const rng = Random.fromSeed(seed)
      const lengths = Array.from({ length: 24 }, () => 200)
      const latents = new Float32Array(24 * 200 * 2)
      lengths.forEach((length, episode) => {
        // Without crossing, each walk stays on its own side of the corner point.
        const [low, high] = crossing ? [-5, 5] : episode % 2 === 0 ? [-5, -0.001] : [0, 5]
        let s = rng.uniformIn(low, high)
        for (let step = 0; step < length; step++) {
          s = Math.min(high, Math.max(low, s + rng.uniformIn(-0.5, 0.5)))
          latents.set(pointAt(s), (episode * length + step) * 2)
        }
      })
      return buildLandmarkGraph(
        { latentSize: 2, latents, episodeLengths: lengths },
        { landmarks: 16, linkFraction: 3 },
        rng
      )
    }
    const routeLength = (graph: ReturnType<typeof buildLandmarkGraph>) =>
      distancesTo(graph, nearestLandmark(graph, [0.1, 5]))[nearestLandmark(graph, [-5, 0])] as number

    it("has no route from one corridor's far end to the other's when no walk went round the corner", () => {
      for (const seed of [1, 2, 3]) expect(routeLength(corridors(false, seed))).toBe(Number.POSITIVE_INFINITY)
    })

    it("keeps the route, and the landmark at the corner whole, when walks did go round it", () => {
      for (const seed of [1, 2, 3]) {
        const graph = corridors(true, seed)
        expect(routeLength(graph)).toBeLessThan(12)
        expect(graph.count).toBe(16)
      }
    })
  })

  it("tells the nearest landmark's squared distance, among candidates when given", () => {
    const { index, squared } = closestLandmark(graph, [5, 1])
    expect(index).toBe(nearestLandmark(graph, [5, 1]))
    const x = (graph.landmarks[index * 2] as number) - 5
    const y = (graph.landmarks[index * 2 + 1] as number) - 1
    expect(squared).toBeCloseTo(x * x + y * y, 4)
    const other = (index + 1) % graph.count
    expect(closestLandmark(graph, [5, 1], [other]).index).toBe(other)
  })

  it("is the same for the same seed", () => {
    const again = buildLandmarkGraph(walks, { landmarks: 60 }, Random.fromSeed(0))
    expect(again.landmarks).toEqual(graph.landmarks)
    expect(again.edges).toEqual(graph.edges)
  })

  it("never finds a route shorter than the straight line, and none between disconnected regions", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 4, max: 24 }), (seed, landmarks) => {
        const rng = Random.fromSeed(seed)
        // Two separate strips, far apart: walks never leave their strip.
        const lengths = [30, 30, 30, 30]
        const latents = new Float32Array(120 * 2)
        lengths.forEach((length, episode) => {
          let x = rng.uniformIn(0, 10)
          const baseY = episode % 2 === 0 ? 0 : 100
          for (let step = 0; step < length; step++) {
            x = Math.min(10, Math.max(0, x + rng.uniformIn(-1, 1)))
            latents.set([x, baseY + rng.uniformIn(0, 1)], (episode * length + step) * 2)
          }
        })
        const strips = buildLandmarkGraph(
          { latentSize: 2, latents, episodeLengths: lengths },
          { landmarks, minimumTransitions: 1 },
          rng
        )
        for (let target = 0; target < strips.count; target++) {
          const distances = distancesTo(strips, target)
          for (let from = 0; from < strips.count; from++) {
            const straight = Math.hypot(
              (strips.landmarks[from * 2] as number) - (strips.landmarks[target * 2] as number),
              (strips.landmarks[from * 2 + 1] as number) - (strips.landmarks[target * 2 + 1] as number)
            )
            const route = distances[from] as number
            expect(route + 1e-3).toBeGreaterThanOrEqual(straight)
            if (straight > 50) expect(route).toBe(Number.POSITIVE_INFINITY)
          }
        }
      }),
      { numRuns: 25 }
    )
  })

  it("rejects bad input with an error naming the field", () => {
    const latents = new Float32Array(10)
    const expectField = (run: () => unknown, field: string) => {
      try {
        run()
        expect.unreachable()
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidValueError)
        expect((error as InvalidValueError).field).toBe(field)
      }
    }
    const rng = Random.fromSeed(0)
    expectField(
      () => buildLandmarkGraph({ latentSize: 2, latents, episodeLengths: [4] }, {}, rng),
      "trajectories.latents"
    )
    expectField(
      () =>
        buildLandmarkGraph(
          { latentSize: 2, latents: Float32Array.from([0, 0, Number.NaN, 1]), episodeLengths: [2] },
          { landmarks: 1 },
          rng
        ),
      "trajectories.latents"
    )
    expectField(
      () => buildLandmarkGraph({ latentSize: 2, latents, episodeLengths: [5] }, { landmarks: 6 }, rng),
      "landmarks"
    )
    expectField(
      () => buildLandmarkGraph({ latentSize: 2, latents, episodeLengths: [5] }, { landmarks: 1.5 }, rng),
      "landmarks"
    )
    expectField(
      () => buildLandmarkGraph({ latentSize: 0, latents, episodeLengths: [5] }, {}, rng),
      "trajectories.latentSize"
    )
    expectField(() => distancesTo(graph, graph.count), "target")
    expectField(() => nearestLandmark(graph, [1, 2, 3]), "latent")
  })
})
