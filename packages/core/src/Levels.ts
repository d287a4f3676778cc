/**
 * The rule every hierarchy obeys, shared by the level world models and the hierarchical planner:
 * level 0 acts one primitive step at a time, and each level above takes a whole number of steps
 * of the level below per step of its own, more than one.
 *
 * @module
 */
import { describeValue, LevelConfigError } from "./Errors.js"

/**
 * Checks the strides of a hierarchy, level 0 first: `strides[0]` is 1 and each next stride is a
 * multiple of the one below and larger than it. Throws a {@link LevelConfigError} naming the first
 * level at fault; `field(level)` names its stride setting.
 *
 * @example
 * ```ts
 * checkLevelStrides([1, 10, 40], (level) => `levels[${level}].stride`) // fine
 * checkLevelStrides([1, 10, 15], (level) => `levels[${level}].stride`) // LevelConfigError, level 2
 * ```
 */
export const checkLevelStrides = (strides: ReadonlyArray<number>, field: (level: number) => string): void => {
  strides.forEach((stride, level) => {
    if (typeof stride !== "number" || !Number.isInteger(stride) || stride < 1) {
      throw new LevelConfigError({
        level,
        field: field(level),
        expected: "a positive integer",
        received: describeValue(stride)
      })
    }
    if (level === 0) {
      if (stride !== 1) {
        throw new LevelConfigError({
          level,
          field: field(level),
          expected: "1 (level 0 takes primitive steps)",
          received: String(stride)
        })
      }
      return
    }
    const below = strides[level - 1] as number
    if (stride <= below || stride % below !== 0) {
      throw new LevelConfigError({
        level,
        field: field(level),
        expected: `a multiple of level ${level - 1}'s stride ${below}, larger than it`,
        received: String(stride)
      })
    }
  })
}
