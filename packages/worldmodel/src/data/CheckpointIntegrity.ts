/**
 * Whether a checkpoint's weights are the ones that were saved, and usable: every tensor's bytes
 * against the CRC-32 its manifest entry records (so a flipped bit, or two tensors of one shape
 * swapped, is named), and every value finite. The checksums catch damage; the finiteness check
 * also catches what a checksum cannot, a manifest rewritten to match bad weights, and weights
 * that went bad before they were saved.
 *
 * @module
 */
import { CheckpointError, crc32 } from "@telos/core"
import type { ParameterSet } from "../jepa/Parameters.js"
import type { CheckpointWeightEntry } from "./CheckpointFormat.js"
import { elementPosition, firstUnusableValue, formatFloat32 } from "./FloatScan.js"

const hex = (checksum: number): string => `0x${checksum.toString(16).padStart(8, "0")}`

/** `name: element [i, j] of [shape] is NaN` for the first value that is not finite; `undefined` when all are. */
const firstNonFinite = (
  name: string,
  values: Float32Array,
  shape: ReadonlyArray<number>
): string | undefined => {
  const index = firstUnusableValue(values)
  return index < 0
    ? undefined
    : `${name}: element ${elementPosition(index, shape)} of [${shape.join(", ")}] is ${formatFloat32(values[index] as number)}`
}

/**
 * The first value of `parameters` that is NaN or infinite, as
 * `name: element [i, j] of [shape] is NaN`; `undefined` when every value is finite. Reads every
 * parameter's values back (synchronously), so a trainer calls it once an epoch, not once a step.
 *
 * @example
 * ```ts
 * nonFiniteParameter(model.parameters) // "predictor/layer1/bias: element [3] of [64] is NaN"
 * ```
 */
export const nonFiniteParameter = (parameters: ParameterSet): string | undefined => {
  for (const [name, variable] of parameters) {
    const found = firstNonFinite(name, variable.dataSync() as Float32Array, variable.shape)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * Throws a `CheckpointError` (`"non-finite-value"`) naming the tensor, the element and its value
 * when `values` holds NaN or an infinity. `path` is the file the error names.
 *
 * @example
 * ```ts
 * requireFiniteTensor("encoder/layer0/bias", Float32Array.of(0, Number.NaN), [2], "runs/model/weights.bin")
 * // CheckpointError: "runs/model/weights.bin: encoder/layer0/bias: element [1] of [2] is NaN"
 * ```
 */
export const requireFiniteTensor = (
  name: string,
  values: Float32Array,
  shape: ReadonlyArray<number>,
  path: string
): void => {
  const found = firstNonFinite(name, values, shape)
  if (found !== undefined) throw new CheckpointError({ path, problem: "non-finite-value", detail: found })
}

/**
 * Checks the tensors of `weights` (the whole weights file, laid out as `entries` say, its size
 * already checked): each one's CRC-32 where its entry has one, then each one's values finite.
 * Throws a `CheckpointError` naming `path`, the tensor, and both checksums or the bad value.
 *
 * @example
 * ```ts
 * verifyWeights(buffer, manifest.weightsManifest[0].weights, "runs/model/weights.bin")
 * ```
 */
export const verifyWeights = (
  weights: ArrayBuffer,
  entries: ReadonlyArray<CheckpointWeightEntry>,
  path: string
): void => {
  let offset = 0
  for (const entry of entries) {
    const count = entry.shape.reduce((product, dimension) => product * dimension, 1)
    const bytes = new Uint8Array(weights, offset, 4 * count)
    if (entry.crc32 !== undefined) {
      const found = crc32(bytes)
      if (found !== entry.crc32) {
        throw new CheckpointError({
          path,
          problem: "checksum-mismatch",
          detail: `${entry.name}: its ${bytes.length} bytes have the checksum ${hex(found)}, the manifest records ${hex(entry.crc32)} (the weights are damaged or out of order)`
        })
      }
    }
    // Every tensor starts at a multiple of 4 bytes, so the view is aligned.
    requireFiniteTensor(entry.name, new Float32Array(weights, offset, count), entry.shape, path)
    offset += bytes.length
  }
}
