import { Box, Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import * as P from "./dist/index.js"

const shift = (scale, stride) => ({
  name: "s",
  latentSize: 2,
  actionSpace: new Box({ low: -1, high: 1, shape: [2] }),
  stride,
  encode: (o) => tf.tidy(() => o.toFloat().reshape([-1, 2])),
  step: (s, a) => tf.tidy(() => s.add(a.mul(scale)))
})
const l0 = {
  model: shift(0.1, 1),
  planner: P.gradientPlanner({ iterations: 10, restarts: 2, learningRate: 0.3 }),
  horizon: 8,
  cost: (t) => P.goalCost({ goal: t, mode: "running" })
}
const l1 = { model: shift(0.5, 5), planner: P.cemPlanner({ samples: 64, iterations: 4 }), horizon: 4 }
const dir = P.hierarchySubgoals([l1], 1, Random.fromSeed(0))
const goal = Float32Array.from([0.7, -0.6])
const tr = dir.start(goal)
let pos = Float32Array.from([-0.5, 0.5])
for (let i = 0; i < 40; i++) {
  const sg = tr.next(pos)
  const init = tf.tensor2d([Array.from(pos)])
  const tg = tf.tensor2d([Array.from(sg)])
  const plan = l0.planner.plan(
    { model: l0.model, initialStates: init, cost: l0.cost(tg), horizon: 8 },
    Random.fromSeed(i)
  )
  init.dispose()
  tg.dispose()
  pos = Float32Array.from([pos[0] + 0.1 * plan.actions[0], pos[1] + 0.1 * plan.actions[1]])
  console.log(
    i,
    Array.from(pos)
      .map((v) => v.toFixed(3))
      .join(","),
    "sg",
    Array.from(sg)
      .map((v) => v.toFixed(3))
      .join(",")
  )
}
