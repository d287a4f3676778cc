/**
 * The landmark memory and the goal probe as JSON: how the pipeline caches them and how an agent
 * bundle ships them to a browser. Reading checks every field, since the text may come from a
 * damaged cache or a web server: a wrong value is an `InvalidValueError` naming its field.
 *
 * @module
 */
import { InvalidValueError } from "@telos/core"
import type { LandmarkGraph, LatentProbe } from "@telos/planner"

/**
 * A landmark graph as JSON.
 *
 * @example
 * ```ts
 * const json: LandmarkGraphJson = { latentSize: 2, count: 1, landmarks: [0, 1], edges: [[]] }
 * ```
 */
export interface LandmarkGraphJson {
  /** Size of a latent. */
  readonly latentSize: number
  /** Number of landmarks. */
  readonly count: number
  /** `[count, latentSize]`, row-major. */
  readonly landmarks: ReadonlyArray<number>
  /** Outgoing edges of each landmark. */
  readonly edges: LandmarkGraph["edges"]
}

/**
 * A goal probe as JSON, with the share of variance it explained where it was fitted.
 *
 * @example
 * ```ts
 * const json: LatentProbeJson = { latentSize: 2, outputSize: 1, weights: [1, 0], bias: [0], features: "linear", r2: 0.98 }
 * ```
 */
export interface LatentProbeJson {
  /** Size of a latent. */
  readonly latentSize: number
  /** Quantities read out. */
  readonly outputSize: number
  /** `W`, row-major. */
  readonly weights: ReadonlyArray<number>
  /** `b`. */
  readonly bias: ReadonlyArray<number>
  /** What `W` reads. */
  readonly features: "linear" | "quadratic"
  /** Share of variance explained on the data it was fitted on. */
  readonly r2: number
}

const fail = (field: string, expected: string, received: unknown): never => {
  const shown = typeof received === "string" ? JSON.stringify(received) : String(received)
  throw new InvalidValueError({
    field,
    expected,
    received: shown.length > 80 ? `${shown.slice(0, 77)}...` : shown
  })
}

const record = (value: unknown, field: string): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : fail(field, "an object", Array.isArray(value) ? "an array" : value)

const count = (value: unknown, field: string, minimum: number): number =>
  Number.isSafeInteger(value) && (value as number) >= minimum
    ? (value as number)
    : fail(field, `an integer >= ${minimum}`, value)

const finiteArray = (value: unknown, field: string, length: number): Array<number> => {
  if (!Array.isArray(value)) return fail(field, `an array of ${length} numbers`, typeof value)
  if (value.length !== length) return fail(`${field}.length`, String(length), value.length)
  value.forEach((entry, index) => {
    if (typeof entry !== "number" || !Number.isFinite(entry))
      fail(`${field}[${index}]`, "a finite number", entry)
  })
  return value as Array<number>
}

/**
 * A landmark graph as JSON.
 *
 * @example
 * ```ts
 * JSON.stringify(graphToJson(memory.graph))
 * ```
 */
export const graphToJson = (graph: LandmarkGraph): LandmarkGraphJson => ({
  latentSize: graph.latentSize,
  count: graph.count,
  landmarks: Array.from(graph.landmarks),
  edges: graph.edges
})

/**
 * A probe as JSON, with the share of variance it explained where it was fitted.
 *
 * @example
 * ```ts
 * JSON.stringify(probeToJson(probe, 0.98))
 * ```
 */
export const probeToJson = (probe: LatentProbe, r2 = Number.NaN): LatentProbeJson => ({
  latentSize: probe.latentSize,
  outputSize: probe.outputSize,
  weights: Array.from(probe.weights),
  bias: Array.from(probe.bias),
  features: probe.features ?? "linear",
  r2
})

/**
 * Reads a landmark graph from its JSON, checking every field: sizes, finite landmarks, edges that
 * lead to existing landmarks with finite, non-negative lengths.
 *
 * @example
 * ```ts
 * const graph = graphFromJson(JSON.parse(text))
 * graph.count // 256
 * ```
 */
export const graphFromJson = (value: unknown, field = "memory"): LandmarkGraph => {
  const json = record(value, field)
  const latentSize = count(json.latentSize, `${field}.latentSize`, 1)
  const landmarkCount = count(json.count, `${field}.count`, 1)
  const landmarks = finiteArray(json.landmarks, `${field}.landmarks`, landmarkCount * latentSize)
  if (!Array.isArray(json.edges)) return fail(`${field}.edges`, "an array per landmark", typeof json.edges)
  if (json.edges.length !== landmarkCount) {
    return fail(`${field}.edges.length`, String(landmarkCount), json.edges.length)
  }
  const edges = json.edges.map((outgoing: unknown, from) => {
    if (!Array.isArray(outgoing)) return fail(`${field}.edges[${from}]`, "an array of edges", typeof outgoing)
    return outgoing.map((edge: unknown, index) => {
      const at = `${field}.edges[${from}][${index}]`
      const entry = record(edge, at)
      const to = count(entry.to, `${at}.to`, 0)
      if (to >= landmarkCount) fail(`${at}.to`, `a landmark index < ${landmarkCount}`, to)
      const length = entry.length
      if (typeof length !== "number" || !Number.isFinite(length) || length < 0) {
        fail(`${at}.length`, "a finite number >= 0", length)
      }
      return { to, length: length as number, transitions: count(entry.transitions, `${at}.transitions`, 0) }
    })
  })
  return { latentSize, count: landmarkCount, landmarks: Float32Array.from(landmarks), edges }
}

/**
 * A probe read from its JSON, with how well it fitted.
 *
 * @example
 * ```ts
 * const { probe, r2 }: FittedProbe = probeFromJson(json)
 * ```
 */
export interface FittedProbe {
  /** The probe. */
  readonly probe: LatentProbe
  /** Share of variance explained where it was fitted (NaN when not recorded). */
  readonly r2: number
}

/**
 * Reads a goal probe from its JSON, checking its sizes and that every weight is finite.
 *
 * @example
 * ```ts
 * const { probe, r2 } = probeFromJson(JSON.parse(text))
 * ```
 */
export const probeFromJson = (value: unknown, field = "probe"): FittedProbe => {
  const json = record(value, field)
  const latentSize = count(json.latentSize, `${field}.latentSize`, 1)
  const outputSize = count(json.outputSize, `${field}.outputSize`, 1)
  const features = json.features ?? "linear"
  if (features !== "linear" && features !== "quadratic")
    fail(`${field}.features`, '"linear" or "quadratic"', features)
  const inputs = features === "linear" ? latentSize : latentSize + (latentSize * (latentSize + 1)) / 2
  const weights = finiteArray(json.weights, `${field}.weights`, inputs * outputSize)
  const bias = finiteArray(json.bias, `${field}.bias`, outputSize)
  const r2 = typeof json.r2 === "number" ? json.r2 : Number.NaN
  return {
    probe: { latentSize, outputSize, weights, bias, features: features as "linear" | "quadratic" },
    r2
  }
}
