/**
 * The `two-rooms` suite's protocol in numbers: data sizes, the planners' budgets and the keep-out
 * zones, all as run configuration.
 *
 * @module
 */
import type { ActorConfig, GuardrailConfig, RunSettings } from "../../configurator/RunConfig.js"
import { worldModelSuitePlans } from "../worldModel/settings.js"

/**
 * The suite's sizes. Planners are sized to run 100 episodes as one batch on two cores.
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
  lookahead: 2
}

/**
 * The planners every section compares, by the name its rows carry, as level 0's actor settings:
 * gradient (Adam, 8 restarts, 20 steps, 10 when warm), CEM (256 samples, 6 refits, 3 when warm),
 * PLDM's MPPI (500 samples, 6 updates, 1 when warm: PLDM updates its plan once per step), the
 * hybrid (CEM 128 x 2 refits, then 6 gradient steps) and random shooting (256 sequences).
 *
 * @example
 * ```ts
 * twoRoomsPlanners["pldm-mppi"].candidates // 500
 * ```
 */
export const twoRoomsPlanners: Readonly<Record<string, Partial<ActorConfig>>> = {
  gradient: {
    planner: "gradient",
    candidates: 8,
    iterations: 20,
    warmStartIterations: 10,
    learningRate: 0.1,
    initialStd: null
  },
  cem: { planner: "cem", candidates: 256, iterations: 6, warmStartIterations: 3 },
  "pldm-mppi": { planner: "mppi", candidates: 500, iterations: 6, warmStartIterations: 1 },
  hybrid: {
    planner: "hybrid",
    candidates: 128,
    iterations: 2,
    warmStartIterations: 1,
    refineSteps: 6,
    learningRate: 0.1
  },
  "random-shooting": { planner: "random-shooting", candidates: 256 }
}

/**
 * PLDM's own planner for Two-Rooms (its `wall` evaluation config): MPPI with 2,000 samples over a
 * 96-step horizon, one update per step from the previous plan, noise far wider than the action
 * box (PLDM's sigma of 12 in normalised units is clipped to its step norm, so every sampled step
 * is a full move in a random direction: here 4 half-widths, clipped to the box), greedy weights;
 * 20 episodes planned together, as PLDM chunks its 100 environments.
 *
 * @example
 * ```ts
 * twoRoomsPldmPlanner.actor?.horizon // 96
 * ```
 */
export const twoRoomsPldmPlanner: RunSettings = {
  actor: {
    planner: "mppi",
    horizon: 96,
    candidates: 2000,
    iterations: 1,
    warmStartIterations: 1,
    noiseStd: 4
  },
  evaluation: { batch: 20 }
}

/**
 * The hierarchy the row without memory also plans with: a level of 8-number macro-actions, each
 * 20 steps long, trained 2,000 steps together with a fresh pixel JEPA whose encoder its losses
 * shape too (`levels.encoder: "joint"`; the agents perceive with that JEPA), planned by CEM over 16
 * macro-steps (320 steps, so that a plan through the door still has steps left at the goal; 64
 * samples, the predictions per step of 128 over 8; its first samples spread over the whole
 * macro-action box) and judged by the latent distance to the goal rather than its square (a detour
 * through the door is then priced by the way it covers, and no longer loses to waiting at the
 * wall). It hands the state its plan predicts after one macro-step to level 0 as its subgoal.
 * Nothing recorded is consulted: the subgoals come from the level's own predictions. The same agent
 * also plans with the online memory of its episode (`hierarchical+online`), its own row.
 *
 * @example
 * ```ts
 * twoRoomsHierarchySettings.levels?.strides // [20]
 * ```
 */
export const twoRoomsHierarchySettings: RunSettings = {
  levels: { strides: [20], encoder: "joint" },
  cost: { upperMetric: "distance" },
  upperActor: { planner: "cem", horizon: 16, candidates: 64, initialStd: 1 },
  evaluation: { agents: ["hierarchical", "hierarchical+online"] }
}

/**
 * The keep-out guardrail: one zone in each room, across the middle of its height; the planner
 * keeps 3 px further away than the zone's edge (its model is not exact, and a learned model's
 * position is read by a quadratic probe).
 *
 * @example
 * ```ts
 * twoRoomsKeepOut.keepOut.length // 2
 * ```
 */
export const twoRoomsKeepOut: Omit<GuardrailConfig, "enforced"> = {
  keepOut: [
    { center: [18, 32], radius: 5 },
    { center: [46, 32], radius: 5 }
  ],
  position: [0, 1],
  margin: 3,
  outerIterations: 3
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

/**
 * What the pixel runs change: 64 x 64 images and the worldmodel suite's pixel training plan.
 *
 * @example
 * ```ts
 * twoRoomsPixelSettings.data?.observations // "pixels"
 * ```
 */
export const twoRoomsPixelSettings: RunSettings = {
  data: { observations: "pixels" },
  worldModel: {
    epochs: worldModelSuitePlans.pixels.epochs,
    stepsPerEpoch: worldModelSuitePlans.pixels.stepsPerEpoch,
    batchSize: worldModelSuitePlans.pixels.batchSize,
    rolloutSteps: worldModelSuitePlans.pixels.rolloutSteps,
    learningRate: worldModelSuitePlans.pixels.learningRate
  }
}
