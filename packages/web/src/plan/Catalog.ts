/**
 * The models the page offers: `models/index.json`, which `telos run --export` keeps up to date
 * in the folder it exports into, one entry per bundle folder.
 *
 * @module
 */

/** One bundle the page can load. */
export interface CatalogEntry {
  /** The bundle's folder name under `models/`. */
  readonly folder: string
  /** The environment it was trained on. */
  readonly envId: string
  /** Its agents. */
  readonly agents: ReadonlyArray<string>
  /** Figures from its making (Node's planning time among them). */
  readonly figures: Readonly<Record<string, number>>
  /** The backend Node's figures were measured on. */
  readonly nodeBackend?: string | undefined
  /** Its size in bytes. */
  readonly bytes: number
}

/** A catalog that cannot be read: the message says which field. */
export class CatalogError extends Error {
  override readonly name = "CatalogError"
}

/**
 * Reads `models/index.json` (already parsed), checking each entry.
 *
 * @example
 * ```ts
 * const entries = parseCatalog(await (await fetch("models/index.json")).json())
 * ```
 */
export const parseCatalog = (value: unknown): ReadonlyArray<CatalogEntry> => {
  const bundles = (value as { bundles?: unknown } | null)?.bundles
  if (!Array.isArray(bundles)) throw new CatalogError("models/index.json: expected { bundles: [...] }")
  return bundles.map((entry: unknown, index): CatalogEntry => {
    const at = `models/index.json: bundles[${index}]`
    const record = entry as Record<string, unknown> | null
    if (record === null || typeof record !== "object") throw new CatalogError(`${at}: expected an object`)
    const { folder, envId, agents, figures, bytes, nodeBackend } = record
    if (typeof folder !== "string" || !/^[\w.-]+$/.test(folder))
      throw new CatalogError(`${at}.folder: expected a folder name`)
    if (typeof envId !== "string") throw new CatalogError(`${at}.envId: expected an environment id`)
    if (!Array.isArray(agents) || agents.some((agent) => typeof agent !== "string")) {
      throw new CatalogError(`${at}.agents: expected agent kinds`)
    }
    return {
      folder,
      envId,
      agents: agents as Array<string>,
      figures: (typeof figures === "object" && figures !== null ? figures : {}) as Record<string, number>,
      bytes: typeof bytes === "number" ? bytes : 0,
      ...(typeof nodeBackend === "string" ? { nodeBackend } : {})
    }
  })
}
