import { writeFile } from "node:fs/promises"
import { join, relative, resolve } from "node:path"
import { ConfigError } from "@telos/core"
import * as fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { decodeSweepSpec, expandSweep, readSweepSpec, sweepTrials } from "../src/sweep/SweepSpec.js"
import { repositoryRoot } from "./fixtures/workspace.js"
import { makeTempDir, removeTempDir } from "./fixtures.js"

const directories: Array<string> = []
afterAll(async () => {
  await Promise.all(directories.map(removeTempDir))
})

const failure = async (value: unknown): Promise<ConfigError> => {
  try {
    await decodeSweepSpec(value, "sweep.yaml")
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error("decoded")
}

describe("decodeSweepSpec", () => {
  it("reads a grid's product and a count of seeds", async () => {
    const spec = await decodeSweepSpec(
      {
        env: "point-mass",
        grid: { "actor.horizon": [10, 20], "actor.planner": ["gradient", "cem"] },
        seeds: 3
      },
      "sweep.yaml"
    )
    expect(spec.settings).toEqual([
      { "actor.horizon": 10, "actor.planner": "gradient" },
      { "actor.horizon": 10, "actor.planner": "cem" },
      { "actor.horizon": 20, "actor.planner": "gradient" },
      { "actor.horizon": 20, "actor.planner": "cem" }
    ])
    expect(spec.seeds).toEqual([0, 1, 2])
  })

  it("names the field of every bad part", async () => {
    expect((await failure({ env: "point-mass", grid: {}, seeds: 0 })).message).toContain("seeds")
    expect((await failure({ env: "point-mass", grid: { "actor.horizon": [] }, seeds: 1 })).message).toContain(
      "grid"
    )
    expect((await failure({ env: "point-mass", seeds: 1 })).message).toContain("grid")
    expect((await failure({ env: "point-mass", grid: {}, list: [{}], seeds: 1 })).message).toContain("list")
    expect(
      (await failure({ env: "point-mass", base: {}, config: "a.yaml", grid: {}, seeds: 1 })).message
    ).toContain("config")
    expect((await failure({ env: "point-mass", list: [{ a: 1 }, { a: 1 }], seeds: 1 })).message).toContain(
      "list[1]"
    )
    expect((await failure({ env: "point-mass", grid: {}, seeds: [1, 1] })).message).toContain("seeds")
    expect((await failure({ env: "point-mass", grid: {}, seeds: 1, extra: 1 })).message).toContain("extra")
  })

  it("reads the base from a config file beside the sweep file, and the env from it", async () => {
    const directory = await makeTempDir()
    directories.push(directory)
    await writeFile(join(directory, "base.yaml"), "env: point-mass\nactor: { horizon: 12 }\n")
    await writeFile(join(directory, "sweep.yaml"), "config: base.yaml\nlist: [{ seed: 1 }]\nseeds: [4]\n")
    const spec = await readSweepSpec(join(directory, "sweep.yaml"))
    expect(spec.env).toBe("point-mass")
    expect(spec.base).toEqual({ env: "point-mass", actor: { horizon: 12 } })
  })
})

describe("expandSweep", () => {
  it("refuses a setting with a bad value before any trial runs, naming the setting and the key", async () => {
    const spec = await decodeSweepSpec(
      { env: "point-mass", grid: { "actor.horizon": [10, 0] }, seeds: 1 },
      "sweep.yaml"
    )
    const error = await expandSweep(spec, { cache: "c", source: "sweep.yaml" }).catch(
      (caught: unknown) => caught
    )
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toContain("setting actor.horizon=0")
    expect((error as ConfigError).message).toContain("actor.horizon")
  })

  it("refuses an unknown key, and a sweep without an environment", async () => {
    const unknown = await decodeSweepSpec({ env: "point-mass", list: [{ "actor.horizn": 3 }], seeds: 1 }, "s")
    const error = await expandSweep(unknown, { cache: "c", source: "s" }).catch((caught: unknown) => caught)
    expect((error as ConfigError).message).toContain("horizn")
    const nameless = await decodeSweepSpec({ grid: {}, seeds: 1 }, "s")
    const missing = await expandSweep(nameless, { cache: "c", source: "s" }).catch(
      (caught: unknown) => caught
    )
    expect((missing as ConfigError).issues[0]?.field).toBe("env")
  })

  it("keys the plan by its contents", async () => {
    const spec = await decodeSweepSpec(
      { env: "point-mass", grid: { "actor.horizon": [10, 20] }, seeds: 2 },
      "s"
    )
    const plan = await expandSweep(spec, { cache: "c", source: "s" })
    const again = await expandSweep(spec, { cache: "elsewhere", source: "s" })
    const other = await expandSweep({ ...spec, seeds: [0, 2] }, { cache: "c", source: "s" })
    expect(plan.trials).toHaveLength(4)
    expect(again.key).toBe(plan.key)
    expect(other.key).not.toBe(plan.key)
  })
})

describe("sweepTrials", () => {
  const settings = fc.uniqueArray(
    fc.dictionary(fc.constantFrom("a", "b.c", "d"), fc.integer(), { maxKeys: 3 }),
    {
      minLength: 1,
      maxLength: 6,
      selector: (setting) => JSON.stringify(Object.entries(setting))
    }
  )
  const seeds = fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 5 })

  it("makes settings x seeds trials, numbered 0..n-1, settings outer and seeds inner", () => {
    fc.assert(
      fc.property(settings, seeds, (given, seedList) => {
        const trials = sweepTrials(given, seedList)
        expect(trials).toHaveLength(given.length * seedList.length)
        expect(trials.map((trial) => trial.trial)).toEqual(trials.map((_, index) => index))
        trials.forEach((trial, index) => {
          expect(trial.setting).toBe(given[Math.floor(index / seedList.length)])
          expect(trial.seed).toBe(seedList[index % seedList.length])
        })
      })
    )
  })

  it("gives each setting one settingId, distinct from every other setting's", () => {
    fc.assert(
      fc.property(settings, seeds, (given, seedList) => {
        const trials = sweepTrials(given, seedList)
        const ids = new Map<string, string>()
        for (const trial of trials) {
          const key = JSON.stringify(Object.entries(trial.setting))
          expect(ids.get(key) ?? trial.settingId).toBe(trial.settingId)
          ids.set(key, trial.settingId)
        }
        expect(new Set(ids.values()).size).toBe(given.length)
      })
    )
  })
})

describe("expandSweep's plan travels to workers in other folders", () => {
  it("makes a module path and the cache absolute, and leaves an environment id as it is", async () => {
    const module = join(repositoryRoot, "examples", "unicycle.ts")
    const spec = await decodeSweepSpec(
      { env: relative(process.cwd(), module), grid: { "actor.horizon": [10] }, seeds: 1 },
      "sweep.yaml"
    )
    const plan = await expandSweep(spec, { cache: "runs/cache", source: "sweep.yaml" })
    expect(plan.env).toBe(module)
    expect(plan.cache).toBe(resolve("runs/cache"))
    const byId = await expandSweep(
      await decodeSweepSpec({ env: "point-mass", grid: { "actor.horizon": [10] }, seeds: 1 }, "s"),
      {
        cache: "c",
        source: "s"
      }
    )
    expect(byId.env).toBe("point-mass")
  })
})
