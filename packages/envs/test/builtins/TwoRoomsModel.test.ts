import { Random, rollout, type WorldModel } from "@telos/core"
import {
  insideWall,
  twoRooms,
  twoRoomsModel,
  twoRoomsModelPushback,
  twoRoomsThickWalls,
  twoRoomsThickWallsModel,
  twoRoomsThickWallsModelPushback
} from "@telos/envs"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { insideTwoRoomsWall, twoRoomsSide } from "../../src/builtins/TwoRoomsLayout.js"
import { twoRoomsMove } from "../../src/builtins/TwoRoomsPhysics.js"
import { thickWallsLayout, thickWallsSide } from "../../src/builtins/TwoRoomsThickWallsLayout.js"
import { compileWalls, moveWithWalls } from "../../src/physics/WallPhysics.js"
import { displacements } from "../navigationSupport.js"
import { thrownBy, useCpuBackend } from "../support.js"

beforeAll(useCpuBackend)

type Row = readonly [x: number, y: number, dx: number, dy: number]

const predict = (model: WorldModel, rows: ReadonlyArray<Row>): Array<Array<number>> => {
  const next = tf.tidy(() =>
    model.step(tf.tensor2d(rows.map(([x, y]) => [x, y])), tf.tensor2d(rows.map(([, , dx, dy]) => [dx, dy])))
  )
  const values = next.arraySync()
  next.dispose()
  return values
}

const thickWalls = compileWalls(thickWallsLayout)

/** One environment and its model, with the lines where the two may round differently. */
interface Pairing {
  readonly name: string
  readonly model: WorldModel
  /** The environment's move, and whether it touched a wall. */
  readonly envMove: (x: number, y: number, dx: number, dy: number) => { end: [number, number]; free: boolean }
  readonly blocked: (x: number, y: number) => boolean
  readonly side: (x: number) => string
  readonly faces: readonly [number, number]
  readonly borders: readonly [number, number]
  /** Free points: as the environment stores them. */
  readonly point: (x: number, y: number) => [number, number]
  /** Whether a position in the middle wall's band has its height in the door. */
  readonly inDoor: (y: number) => boolean
}

const pldm: Pairing = {
  name: "two-rooms (PLDM's DotWall)",
  model: twoRoomsModel(),
  envMove: (x, y, dx, dy) => {
    const end = new Float64Array(2)
    const hit = twoRoomsMove(x, y, dx, dy, Random.fromSeed(0), end)
    return { end: [end[0]!, end[1]!], free: !hit }
  },
  blocked: insideTwoRoomsWall,
  side: twoRoomsSide,
  faces: [31, 33],
  borders: [4, 59],
  point: (x, y) => [Math.fround(x), Math.fround(y)],
  inDoor: (y) => y >= 6 && y <= 14
}

const thick: Pairing = {
  name: "two-rooms-thick-walls",
  model: twoRoomsThickWallsModel(),
  envMove: (x, y, dx, dy) => {
    const end = moveWithWalls(thickWalls, x, y, dx, dy, Random.fromSeed(0), new Float64Array(2))
    // A blocked move never ends at x + dx.
    return { end: [end[0]!, end[1]!], free: end[0] === x + dx && end[1] === y + dy }
  },
  blocked: (x, y) => insideWall(thickWallsLayout, x, y),
  side: thickWallsSide,
  faces: [31, 34],
  borders: [5, 59],
  point: (x, y) => [x, y],
  inDoor: (y) => y >= 6 && y < 14
}

const points = (pairing: Pairing) => {
  const anywhere = fc.tuple(
    fc.double({ min: 3, max: 61, noNaN: true }),
    fc.double({ min: 3, max: 61, noNaN: true })
  )
  // Around the door, where the middle wall is crossed or hit.
  const nearDoor = fc.tuple(
    fc.double({ min: 26, max: 39, noNaN: true }),
    fc.double({ min: 5, max: 20, noNaN: true })
  )
  return fc
    .oneof(anywhere, nearDoor)
    .map(([x, y]) => pairing.point(x, y))
    .filter(([x, y]) => !pairing.blocked(x, y))
}

// Within float32 rounding of a face, the two precisions may disagree on whether it was crossed.
const clearOfFaces = (pairing: Pairing, [x, y, dx, dy]: Row): boolean => {
  const far = (values: ReadonlyArray<number>, lines: ReadonlyArray<number>): boolean =>
    values.every((value) => lines.every((line) => Math.abs(value - line) > 1e-4))
  const heightsAtFaces = dx === 0 ? [] : pairing.faces.map((face) => y + (dy * (face - x)) / dx)
  const widthsAtEdges = dy === 0 ? [] : [6, 14].map((edge) => x + (dx * (edge - y)) / dy)
  return (
    far([x + dx], [...pairing.borders, ...pairing.faces]) &&
    far([y + dy], [...pairing.borders, 6, 14]) &&
    far(heightsAtFaces, [6, 14]) &&
    far(widthsAtEdges, pairing.faces)
  )
}

describe.each([pldm, thick])("$name ground-truth model", (pairing) => {
  it("agrees with the environment on every move that touches no wall, door passages included", () => {
    let doorPassages = 0
    fc.assert(
      fc.property(
        fc.array(fc.tuple(points(pairing), displacements(2.45)), {
          minLength: 1,
          maxLength: 32,
          size: "max"
        }),
        (cases) => {
          const rows = cases
            .map(([[x, y], [dx, dy]]): Row => [x, y, dx, dy])
            .filter((row) => pairing.envMove(...row).free && clearOfFaces(pairing, row))
          fc.pre(rows.length > 0)
          predict(pairing.model, rows).forEach(([predictedX, predictedY], index) => {
            const row = rows[index]!
            const [endX, endY] = pairing.envMove(...row).end
            expect(Math.abs(predictedX! - endX)).toBeLessThan(1e-4)
            expect(Math.abs(predictedY! - endY)).toBeLessThan(1e-4)
            if (pairing.side(row[0]) !== pairing.side(endX)) doorPassages++
          })
        }
      ),
      { numRuns: 200 }
    )
    expect(doorPassages).toBeGreaterThan(10)
  })

  it("never predicts a point inside a wall; positions in the middle wall's band are in the door", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(points(pairing), displacements(3.45)), {
          minLength: 1,
          maxLength: 64,
          size: "max"
        }),
        (cases) => {
          const rows = cases.map(([[x, y], [dx, dy]]): Row => [x, y, dx, dy])
          predict(pairing.model, rows).forEach(([x, y]) => {
            expect(pairing.blocked(x!, y!)).toBe(false)
            if (pairing.side(x!) === "door") expect(pairing.inDoor(y!)).toBe(true)
          })
        }
      ),
      { numRuns: 200 }
    )
  })

  it("adds a drift given as its latent variable", () => {
    const next = tf.tidy(() =>
      pairing.model.step(tf.tensor2d([[20, 30]]), tf.tensor2d([[1, -1]]), tf.tensor2d([[0.75, 0]]))
    )
    expect(Array.from(next.dataSync())).toEqual([21.75, 29])
    next.dispose()
    expect(
      thrownBy(() =>
        pairing.model.step(
          tf.zeros([2, 2]) as tf.Tensor2D,
          tf.zeros([2, 2]) as tf.Tensor2D,
          tf.zeros([1, 2]) as tf.Tensor2D
        )
      )
    ).toMatchObject({ field: "latentVariable" })
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
        const states = rollout(pairing.model, start, planned as tf.Tensor3D)
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

describe("two-rooms ground-truth model", () => {
  const model = twoRoomsModel()

  it("stops at PLDM's walls on the blocked axis with the mean push-back, and slides on the other", () => {
    const [intoFace, fromRight, intoEdge, intoBorder, lowBorder] = predict(model, [
      [30, 30, 2.4, 1],
      [34, 30, -1, 0.5],
      [32, 7, 0, -2],
      [10, 57, 0, 2.45],
      [20, 5, -1, -1]
    ])
    expect(intoFace![0]).toBeCloseTo(31 - twoRoomsModelPushback, 5)
    expect(intoFace![1]).toBeCloseTo(31, 5)
    expect(fromRight![0]).toBeCloseTo(33 + twoRoomsModelPushback, 5)
    expect(intoEdge![0]).toBeCloseTo(32, 5)
    expect(intoEdge![1]).toBeCloseTo(6 + twoRoomsModelPushback, 5)
    expect(intoBorder![1]).toBeCloseTo(59 - twoRoomsModelPushback, 5)
    // The line y = 4 itself is blocked.
    expect(lowBorder).toEqual([19, 4 + twoRoomsModelPushback].map(Math.fround))
  })

  it("lets moves through the door's span inclusive of its ends, as the environment does", () => {
    const rows: ReadonlyArray<Row> = [
      [30, 12, 2, 2],
      [30, 8, 2, -2],
      [29, 5.5, 2.45, 1],
      [33.5, 13.5, -2.45, 0.5],
      [35, 13.8, -2.45, -0.5]
    ]
    predict(model, rows).forEach(([x, y], index) => {
      const row = rows[index]!
      expect(pldm.envMove(...row).free).toBe(true)
      expect(x).toBeCloseTo(row[0] + row[2], 5)
      expect(y).toBeCloseTo(row[1] + row[3], 5)
    })
  })

  it("pushes back by the environment's mean push-back, 0.5 sqrt(2 / pi)", () => {
    expect(twoRoomsModelPushback).toBeCloseTo(0.3989, 4)
    const pushes = Array.from({ length: 4000 }, (_, seed) => {
      const end = new Float64Array(2)
      twoRoomsMove(30, 30, 2.4, 0, Random.fromSeed(seed), end)
      return 31 - end[0]!
    })
    expect(pushes.reduce((total, push) => total + push, 0) / pushes.length).toBeCloseTo(
      twoRoomsModelPushback,
      1
    )
  })

  it("encodes observations as themselves, checks shapes, and is two-rooms' model", () => {
    const observation = twoRooms.make().reset({ seed: 4 }).observation
    const latent = model.encode(tf.tensor2d([Array.from(observation)]))
    expect(Array.from(latent.dataSync())).toEqual(Array.from(Float32Array.from(observation)))
    latent.dispose()
    expect(
      thrownBy(() => model.step(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D))
    ).toMatchObject({ field: "states" })
    expect(twoRooms.groundTruthModel().name).toBe("two-rooms-dynamics")
  })
})

describe("two-rooms-thick-walls ground-truth model", () => {
  it("stops at a wall on the blocked axis with the mean push-back, and slides on the other", () => {
    const [intoWall, intoStub, intoBorder] = predict(twoRoomsThickWallsModel(), [
      [30, 30, 2.4, 1],
      [32, 7, 0, -2],
      [10, 57, 0, 2.45]
    ])
    expect(twoRoomsThickWallsModelPushback).toBe(0.275)
    expect(intoWall![0]).toBeCloseTo(31 - twoRoomsThickWallsModelPushback, 5)
    expect(intoWall![1]).toBeCloseTo(31, 5)
    expect(intoStub![0]).toBeCloseTo(32, 5)
    expect(intoStub![1]).toBeCloseTo(6 + twoRoomsThickWallsModelPushback, 5)
    expect(intoBorder![0]).toBeCloseTo(10, 5)
    expect(intoBorder![1]).toBeCloseTo(59 - twoRoomsThickWallsModelPushback, 5)
    expect(twoRoomsThickWalls.groundTruthModel().name).toBe("two-rooms-thick-walls-dynamics")
  })
})
