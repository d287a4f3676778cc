/**
 * The `two-rooms` suite's protocol in numbers: data sizes, the planners' budgets and the keep-out
 * zones.
 *
 * @module
 */
import type { RunSettings } from "../../configurator/RunConfig.js"
import { worldModelSuitePlans } from "../worldModel/settings.js"

/** A circular zone the agent must never enter. */
export interface KeepOutZone {
  /** The zone's centre `[x, y]`, in the environment's position units. */
  readonly center: readonly [number, number]
  /** Its radius, in the same units. */
  readonly radius: number
}

/**
 * The suite's settings. Planners are sized to run 100 episodes as one batch on two cores.
 *
 * @example
 * ```ts
 * twoRoomsSuiteSettings.horizon // 16, as PLDM
 * ```
 */
export const twoRoomsSuiteSettings = {
  /** Evaluation episodes per row (unless the run overrides the count). */
  episodes: 100,
  /** Steps planned ahead. */
  horizon: 16,
  /** Transitions of data collected. */
  transitions: 20_000,
  /** The landmark memory's k-means landmarks. */
  landmarks: 256,
  /** Hops along the memory's route between the agent and the waypoint it is handed. */
  lookahead: 2,
  /** One zone in each room, across the middle of its height. */
  keepOut: {
    /** The zones. */
    zones: [
      { center: [18, 32], radius: 5 },
      { center: [46, 32], radius: 5 }
    ] as ReadonlyArray<KeepOutZone>,
    /**
     * The planner keeps this much further away than the zone's edge: its model is not exact, and a
     * learned model's position is read by a probe (a quadratic one: at most 2.5 px off near the
     * zones from pixels).
     */
    margin: 3
  }
}

/**
 * The suite's protocol as a run configuration, for `telos run --env two-rooms --preset two-rooms`:
 * its data (20,000 random-walk transitions), the worldmodel suite's JEPA from the state, the
 * horizon, no levels, the cost on the latent distance to the goal, the memory (256 landmarks, 2
 * hops ahead), 100 episodes; the ground truth and the learned model, each with the memory.
 *
 * @example
 * ```ts
 * twoRoomsRunSettings.memory.landmarks // 256
 * ```
 */
export const twoRoomsRunSettings: RunSettings = {
  data: { transitions: twoRoomsSuiteSettings.transitions },
  worldModel: {
    latentSize: 16,
    epochs: worldModelSuitePlans.state.epochs,
    stepsPerEpoch: worldModelSuitePlans.state.stepsPerEpoch,
    batchSize: worldModelSuitePlans.state.batchSize,
    rolloutSteps: worldModelSuitePlans.state.rolloutSteps,
    learningRate: worldModelSuitePlans.state.learningRate
  },
  levels: { strides: [] },
  cost: { judgedOn: "latent", dimensions: [] },
  actor: { horizon: twoRoomsSuiteSettings.horizon },
  memory: { landmarks: twoRoomsSuiteSettings.landmarks, lookahead: twoRoomsSuiteSettings.lookahead },
  evaluation: { episodes: twoRoomsSuiteSettings.episodes, agents: ["ground-truth+memory", "flat+memory"] }
}
