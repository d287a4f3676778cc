/**
 * The move of the random walks in displacement-action worlds (`randomWalkPolicy` and
 * `doorwayWalkPolicy`): their checked settings and one step along a heading, clipped to the
 * action box. Internal to the data folder.
 *
 * @module
 */
import { type Box, describeValue, InvalidValueError, type Random } from "@telos/core"
import type { RandomWalkOptions } from "./Exploration.js"
import { checkConcentration } from "./VonMises.js"

/** The checked settings of a random walk and its move. */
export interface WalkSteps {
  readonly concentration: number
  readonly minimumStep: number
  readonly maximumStep: number
  /** Writes into `target` a move along `heading` of a length drawn from `rng`, clipped to the box. */
  move(target: Float64Array, heading: number, rng: Random): Float64Array
}

/**
 * The default turning concentration. With kappa 5 a heading turns by about 0.47 rad (27 degrees)
 * per step: trajectories are smooth enough to travel from room to room, yet bend often enough
 * to cover them.
 */
const defaultConcentration = 5

/**
 * Checks a random walk's settings for a 2-D displacement box with finite bounds (the box itself is
 * checked by the caller) and returns them with the move: a length uniform in
 * `[minimumStep, maximumStep]` (default the box's largest displacement along an axis), clipped per
 * component.
 */
export const walkSteps = (actionSpace: Box, options: RandomWalkOptions): WalkSteps => {
  const lowX = actionSpace.low[0] as number
  const lowY = actionSpace.low[1] as number
  const highX = actionSpace.high[0] as number
  const highY = actionSpace.high[1] as number
  const concentration = checkConcentration(options.concentration ?? defaultConcentration, "concentration")
  const reach = Math.max(Math.abs(lowX), Math.abs(highX), Math.abs(lowY), Math.abs(highY))
  const minimumStep = options.minimumStep ?? 0
  const maximumStep = options.maximumStep ?? reach
  if (!Number.isFinite(minimumStep) || minimumStep < 0) {
    throw new InvalidValueError({
      field: "minimumStep",
      expected: "a finite number >= 0",
      received: describeValue(minimumStep)
    })
  }
  if (!Number.isFinite(maximumStep) || maximumStep < minimumStep) {
    throw new InvalidValueError({
      field: "maximumStep",
      expected: `a finite number >= minimumStep (${minimumStep})`,
      received: describeValue(maximumStep)
    })
  }
  return {
    concentration,
    minimumStep,
    maximumStep,
    move: (target, heading, rng) => {
      const length = rng.uniformIn(minimumStep, maximumStep)
      target[0] = Math.min(highX, Math.max(lowX, length * Math.cos(heading)))
      target[1] = Math.min(highY, Math.max(lowY, length * Math.sin(heading)))
      return target
    }
  }
}
