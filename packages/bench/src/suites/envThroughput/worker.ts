/**
 * Runs the throughput measurements of one environment in a worker thread. Each environment gets a
 * fresh JavaScript engine, so call sites shared by all environments (the stepping loops) are not
 * left polymorphic by the environments measured before it; every row is measured on equal terms.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads"
import { envRegistry } from "@telos/envs"
import { measureThroughput, type SteppingMode } from "./suite.js"

/** What the suite sends to the worker. */
export interface ThroughputJob {
  readonly id: string
  readonly modes: ReadonlyArray<SteppingMode>
  readonly seed: number
  readonly seconds: number
}

const job = workerData as ThroughputJob
const spec = envRegistry.get(job.id)
parentPort?.postMessage(job.modes.map((mode) => measureThroughput(spec, mode, job.seed, job.seconds)))
