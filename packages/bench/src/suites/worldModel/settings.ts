/**
 * The `worldmodel` suite's protocol in numbers: the environment, the data, the training plans and
 * the probe targets.
 *
 * @module
 */
import type { ObservationKind, TrainingSettings } from "../../pipeline/WorldModelTraining.js"

/** The environment the suite collects in and models. */
export const worldModelSuiteEnv = "two-rooms"

/** Transitions per dataset by default: 100 episodes of Two-Rooms' 200 steps. */
export const worldModelSuiteTransitions = 20_000

/**
 * How long each model trains by default, sized so the suite runs in a few minutes on two cores
 * with the wasm backend (a pixel step, batch 32 and rollout 4, takes about 0.25 s there).
 *
 * @example
 * ```ts
 * worldModelSuitePlans.pixels.stepsPerEpoch // 125
 * ```
 */
export const worldModelSuitePlans: Readonly<Record<ObservationKind, Omit<TrainingSettings, "seed">>> = {
  state: { epochs: 3, stepsPerEpoch: 100, batchSize: 64, rolloutSteps: 4, learningRate: 1e-3 },
  pixels: { epochs: 5, stepsPerEpoch: 125, batchSize: 32, rolloutSteps: 4, learningRate: 1e-3 }
}

/**
 * The probe R^2 each model must reach: the position is two numbers, so a latent that keeps it
 * reads it back almost exactly; from images, a little less after a few minutes of training.
 *
 * @example
 * ```ts
 * worldModelProbeTargets.state // 0.95
 * ```
 */
export const worldModelProbeTargets: Readonly<Record<ObservationKind, number>> = { state: 0.95, pixels: 0.9 }
