import { Random, rollout } from "@telos/core"
import { insideWall, twoRooms, twoRoomsModel, twoRoomsModelPushback } from "@telos/envs"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { twoRoomsLayout, twoRoomsSide } from "../../src/builtins/TwoRoomsLayout.js"
import { compileWalls, moveWithWalls } from "../../src/physics/WallPhysics.js"
import { displacements, freePoints } from "../navigationSupport.js"
import { thrownBy, useCpuBackend } from "../support.js"

beforeAll(useCpuBackend)

const model = twoRoomsModel()
const walls = compileWalls(twoRoomsLayout)

const predict = (rows: ReadonlyArray<readonly [number, number, number, number]>): Array<Array<number>> => {
  const next = tf.tidy(() =>
    model.step(tf.tensor2d(rows.map(([x, y]) => [x, y])), tf.tensor2d(rows.map(([, , dx, dy]) => [dx, dy])))
  )
  const values = next.arraySync()
  next.dispose()
  return values
}

// The environment's move, and whether it touched a wall (a blocked move never ends at x + dx).
const envMove = (x: number, y: number, dx: number, dy: number): { end: [number, number]; free: boolean } => {
  const end = moveWithWalls(walls, x, y, dx, dy, Random.fromSeed(0), new Float64Array(2))
  return { end: [end[0]!, end[1]!], free: end[0] === x + dx && end[1] === y + dy }
}

// Within float32 rounding of a face, the two precisions may disagree on whether it was crossed.
const clearOfFaces = (x: number, y: number, dx: number, dy: number): boolean => {
  const far = (values: ReadonlyArray<number>, faces: ReadonlyArray<number>): boolean =>
    values.every((value) => faces.every((face) => Math.abs(value - face) > 1e-4))
  const heightsAtFaces = dx === 0 ? [] : [31, 34].map((face) => y + (dy * (face - x)) / dx)
  const widthsAtEdges = dy === 0 ? [] : [6, 14].map((edge) => x + (dx * (edge - y)) / dy)
  return (
    far([x + dx], [5, 59, 31, 34]) &&
    far([y + dy], [5, 59, 6, 14]) &&
    far(heightsAtFaces, [6, 14]) &&
    far(widthsAtEdges, [31, 34])
  )
}

// Free points around the door, where the middle wall is crossed or hit.
const nearDoor = fc
  .tuple(fc.double({ min: 26, max: 39, noNaN: true }), fc.double({ min: 5, max: 20, noNaN: true }))
  .filter(([x, y]) => !insideWall(twoRoomsLayout, x, y))

describe("two-rooms ground-truth model", () => {
  it("agrees with the environment on every move that touches no wall, door passages included", () => {
    let doorPassages = 0
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(nearDoor, freePoints(twoRoomsLayout, 5, 59)), displacements(2.45)), {
          minLength: 1,
          maxLength: 32,
          size: "max"
        }),
        (cases) => {
          const rows = cases
            .map(([[x, y], [dx, dy]]) => [x, y, dx, dy] as const)
            .filter(([x, y, dx, dy]) => envMove(x, y, dx, dy).free && clearOfFaces(x, y, dx, dy))
          fc.pre(rows.length > 0)
          predict(rows).forEach(([predictedX, predictedY], index) => {
            const [x, y, dx, dy] = rows[index]!
            expect(Math.abs(predictedX! - (x + dx))).toBeLessThan(1e-4)
            expect(Math.abs(predictedY! - (y + dy))).toBeLessThan(1e-4)
            if (twoRoomsSide(x) !== twoRoomsSide(x + dx)) doorPassages++
          })
        }
      ),
      { numRuns: 200 }
    )
    // Diagonal passages through the door, with an end above or below it, are exact too.
    const diagonal = [
      [29, 5.5, 2.45, 1],
      [33.5, 13.5, 2.45, 1.5],
      [35, 13.8, -2.45, -0.5],
      [33, 7, 2.45, -1.5]
    ] as const
    for (const [x, y, dx, dy] of diagonal) expect(envMove(x, y, dx, dy).free).toBe(true)
    predict(diagonal).forEach(([predictedX, predictedY], index) => {
      const [x, y, dx, dy] = diagonal[index]!
      expect(predictedX).toBeCloseTo(x + dx, 4)
      expect(predictedY).toBeCloseTo(y + dy, 4)
    })
    expect(doorPassages).toBeGreaterThan(10)
  })

  it("never predicts a point inside a wall; positions in the middle wall's slab are in the door", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(nearDoor, freePoints(twoRoomsLayout, 5, 59)), displacements(3.45)), {
          minLength: 1,
          maxLength: 64,
          size: "max"
        }),
        (cases) => {
          const rows = cases.map(([[x, y], [dx, dy]]) => [x, y, dx, dy] as const)
          predict(rows).forEach(([x, y]) => {
            expect(insideWall(twoRoomsLayout, x!, y!)).toBe(false)
            if (twoRoomsSide(x!) === "door") {
              expect(y!).toBeGreaterThanOrEqual(6)
              expect(y!).toBeLessThan(14)
            }
          })
        }
      ),
      { numRuns: 200 }
    )
  })

  it("stops at a wall on the blocked axis with the mean push-back, and slides on the other", () => {
    const [intoWall, intoStub, intoBorder] = predict([
      [30, 30, 2.4, 1],
      [32, 7, 0, -2],
      [10, 57, 0, 2.45]
    ])
    expect(intoWall![0]).toBeCloseTo(31 - twoRoomsModelPushback, 5)
    expect(intoWall![1]).toBeCloseTo(31, 5)
    expect(intoStub![0]).toBeCloseTo(32, 5)
    expect(intoStub![1]).toBeCloseTo(6 + twoRoomsModelPushback, 5)
    expect(intoBorder![0]).toBeCloseTo(10, 5)
    expect(intoBorder![1]).toBeCloseTo(59 - twoRoomsModelPushback, 5)
  })

  it("adds a drift given as its latent variable", () => {
    const next = tf.tidy(() =>
      model.step(tf.tensor2d([[20, 30]]), tf.tensor2d([[1, -1]]), tf.tensor2d([[0.75, 0]]))
    )
    expect(Array.from(next.dataSync())).toEqual([21.75, 29])
    next.dispose()
    expect(
      thrownBy(() =>
        model.step(
          tf.zeros([2, 2]) as tf.Tensor2D,
          tf.zeros([2, 2]) as tf.Tensor2D,
          tf.zeros([1, 2]) as tf.Tensor2D
        )
      )
    ).toMatchObject({ field: "latentVariable" })
  })

  it("encodes observations as themselves and checks shapes", () => {
    const observation = twoRooms.make().reset({ seed: 4 }).observation
    const latent = model.encode(tf.tensor2d([Array.from(observation)]))
    expect(Array.from(latent.dataSync())).toEqual(Array.from(Float32Array.from(observation)))
    latent.dispose()
    expect(
      thrownBy(() => model.step(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D))
    ).toMatchObject({
      field: "states"
    })
    expect(twoRooms.groundTruthModel().name).toBe("two-rooms-dynamics")
  })

  it("differentiates a rollout with respect to the actions, finitely and without leaking tensors", () => {
    const before = tf.memory().numTensors
    const start = tf.tensor2d([
      [28, 10],
      [30, 30],
      [32, 8],
      [50, 50]
    ])
    const actions = tf.randomUniform([12, 4, 2], -2.45, 2.45, "float32", 7)
    const gradient = tf.tidy(() =>
      tf.grad((planned: tf.Tensor) => {
        const states = rollout(model, start, planned as tf.Tensor3D)
        return tf.sum(tf.square(tf.sub(states, tf.tensor1d([50, 10]))))
      })(actions)
    )
    const values = gradient.dataSync()
    expect(values.every(Number.isFinite)).toBe(true)
    expect(values.some((value) => value !== 0)).toBe(true)
    tf.dispose([gradient, actions, start])
    expect(tf.memory().numTensors).toBe(before)
  })
})
