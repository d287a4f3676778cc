/**
 * The `faults` suite: telos tried as a careless and as a hostile user would. Real `telos collect`,
 * `train` and `bench` processes killed at random moments over finished work; every on-disk format
 * cut, bit-flipped, block-swapped and rewritten with hostile contents whose checksums agree; broken
 * and hostile configuration files; random command lines. A row per group of cases: how many were
 * tried, how many ended clear (the right result or a typed error naming what was wrong), how many
 * were harmless corruptions, how many were defects, and the bytes of finished work lost.
 *
 * @module
 */
import { rm } from "node:fs/promises"
import { join } from "node:path"
import { Random } from "@telos/core"
import { envRegistry } from "@telos/envs"
import type { Suite, SuiteRow, SummaryColumn } from "../../report/Suite.js"
import { argumentCase, randomArgv } from "./ArgumentCases.js"
import {
  checkpointCorruptions,
  configCorruptions,
  datasetCorruptions,
  resultsCorruptions
} from "./Corruptions.js"
import { benchTarget, collectTarget, type KillTarget, killCases, trainTarget } from "./Kills.js"
import { type CaseOutcome, emptyTally, record, type Tally } from "./Tally.js"

/** One row of the `faults` suite: a group of cases. */
export interface FaultRow extends SuiteRow {
  /** `kill`, `corrupt` or `arguments`. */
  readonly group: string
  /** What was attacked: a command, a file format, the parser. */
  readonly target: string
  /** Cases tried. */
  readonly cases: number
  /** Cases that ended with the right result or a typed error naming what was wrong. */
  readonly clear: number
  /** Corruptions that changed nothing read. */
  readonly harmless: number
  /** Cases that did not end as they should. */
  readonly defects: number
  /** Bytes of finished work destroyed. */
  readonly bytesLost: number
  /** The first defects, to reproduce them. */
  readonly examples: ReadonlyArray<string>
  /** Wall-clock seconds the group took. */
  readonly seconds: number
}

/** How many cases of each kind a run tries. */
export interface FaultOptions {
  /** Kill cases per command (collect, train, bench). */
  readonly killsPerCommand: number
  /** The longest wait before a kill, in milliseconds (a kill lands anywhere from start-up on). */
  readonly maxKillDelayMs: number
  /** The suite `bench` kill cases run (several rows, quickly), and its episodes per row. */
  readonly benchSuite: { readonly id: string; readonly episodes: number }
  /** Random byte corruptions per file format (hostile cases come on top). */
  readonly randomCorruptions: number
  /** Random command lines. */
  readonly argumentCases: number
  /** The commands whose kills are tried (all three by default). */
  readonly killTargets: ReadonlyArray<"collect" | "train" | "bench">
}

/** A full run: 8 kills per command, 60 corruptions per format, 2,000 command lines. */
export const defaultFaultOptions: FaultOptions = {
  killsPerCommand: 8,
  maxKillDelayMs: 8_000,
  benchSuite: { id: "quickstart", episodes: 1 },
  randomCorruptions: 60,
  argumentCases: 2_000,
  killTargets: ["collect", "train", "bench"]
}

/** Rows equal apart from the fields that measure time. */
export const sameRowsApartFromTime = (a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>): boolean => {
  const timeless = (row: unknown) =>
    JSON.stringify(row, (key, value) =>
      /ms|seconds|millis|time|perSecond|PerSecond/i.test(key) ? undefined : value
    )
  return a.length === b.length && a.every((row, index) => timeless(row) === timeless(b[index]))
}

const rowOf = (group: string, target: string, tally: Tally, started: number): FaultRow => ({
  group,
  target,
  cases: tally.cases,
  clear: tally.clear,
  harmless: tally.harmless,
  defects: tally.defects,
  bytesLost: tally.bytesLost,
  examples: tally.examples,
  seconds: Math.round((performance.now() - started) / 100) / 10
})

const columns: ReadonlyArray<SummaryColumn> = [
  { title: "group", cell: (row) => String(row.group) },
  { title: "target", cell: (row) => String(row.target) },
  { title: "cases", cell: (row) => String(row.cases) },
  { title: "clear", cell: (row) => String(row.clear) },
  { title: "harmless", cell: (row) => String(row.harmless) },
  { title: "defects", cell: (row) => String(row.defects) },
  { title: "bytes lost", cell: (row) => String(row.bytesLost) },
  { title: "s", cell: (row) => String(row.seconds) }
]

/** The `faults` suite with `options`. */
export const makeFaultsSuite = (options: FaultOptions = defaultFaultOptions): Suite => ({
  id: "faults",
  description:
    "Faults: kills at random moments, corrupt and hostile files, random command lines; defects and bytes lost",
  protocol: {
    ...options,
    kills:
      "SIGINT, SIGTERM, SIGKILL of the launcher or of the worker, after a random delay, over finished work",
    corruptions: "cut, bit flip, swapped blocks; hostile headers and values with recomputed checksums",
    clear: "the right result, or a typed error that names what was wrong"
  },
  columns,
  checks: (rows) => [
    { description: "no defect in any group", passed: rows.every((row) => row.defects === 0) },
    { description: "no byte of finished work lost", passed: rows.every((row) => row.bytesLost === 0) }
  ],
  skipsFinishedRows: true,
  timingFields: ["seconds"],
  run: async function* (context) {
    const scratch = join(context.directory ?? ".", "scratch")
    // Each group draws from its own stream, so a resumed run's groups draw what they would have.
    const streams = Random.fromSeed(context.seed).splitMany(options.killTargets.length + 4)
    const stream = (index: number) => streams[index] as Random
    const tallied = async (
      group: string,
      target: string,
      cases: () => Promise<ReadonlyArray<{ readonly description: string; readonly outcome: CaseOutcome }>>
    ): Promise<FaultRow> => {
      const started = performance.now()
      const tally = emptyTally()
      context.progress(`${group} ${target}`, 0)
      for (const { description, outcome } of await cases()) record(tally, description, outcome)
      return rowOf(group, target, tally, started)
    }
    const killTargets: Record<FaultOptions["killTargets"][number], () => KillTarget> = {
      collect: collectTarget,
      train: trainTarget,
      bench: () => benchTarget(options.benchSuite.id, options.benchSuite.episodes, sameRowsApartFromTime)
    }
    const kills = options.killTargets.length
    const groups: ReadonlyArray<() => Promise<FaultRow>> = [
      ...options.killTargets.map(
        (name, index) => () =>
          tallied("kill", name, () =>
            killCases(
              killTargets[name](),
              join(scratch, `kill-${name}`),
              options.killsPerCommand,
              options.maxKillDelayMs,
              stream(index)
            )
          )
      ),
      () =>
        tallied("corrupt", "dataset.bin", () =>
          datasetCorruptions(
            join(scratch, "dataset"),
            envRegistry,
            "two-rooms",
            options.randomCorruptions,
            stream(kills)
          )
        ),
      () =>
        tallied("corrupt", "checkpoint", () =>
          checkpointCorruptions(join(scratch, "checkpoint"), options.randomCorruptions, stream(kills + 1))
        ),
      () =>
        tallied("corrupt", "results.json", () =>
          resultsCorruptions(join(scratch, "results"), options.randomCorruptions, stream(kills + 2))
        ),
      () =>
        tallied("corrupt", "config file", () =>
          configCorruptions(join(scratch, "config"), envRegistry, "point-mass")
        ),
      () =>
        tallied("arguments", "command line", async () =>
          Array.from({ length: options.argumentCases }, () => {
            const argv = randomArgv(stream(kills + 3))
            return { description: JSON.stringify(argv), outcome: argumentCase(argv) }
          })
        )
    ]
    for (const group of groups.slice(context.resumeAfter ?? 0)) {
      await rm(scratch, { recursive: true, force: true })
      try {
        yield await group()
      } finally {
        await rm(scratch, { recursive: true, force: true })
      }
    }
  }
})

/** The `faults` suite at its full size. */
export const faultsSuite: Suite = makeFaultsSuite()
