import { InvalidValueError, rollout } from "@telos/core"
import {
  normalizeAngle,
  type PendulumState,
  pendulum,
  pendulumBalanced,
  pendulumModel,
  pendulumTransition
} from "@telos/envs"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { thrownBy, useCpuBackend } from "../support.js"

beforeAll(useCpuBackend)

const expectClose = (actual: number, expected: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThan(1e-12)
}

describe("pendulum equations (Gymnasium Pendulum-v1)", () => {
  it("matches three steps computed by hand from theta = pi/4, thetaDot = 0.5", () => {
    // Step 1, u = 1.5: cost uses the state before the update.
    //   reward   = -((pi/4)^2 + 0.1 * 0.5^2 + 0.001 * 1.5^2)
    //   thetaDot = 0.5 + (3 * 10 / 2 * sin(pi/4) + 3 * 1.5) * 0.05 = 0.5 + (15 / sqrt 2 + 4.5) * 0.05
    //   theta    = pi/4 + thetaDot * 0.05
    const firstThetaDot = 0.5 + ((15 * Math.SQRT2) / 2 + 4.5) * 0.05
    const first = pendulumTransition({ theta: Math.PI / 4, thetaDot: 0.5 }, Float64Array.of(1.5))
    expectClose(first.reward, -((Math.PI / 4) ** 2 + 0.1 * 0.25 + 0.001 * 2.25))
    expectClose(first.state.thetaDot, firstThetaDot)
    expectClose(first.state.theta, Math.PI / 4 + firstThetaDot * 0.05)
    // The same numbers, as Python's float64 arithmetic prints them.
    expectClose(first.reward, -0.6441002750680849)
    expectClose(first.state.thetaDot, 1.2553300858899106)
    expectClose(first.state.theta, 0.8481646676919438)

    const second = pendulumTransition(first.state, Float64Array.of(-2))
    expectClose(second.reward, -0.8809686659750222)
    expectClose(second.state.thetaDot, 1.517880974970173)
    expectClose(second.state.theta, 0.9240587164404525)

    const third = pendulumTransition(second.state, Float64Array.of(0.7))
    expectClose(third.reward, -1.0847707768472168)
    expectClose(third.state.thetaDot, 2.2214214093303486)
    expectClose(third.state.theta, 1.0351297869069698)
  })

  it("reports [cos, sin, thetaDot] along the same trajectory", () => {
    const env = pendulum.make()
    env.reset({ options: { theta: Math.PI / 4, thetaDot: 0.5 } })
    const observations = [1.5, -2, 0.7].map((torque) => Array.from(env.step([torque]).observation))
    const expected = [
      [0.661360882752803, 0.7500678521070164, 1.2553300858899106],
      [0.6025860542486777, 0.7980539124802344, 1.517880974970173],
      [0.5104143294870641, 0.8599286088125402, 2.2214214093303486]
    ]
    observations.forEach((row, step) => {
      row.forEach((value, index) => {
        expectClose(value, expected[step]![index]!)
      })
    })
  })

  it("clips the angular velocity at the maximum speed of 8", () => {
    // 7.9 + (15 * sin(pi/2) + 3 * 2) * 0.05 = 8.95, clipped to 8.
    const up = pendulumTransition({ theta: Math.PI / 2, thetaDot: 7.9 }, Float64Array.of(2))
    expect(up.state.thetaDot).toBe(8)
    expectClose(up.state.theta, Math.PI / 2 + 8 * 0.05)
    expectClose(up.reward, -8.71240110027234)
    const down = pendulumTransition({ theta: -Math.PI / 2, thetaDot: -7.9 }, Float64Array.of(-2))
    expect(down.state.thetaDot).toBe(-8)
  })

  it("wraps angles into [-pi, pi) with a floored modulo, in the reward too", () => {
    expectClose(normalizeAngle(3.5 * Math.PI), -Math.PI / 2)
    expectClose(normalizeAngle(-4), 2.2831853071795862)
    expectClose(normalizeAngle(7), 0.7168146928204138)
    expect(normalizeAngle(Math.PI)).toBe(-Math.PI)
    expect(normalizeAngle(-Math.PI)).toBe(-Math.PI)
    // theta = 7 is 0.7168 past upright: its cost uses the wrapped angle.
    const wrapped = pendulumTransition({ theta: 7, thetaDot: 1 }, Float64Array.of(0))
    expectClose(wrapped.reward, -0.6138233038432241)
    expectClose(wrapped.state.theta, 7.074636997451955)
    fc.assert(
      fc.property(fc.double({ min: -1e3, max: 1e3, noNaN: true }), (angle) => {
        const wrappedAngle = normalizeAngle(angle)
        expect(wrappedAngle).toBeGreaterThanOrEqual(-Math.PI)
        expect(wrappedAngle).toBeLessThan(Math.PI)
        expect(Math.abs(Math.cos(wrappedAngle) - Math.cos(angle))).toBeLessThan(1e-9)
      })
    )
  })
})

describe("pendulum episodes", () => {
  it("starts with theta in [-pi, pi] and thetaDot in [-1, 1], or where the options say", () => {
    const env = pendulum.make()
    for (let seed = 0; seed < 100; seed++) {
      const { info } = env.reset({ seed })
      expect(Math.abs(info.theta as number)).toBeLessThanOrEqual(Math.PI)
      expect(Math.abs(info.thetaDot as number)).toBeLessThanOrEqual(1)
    }
    const { observation, info } = env.reset({ seed: 0, options: { theta: Math.PI, thetaDot: 0 } })
    expect(info).toEqual({ theta: Math.PI, thetaDot: 0, success: false })
    expect(Array.from(observation)).toEqual([Math.cos(Math.PI), Math.sin(Math.PI), 0])
    expect(thrownBy(() => env.reset({ options: { thetaDot: 9 } }))).toMatchObject({
      _tag: "InvalidValueError",
      field: "options.thetaDot"
    })
    expect(thrownBy(() => env.reset({ options: { theta: "up" } }))).toMatchObject({ field: "options.theta" })
    expect(thrownBy(() => env.reset({ options: { angle: 0 } }))).toMatchObject({ field: "options.angle" })
  })

  it("never terminates and truncates after 200 steps", () => {
    const env = pendulum.make()
    env.reset({ seed: 3 })
    for (let step = 1; step < 200; step++) {
      expect(env.step([2])).toMatchObject({ terminated: false, truncated: false })
    }
    expect(env.step([2])).toMatchObject({ terminated: false, truncated: true })
  })

  it("clips finite torques outside [-2, 2] onto the bound, as Gymnasium does", () => {
    for (const [torque, bound] of [
      [2.0001, 2],
      [-3, -2],
      [1e300, 2]
    ] as const) {
      const clipped = pendulum.make()
      const onBound = pendulum.make()
      clipped.reset({ seed: 4 })
      onBound.reset({ seed: 4 })
      expect(clipped.step([torque])).toEqual(onBound.step([bound]))
    }
  })

  it("rejects non-finite torques and wrong lengths, naming them", () => {
    const env = pendulum.make()
    env.reset({ seed: 0 })
    for (const torque of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const error = thrownBy(() => env.step([torque]))
      expect(error).toBeInstanceOf(InvalidValueError)
      expect((error as InvalidValueError).field).toBe("action[0]")
    }
    expect(thrownBy(() => env.step([1, 1]))).toMatchObject({ field: "action" })
  })

  it("renders the pole as SVG", () => {
    const env = pendulum.make()
    env.reset({ seed: 0 })
    expect(env.render()).toMatch(/^<svg[\s\S]*<line[\s\S]*<\/svg>$/)
  })
})

describe("pendulum ground-truth model", () => {
  const model = pendulumModel()

  it("agrees with the environment's step within float32 tolerance", () => {
    const state = fc.record({
      theta: fc.double({ min: -4, max: 4, noNaN: true }),
      thetaDot: fc.double({ min: -8, max: 8, noNaN: true })
    })
    const torque = fc.double({ min: -2, max: 2, noNaN: true })
    fc.assert(
      fc.property(fc.array(fc.tuple(state, torque), { minLength: 1, maxLength: 16 }), (rows) => {
        const observe = ({ theta, thetaDot }: PendulumState): Array<number> => [
          Math.cos(theta),
          Math.sin(theta),
          thetaDot
        ]
        const predicted = tf.tidy(() =>
          model.step(
            tf.tensor2d(rows.map(([start]) => observe(start))),
            tf.tensor2d(rows.map(([, u]) => [u]))
          )
        )
        const values = predicted.arraySync()
        predicted.dispose()
        rows.forEach(([start, u], index) => {
          const expected = observe(pendulumTransition(start, Float64Array.of(u)).state)
          expected.forEach((value, column) => {
            expect(Math.abs(values[index]![column]! - value)).toBeLessThan(1e-4)
          })
        })
      }),
      { numRuns: 100 }
    )
  })

  it("differentiates a rollout with respect to the torques, without leaking tensors", () => {
    const before = tf.memory().numTensors
    const gradient = tf.tidy(() => {
      const start = model.encode(
        tf.tensor2d([
          [Math.cos(Math.PI), Math.sin(Math.PI), 0],
          [Math.cos(2), Math.sin(2), 0.5]
        ])
      )
      const torques = tf.fill([20, 2, 1], 0.5) as tf.Tensor3D
      // Distance of the last state from upright and at rest.
      const upright = tf.tensor1d([1, 0, 0])
      const finalCost = (plan: tf.Tensor): tf.Scalar => {
        const states = rollout(model, start, plan as tf.Tensor3D)
        const last = tf.squeeze(tf.slice(states, [20, 0, 0], [1, -1, -1]), [0])
        return tf.sum(tf.square(tf.sub(last, upright)))
      }
      return tf.grad(finalCost)(torques)
    })
    const values = Array.from(gradient.dataSync())
    expect(gradient.shape).toEqual([20, 2, 1])
    expect(values.every(Number.isFinite)).toBe(true)
    expect(values.some((value) => value !== 0)).toBe(true)
    gradient.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe("pendulumBalanced", () => {
  it.each([
    { theta: 0, thetaDot: 0, balanced: true },
    { theta: 0.05, thetaDot: -0.4, balanced: true },
    { theta: 2 * Math.PI, thetaDot: 0, balanced: true },
    { theta: -2 * Math.PI + 0.05, thetaDot: 0.1, balanced: true },
    { theta: 4 * Math.PI - 0.09, thetaDot: 0, balanced: true },
    { theta: 0.11, thetaDot: 0, balanced: false },
    { theta: -0.11, thetaDot: 0, balanced: false },
    { theta: Math.PI, thetaDot: 0, balanced: false },
    { theta: 0, thetaDot: 0.6, balanced: false },
    { theta: 0, thetaDot: -0.6, balanced: false }
  ])("theta $theta, thetaDot $thetaDot: $balanced", ({ theta, thetaDot, balanced }) => {
    expect(pendulumBalanced(theta, thetaDot)).toBe(balanced)
    const env = pendulum.make()
    expect(env.reset({ seed: 0, options: { theta, thetaDot } }).info.success).toBe(balanced)
  })
})
