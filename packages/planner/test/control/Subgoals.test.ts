import { InvalidValueError, Random } from "@telos/core"
import {
  buildLandmarkGraph,
  flatAgent,
  goalCost,
  landmarkSubgoals,
  randomShootingPlanner,
  runEpisodes
} from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { shiftEnv, shiftModel } from "../fixtures.js"
import { walledWalks } from "../walledWorld.js"

const graph = buildLandmarkGraph(walledWalks(40, 150, 1), { landmarks: 60 }, Random.fromSeed(0))

describe("landmarkSubgoals", () => {
  it("leads around the wall: from low in the left room to low in the right one, the target lies up towards the door", () => {
    const tracker = landmarkSubgoals(graph, { lookahead: 2 }).start(Float32Array.from([17, 1]))
    let position: Float32Array = Float32Array.from([5, 1])
    const visited: Array<readonly [number, number]> = []
    // Walk to each target in turn: the route must climb to the door, cross, and come down.
    for (let step = 0; step < 60; step++) {
      const target = tracker.next(position)
      visited.push([target[0] as number, target[1] as number])
      if (target[0] === 17 && target[1] === 1) break
      position = target
    }
    expect(visited.at(-1)).toEqual([17, 1])
    const crossing = visited.find(([x]) => x > 11)
    expect(crossing?.[1]).toBeGreaterThan(6)
  })

  it("aims at the goal itself once the goal is within the lookahead", () => {
    const tracker = landmarkSubgoals(graph, { lookahead: 3 }).start(Float32Array.from([4, 4]))
    expect(Array.from(tracker.next(Float32Array.from([4.5, 4.2])))).toEqual([4, 4])
  })

  it("aims at the goal when no recorded route reaches it", () => {
    const sealed = buildLandmarkGraph(
      {
        latentSize: 2,
        latents: Float32Array.from([0, 0, 1, 0, 2, 0, 50, 0, 51, 0, 52, 0]),
        episodeLengths: [3, 3]
      },
      { landmarks: 6, minimumTransitions: 1 },
      Random.fromSeed(0)
    )
    const tracker = landmarkSubgoals(sealed, { lookahead: 1 }).start(Float32Array.from([52, 0]))
    expect(Array.from(tracker.next(Float32Array.from([0, 0])))).toEqual([52, 0])
  })

  it("tracks each episode of a batch on its own", () => {
    const tracker = landmarkSubgoals(graph).start(Float32Array.from([17, 1, 4, 4]))
    const targets = tracker.next(Float32Array.from([5, 1, 4.2, 4.1]))
    expect(targets).toHaveLength(4)
    expect(Array.from(targets.subarray(2))).toEqual([4, 4])
  })

  it("rejects bad options and shapes, naming them", () => {
    expect(() => landmarkSubgoals(graph, { lookahead: 0 })).toThrow(InvalidValueError)
    expect(() => landmarkSubgoals(graph, { trackingHops: 1.5 })).toThrow(/trackingHops/)
    expect(() => landmarkSubgoals(graph).start(Float32Array.from([1, 2, 3]))).toThrow(/goals/)
    const tracker = landmarkSubgoals(graph).start(Float32Array.from([1, 2]))
    expect(() => tracker.next(Float32Array.from([1, 2, 3, 4]))).toThrow(/states/)
  })
})

describe("a flat agent with a memory", () => {
  const task = {
    model: shiftModel(2),
    planner: randomShootingPlanner({ samples: 32 }),
    horizon: 6,
    cost: (targets: tf.Tensor2D) => goalCost({ goal: targets, mode: "running" })
  }

  it("builds each plan's cost for the director's targets, asked once per plan", () => {
    const started: Array<Float32Array> = []
    const asked: Array<{ readonly states: Float32Array; readonly running: ReadonlyArray<boolean> }> = []
    const costsFor: Array<Array<number>> = []
    const halfway = (states: Float32Array, goals: Float32Array) =>
      states.map((value, index) => (value + (goals[index] as number)) / 2)
    const director = {
      name: "halfway",
      start: (goals: Float32Array) => {
        started.push(goals.slice())
        return {
          next: (states: Float32Array, running: ReadonlyArray<boolean> = []) => {
            asked.push({ states: states.slice(), running: [...running] })
            return halfway(states, goals)
          }
        }
      }
    }
    const run = runEpisodes(
      [shiftEnv(2), shiftEnv(2)],
      [1, 2],
      flatAgent({
        ...task,
        memory: director,
        cost: (targets) => {
          costsFor.push(Array.from(targets.dataSync()))
          return task.cost(targets)
        }
      }),
      { rng: Random.fromSeed(0) }
    )
    expect(asked).toHaveLength(run.planCalls)
    expect(costsFor).toHaveLength(run.planCalls)
    // The director starts on the encoded goals (the identity here), and each cost is built for its
    // targets, the rows of the episodes still running.
    const goals = Float32Array.from(
      [1, 2].flatMap((seed) => Array.from(shiftEnv(2).reset({ seed }).info.goal as Float64Array))
    )
    expect(started).toEqual([goals])
    asked.forEach(({ states, running }, call) => {
      const targets = halfway(states, goals)
      const expected = running.flatMap((isRunning, episode) =>
        isRunning ? Array.from(targets.subarray(2 * episode, 2 * episode + 2)) : []
      )
      expect(costsFor[call], `plan ${call}`).toEqual(expected)
    })
    expect(asked.some(({ running }) => running.includes(false))).toBe(true)
    expect(run.episodes.every((episode) => episode.success)).toBe(true)
  })

  it("returns the tensor count to its baseline", () => {
    const before = tf.memory().numTensors
    runEpisodes([shiftEnv(2, 0.05, 5)], [3], flatAgent({ ...task, memory: landmarkSubgoals(graph) }), {
      rng: Random.fromSeed(0)
    })
    expect(tf.memory().numTensors).toBe(before)
  })
})
