import { defineConfig } from "vitest/config"

const packages = ["native", "core", "envs", "worldmodel", "planner", "bench"] as const

export default defineConfig({
  test: {
    projects: packages.map((name) => ({
      resolve: { conditions: ["@telos/source"] },
      ssr: { resolve: { conditions: ["@telos/source"] } },
      test: {
        name,
        root: `packages/${name}`,
        include: ["test/**/*.test.ts"],
        environment: "node",
        testTimeout: 60_000,
        isolate: false,
        hookTimeout: 60_000
      }
    }))
  }
})
