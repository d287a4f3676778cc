/**
 * The shape check `defineEnv` runs on a definition before building anything. A definition usually
 * comes from TypeScript, but JavaScript callers, spread objects and casts can drop or mistype a
 * member; without this check that surfaces as a `TypeError` at the first reset or step, far from
 * the mistake. Behaviour (what the functions return) is `checkEnv`'s job.
 *
 * @module
 */
import { Box, Discrete, describeValue, InvalidValueError } from "@telos/core"
import { checkDoorway } from "./Doorway.js"
import type { Doorway } from "./EnvDefinition.js"

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null

const invalid = (member: string, expected: string, received: unknown): InvalidValueError =>
  new InvalidValueError({ field: `definition.${member}`, expected, received: describeValue(received) })

const isPositiveInteger = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 1

const requiredFunctions = ["initialState", "transition", "observe"] as const
const optionalFunctions = ["info", "render", "groundTruthModel"] as const

const checkImage = (image: unknown): void => {
  if (!isObject(image)) throw invalid("image", "an object with channels, height, width and render", image)
  for (const side of ["channels", "height", "width"] as const) {
    if (!isPositiveInteger(image[side])) throw invalid(`image.${side}`, "a positive integer", image[side])
  }
  if (typeof image.render !== "function") throw invalid("image.render", "a function", image.render)
}

const checkGoalMembers = (definition: Record<string, unknown>, observationSize: number): void => {
  const { goalDimensions, goalWeights, goal } = definition
  if (goalDimensions !== undefined) {
    const valid =
      Array.isArray(goalDimensions) &&
      goalDimensions.length > 0 &&
      goalDimensions.every((index) => Number.isInteger(index) && index >= 0 && index < observationSize) &&
      new Set(goalDimensions).size === goalDimensions.length
    if (!valid) {
      throw invalid(
        "goalDimensions",
        `distinct integer indices of the observation, in [0, ${observationSize - 1}]`,
        goalDimensions
      )
    }
  }
  if (goalWeights !== undefined) {
    if (!Array.isArray(goalDimensions)) {
      throw invalid("goalWeights", "to be absent, as there are no goalDimensions to weigh", goalWeights)
    }
    const valid =
      Array.isArray(goalWeights) &&
      goalWeights.length === goalDimensions.length &&
      goalWeights.every((weight) => typeof weight === "number" && Number.isFinite(weight) && weight >= 0)
    if (!valid) {
      throw invalid(
        "goalWeights",
        `${goalDimensions.length} finite non-negative numbers, one per goal dimension`,
        goalWeights
      )
    }
  }
  if (goal !== undefined) {
    const valid =
      (Array.isArray(goal) || goal instanceof Float64Array || goal instanceof Float32Array) &&
      goal.length === observationSize &&
      Array.from(goal as ArrayLike<unknown>).every(
        (value) => typeof value === "number" && Number.isFinite(value)
      )
    if (!valid) throw invalid("goal", `an observation: ${observationSize} finite numbers`, goal)
  }
}

/**
 * Throws an `InvalidValueError` naming the first member of `definition` that is missing or of the
 * wrong kind (`definition.transition`, `definition.image.width`, ...): the required functions are
 * functions, the observation space is a `Box`, the action space a `Box` or a `Discrete`, the step
 * budget a positive integer, and every optional member has its documented type when present
 * (doorways included: finite centres, half-extents `>= 0`, non-zero axes).
 *
 * @example
 * ```ts
 * checkDefinition({ ...pointMass.definition, transition: undefined }) // throws: definition.transition
 * ```
 */
export const checkDefinition = (definition: unknown): void => {
  if (!isObject(definition)) {
    throw new InvalidValueError({
      field: "definition",
      expected: "an object",
      received: describeValue(definition)
    })
  }
  const { id, description, observationSpace, actionSpace, maxEpisodeSteps, outOfRangeActions } = definition
  if (typeof id !== "string" || id.length === 0) throw invalid("id", "a non-empty string", id)
  if (typeof description !== "string") throw invalid("description", "a string", description)
  if (!(observationSpace instanceof Box)) {
    throw invalid("observationSpace", "a Box (observations are real vectors)", observationSpace)
  }
  if (!(actionSpace instanceof Box) && !(actionSpace instanceof Discrete)) {
    throw invalid("actionSpace", "a Box or a Discrete", actionSpace)
  }
  if (!isPositiveInteger(maxEpisodeSteps))
    throw invalid("maxEpisodeSteps", "a positive integer", maxEpisodeSteps)
  if (outOfRangeActions !== undefined && outOfRangeActions !== "reject" && outOfRangeActions !== "clip") {
    throw invalid("outOfRangeActions", '"reject" or "clip"', outOfRangeActions)
  }
  if (outOfRangeActions === "clip" && actionSpace instanceof Discrete) {
    throw invalid(
      "outOfRangeActions",
      '"reject" for a Discrete action space, which has no bound to clip to',
      outOfRangeActions
    )
  }
  for (const name of requiredFunctions) {
    if (typeof definition[name] !== "function") throw invalid(name, "a function", definition[name])
  }
  for (const name of optionalFunctions) {
    const member = definition[name]
    if (member !== undefined && typeof member !== "function")
      throw invalid(name, "a function when present", member)
  }
  if (definition.image !== undefined) checkImage(definition.image)
  checkGoalMembers(definition, observationSpace.size)
  checkDoorways(definition.doorways, observationSpace.size)
}

// A doorway lies in the coordinates of the observation's first two numbers.
const checkDoorways = (doorways: unknown, observationSize: number): void => {
  if (doorways === undefined) return
  if (!Array.isArray(doorways)) throw invalid("doorways", "an array of doorways when present", doorways)
  if (doorways.length > 0 && observationSize < 2) {
    throw invalid(
      "doorways",
      "none for an observation of fewer than 2 numbers (a doorway lies in its first two)",
      doorways
    )
  }
  doorways.forEach((doorway, index) => {
    checkDoorway(doorway as Doorway, `definition.doorways[${index}]`)
  })
}
