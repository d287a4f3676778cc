/**
 * The libraries' main entries load in a browser: each is bundled by Vite for the browser (from
 * source, through the monorepo's "@telos/source" condition) and the bundle must not pull in any
 * Node builtin. Vite replaces a builtin reached from browser code with its
 * `__vite-browser-external` stub (an empty module that fails at run time); finding that stub, a
 * builtin left as an import, or any build warning fails the test. TensorFlow.js is browser-native
 * and stays external, so only telos's own code (and Effect) is checked.
 */
import { builtinModules } from "node:module"
import { fileURLToPath } from "node:url"
import type { Plugin } from "vite"
import { build } from "vite"
import { describe, expect, it } from "vitest"

const benchRoot = fileURLToPath(new URL("..", import.meta.url))
const entryId = "virtual:browser-entry"

interface BundleReport {
  /** Node builtins the bundle reached: the stub's importers, or builtins left as imports. */
  readonly nodeBuiltins: ReadonlyArray<string>
  readonly warnings: ReadonlyArray<string>
  readonly bytes: number
}

const isBuiltin = (specifier: string): boolean =>
  specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0] ?? specifier)

const bundleForBrowser = async (specifier: string): Promise<BundleReport> => {
  const nodeBuiltins: Array<string> = []
  const warnings: Array<string> = []
  const entry: Plugin = {
    name: "telos-browser-entry",
    enforce: "pre",
    resolveId: (id) => (id === entryId ? `\0${entryId}` : undefined),
    load: (id) => (id === `\0${entryId}` ? `export * from ${JSON.stringify(specifier)}\n` : undefined),
    generateBundle() {
      for (const id of this.getModuleIds()) {
        if (!/__vite-browser-(external|empty)/.test(id)) continue
        const info = this.getModuleInfo(id)
        const importers = [...(info?.importers ?? []), ...(info?.dynamicImporters ?? [])]
        nodeBuiltins.push(`${id} imported by ${importers.join(", ")}`)
      }
    }
  }
  const collect = (message: string): void => {
    warnings.push(message)
  }
  const output = await build({
    root: benchRoot,
    configFile: false,
    envDir: false,
    publicDir: false,
    mode: "production",
    logLevel: "silent",
    customLogger: {
      info: () => undefined,
      warn: collect,
      warnOnce: collect,
      error: collect,
      clearScreen: () => undefined,
      hasErrorLogged: () => false,
      hasWarned: false
    },
    resolve: { conditions: ["@telos/source", "module", "browser", "development|production"] },
    plugins: [entry],
    build: {
      write: false,
      ssr: false,
      target: "es2022",
      minify: false,
      reportCompressedSize: false,
      rollupOptions: {
        input: entryId,
        preserveEntrySignatures: "strict",
        external: [/^@tensorflow\//],
        onwarn: (warning) => collect(warning.message)
      }
    }
  })
  let bytes = 0
  for (const result of Array.isArray(output) ? output : [output]) {
    if (!("output" in result)) throw new Error("expected a bundle, got a watcher")
    for (const chunk of result.output) {
      if (chunk.type !== "chunk") continue
      bytes += chunk.code.length
      for (const imported of [...chunk.imports, ...chunk.dynamicImports]) {
        if (isBuiltin(imported)) nodeBuiltins.push(`${imported} imported by ${chunk.fileName}`)
      }
    }
  }
  return { nodeBuiltins, warnings, bytes }
}

describe("browser bundles", () => {
  it.each(["@telos/core", "@telos/envs", "@telos/worldmodel", "@telos/planner", "@telos/bench/bundle"])(
    "%s bundles for the browser without Node builtins",
    async (specifier) => {
      const report = await bundleForBrowser(specifier)
      expect(report.nodeBuiltins).toEqual([])
      expect(report.warnings).toEqual([])
      expect(report.bytes).toBeGreaterThan(10_000)
    }
  )

  // The check itself: the Node-only entries do reach Node builtins, and the test sees it.
  it.each(["@telos/core/node", "@telos/worldmodel/node"])(
    "sees the Node builtins of %s",
    async (specifier) => {
      const report = await bundleForBrowser(specifier)
      expect(report.nodeBuiltins.length).toBeGreaterThan(0)
    }
  )
})
