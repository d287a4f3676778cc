import { defineConfig } from "vitest/config"

const packages = ["native", "core", "envs", "worldmodel", "planner", "bench"] as const

// The planners' and trainers' tests run once more on each fast backend, every file starting on it
// (see vitest.setup.ts): their results must not depend on the backend.
const backendRuns = ["native", "wasm"] as const
const backendChecked = ["worldmodel", "planner"] as const

const project = (name: string, root: string, env: Record<string, string> = {}) => ({
  resolve: { conditions: ["@telos/source"] },
  ssr: { resolve: { conditions: ["@telos/source"] } },
  test: {
    name,
    root,
    include: ["test/**/*.test.ts"],
    setupFiles: ["../../vitest.setup.ts"],
    env,
    environment: "node",
    testTimeout: 60_000,
    isolate: false,
    hookTimeout: 60_000
  }
})

export default defineConfig({
  test: {
    projects: [
      ...packages.map((name) => project(name, `packages/${name}`)),
      ...backendRuns.flatMap((backend) =>
        backendChecked.map((name) =>
          project(`${name}@${backend}`, `packages/${name}`, { TELOS_TEST_BACKEND: backend })
        )
      )
    ]
  }
})
