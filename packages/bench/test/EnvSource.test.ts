import { copyFile, readFile, rm, writeFile } from "node:fs/promises"
import { join, relative } from "node:path"
import { Box, UnknownNameError } from "@telos/core"
import { defineEnv, EnvRegistry, envRegistry } from "@telos/envs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EnvModuleError, loadEnvSource } from "../src/pipeline/EnvSource.js"
import { ensureBuilt, repositoryRoot, scratchDirectory } from "./fixtures/workspace.js"

const unicyclePath = join(repositoryRoot, "examples", "unicycle.ts")

/** A user's environment module (inside the workspace, so that `@telos/envs` resolves). */
const lineModule = (exports: string): string => `
import { Box } from "@telos/core"
import { defineEnv } from "@telos/envs"
const line = (id) =>
  defineEnv({
    id,
    description: "A point on a line.",
    observationSpace: new Box({ low: -1, high: 1, shape: [1] }),
    actionSpace: new Box({ low: -1, high: 1, shape: [1] }),
    maxEpisodeSteps: 10,
    initialState: () => 0,
    transition: (x) => ({ state: x, reward: 0, terminated: false }),
    observe: (x) => Float64Array.of(x)
  })
${exports}
`

/** The EnvModuleError `name` fails to load with. */
const moduleError = async (name: string): Promise<EnvModuleError> => {
  const error = await loadEnvSource(name).catch((caught: unknown) => caught)
  if (!(error instanceof EnvModuleError)) throw new Error(`expected an EnvModuleError, got ${String(error)}`)
  return error
}

let directory = ""
beforeAll(async () => {
  // Modules loaded through tsx resolve @telos/* to the packages' dist.
  ensureBuilt()
  directory = await scratchDirectory("env-source-test")
}, 180_000)
afterAll(async () => {
  await rm(directory, { recursive: true, force: true })
})

const write = async (name: string, text: string): Promise<string> => {
  const path = join(directory, name)
  await writeFile(path, text)
  return path
}

describe("loadEnvSource: registered environments", () => {
  it.each(envRegistry.list().map((entry) => entry.id))(
    "%s is found by id, fingerprinted by it",
    async (id) => {
      const source = await loadEnvSource(id)
      expect(source.spec).toBe(envRegistry.get(id))
      expect(source.name).toBe(id)
      expect(source.fingerprint).toBe(`registered:${id}`)
    }
  )

  it("reads the registry it is given", async () => {
    const tiny = defineEnv<number>({
      id: "tiny",
      description: "Nothing happens.",
      observationSpace: new Box({ low: -1, high: 1, shape: [1] }),
      actionSpace: new Box({ low: -1, high: 1, shape: [1] }),
      maxEpisodeSteps: 5,
      initialState: () => 0,
      transition: (state) => ({ state, reward: 0, terminated: false }),
      observe: () => Float64Array.of(0)
    })
    const registry = new EnvRegistry().register(tiny)
    expect((await loadEnvSource("tiny", registry)).fingerprint).toBe("registered:tiny")
    const error = await loadEnvSource("point-mass", registry).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UnknownNameError)
    expect((error as UnknownNameError).known).toEqual(["tiny"])
  })

  it("rejects an unknown id that is not a path with an UnknownNameError listing the known ids", async () => {
    const error = await loadEnvSource("point-mas").catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UnknownNameError)
    const message = (error as UnknownNameError).message
    expect(message).toContain('"point-mas"')
    for (const { id } of envRegistry.list()) expect(message).toContain(id)
  })
})

describe("loadEnvSource: environment modules", () => {
  it("loads examples/unicycle.ts through tsx, fingerprinted by its source", async () => {
    const source = await loadEnvSource(unicyclePath)
    expect(source.spec.id).toBe("unicycle")
    expect(source.name).toBe(unicyclePath)
    expect(source.spec.definition.goalDimensions).toEqual([0, 1])
    expect(source.fingerprint).toMatch(/^module:[0-9a-f]{16}$/)
    // A relative path names the same module, with the same fingerprint.
    const relativePath = relative(process.cwd(), unicyclePath)
    const again = await loadEnvSource(relativePath.includes("/") ? relativePath : `./${relativePath}`)
    expect(again.fingerprint).toBe(source.fingerprint)
  })

  it("changes the fingerprint when the module's content changes, and only then", async () => {
    const original = await loadEnvSource(unicyclePath)
    const copy = join(directory, "unicycle.ts")
    await copyFile(unicyclePath, copy)
    const copied = await loadEnvSource(copy)
    expect(copied.spec.id).toBe("unicycle")
    expect(copied.fingerprint).toBe(original.fingerprint)
    const text = await readFile(unicyclePath, "utf8")
    const editedPath = await write("unicycle-edited.ts", `${text}\n// an edited comment\n`)
    const edited = await loadEnvSource(editedPath)
    expect(edited.spec.id).toBe("unicycle")
    expect(edited.fingerprint).toMatch(/^module:[0-9a-f]{16}$/)
    expect(edited.fingerprint).not.toBe(original.fingerprint)
    // Edited in place: the fingerprint follows the file.
    await writeFile(copy, text.replace("A user-style environment", "A user-style environment, edited"))
    expect((await loadEnvSource(copy)).fingerprint).not.toBe(original.fingerprint)
  })

  it("takes a plain .mjs module's only environment, exported by name", async () => {
    const path = await write(
      "named.mjs",
      lineModule('export const lineWorld = line("line-world")\nexport const other = 3')
    )
    const source = await loadEnvSource(path)
    expect(source.spec.id).toBe("line-world")
    expect(source.fingerprint).toMatch(/^module:[0-9a-f]{16}$/)
    const env = source.spec.make()
    expect(Array.from(env.reset({ seed: 0 }).observation)).toEqual([0])
  })

  it("takes the default export among several, and one environment exported under two names", async () => {
    const withDefault = await write(
      "with-default.mjs",
      lineModule('export const a = line("alpha")\nexport const b = line("beta")\nexport default b')
    )
    expect((await loadEnvSource(withDefault)).spec.id).toBe("beta")
    const aliased = await write(
      "aliased.mjs",
      lineModule('const one = line("solo")\nexport { one, one as same }')
    )
    expect((await loadEnvSource(aliased)).spec.id).toBe("solo")
  })

  it("rejects a module that exports no environment, naming the path", async () => {
    const path = await write("nothing.mjs", "export const answer = 42\nexport default { answer: 42 }\n")
    const error = await moduleError(path)
    expect(error.path).toBe(path)
    expect(error.message).toContain(path)
    expect(error.message).toContain("exports no environment")
  })

  it("rejects a TypeScript module that exports no environment", async () => {
    const path = await write("nothing.ts", "export const answer: number = 42\n")
    expect((await moduleError(path)).message).toContain("exports no environment")
  })

  it("rejects a module that throws while loading, with the first line of what it threw", async () => {
    const path = await write("throws.mjs", 'throw new Error("kaboom while loading\\nsecond line")\n')
    const error = await moduleError(path)
    expect(error.message).toContain(path)
    expect(error.message).toContain("throws while loading")
    expect(error.message).toContain("kaboom while loading")
    expect(error.message).not.toContain("second line")
  })

  it("rejects a module exporting two environments and no default, naming both", async () => {
    const path = await write(
      "two.mjs",
      lineModule('export const a = line("alpha")\nexport const b = line("beta")')
    )
    const error = await moduleError(path)
    expect(error.message).toContain("exports 2 environments")
    expect(error.message).toContain("alpha")
    expect(error.message).toContain("beta")
    expect(error.message).toContain("default")
  })

  it.each(["./does-not-exist.ts", "does-not-exist.mjs", "no/such/dir/env.ts"])(
    "rejects a missing module %s as an EnvModuleError naming it",
    async (name) => {
      const error = await moduleError(name)
      expect(error.path).toBe(name)
      expect(error.message).toContain(name)
      expect(error.message).toContain("cannot be read")
    }
  )
})

describe("a registered environment's pixel variant", () => {
  it("comes with it when `<id>-pixels` is registered, and is absent otherwise", async () => {
    expect((await loadEnvSource("two-rooms")).pixels?.id).toBe("two-rooms-pixels")
    expect((await loadEnvSource("maze-medium")).pixels?.id).toBe("maze-medium-pixels")
    expect((await loadEnvSource("point-mass")).pixels).toBeUndefined()
  })
})
