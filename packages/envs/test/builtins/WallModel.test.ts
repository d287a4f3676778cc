import { Random } from "@telos/core"
import {
  diverseMazeLayout,
  insideWall,
  makeDiverseMaze,
  makeMaze,
  mazeFourRooms,
  mazeLayouts,
  mazeWallLayout,
  parseMazeMap,
  prepareMaze,
  stepWithWalls,
  type WallLayout,
  wallModel,
  wallModelPushback,
  wallTensors
} from "@telos/envs"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { compileWalls, moveWithWalls } from "../../src/physics/WallPhysics.js"
import { displacements } from "../navigationSupport.js"
import { thrownBy, useCpuBackend } from "../support.js"

beforeAll(useCpuBackend)

const fourRoomsWalls = prepareMaze(mazeLayouts["four-rooms"]).layout
const diverseWalls = mazeWallLayout(parseMazeMap(diverseMazeLayout(3).map), 8)

/**
 * Free points, drawn as a free 1-px square of the layout (walls lie on whole pixels) and a place in
 * it: filtering uniform points would reject most of them in a maze.
 */
const freePointsOf = (layout: WallLayout): fc.Arbitrary<[number, number]> => {
  const squares: Array<[number, number]> = []
  for (let x = 0; x < layout.width; x++) {
    for (let y = 0; y < layout.height; y++) if (!insideWall(layout, x + 0.5, y + 0.5)) squares.push([x, y])
  }
  const within = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })
  return fc
    .tuple(fc.constantFrom(...squares), within, within)
    .map(([[x, y], u, v]): [number, number] => [x + u, y + v])
}

/** Batches of up to 64 moves from free points, one model call each. */
const movesIn = (layout: WallLayout) =>
  fc.array(fc.tuple(freePointsOf(layout), displacements(2.45)), { minLength: 1, maxLength: 64 })

const physics = (layout: WallLayout, x: number, y: number, dx: number, dy: number) => {
  const end = new Float64Array(2)
  moveWithWalls(compileWalls(layout), x, y, dx, dy, Random.fromSeed(0), end)
  return { end: [end[0] as number, end[1] as number], free: end[0] === x + dx && end[1] === y + dy }
}

// float32 and float64 may disagree on a move that ends, or starts, within rounding of a face.
/**
 * Whether a move passes within rounding of a wall's corner, where it may meet two walls at the same
 * instant: the physics then takes whichever it finds first (and stays put if that stop lies in the
 * other wall), the model the mean of both (documented on `stepWithWalls`).
 */
const nearCorner = (layout: WallLayout, x: number, y: number, dx: number, dy: number): boolean =>
  layout.walls.some((wall) =>
    [wall.x, wall.x + wall.width].some((cornerX) =>
      [wall.y, wall.y + wall.height].some((cornerY) => {
        const along = Math.min(
          1,
          Math.max(0, ((cornerX - x) * dx + (cornerY - y) * dy) / (dx * dx + dy * dy || 1))
        )
        return Math.hypot(x + along * dx - cornerX, y + along * dy - cornerY) < 1e-3
      })
    )
  )

const nearFace = (layout: WallLayout, values: ReadonlyArray<number>): boolean =>
  layout.walls.some((wall) =>
    values.some((value) =>
      [wall.x, wall.x + wall.width, wall.y, wall.y + wall.height].some(
        (face) => Math.abs(value - face) < 1e-3
      )
    )
  )

const predict = (layout: WallLayout, x: number, y: number, dx: number, dy: number): Array<number> => {
  const model = wallModel(layout, "walls")
  const next = tf.tidy(() => model.step(tf.tensor2d([[x, y]]), tf.tensor2d([[dx, dy]])))
  const values = next.arraySync()[0] as Array<number>
  next.dispose()
  model.dispose()
  return values
}

describe("wallModel", () => {
  for (const [name, layout] of [
    ["maze four-rooms", fourRoomsWalls],
    ["diverse-maze layout 3", diverseWalls]
  ] as const) {
    it(`moves freely where ${name}'s physics does, and stops where it stops within the push-back (property)`, () => {
      const model = wallModel(layout, "walls")
      fc.assert(
        fc.property(movesIn(layout), (moves) => {
          const kept = moves.filter(
            ([[x, y], [dx, dy]]) =>
              !nearFace(layout, [x, y, x + dx, y + dy]) && !nearCorner(layout, x, y, dx, dy)
          )
          fc.pre(kept.length > 0)
          const next = tf.tidy(() =>
            model
              .step(tf.tensor2d(kept.map(([point]) => point)), tf.tensor2d(kept.map(([, move]) => move)))
              .arraySync()
          )
          kept.forEach(([[x, y], [dx, dy]], row) => {
            const { end, free } = physics(layout, x, y, dx, dy)
            const [px, py] = next[row] as [number, number]
            if (free) {
              expect(px).toBeCloseTo(x + dx, 4)
              expect(py).toBeCloseTo(y + dy, 4)
            } else {
              // The physics draws its push-back in [0.05, 0.5]; the model takes the mean.
              expect(Math.hypot(px - (end[0] as number), py - (end[1] as number))).toBeLessThan(0.23)
              expect(insideWall(layout, px, py)).toBe(false)
            }
          })
        }),
        { numRuns: 40 }
      )
      model.dispose()
    })
  }

  it("stops at a face, pushed back by the mean push-back, sliding nowhere", () => {
    // Four-rooms' cells are 16 px; a move right from the wall's left face hits it head on.
    const layout: WallLayout = { width: 64, height: 64, walls: [{ x: 31, y: 0, width: 3, height: 64 }] }
    const [x, y] = predict(layout, 30, 10, 2, 1) as [number, number]
    expect(x).toBeCloseTo(31 - wallModelPushback, 5)
    // It reaches the face half-way through the move, so half the vertical move is made.
    expect(y).toBeCloseTo(10.5, 5)
  })

  it("stops at the first of two walls in its way", () => {
    const layout: WallLayout = {
      width: 64,
      height: 64,
      walls: [
        { x: 31, y: 0, width: 1, height: 64 },
        { x: 32.5, y: 0, width: 1, height: 64 }
      ]
    }
    const [x, y] = predict(layout, 30.5, 10, 2.45, 0) as [number, number]
    expect(x).toBeCloseTo(31 - wallModelPushback, 5)
    expect(y).toBeCloseTo(10, 5)
  })

  it("has the identity as gradient for a free move and none along a face's normal once blocked", () => {
    const model = wallModel(fourRoomsWalls, "walls")
    const gradient = (x: number, y: number, action: [number, number]) =>
      tf.tidy(() =>
        tf
          .grad((actions: tf.Tensor) => model.step(tf.tensor2d([[x, y]]), actions as tf.Tensor2D).sum())(
            tf.tensor2d([action])
          )
          .arraySync()
      )
    expect(gradient(20, 20, [1, 1])).toEqual([[1, 1]])
    model.dispose()
    // Head on into a vertical face at x = 31: x stays at the face whatever the action, y moves
    // with the contact time (31 - 30) / dx.
    const walled = wallModel(
      { width: 64, height: 64, walls: [{ x: 31, y: 0, width: 3, height: 64 }] },
      "wall"
    )
    const [[alongX, alongY]] = tf.tidy(() =>
      tf
        .grad((actions: tf.Tensor) => walled.step(tf.tensor2d([[30, 10]]), actions as tf.Tensor2D).sum())(
          tf.tensor2d([[2, 1]])
        )
        .arraySync()
    ) as [[number, number]]
    // d/d(dx) of 10 + dy / dx = -dy / dx^2; d/d(dy) = 1 / dx.
    expect(alongX).toBeCloseTo(-1 / 4, 5)
    expect(alongY).toBeCloseTo(1 / 2, 5)
    walled.dispose()
  })

  it("has a finite gradient everywhere, still and blocked moves included (property)", () => {
    const model = wallModel(diverseWalls, "walls")
    fc.assert(
      fc.property(movesIn(diverseWalls), (moves) => {
        const values = tf.tidy(() =>
          tf
            .grad((actions: tf.Tensor) =>
              model.step(tf.tensor2d(moves.map(([point]) => point)), actions as tf.Tensor2D).sum()
            )(tf.tensor2d(moves.map(([, move]) => move)))
            .dataSync()
        )
        expect(Array.from(values).every(Number.isFinite)).toBe(true)
      }),
      { numRuns: 40 }
    )
    model.dispose()
  })

  it("reads each row's own walls when given one layout per row", () => {
    const open: WallLayout = { width: 64, height: 64, walls: [] }
    const walled: WallLayout = { width: 64, height: 64, walls: [{ x: 31, y: 0, width: 3, height: 64 }] }
    const walls = wallTensors([compileWalls(open), compileWalls(walled)])
    const next = stepWithWalls(
      tf.tensor2d([
        [30, 10],
        [30, 10]
      ]),
      tf.tensor2d([
        [2, 0],
        [2, 0]
      ]),
      walls
    )
    const [[openX], [walledX]] = next.arraySync() as [[number], [number]]
    expect(openX).toBeCloseTo(32, 5)
    expect(walledX).toBeCloseTo(31 - wallModelPushback, 5)
    next.dispose()
    for (const face of Object.values(walls)) face.dispose()
  })

  it("leaks no tensor, and dispose frees its walls", () => {
    const before = tf.memory().numTensors
    const model = wallModel(diverseWalls, "walls")
    const states = tf.tensor2d([[12, 12]])
    const actions = tf.tensor2d([[2.45, -2.45]])
    const during = tf.memory().numTensors
    tf.grad((a: tf.Tensor) => model.step(states, a as tf.Tensor2D).sum())(actions).dispose()
    model.step(states, actions).dispose()
    expect(tf.memory().numTensors).toBe(during)
    states.dispose()
    actions.dispose()
    model.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it("refuses wrong shapes and an empty list of layouts with typed errors", () => {
    const model = wallModel(diverseWalls, "walls")
    const error = thrownBy(() => model.step(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D))
    expect(error).toMatchObject({ _tag: "InvalidValueError", field: "states" })
    expect(thrownBy(() => wallTensors([]))).toMatchObject({ _tag: "InvalidValueError", field: "layouts" })
    model.dispose()
  })

  it("is the ground truth of a diverse maze of one layout with state observations, and of no other", () => {
    const one = makeDiverseMaze({ name: "one", layouts: [3], pathLength: { minimum: 1, maximum: 7 } })
    expect(one.hasGroundTruthModel).toBe(true)
    const env = one.make()
    const { observation } = env.reset({ seed: 0 })
    const model = one.groundTruthModel()
    // A run of moves into whatever walls lie ahead: the model follows the environment throughout.
    let state = Array.from(observation)
    for (let step = 0; step < 20; step++) {
      const action = [2.45, step % 3 === 0 ? -2.45 : 1]
      const predicted = tf.tidy(() => model.step(tf.tensor2d([state]), tf.tensor2d([action])).arraySync()[0])
      state = Array.from(env.step(action).observation)
      expect(
        Math.hypot(
          (predicted?.[0] as number) - (state[0] as number),
          (predicted?.[1] as number) - (state[1] as number)
        )
      ).toBeLessThan(0.23)
    }
    const several = makeDiverseMaze({ name: "two", layouts: [3, 4], pathLength: { minimum: 1, maximum: 7 } })
    expect(several.hasGroundTruthModel).toBe(false)
    expect(
      makeDiverseMaze({
        name: "one",
        layouts: [3],
        pathLength: { minimum: 1, maximum: 7 },
        observation: "pixels"
      }).hasGroundTruthModel
    ).toBe(false)
  })

  it("is the ground truth of the mazes with state observations only", () => {
    expect(mazeFourRooms.hasGroundTruthModel).toBe(true)
    expect(makeMaze("four-rooms", { observation: "pixels" }).hasGroundTruthModel).toBe(false)
    const model = mazeFourRooms.groundTruthModel()
    const next = tf.tidy(() => model.step(tf.tensor2d([[24, 24]]), tf.tensor2d([[1, -1]])).arraySync())
    expect(next[0]?.[0]).toBeCloseTo(25, 5)
    expect(next[0]?.[1]).toBeCloseTo(23, 5)
  })
})
