// The public entry files of the telos packages, read from each package.json "exports" (the
// "@telos/source" condition), so a subpath added there (a `/node` entry, say) is documented and
// checked without editing the TypeDoc configuration.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
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

/** The packages' names, and each entry file with the import specifier that reaches it. */
export const packageNames = []
export const entries = []
for (const directory of readdirSync(packagesDir).sort()) {
  const manifestPath = join(packagesDir, directory, "package.json")
  if (!existsSync(manifestPath)) continue
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"))
  packageNames.push(manifest.name)
  const exportsField = manifest.exports ?? {}
  const bySubpath =
    typeof exportsField === "string" || !Object.keys(exportsField).some((key) => key.startsWith("."))
      ? { ".": exportsField }
      : exportsField
  for (const [subpath, target] of Object.entries(bySubpath)) {
    if (subpath.includes("*")) continue
    const source = sourceOf(target)
    if (source === undefined) continue
    entries.push({
      file: join(packagesDir, directory, source),
      specifier: subpath === "." ? manifest.name : `${manifest.name}/${subpath.replace(/^\.\//, "")}`
    })
  }
}
