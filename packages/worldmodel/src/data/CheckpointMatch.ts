/**
 * Whether a checkpoint fits the model it is about to be loaded into: the same config, field by
 * field, and the same parameters with the same shapes. Every difference is listed with both
 * values, so that "wrong checkpoint" becomes "latentSize: checkpoint 32, expected 64".
 *
 * @module
 */
import { CheckpointError } from "@telos/core"

const formatShape = (shape: ReadonlyArray<number>): string => `[${shape.join(", ")}]`

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const describeJson = (value: unknown): string => (value === undefined ? "(absent)" : JSON.stringify(value))

const collectDifferences = (
  checkpoint: unknown,
  expected: unknown,
  field: string,
  into: Array<string>
): void => {
  if (isRecord(checkpoint) && isRecord(expected)) {
    const keys = [...Object.keys(expected), ...Object.keys(checkpoint).filter((key) => !(key in expected))]
    for (const key of keys) {
      collectDifferences(checkpoint[key], expected[key], field === "" ? key : `${field}.${key}`, into)
    }
    return
  }
  if (Array.isArray(checkpoint) && Array.isArray(expected) && checkpoint.length === expected.length) {
    checkpoint.forEach((item, index) => {
      collectDifferences(item, expected[index], `${field}[${index}]`, into)
    })
    return
  }
  if (checkpoint === expected) return
  into.push(
    `${field === "" ? "config" : field}: checkpoint ${describeJson(checkpoint)}, expected ${describeJson(expected)}`
  )
}

/**
 * Every leaf field where two JSON configs differ, as `field: checkpoint A, expected B` (a field
 * missing on one side shows as `(absent)`; arrays of different lengths show whole). Empty when
 * they agree. Both must be JSON values, as parsed from a file.
 *
 * @example
 * ```ts
 * configDifferences({ latentSize: 32, hidden: [256] }, { latentSize: 64, hidden: [256] })
 * // ["latentSize: checkpoint 32, expected 64"]
 * ```
 */
export const configDifferences = (checkpoint: unknown, expected: unknown): Array<string> => {
  const differences: Array<string> = []
  collectDifferences(checkpoint, expected, "", differences)
  return differences
}

/**
 * Throws a `CheckpointError` unless `checkpoint` and `model` name the same parameters with the
 * same shapes. The detail lists every difference; the problem is the first kind found, in the
 * order missing, extra, shape.
 *
 * @example
 * ```ts
 * requireMatchingParameters("runs/jepa/checkpoint/model.json",
 *   new Map([["encoder/layer0/kernel", [64, 256]]]), new Map([["encoder/layer0/kernel", [32, 256]]]))
 * // CheckpointError: "encoder/layer0/kernel: checkpoint [64, 256], model [32, 256]"
 * ```
 */
export const requireMatchingParameters = (
  path: string,
  checkpoint: ReadonlyMap<string, ReadonlyArray<number>>,
  model: ReadonlyMap<string, ReadonlyArray<number>>
): void => {
  const missing = [...model.keys()].filter((name) => !checkpoint.has(name))
  const extra = [...checkpoint.keys()].filter((name) => !model.has(name))
  const reshaped: Array<string> = []
  for (const [name, shape] of model) {
    const stored = checkpoint.get(name)
    if (stored === undefined) continue
    if (stored.length !== shape.length || stored.some((dimension, axis) => dimension !== shape[axis])) {
      reshaped.push(`${name}: checkpoint ${formatShape(stored)}, model ${formatShape(shape)}`)
    }
  }
  const details = [
    ...(missing.length > 0 ? [`missing from the checkpoint: ${missing.join(", ")}`] : []),
    ...(extra.length > 0 ? [`not in the model: ${extra.join(", ")}`] : []),
    ...reshaped
  ]
  if (details.length === 0) return
  throw new CheckpointError({
    path,
    problem:
      missing.length > 0 ? "missing-parameter" : extra.length > 0 ? "extra-parameter" : "shape-mismatch",
    detail: details.join("; ")
  })
}
