import { readFile } from "node:fs/promises"
import { join } from "node:path"
import * as envs from "@telos/envs"
import * as envBuiltins from "@telos/envs/builtins"
import * as envData from "@telos/envs/data"
import * as envDefine from "@telos/envs/define"
import * as envPhysics from "@telos/envs/physics"
import * as planner from "@telos/planner"
import * as control from "@telos/planner/control"
import * as cost from "@telos/planner/cost"
import * as memory from "@telos/planner/memory"
import * as search from "@telos/planner/search"
import * as worldmodel from "@telos/worldmodel"
import * as worldData from "@telos/worldmodel/data"
import * as decoder from "@telos/worldmodel/decoder"
import * as jepa from "@telos/worldmodel/jepa"
import * as levels from "@telos/worldmodel/levels"
import * as training from "@telos/worldmodel/training"
import { describe, expect, it } from "vitest"

const packages = [
  { name: "planner", root: planner, parts: { control, cost, memory, search } },
  { name: "worldmodel", root: worldmodel, parts: { data: worldData, decoder, jepa, levels, training } },
  {
    name: "envs",
    root: envs,
    parts: { builtins: envBuiltins, data: envData, define: envDefine, physics: envPhysics }
  }
] as const

describe("subsystem entry points", () => {
  it.each(packages)(
    "@telos/$name: the root is exactly the union of its subsystems, none shared",
    ({ root, parts }) => {
      const seen = new Map<string, string>()
      for (const [part, exports] of Object.entries(parts)) {
        for (const [key, value] of Object.entries(exports)) {
          expect(seen.get(key), `${key} exported by ${part} and ${seen.get(key)}`).toBeUndefined()
          seen.set(key, part)
          expect((root as Record<string, unknown>)[key]).toBe(value)
        }
      }
      expect(Object.keys(root).sort()).toEqual([...seen.keys()].sort())
    }
  )

  it.each(packages)(
    "@telos/$name declares each subsystem in its package exports",
    async ({ name, parts }) => {
      const manifest = JSON.parse(
        await readFile(join(import.meta.dirname, "../..", name, "package.json"), "utf8")
      )
      for (const part of Object.keys(parts)) {
        expect(manifest.exports[`./${part}`]).toMatchObject({
          "@telos/source": `./src/${part}/index.ts`,
          default: `./dist/${part}/index.js`
        })
      }
    }
  )
})
