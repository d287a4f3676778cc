import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"

const packages = ["native", "core", "envs", "worldmodel", "planner", "bench"] as const

// The planners' and trainers' tests run once more on each fast backend, every file starting on it
// (see vitest.setup.ts): their results must not depend on the backend.
const backendRuns = ["native", "wasm"] as const
const backendChecked = ["worldmodel", "planner"] as const

const project = (
  name: string,
  root: string,
  env: Record<string, string> = {},
  setupFile = "../../vitest.setup.ts"
) => ({
  resolve: { conditions: ["@telos/source"] },
  ssr: { resolve: { conditions: ["@telos/source"] } },
  test: {
    name,
    root,
    include: ["test/**/*.test.ts"],
    setupFiles: [setupFile],
    env,
    environment: "node",
    testTimeout: 60_000,
    isolate: false,
    hookTimeout: 60_000
  }
})

export default defineConfig({
  test: {
    // Vitest's default leaves one core free, which on a 2-core machine runs the files one at a time;
    // much of the suite waits on child processes, Chromium and redis, so two files at once fit.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      ...packages.map((name) => project(name, `packages/${name}`)),
      // User-style environments written against the public packages (see examples/README.md).
      project("examples", "examples", {}, "../vitest.setup.ts"),
      // The web app's pure modules (parsing, plots), in Node like the rest.
      project("web", "packages/web"),
      ...backendRuns.flatMap((backend) =>
        backendChecked.map((name) =>
          project(`${name}@${backend}`, `packages/${name}`, { TELOS_TEST_BACKEND: backend })
        )
      )
    ]
  }
})
