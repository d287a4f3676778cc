import { activateBestBackend } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { prepareWorkload } from "./dist/perf/PreparedWorkload.js"
import { findPerfWorkload } from "./dist/perf/Workloads.js"

const choice = await activateBestBackend({ preferred: process.env.B ?? "native" })
const be = tf.getBackend()
const prof = new Map()
if (process.env.PROF)
  for (const k of tf.getKernelsForBackend(be)) {
    const f = k.kernelFunc
    tf.unregisterKernel(k.kernelName, be)
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const t0 = performance.now()
        const r = f(args)
        const e = prof.get(k.kernelName) ?? [0, 0]
        e[0] += performance.now() - t0
        e[1]++
        prof.set(k.kernelName, e)
        return r
      }
    })
  }
const w = prepareWorkload(findPerfWorkload(process.argv[2]), 0)
w.run()
prof.clear()
const N = Number(process.argv[3] ?? 5)
const times = []
for (let i = 0; i < N; i++) {
  const t0 = performance.now()
  w.run()
  times.push(performance.now() - t0)
}
w.dispose()
times.sort((a, b) => a - b)
console.log(
  choice.name,
  process.argv[2],
  "median",
  times[Math.floor(N / 2)].toFixed(1),
  "min",
  times[0].toFixed(1)
)
let tot = 0
for (const [, [t]] of prof) tot += t
console.log("kernel total/run", (tot / N).toFixed(1))
console.log(
  [...prof]
    .sort((a, b) => b[1][0] - a[1][0])
    .slice(0, 14)
    .map(([k, [t, n]]) => `${k} ${(t / N).toFixed(1)}ms ${n / N}`)
    .join("\n")
)
