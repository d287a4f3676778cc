/**
 * How actions look to datasets and world models: a `Box` action as its own vector, a `Discrete`
 * choice as a one-hot row of length `n`. Models and planners work on real vectors, so a discrete
 * environment is planned for in `[0, 1]^n` and the planner's row is turned back into a choice by
 * its largest entry.
 *
 * @module
 */
import { Box, type Discrete, describeValue, InvalidValueError } from "@telos/core"
import { Result } from "effect"
import type { ActionSpace } from "./EnvDefinition.js"

/**
 * The number of columns an action takes in a dataset or a model: a box's size, or `n` for a
 * discrete space.
 *
 * @example
 * ```ts
 * actionEncodingSize(new Box({ low: -1, high: 1, shape: [2] })) // 2
 * actionEncodingSize(new Discrete(5)) // 5
 * ```
 */
export const actionEncodingSize = (space: ActionSpace): number =>
  space._tag === "Discrete" ? space.n : space.size

const discreteIndex = (space: Discrete, action: number | ArrayLike<number>, field: string): number => {
  // The definition-level form of a discrete action is Float64Array.of(index); accept it as well.
  const value = typeof action === "number" ? action : action.length === 1 ? action[0] : action
  const checked = space.validate(value, field)
  if (Result.isFailure(checked)) throw checked.failure
  return checked.success
}

/**
 * Writes the encoding of `action` into `target` from `offset` on, without allocating: the
 * collector's hot loop. Throws like {@link encodeAction}.
 *
 * @example
 * ```ts
 * const rows = new Float32Array(2 * 5)
 * encodeActionInto(new Discrete(5), 3, rows, 5) // rows[8] === 1, the rest 0
 * ```
 */
export const encodeActionInto = (
  space: ActionSpace,
  action: number | ArrayLike<number>,
  target: Float32Array | Float64Array,
  offset: number,
  field = "action"
): void => {
  if (space._tag === "Discrete") {
    const index = discreteIndex(space, action, field)
    target.fill(0, offset, offset + space.n)
    target[offset + index - space.start] = 1
    return
  }
  if (typeof action === "number" || action.length !== space.size) {
    throw new InvalidValueError({
      field,
      expected: `an array of ${space.size} numbers`,
      received: describeValue(action)
    })
  }
  for (let i = 0; i < space.size; i++) {
    const component = action[i] as number
    if (typeof component !== "number" || !Number.isFinite(component)) {
      throw new InvalidValueError({
        field: `${field}[${i}]`,
        expected: "a finite number",
        received: describeValue(component)
      })
    }
    target[offset + i] = component
  }
}

/**
 * An action as a dataset row: one-hot for a `Discrete` space (the index may be given as a number
 * or as `Float64Array.of(index)`, the form a definition's `transition` receives), a copy for a
 * `Box`. A choice outside the space, a wrong length or a non-finite component is an
 * `InvalidValueError` naming `field`.
 *
 * @example
 * ```ts
 * encodeAction(new Discrete(4), 2) // Float64Array [0, 0, 1, 0]
 * encodeAction(new Discrete(3, -1), 1) // Float64Array [0, 0, 1]
 * encodeAction(new Box({ low: -1, high: 1, shape: [2] }), [0.5, -0.5]) // Float64Array [0.5, -0.5]
 * ```
 */
export const encodeAction = (
  space: ActionSpace,
  action: number | ArrayLike<number>,
  field = "action"
): Float64Array => {
  const encoded = new Float64Array(actionEncodingSize(space))
  encodeActionInto(space, action, encoded, 0, field)
  return encoded
}

/**
 * A model's or a planner's action row as an environment action: for a `Discrete` space the
 * choice with the largest entry (`start + argmax`; the first wins a tie), for a `Box` the row as
 * a `Float64Array`. A row of the wrong length, or a discrete row with a NaN entry (which has no
 * order), is an `InvalidValueError`.
 *
 * @example
 * ```ts
 * decodeAction(new Discrete(3), [0.1, 0.7, 0.2]) // 1
 * decodeAction(new Discrete(3, 10), [0.5, 0.5, 0]) // 10
 * decodeAction(new Box({ low: -1, high: 1, shape: [2] }), [0.5, -0.5]) // Float64Array [0.5, -0.5]
 * ```
 */
export function decodeAction(space: Discrete, row: ArrayLike<number>, field?: string): number
export function decodeAction(space: Box, row: ArrayLike<number>, field?: string): Float64Array
export function decodeAction(
  space: ActionSpace,
  row: ArrayLike<number>,
  field?: string
): number | Float64Array
export function decodeAction(
  space: ActionSpace,
  row: ArrayLike<number>,
  field = "action"
): number | Float64Array {
  const size = actionEncodingSize(space)
  if (row === null || typeof row !== "object" || row.length !== size) {
    throw new InvalidValueError({ field, expected: `a row of ${size} numbers`, received: describeValue(row) })
  }
  return space._tag === "Box" ? Float64Array.from(row) : space.choose(row, field)
}

/**
 * The action space a world model or planner works in: a box stays itself, `Discrete(n)` becomes
 * the unit box `[0, 1]^n` that holds its one-hot rows.
 *
 * @example
 * ```ts
 * modelActionSpace(new Discrete(5)) // Box { low: [0, 0, 0, 0, 0], high: [1, 1, 1, 1, 1], shape: [5] }
 * ```
 */
export const modelActionSpace = (space: ActionSpace): Box =>
  space._tag === "Box" ? space : new Box({ low: 0, high: 1, shape: [space.n] })
