/**
 * A random walk that sends a share of its episodes through a doorway (a door between rooms), as
 * PLDM's Two-Rooms data does with its `cross_wall_rate`: a plain random walk crosses a 9-px door
 * so seldom that a model learned from it has barely seen the way from one room to the other.
 *
 * @module
 */
import { type Box, describeValue, InvalidValueError } from "@telos/core"
import { checkDoorway } from "../define/Doorway.js"
import type { Doorway } from "../define/EnvDefinition.js"
import { type ExplorationPolicy, type RandomWalkOptions, randomWalkPolicy } from "./Exploration.js"
import { sampleVonMises, wrapAngle } from "./VonMises.js"
import { walkSteps } from "./WalkSteps.js"

/**
 * Settings of {@link doorwayWalkPolicy}: the random walk's own, the doorways and the share of
 * episodes sent through one.
 *
 * @example
 * ```ts
 * const options: DoorwayWalkOptions = {
 *   doorways: [{ centre: [32, 10], halfExtent: [1, 2], axis: [1, 0] }],
 *   rate: 0.6
 * }
 * ```
 */
export interface DoorwayWalkOptions extends RandomWalkOptions {
  /** The doorways an episode may be sent through (one drawn uniformly per crossing episode). */
  readonly doorways: ReadonlyArray<Doorway>
  /** The share of episodes sent through a doorway, in `[0, 1]`. */
  readonly rate: number
}

/**
 * PLDM's random walk ({@link randomWalkPolicy}) with a share `rate` of its episodes sent through a
 * doorway. Such an episode draws a doorway and an aim point uniformly in the doorway's box, then
 * heads for the aim (the bearing from the current position, turned by a von Mises angle each step)
 * until it has passed the aim along the doorway's axis. From there it walks on as the random walk
 * does, starting from a heading within 45 degrees of the axis, away from the side it came from
 * (PLDM's crossing trajectories leave the door the same way). The position is the first two numbers
 * of the observation; a doorway is reached from anywhere in sight of it, so this suits rooms whose
 * free space is convex on each side of the door. With `rate` 0 it is the random walk itself.
 *
 * @example
 * ```ts
 * const policy = doorwayWalkPolicy(new Box({ low: -2.45, high: 2.45, shape: [2] }), {
 *   doorways: [{ centre: [32, 10], halfExtent: [1, 2], axis: [1, 0] }],
 *   rate: 0.6
 * })
 * policy.startEpisode(Random.fromSeed(0)).act(Float64Array.of(10, 40), new Float64Array(2))
 * ```
 */
export const doorwayWalkPolicy = (actionSpace: Box, options: DoorwayWalkOptions): ExplorationPolicy => {
  const walk = randomWalkPolicy(actionSpace, options)
  const rate = options.rate
  if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) {
    throw new InvalidValueError({
      field: "rate",
      expected: "a number in [0, 1]",
      received: describeValue(rate)
    })
  }
  if (!Array.isArray(options.doorways) || (rate > 0 && options.doorways.length === 0)) {
    throw new InvalidValueError({
      field: "doorways",
      expected: "at least one doorway when rate is above 0",
      received: describeValue(options.doorways)
    })
  }
  if (rate === 0) return walk
  const doorways = options.doorways.map((doorway, index) => checkDoorway(doorway, `doorways[${index}]`))
  const { concentration, move } = walkSteps(actionSpace, options)
  return {
    id: "doorway-walk",
    settings: { ...walk.settings, policy: "doorway-walk", doorwayRate: rate },
    startEpisode: (rng) => {
      if (!(rng.uniform() < rate)) return walk.startEpisode(rng)
      const doorway = doorways[rng.integer(doorways.length)] as Doorway
      const [axisX, axisY] = doorway.axis
      const aimX = doorway.centre[0] + rng.uniformIn(-1, 1) * doorway.halfExtent[0]
      const aimY = doorway.centre[1] + rng.uniformIn(-1, 1) * doorway.halfExtent[1]
      // The side of the aim the episode starts on, along the axis: +1 or -1, fixed at the first step.
      let side = 0
      let heading = 0
      let through = false
      return {
        act: (observation, target) => {
          const x = observation[0] as number
          const y = observation[1] as number
          if (!through) {
            const along = (x - aimX) * axisX + (y - aimY) * axisY
            if (side === 0) side = along < 0 ? -1 : 1
            if (along * side <= 0) {
              through = true
              heading = Math.atan2(-side * axisY, -side * axisX) + rng.uniformIn(-Math.PI / 4, Math.PI / 4)
            } else {
              return move(target, sampleVonMises(rng, concentration, Math.atan2(aimY - y, aimX - x)), rng)
            }
          } else {
            heading = wrapAngle(heading + sampleVonMises(rng, concentration))
          }
          return move(target, heading, rng)
        }
      }
    }
  }
}
