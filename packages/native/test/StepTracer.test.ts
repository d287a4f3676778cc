import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  nativeCallCount,
  nativeStepTracer,
  type StepReplay,
  type StepTracer,
  type TensorStep
} from "../src/index.js"
import {
  expectAllClose,
  registerNativeBeforeAll,
  restoreBackendAfterAll,
  seededValues,
  sizeOf,
  wasmBackend
} from "./support.js"

restoreBackendAfterAll()
registerNativeBeforeAll()

const tracer = (): StepTracer => {
  const found = nativeStepTracer()
  if (found === undefined) throw new Error("the native backend registered no step tracer")
  return found
}

const tensorOf = (seed: number, shape: ReadonlyArray<number>, positive = false): tf.Tensor => {
  const values = seededValues(seed, sizeOf(shape))
  return tf.tensor(positive ? values.map((value) => Math.abs(value) + 0.5) : values, [...shape])
}

const valuesOf = (tensors: ReadonlyArray<tf.Tensor>) =>
  tensors.map((tensor) => ({ shape: tensor.shape, values: Float32Array.from(tensor.dataSync()) }))

/**
 * Records `step` on `first`, then replays the compiled graph on `second` (other values, same shapes)
 * and checks it against the kernels run on `second`: a replay that only repeated the recording's
 * own results would fail here.
 */
const expectReplayMatchesKernels = (
  step: TensorStep,
  first: ReadonlyArray<tf.Tensor>,
  second: ReadonlyArray<tf.Tensor>
): StepReplay => {
  const traced = tracer().trace(step, first)
  tf.dispose(traced.results)
  expect(traced.reason).toBeUndefined()
  const replay = traced.replay as StepReplay
  expect(replay.accepts(second)).toBe(true)
  const kernels = tf.tidy(() => [...step(second)])
  const replayed = replay.run(second)
  const expected = valuesOf(kernels)
  const actual = valuesOf(replayed)
  tf.dispose([...kernels, ...replayed])
  expectAllClose(actual, expected, "replay against kernels", { relative: 1e-5, absolute: 1e-5 })
  return replay
}

interface Case {
  readonly name: string
  readonly shapes: ReadonlyArray<ReadonlyArray<number>>
  readonly positive?: boolean
  readonly step: TensorStep
}

const m = (args: ReadonlyArray<tf.Tensor>, index: number) => args[index] as tf.Tensor

const cases: ReadonlyArray<Case> = [
  {
    name: "unary element-wise ops",
    shapes: [[3, 4]],
    step: (a) => [
      m(a, 0).neg(),
      m(a, 0).abs(),
      m(a, 0).relu(),
      m(a, 0).sigmoid(),
      m(a, 0).tanh(),
      m(a, 0).square(),
      m(a, 0).exp(),
      m(a, 0).sign(),
      m(a, 0).floor(),
      m(a, 0).elu(),
      m(a, 0).softplus(),
      tf.step(m(a, 0), 0.3),
      m(a, 0).clipByValue(-0.5, 0.75),
      tf.leakyRelu(m(a, 0), 0.1)
    ]
  },
  {
    name: "unary ops of positive inputs",
    shapes: [[5]],
    positive: true,
    step: (a) => [m(a, 0).sqrt(), m(a, 0).log(), m(a, 0).rsqrt(), m(a, 0).reciprocal()]
  },
  {
    name: "broadcasting binary ops and comparisons",
    shapes: [
      [2, 3, 4],
      [3, 1]
    ],
    step: (a) => [
      m(a, 0).add(m(a, 1)),
      m(a, 0).sub(m(a, 1)),
      m(a, 0).mul(m(a, 1)),
      m(a, 0).maximum(m(a, 1)),
      m(a, 0).minimum(m(a, 1)),
      tf.squaredDifference(m(a, 0), m(a, 1)),
      m(a, 0).less(m(a, 1)),
      m(a, 0).greaterEqual(m(a, 1)),
      m(a, 0).equal(m(a, 1)),
      m(a, 0).notEqual(m(a, 1)),
      tf.where(m(a, 0).greater(m(a, 1)), m(a, 0), m(a, 1).broadcastTo([2, 3, 4]))
    ]
  },
  {
    name: "division",
    shapes: [[4, 2], [2]],
    positive: true,
    step: (a) => [m(a, 0).div(m(a, 1)), m(a, 0).pow(tf.scalar(2))]
  },
  {
    name: "reductions over some and all axes",
    shapes: [[3, 4, 5]],
    step: (a) => [
      m(a, 0).sum(),
      m(a, 0).sum(1),
      m(a, 0).sum([0, 2], true),
      m(a, 0).mean(-1),
      m(a, 0).min(0),
      m(a, 0).max([1, 2]),
      m(a, 0).argMin(1),
      m(a, 0).argMax(-1),
      m(a, 0).prod(2)
    ]
  },
  {
    name: "matrix products, transposed, batched and fused",
    shapes: [[6, 4], [4, 5], [5], [2, 3, 4], [2, 5, 4]],
    step: (a) => [
      tf.matMul(m(a, 0), m(a, 1)),
      tf.matMul(m(a, 1), m(a, 0), true, true),
      tf.matMul(m(a, 3), m(a, 4), false, true),
      tf.fused.matMul({
        a: m(a, 0) as tf.Tensor2D,
        b: m(a, 1) as tf.Tensor2D,
        bias: m(a, 2),
        activation: "relu"
      }),
      tf.fused.matMul({
        a: m(a, 0) as tf.Tensor2D,
        b: m(a, 1) as tf.Tensor2D,
        bias: m(a, 2),
        activation: "sigmoid"
      })
    ]
  },
  {
    name: "shapes: reshape, transpose, concat, split, stack, unstack, slice, tile, pad, gather",
    shapes: [
      [2, 3, 4],
      [2, 3, 4]
    ],
    step: (a) => [
      m(a, 0).reshape([6, 4]),
      m(a, 0).transpose([2, 0, 1]),
      tf.concat([m(a, 0), m(a, 1)], 1),
      ...tf.split(m(a, 0), [1, 3], 2),
      tf.stack([m(a, 0), m(a, 1)], 1),
      ...tf.unstack(m(a, 0), 1),
      m(a, 0).slice([0, 1, 1], [2, 2, -1]),
      m(a, 0).tile([1, 2, 1]),
      m(a, 0).pad(
        [
          [0, 1],
          [1, 0],
          [0, 2]
        ],
        0.5
      ),
      tf.gather(m(a, 0), tf.tensor1d([2, 0], "int32"), 1),
      m(a, 0).expandDims(1),
      m(a, 0).cast("int32")
    ]
  },
  {
    name: "top-k, softmax, fills and ranges",
    shapes: [[3, 8]],
    step: (a) => [
      ...Object.values(tf.topk(m(a, 0), 3)),
      tf.softmax(m(a, 0)),
      tf.onesLike(m(a, 0)),
      tf.zerosLike(m(a, 0)),
      tf.fill([2, 2], 7),
      tf.range(0, 9, 3, "int32").add(m(a, 0).argMax(1))
    ]
  },
  {
    name: "convolutions and both their gradients, strided and padded",
    shapes: [
      [2, 9, 9, 3],
      [3, 3, 3, 4],
      [2, 8, 7, 2],
      [2, 2, 2, 5]
    ],
    step: (a) => {
      const x = m(a, 0) as tf.Tensor4D
      const filter = m(a, 1) as tf.Tensor4D
      const other = m(a, 2) as tf.Tensor4D
      const small = m(a, 3) as tf.Tensor4D
      const { grads } = tf.engine().gradients(
        () =>
          tf
            .conv2d(x, filter, 2, "same")
            .relu()
            .sum()
            .add(tf.conv2d(other, small, [2, 1], "valid").square().sum()) as tf.Scalar,
        [x, filter, other, small]
      )
      return [
        tf.conv2d(x, filter, 1, "valid"),
        tf.conv2d(x, filter, 2, "same"),
        tf.conv2d(x, filter, 1, 1),
        ...grads
      ]
    }
  },
  {
    name: "a gradient and an optimiser update",
    shapes: [[8, 3], [3, 4], [4]],
    step: (a) => {
      const { value, grads } = tf.engine().gradients(
        () =>
          tf.fused
            .matMul({
              a: m(a, 0) as tf.Tensor2D,
              b: m(a, 1) as tf.Tensor2D,
              bias: m(a, 2),
              activation: "relu"
            })
            .square()
            .sum() as tf.Scalar,
        [m(a, 1), m(a, 2)]
      )
      return [value, ...grads, m(a, 1).sub((grads[0] as tf.Tensor).mul(0.01))]
    }
  }
]

describe("compiled steps on the native backend", () => {
  for (const testCase of cases) {
    it(`replays ${testCase.name} as the kernels compute them, on new inputs`, async () => {
      await tf.setBackend("native")
      const before = tf.memory().numTensors
      const first = testCase.shapes.map((shape, index) => tensorOf(index + 1, shape, testCase.positive))
      const second = testCase.shapes.map((shape, index) => tensorOf(index + 101, shape, testCase.positive))
      expectReplayMatchesKernels(testCase.step, first, second)
      tf.dispose([...first, ...second])
      expect(tf.memory().numTensors).toBe(before)
    })
  }

  it("replays random compositions of element-wise ops and products (property)", async () => {
    await tf.setBackend("native")
    const operations = [
      "add",
      "sub",
      "mul",
      "relu",
      "square",
      "sigmoid",
      "matmul",
      "sum",
      "concat",
      "tanh"
    ] as const
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...operations), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(1000),
        async (program, size, seed) => {
          const step: TensorStep = ([x, y]) => {
            let value = x as tf.Tensor2D
            const other = y as tf.Tensor2D
            for (const operation of program) {
              if (operation === "add") value = value.add(other)
              else if (operation === "sub") value = value.sub(other)
              else if (operation === "mul") value = value.mul(other)
              else if (operation === "relu") value = value.relu()
              else if (operation === "square") value = value.square()
              else if (operation === "sigmoid") value = value.sigmoid()
              else if (operation === "tanh") value = value.tanh()
              else if (operation === "matmul") value = tf.matMul(value, other, false, true)
              else if (operation === "sum") value = value.sum(1, true).add(other)
              else value = tf.concat([value, other], 1).slice([0, 0], [size, size])
            }
            return [value]
          }
          const first = [tensorOf(seed, [size, size]), tensorOf(seed + 1, [size, size])]
          const second = [tensorOf(seed + 2, [size, size]), tensorOf(seed + 3, [size, size])]
          expectReplayMatchesKernels(step, first, second)
          tf.dispose([...first, ...second])
        }
      ),
      { numRuns: 40 }
    )
  })

  it("feeds a table the step writes from JavaScript with the values of its own recording", async () => {
    await tf.setBackend("native")
    const stepWith =
      (table: Float32Array): TensorStep =>
      ([x]) => [(x as tf.Tensor).add(tf.tensor1d(table)).square()]
    const x = tensorOf(12, [400])
    const results = [seededValues(13, 400), seededValues(14, 400)].map((table) => {
      const traced = tracer().trace(stepWith(table), [x])
      expect(traced.reason).toBeUndefined()
      tf.dispose(traced.results)
      const other = tensorOf(15, [400])
      const replayed = (traced.replay as StepReplay).run([other])
      const expected = tf.tidy(() => [...stepWith(table)([other])])
      expectAllClose(valuesOf(replayed), valuesOf(expected), "a written table")
      tf.dispose([...replayed, ...expected, other])
      return traced.replay as StepReplay
    })
    // Two tables, one graph: the second recording found the first one's session.
    expect(results[0]?.kernelCalls).toEqual(results[1]?.kernelCalls)
    x.dispose()
  })

  it("keeps TensorFlow.js's step on NaN, infinities and zeros, with and without a slope", async () => {
    await tf.setBackend("native")
    const special = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-30, 0.5, 3, -2]
    const valuesWith = (offset: number) =>
      Float32Array.from({ length: 4099 }, (_unused, index) =>
        index % 7 === 0
          ? (special[(index / 7 + offset) % special.length] as number)
          : (index % 13) - 6 + offset / 10
      )
    const step: TensorStep = ([x]) => [tf.step(x as tf.Tensor), tf.step(x as tf.Tensor, 0.25)]
    const first = tf.tensor1d(valuesWith(0))
    const second = tf.tensor1d(valuesWith(3))
    const traced = tracer().trace(step, [first])
    expect(traced.reason).toBeUndefined()
    const replayed = (traced.replay as StepReplay).run([second])
    const expected = tf.tidy(() => [...step([second])])
    replayed.forEach((result, index) => {
      const got = result.dataSync()
      const want = (expected[index] as tf.Tensor).dataSync()
      for (let at = 0; at < want.length; at++) {
        if (Number.isNaN(want[at] as number)) expect(Number.isNaN(got[at] as number)).toBe(true)
        // -0 and 0 are the same number here (a product with either sums the same).
        else expect(got[at] === want[at], `element ${at}: ${got[at]} against ${want[at]}`).toBe(true)
      }
    })
    tf.dispose([first, second, ...traced.results, ...replayed, ...expected])
  })

  it("compiles a step whose results overflow to infinity, as the kernels' do", async () => {
    await tf.setBackend("native")
    const step: TensorStep = ([x]) => [(x as tf.Tensor).square().mul(1e30)]
    const big = tf.tensor1d(
      Float32Array.from({ length: 64 }, (_unused, index) => (index % 2 === 0 ? 1e20 : -1e20))
    )
    const traced = tracer().trace(step, [big])
    expect(traced.reason).toBeUndefined()
    expect(Array.from((traced.results[0] as tf.Tensor).dataSync()).every((value) => value === Infinity)).toBe(
      true
    )
    tf.dispose([big, ...traced.results])
  })

  it("runs a replay as one native call and frees what it allocated", async () => {
    await tf.setBackend("native")
    const weights = tensorOf(3, [16, 16])
    const step: TensorStep = ([x]) => [
      tf
        .matMul(x as tf.Tensor, weights)
        .relu()
        .matMul(weights)
        .sum(1)
    ]
    const x = tensorOf(4, [32, 16])
    const traced = tracer().trace(step, [x])
    tf.dispose(traced.results)
    const replay = traced.replay as StepReplay
    expect(replay.kernelCalls.kept).toBeGreaterThanOrEqual(4)
    const before = tf.memory().numTensors
    const calls = nativeCallCount()
    for (let run = 0; run < 50; run++) tf.dispose(replay.run([x]))
    expect(nativeCallCount() - calls).toBe(50)
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([weights, x])
  })

  it("reads tensors captured from outside at each run, and stops accepting once they are gone", async () => {
    await tf.setBackend("native")
    const weights = tensorOf(5, [4, 4])
    const step: TensorStep = ([x]) => [tf.matMul(x as tf.Tensor, weights)]
    const x = tensorOf(6, [2, 4])
    const traced = tracer().trace(step, [x])
    tf.dispose(traced.results)
    const replay = traced.replay as StepReplay
    expect(replay.accepts([x])).toBe(true)
    expect(replay.accepts([tensorOf(7, [3, 4])])).toBe(false)
    weights.dispose()
    expect(replay.accepts([x])).toBe(false)
    x.dispose()
  })

  it("tells two arguments that share data apart (a clone is the same data)", async () => {
    await tf.setBackend("native")
    const a = tensorOf(8, [3])
    const clone = a.clone()
    const step: TensorStep = ([x, y]) => [(x as tf.Tensor).sub((y as tf.Tensor).mul(2))]
    const traced = tracer().trace(step, [a, clone])
    tf.dispose(traced.results)
    const other = tensorOf(9, [3])
    const replayed = (traced.replay as StepReplay).run([a, other])
    const expected = tf.tidy(() => a.sub(other.mul(2)))
    expectAllClose(valuesOf(replayed), valuesOf([expected]), "aliased arguments")
    tf.dispose([a, clone, other, expected, ...replayed])
  })

  const refusals: ReadonlyArray<{
    readonly name: string
    readonly step: TensorStep
    readonly reason: RegExp
  }> = [
    {
      name: "a value read back in the middle",
      step: ([x]) => {
        const scale = (x as tf.Tensor).sum().dataSync()[0] as number
        return [(x as tf.Tensor).mul(scale)]
      },
      reason: /read a tensor back/
    },
    {
      name: "JavaScript arithmetic on tensor memory",
      step: ([x]) => {
        const values = wasmBackend().typedArrayFromHeap(x as tf.Tensor) as Float32Array
        return [
          tf.tensor(
            values.map((value) => value * 2),
            (x as tf.Tensor).shape
          )
        ]
      },
      reason: /outside any kernel/
    },
    {
      name: "random numbers drawn inside",
      step: ([x]) => [(x as tf.Tensor).add(tf.randomNormal([300], 0, 1, "float32", 7))],
      reason: /random numbers/
    },
    {
      name: "a kernel with no compiled form",
      step: ([x]) => [tf.cumsum(x as tf.Tensor)],
      reason: /Cumsum/
    }
  ]
  for (const refusal of refusals) {
    it(`refuses to compile ${refusal.name}, saying why, and still returns the kernels' results`, async () => {
      await tf.setBackend("native")
      const x = tensorOf(10, [300])
      const before = tf.memory().numTensors
      const traced = tracer().trace(refusal.step, [x])
      expect(traced.replay).toBeUndefined()
      expect(traced.reason).toMatch(refusal.reason)
      const expected = tf.tidy(() => [...refusal.step([x])])
      expectAllClose(valuesOf(traced.results), valuesOf(expected), refusal.name)
      tf.dispose([...traced.results, ...expected])
      expect(tf.memory().numTensors).toBe(before)
      // The recording's hooks are gone: the backend's own methods are back.
      expect(Object.hasOwn(wasmBackend(), "write")).toBe(false)
      expect(Object.hasOwn(wasmBackend(), "readSync")).toBe(false)
      x.dispose()
    })
  }

  it("lets an error inside the step through, with the recording undone", async () => {
    await tf.setBackend("native")
    const x = tensorOf(11, [4])
    const before = tf.memory().numTensors
    expect(() =>
      tracer().trace(
        ([value]) => {
          ;(value as tf.Tensor).square()
          throw new RangeError("the step failed")
        },
        [x]
      )
    ).toThrow(/the step failed/)
    expect(tf.memory().numTensors).toBe(before)
    expect(Object.hasOwn(wasmBackend(), "write")).toBe(false)
    // A later recording works as before.
    const traced = tracer().trace(([value]) => [(value as tf.Tensor).square()], [x])
    expect(traced.reason).toBeUndefined()
    tf.dispose([x, ...traced.results])
  })
})
