/**
 * The check of a doorway's shape (`EnvDefinition.doorways`), shared by `defineEnv`'s definition
 * check and the doorway walk, which may also be handed doorways of its own.
 *
 * @module
 */
import { describeValue, InvalidValueError } from "@telos/core"
import type { Doorway } from "./EnvDefinition.js"

const finitePair = (
  value: readonly [number, number] | undefined,
  field: string
): readonly [number, number] => {
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((component) => typeof component === "number" && Number.isFinite(component))
  ) {
    throw new InvalidValueError({ field, expected: "two finite numbers", received: describeValue(value) })
  }
  return value
}

/**
 * Checks a doorway (finite centre, half-extents `>= 0`, an axis of unit length) and returns it
 * with its axis normalised.
 *
 * @example
 * ```ts
 * checkDoorway({ centre: [32, 10], halfExtent: [1, 2], axis: [2, 0] }, "doorways[0]").axis // [1, 0]
 * ```
 */
export const checkDoorway = (doorway: Doorway, field: string): Doorway => {
  const centre = finitePair(doorway?.centre, `${field}.centre`)
  const halfExtent = finitePair(doorway?.halfExtent, `${field}.halfExtent`)
  if (halfExtent[0] < 0 || halfExtent[1] < 0) {
    throw new InvalidValueError({
      field: `${field}.halfExtent`,
      expected: "two numbers >= 0",
      received: describeValue(halfExtent)
    })
  }
  const axis = finitePair(doorway?.axis, `${field}.axis`)
  const length = Math.hypot(axis[0], axis[1])
  if (length === 0) {
    throw new InvalidValueError({
      field: `${field}.axis`,
      expected: "a non-zero direction",
      received: "[0, 0]"
    })
  }
  return { centre, halfExtent, axis: [axis[0] / length, axis[1] / length] }
}
