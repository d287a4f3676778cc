// TypeDoc configuration for the API reference (`pnpm docs`, `pnpm docs:check`).
// Entry points are read from each package's package.json "exports" (the "@telos/source" condition),
// so a subpath added there (e.g. a `/node` entry) is documented and checked without editing this file.
import { readdirSync, readFileSync, existsSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const packagesDir = join(root, "packages")

/** The "@telos/source" target of one exports entry, if it has one. */
const sourceOf = (target) => {
  if (typeof target === "string") return target.endsWith(".ts") ? target : undefined
  if (target === null || typeof target !== "object") return undefined
  if (typeof target["@telos/source"] === "string") return target["@telos/source"]
  for (const nested of Object.values(target)) {
    const found = sourceOf(nested)
    if (found !== undefined) return found
  }
  return undefined
}

const entryPoints = []
for (const name of readdirSync(packagesDir).sort()) {
  const manifestPath = join(packagesDir, name, "package.json")
  if (!existsSync(manifestPath)) continue
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"))
  const exportsField = manifest.exports ?? {}
  const entries = typeof exportsField === "string" || "@telos/source" in exportsField ? { ".": exportsField } : exportsField
  for (const [subpath, target] of Object.entries(entries)) {
    if (!subpath.startsWith(".") || subpath.includes("*")) continue
    const source = sourceOf(target)
    if (source !== undefined) entryPoints.push(join(packagesDir, name, source))
  }
}

/** @type {Partial<import("typedoc").TypeDocOptions>} */
export default {
  name: "telos",
  entryPoints,
  entryPointStrategy: "resolve",
  tsconfig: join(root, "tools/docs/tsconfig.json"),
  out: join(root, "docs/api"),
  readme: "none",
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  validation: { notExported: true, invalidLink: true, invalidPath: true, rewrittenLink: true, notDocumented: true, unusedMergeModuleWith: true },
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true
}
