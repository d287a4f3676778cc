import { readdir, readFile, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { setTimeout as delay } from "node:timers/promises"
import { main } from "@telos/bench"
import { Box, clearInterruption, Random, requestInterruption } from "@telos/core"
import { defineEnv, EnvRegistry, pendulum, pointMass, twoRooms } from "@telos/envs"
import { openDataset } from "@telos/worldmodel/node"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { collectionSummaryText } from "../src/cli/Collection.js"
import { fakeTerminal, makeTempDir, removeTempDir } from "./fixtures.js"

interface Spot {
  readonly x: number
  readonly y: number
}

/** A spot in a 16 x 16 square moved by displacements, drawn as one [1, 16, 16] image. */
const spotWorld = defineEnv<Spot>({
  id: "spot",
  description: "A spot moved by displacements, with images.",
  observationSpace: new Box({ low: 0, high: 16, shape: [2] }),
  actionSpace: new Box({ low: -1.5, high: 1.5, shape: [2] }),
  maxEpisodeSteps: 30,
  initialState: (rng) => ({ x: rng.uniformIn(0, 16), y: rng.uniformIn(0, 16) }),
  transition: (state, action) => ({
    state: {
      x: Math.min(15.99, Math.max(0, state.x + (action[0] as number))),
      y: Math.min(15.99, Math.max(0, state.y + (action[1] as number)))
    },
    reward: 0,
    terminated: false
  }),
  observe: (state) => Float64Array.of(state.x, state.y),
  image: {
    channels: 1,
    height: 16,
    width: 16,
    render: (state, target = new Uint8Array(256)) => {
      target.fill(0)
      target[Math.floor(state.y) * 16 + Math.floor(state.x)] = 255
      return target
    }
  }
})

const environments = new EnvRegistry().register(pointMass).register(pendulum).register(spotWorld)

let directory = ""
beforeEach(async () => {
  directory = await makeTempDir()
})
afterEach(async () => {
  await removeTempDir(directory)
})

const collect = async (flags: ReadonlyArray<string>, environment?: Record<string, string>) => {
  const terminal = fakeTerminal(environment)
  const code = await main(["collect", ...flags], terminal.terminal, [], environments)
  return { code, ...terminal }
}

describe("telos collect", () => {
  it("writes DIR/dataset.bin with images and prints a one-line summary", async () => {
    const out = join(directory, "spot")
    const run = await collect([
      "--env",
      "spot",
      "--transitions",
      "500",
      "--out",
      out,
      "--obs",
      "pixels",
      "--episode-length",
      "40",
      "--seed",
      "3"
    ])
    expect(run.error).toEqual([])
    expect(run.code).toBe(0)
    expect(run.out[0]).toBe("telos: collecting 500 transitions from spot (pixels)")
    const path = join(out, "dataset.bin")
    const bytes = (await stat(path)).size
    expect(run.out[1]).toMatch(
      new RegExp(
        `^collected 500 transitions in 13 episodes: [0-9.]+ MB in [0-9.]+ s, [0-9]+ transitions/s -> ${path}$`
      )
    )
    expect(run.out).toHaveLength(2)
    expect(await readdir(out)).toEqual(["dataset.bin"])

    const dataset = await openDataset(path)
    expect(dataset.envId).toBe("spot")
    expect(dataset.counts).toEqual({ episodes: 13, transitions: 500, steps: 513 })
    expect(dataset.imageShape).toEqual([1, 16, 16])
    expect(dataset.header.seed).toBe(3)
    expect(dataset.header.collector).toMatchObject({
      policy: "random-walk",
      episodeLength: 40,
      observations: "pixels"
    })
    expect(bytes).toBeGreaterThan(0)
    // Every image shows the spot where the observation puts it.
    for (let step = 0; step < dataset.counts.steps; step++) {
      const x = Math.floor(dataset.observations[step * 2] as number)
      const y = Math.floor(dataset.observations[step * 2 + 1] as number)
      expect(dataset.images?.[step * 256 + y * 16 + x]).toBe(255)
    }
    const batch = dataset.sampleSubsequences(8, 16, Random.fromSeed(0))
    expect(batch.images).toHaveLength(8 * 17 * 256)
  })

  it("collects state only by default, with the same data for the same seed", async () => {
    const first = join(directory, "a")
    const second = join(directory, "b")
    for (const out of [first, second]) {
      const run = await collect(["--env", "point-mass", "--transitions", "300", "--out", out, "--seed", "1"])
      expect(run.code).toBe(0)
    }
    const [a, b] = await Promise.all([openDataset(first), openDataset(second)])
    expect(a.images).toBeUndefined()
    expect(a.header.collector).toMatchObject({
      policy: "random-walk",
      episodeLength: 100,
      observations: "state"
    })
    expect(a.observations).toEqual(b.observations)
    expect(a.actions).toEqual(b.actions)
  })

  it("explores a 1-D action space with uniform actions by default", async () => {
    const out = join(directory, "pendulum")
    expect((await collect(["--env", "pendulum", "--transitions", "250", "--out", out])).code).toBe(0)
    const dataset = await openDataset(out)
    expect(dataset.header.collector).toMatchObject({ policy: "uniform" })
    expect([...dataset.episodeLengths]).toEqual([200, 50])
  })

  it("draws progress on a terminal and clears it before the summary", async () => {
    const terminal = fakeTerminal()
    const progressOutput = { isTTY: true, write: (text: string) => terminal.progress.push(text) }
    const code = await main(
      ["collect", "--env", "spot", "--transitions", "200", "--out", join(directory, "p")],
      { ...terminal.terminal, progressOutput },
      [],
      environments
    )
    expect(code).toBe(0)
    expect(terminal.progress.some((text) => text.includes("collect spot"))).toBe(true)
    expect(terminal.progress.at(-1)).toBe("\r\u001b[2K")
  })

  it("rejects an unknown environment with one line listing the known ones, exit 2", async () => {
    const run = await collect(["--env", "three-rooms", "--transitions", "10", "--out", join(directory, "x")])
    expect(run.code).toBe(2)
    expect(run.error).toHaveLength(1)
    expect(run.error[0]).toMatch(
      /^telos: unknown environment "three-rooms"; known: point-mass, pendulum, spot$/
    )
    expect(await readdir(directory)).toEqual([])
  })

  it.each([
    {
      what: "--obs pixels for an environment without images",
      env: "point-mass",
      flag: ["--obs", "pixels"],
      names: /^telos: .*--obs.*point-mass/
    },
    {
      what: "--policy random-walk for actions that are not 2-D",
      env: "pendulum",
      flag: ["--policy", "random-walk"],
      names: /^telos: .*--policy/
    },
    {
      what: "--doorway-rate for an environment without doorways",
      env: "point-mass",
      flag: ["--doorway-rate", "0.5"],
      names: /^telos: .*--doorway-rate.*declares no doorways/
    }
  ])(
    "rejects $what, naming the flag in one line, exit 2, and writes nothing",
    async ({ env, flag, names }) => {
      const run = await collect(["--env", env, "--transitions", "10", "--out", join(directory, "x"), ...flag])
      expect(run.code).toBe(2)
      expect(run.error).toHaveLength(1)
      expect(run.error[0]).toMatch(names)
      expect(await readdir(directory)).toEqual([])
    }
  )

  it("sends the share --doorway-rate asks for through the doorways of an environment that declares them", async () => {
    const run = async (flags: ReadonlyArray<string>, out: string) => {
      const terminal = fakeTerminal()
      const code = await main(
        [
          "collect",
          "--env",
          "two-rooms",
          "--transitions",
          "1800",
          "--episode-length",
          "90",
          "--out",
          out,
          ...flags
        ],
        terminal.terminal,
        [],
        new EnvRegistry().register(twoRooms)
      )
      expect(code).toBe(0)
      return openDataset(out)
    }
    const crossings = (dataset: Awaited<ReturnType<typeof openDataset>>): number => {
      let row = 0
      let count = 0
      for (const length of dataset.episodeLengths) {
        const xs = Array.from(
          { length: length + 1 },
          (_, step) => dataset.observations[(row + step) * 2] as number
        )
        if (xs.some((x) => x < 31) && xs.some((x) => x > 33)) count += 1
        row += length + 1
      }
      return count
    }
    const through = await run(["--doorway-rate", "1"], join(directory, "through"))
    const plain = await run([], join(directory, "plain"))
    expect(through.header.collector).toMatchObject({ policy: "doorway-walk", doorwayRate: 1 })
    expect(plain.header.collector).toMatchObject({ policy: "random-walk" })
    expect(crossings(through)).toBeGreaterThan(2 * crossings(plain))
  })

  it("rejects a bad flag with one line naming it, exit 2", async () => {
    const run = await collect(["--env", "spot", "--transitions", "-5", "--out", join(directory, "x")])
    expect(run.code).toBe(2)
    expect(run.error).toHaveLength(1)
    expect(run.error[0]).toContain("--transitions")
  })

  it("reports an output directory it cannot write as one line naming the file, exit 1", async () => {
    // A directory below a plain file can never be created.
    await writeFile(join(directory, "plain"), "")
    const out = join(directory, "plain", "data")
    const run = await collect(["--env", "spot", "--transitions", "10", "--out", out])
    expect(run.code).toBe(1)
    expect(run.error).toHaveLength(1)
    expect(run.error[0]).toMatch(new RegExp(`^telos: ${out}: cannot create the folder: .*not a directory`))
  })
})

describe("telos collect on a folder that is not free", () => {
  it("refuses to replace a dataset without --overwrite, and replaces it with it", async () => {
    const out = join(directory, "data")
    expect((await collect(["--env", "spot", "--transitions", "20", "--out", out])).code).toBe(0)
    const first = await readFile(join(out, "dataset.bin"))
    const refused = await collect(["--env", "spot", "--transitions", "30", "--out", out, "--seed", "3"])
    expect(refused.code).toBe(2)
    expect(refused.error.join("\n")).toContain("--overwrite")
    expect(await readFile(join(out, "dataset.bin"))).toEqual(first)
    const replaced = await collect([
      "--env",
      "spot",
      "--transitions",
      "30",
      "--out",
      out,
      "--seed",
      "3",
      "--overwrite"
    ])
    expect(replaced.code).toBe(0)
    expect((await openDataset(join(out, "dataset.bin"))).counts.transitions).toBe(30)
  })

  it("refuses a second writer while the first is collecting; the first, stopped, exits 130 leaving no trace", async () => {
    const out = join(directory, "busy")
    const first = collect(["--env", "spot", "--transitions", "50000000", "--out", out])
    // The first holds the folder once its lock exists.
    while (!(await readdir(out).catch(() => [] as Array<string>)).includes(".telos.lock")) await delay(5)
    const second = await collect(["--env", "spot", "--transitions", "20", "--out", out])
    expect(second.code).toBe(1)
    expect(second.error[0]).toContain(`is in use by process ${process.pid}`)
    requestInterruption("SIGINT")
    try {
      const stopped = await first
      expect(stopped.code).toBe(130)
      expect(stopped.error.at(-1)).toContain("interrupted by SIGINT")
    } finally {
      clearInterruption()
    }
    // No dataset, no part files, no lock: the folder the run made is gone.
    await expect(readdir(out)).rejects.toThrow()
    expect((await collect(["--env", "spot", "--transitions", "20", "--out", out])).code).toBe(0)
  })
})

describe("collectionSummaryText", () => {
  it("gives transitions, episodes, size, seconds, rate and path on one line", () => {
    expect(
      collectionSummaryText({
        path: "runs/d/dataset.bin",
        bytes: 12_345_678,
        episodes: 500,
        transitions: 100_000,
        seconds: 20,
        env: "two-rooms",
        policy: "random-walk",
        observations: "pixels"
      })
    ).toBe(
      "collected 100000 transitions in 500 episodes: 12.3 MB in 20.0 s, 5000 transitions/s -> runs/d/dataset.bin"
    )
  })
})
