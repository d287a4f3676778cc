// TypeDoc configuration for the API reference: `pnpm docs` builds it into runs/docs, `pnpm docs:check`
// (part of `pnpm test`) only validates: every exported name documented, every {@link} resolvable.
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { entries, packageNames, root } from "./entries.mjs"

// Source links need the "origin" remote's URL; without one (a fresh local clone, an unpacked tarball)
// TypeDoc would only warn that links are broken, which treatWarningsAsErrors turns into a failure.
const hasOrigin =
  spawnSync("git", ["-C", root, "remote", "get-url", "origin"], { stdio: "ignore" }).status === 0

// Members (mostly interface properties) left undocumented when the check was introduced. The list may
// only shrink: a new undocumented name fails the check, and so does an entry here that is documented
// (or renamed) without being removed. Document a name, then delete its line.
const baseline = JSON.parse(readFileSync(join(root, "tools/docs/undocumented-baseline.json"), "utf8"))

/** @type {Partial<import("typedoc").TypeDocOptions>} */
export default {
  name: "telos",
  entryPoints: entries.map((entry) => entry.file),
  entryPointStrategy: "resolve",
  tsconfig: join(root, "tools/docs/tsconfig.json"),
  plugin: [join(root, "tools/docs/module-names.mjs")],
  out: join(root, "runs/docs"),
  readme: "none",
  disableSources: !hasOrigin,
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  // Without this, TypeDoc only demands documentation from the package it runs in (this one).
  packagesRequiringDocumentation: packageNames,
  intentionallyNotDocumented: baseline,
  validation: {
    notExported: true,
    invalidLink: true,
    invalidPath: true,
    rewrittenLink: true,
    notDocumented: true
  },
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true
}
