import { Random, type WorldModel } from "@telos/core"
import { buildLandmarkGraph, type LandmarkGraph, type LatentTrajectories } from "@telos/planner"
import { shiftModel } from "./fixtures.js"

/**
 * A small two-room world for memory tests: rooms `x` in `[0, 10]` and `[12, 22]`, `y` in `[0, 10]`,
 * with a wall between them open only for `y` in `[8, 10]`.
 */
export const walledMove = (x: number, y: number, dx: number, dy: number): readonly [number, number] => {
  const nextX = Math.min(22, Math.max(0, x + dx))
  const nextY = Math.min(10, Math.max(0, y + dy))
  const overlapsWall = Math.min(x, nextX) < 12 && Math.max(x, nextX) > 10
  // A move that touches the wall's slab anywhere below the door is refused whole.
  return overlapsWall && Math.min(y, nextY) < 8 ? [x, y] : [nextX, nextY]
}

/** Random walks (steps up to 1 per axis) in the walled world, as recorded latents. */
export const walledWalks = (episodes: number, length: number, seed: number): LatentTrajectories => {
  const rng = Random.fromSeed(seed)
  const latents = new Float32Array(episodes * length * 2)
  for (let episode = 0; episode < episodes; episode++) {
    let x = rng.uniform() < 0.5 ? rng.uniformIn(0, 10) : rng.uniformIn(12, 22)
    let y = rng.uniformIn(0, 10)
    let heading = rng.uniformIn(-Math.PI, Math.PI)
    for (let step = 0; step < length; step++) {
      latents.set([x, y], (episode * length + step) * 2)
      heading += rng.uniformIn(-0.6, 0.6)
      ;[x, y] = walledMove(x, y, Math.cos(heading), Math.sin(heading))
    }
  }
  return { latentSize: 2, latents, episodeLengths: Array.from({ length: episodes }, () => length) }
}

/** The walled world's landmark graph, from walks enough that recorded passages join every landmark to every other. */
export const walledGraph = (): LandmarkGraph =>
  buildLandmarkGraph(walledWalks(200, 150, 1), { landmarks: 40 }, Random.fromSeed(0))

/** A macro model (stride 15) of the plane that knows no wall, as a level model that leaks through one. */
export const leakyPlaneModel = (): WorldModel => ({ ...shiftModel(2, 1, 1.5), name: "plane x15", stride: 15 })
