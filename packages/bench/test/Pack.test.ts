/**
 * The packages install outside this repository: `pnpm pack` turns each one (its `dist` build) into a
 * tarball, a fresh project in the system's temporary folder installs them all with one
 * `npm install`, and there the README's "Quickstart in code" block — taken from README.md as is —
 * type checks against the published declarations and prints `[ true, true ]`. The published
 * manifests are checked too: no `workspace:` ranges, every export's `types` and `default` (what a
 * consumer resolves) inside `dist` and in the tarball, the `/node` subpaths loadable.
 *
 * It needs the npm registry (about 25 s with a warm npm cache). `TELOS_SKIP_PACK=1` skips it.
 */
import { execFile } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ensureBuilt, repositoryRoot } from "./fixtures/workspace.js"

const run = promisify(execFile)
const packages = ["native", "core", "envs", "worldmodel", "planner", "bench"] as const

interface Manifest {
  readonly name: string
  readonly exports?: Record<string, Record<string, string>>
  readonly bin?: Record<string, string>
  readonly dependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
}

const readManifest = (directory: string): Manifest =>
  JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as Manifest

/** What a consumer resolves: every export's `types` and `default`, and the bins. */
const publishedTargets = (manifest: Manifest): Array<string> => [
  ...Object.values(manifest.exports ?? {}).flatMap((entry) =>
    [entry.types, entry.default].filter((target) => target !== undefined)
  ),
  ...Object.values(manifest.bin ?? {})
]

/** The README's "Quickstart in code" block, exactly as written there. */
const quickstartBlock = (): string => {
  const readme = readFileSync(join(repositoryRoot, "README.md"), "utf8")
  const section = readme.split(/^## Quickstart in code$/m)[1]?.split(/^## /m)[0] ?? ""
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(section)?.[1]
  if (block === undefined) throw new Error('README.md has no ```ts block under "## Quickstart in code"')
  return block
}

// The child processes get no npm settings of the command that started vitest (a prefix, a
// lifecycle event) beyond where the registry and cache are, and choose their backend themselves.
const keptNpmSettings =
  /^npm_config_(registry|cache|cafile|strict_ssl|https?_proxy|proxy|noproxy|userconfig)$/i
const childEnvironment = (): NodeJS.ProcessEnv => {
  const environment: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !keptNpmSettings.test(key)) continue
    if (key === "TELOS_BACKEND" || key.startsWith("VITEST") || key === "NODE_OPTIONS") continue
    environment[key] = value
  }
  // onnxruntime-node's install script only fetches the optional CUDA binaries (from GitHub, not the
  // registry); its CPU binaries, which the native backend uses, are in the package itself.
  environment.ONNXRUNTIME_NODE_INSTALL = "skip"
  return environment
}

const skip = process.env.TELOS_SKIP_PACK === "1"
let root = ""
let project = ""
let tarballs: Array<string> = []
const seconds: Record<string, number> = {}

const timed = async <A>(label: string, task: () => Promise<A>): Promise<A> => {
  const started = performance.now()
  try {
    return await task()
  } finally {
    seconds[label] = Math.round((performance.now() - started) / 100) / 10
  }
}

const node = (args: ReadonlyArray<string>) =>
  run(process.execPath, [...args], { cwd: project, env: childEnvironment(), timeout: 120_000 })

describe.skipIf(skip)("the packed packages, installed outside the repository", () => {
  beforeAll(async () => {
    // Pack the dist build; build first when a package lacks one of its published files (the
    // shared check first, as the other tests that need dist do, then every exported file).
    ensureBuilt()
    const built = packages.every((name) => {
      const directory = join(repositoryRoot, "packages", name)
      return publishedTargets(readManifest(directory)).every((target) => existsSync(join(directory, target)))
    })
    if (!built) {
      await timed("build", () =>
        run(join(repositoryRoot, "node_modules", ".bin", "tsc"), ["-b", "tsconfig.build.json"], {
          cwd: repositoryRoot,
          timeout: 240_000
        })
      )
    }
    root = await mkdtemp(join(tmpdir(), "telos-pack-"))
    const packed = join(root, "tarballs")
    project = join(root, "project")
    await mkdir(project)
    await timed("pack", () =>
      run(
        "npx",
        [
          "--yes",
          "pnpm@12.4.2",
          "-r",
          "--filter",
          "./packages/*",
          "--filter",
          "!@telos/web",
          "pack",
          "--pack-destination",
          packed
        ],
        { cwd: repositoryRoot, env: childEnvironment(), timeout: 120_000 }
      )
    )
    tarballs = (await readdir(packed))
      .filter((file) => file.endsWith(".tgz"))
      .map((file) => join(packed, file))
    await writeFile(
      join(project, "package.json"),
      `${JSON.stringify({ name: "telos-consumer", private: true, type: "module" }, null, 2)}\n`
    )
    await timed("npm install", () =>
      run(
        "npm",
        ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs],
        {
          cwd: project,
          env: childEnvironment(),
          timeout: 420_000,
          maxBuffer: 16 * 1024 * 1024
        }
      )
    )
  }, 600_000)

  afterAll(async () => {
    if (Object.keys(seconds).length > 0) console.info("pack test, seconds per step:", seconds)
    if (root !== "") await rm(root, { recursive: true, force: true })
  }, 60_000)

  it("packs every package, with workspace ranges rewritten and exports that consumers resolve to dist", () => {
    expect(tarballs.map((path) => path.split("/").pop()).sort()).toEqual(
      packages.map((name) => `telos-${name}-0.1.0.tgz`).sort()
    )
    for (const name of packages) {
      const installed = join(project, "node_modules", "@telos", name)
      const manifest = readManifest(installed)
      for (const field of ["dependencies", "optionalDependencies", "peerDependencies"] as const) {
        for (const [dependency, range] of Object.entries(manifest[field] ?? {})) {
          expect(range, `${manifest.name} ${field}.${dependency}`).not.toMatch(/^workspace:/)
        }
      }
      for (const target of publishedTargets(manifest)) {
        expect(target, `${manifest.name} publishes ${target}`).toMatch(/^\.\/dist\//)
        expect(existsSync(join(installed, target)), `${manifest.name} ships ${target}`).toBe(true)
      }
    }
  })

  it("runs the README's quickstart unchanged: it type checks and prints [ true, true ]", async () => {
    await writeFile(join(project, "quickstart.ts"), quickstartBlock())
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2023", "DOM"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: []
        },
        files: ["quickstart.ts"]
      })
    )
    // The repository's TypeScript, against the declarations in the installed tarballs.
    await timed("type check", () => node([join(repositoryRoot, "node_modules", "typescript", "bin", "tsc")]))
    // tsx comes with @telos/bench.
    const { stdout } = await timed("quickstart", () =>
      node([join(project, "node_modules", "tsx", "dist", "cli.mjs"), "quickstart.ts"])
    )
    expect(stdout.trim().split("\n").at(-1)).toBe("[ true, true ]")
  }, 180_000)

  it("loads every entry point, picks the native backend and runs the telos command", async () => {
    await writeFile(
      join(project, "entries.mjs"),
      `import { activateBestBackend } from "@telos/core"
import { validateEither } from "@telos/core/fp-ts"
import { imageToPng, writeFileAtomic } from "@telos/core/node"
import { pointMass } from "@telos/envs"
import { registerNativeBackend } from "@telos/native"
import { gradientPlanner } from "@telos/planner"
import { createJepa } from "@telos/worldmodel"
import { openDataset, saveCheckpoint } from "@telos/worldmodel/node"
import { suites } from "@telos/bench"
const loaded = [validateEither, imageToPng, writeFileAtomic, pointMass.make, registerNativeBackend,
  gradientPlanner, createJepa, openDataset, saveCheckpoint].every((value) => typeof value === "function")
const { name } = await activateBestBackend()
console.log(JSON.stringify({ loaded, backend: name, suites: suites.length }))
`
    )
    const { stdout } = await timed("entries", () => node(["entries.mjs"]))
    expect(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}")).toMatchObject({
      loaded: true,
      backend: "native"
    })
    const list = await timed("telos bench --list", () =>
      node([join(project, "node_modules", "@telos", "bench", "dist", "bin.js"), "bench", "--list"])
    )
    expect(list.stdout).toMatch(/^quickstart\s/m)
    const readme = await readFile(join(project, "node_modules", "@telos", "core", "README.md"), "utf8")
    expect(readme).toContain("@telos/core/node")
  }, 120_000)
})
