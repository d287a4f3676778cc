/**
 * The defaults of a run, derived from the environment alone (its spaces, episode length,
 * observation kind and declared goal coordinates), so that `telos run --env <anything>` works with
 * no flags on an environment telos has never seen. Nothing here knows any particular environment.
 *
 * @module
 */
import type { EnvSpec } from "@telos/envs"
import { stallMemoryDefaults } from "@telos/planner"
import { defaultTrainingConfig } from "@telos/worldmodel"
import type { RunConfig } from "./RunConfig.js"

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value))

/**
 * The default configuration of a run on `spec` (registered as `env`, an id or a module path).
 *
 * - data: uniform random actions, or PLDM's random walk for 2-D box actions; episodes as long as
 *   the environment's (at most 200 steps); 150 episodes' worth of transitions, between 10,000 and
 *   30,000; state observations.
 * - world model: a JEPA with a latent of 16 (32 for observations of more than 8 numbers), 2,000
 *   training steps (batch 64, 4-step rollouts) with the library's loss weights.
 * - levels: one level above the primitive one, a step standing for a twentieth of an episode (at
 *   least 2 steps), when episodes are at least 40 steps long; none otherwise.
 * - cost: on the declared goal coordinates through a probe when the environment declares
 *   `goalDimensions` (weighted by its `goalWeights`; a quadratic probe), on the whole latent otherwise.
 * - actors: level 0 the gradient planner for box actions (8 restarts) and the categorical CEM for
 *   discrete ones, over an eighth of an episode (10 to 30 steps); levels above the CEM over 8 steps.
 * - guardrail: none (no zones; the position, should zones be set, the first two observation
 *   coordinates).
 * - evaluation: 50 episodes of random actions, the ground-truth model (when the environment has
 *   one), the flat and the hierarchical agent.
 * - decoder: none (`epochs: 0`); when given epochs, 200 steps of 64 frames each, learning rate
 *   1e-2, on 10,000 transitions of images when the run's data has none.
 *
 * @example
 * ```ts
 * const config = defaultRunConfig(pointMass, "point-mass")
 * config.actor.planner // "gradient"
 * ```
 */
export const defaultRunConfig = (spec: EnvSpec<unknown>, env: string): RunConfig => {
  const definition = spec.definition
  const discrete = definition.actionSpace._tag === "Discrete"
  const actionSize =
    definition.actionSpace._tag === "Discrete" ? definition.actionSpace.n : definition.actionSpace.size
  const observationSize = definition.observationSpace.size
  const episodeLength = Math.min(definition.maxEpisodeSteps, 200)
  const stride = Math.max(2, Math.round(definition.maxEpisodeSteps / 20))
  const goalDimensions = definition.goalDimensions ?? []
  const training = defaultTrainingConfig
  return {
    env,
    seed: 0,
    data: {
      policy: !discrete && actionSize === 2 ? "random-walk" : "uniform",
      transitions: clamp(150 * episodeLength, 10_000, 30_000),
      episodeLength,
      observations: "state"
    },
    worldModel: {
      latentSize: observationSize > 8 ? 32 : 16,
      epochs: 10,
      stepsPerEpoch: 200,
      batchSize: 64,
      rolloutSteps: 4,
      learningRate: 1e-3,
      lossWeights: {
        prediction: training.predictionWeight,
        variance: training.varianceWeight,
        covariance: training.covarianceWeight,
        inverseDynamics: training.inverseDynamicsWeight,
        smoothness: training.smoothnessWeight,
        latentVariable: training.latentVariableWeight
      },
      latentVariableSize: 0,
      evaluationSamples: null
    },
    levels: {
      strides: definition.maxEpisodeSteps >= 40 ? [stride] : [],
      macroActionSize: 8,
      trainingSteps: 2000,
      batchSize: 32,
      topSteps: 2,
      learningRate: 1e-3,
      encoder: "frozen"
    },
    cost: {
      judgedOn: goalDimensions.length > 0 ? "probe" : "latent",
      dimensions: [...goalDimensions],
      probe: "quadratic",
      weights: goalDimensions.length > 0 ? [...(definition.goalWeights ?? [])] : [],
      mode: "running",
      actionWeight: 0,
      goal: definition.goal === undefined ? null : [...definition.goal]
    },
    actor: discrete
      ? {
          planner: "categorical-cem",
          horizon: clamp(Math.round(definition.maxEpisodeSteps / 8), 10, 30),
          iterations: 6,
          warmStartIterations: 3,
          candidates: 128,
          replanInterval: null,
          learningRate: null,
          initialStd: null,
          noiseStd: null,
          temperature: null,
          refineSteps: 6
        }
      : {
          planner: "gradient",
          horizon: clamp(Math.round(definition.maxEpisodeSteps / 8), 10, 30),
          iterations: 20,
          warmStartIterations: 10,
          candidates: 8,
          replanInterval: null,
          learningRate: null,
          initialStd: null,
          noiseStd: null,
          temperature: null,
          refineSteps: 6
        },
    upperActor: {
      planner: "cem",
      horizon: 8,
      iterations: 6,
      warmStartIterations: 3,
      candidates: 128,
      replanInterval: null,
      learningRate: null,
      initialStd: null,
      noiseStd: null,
      temperature: null,
      refineSteps: 6
    },
    upperActors: [],
    memory: {
      landmarks: 0,
      lookahead: 3,
      linkFraction: 1,
      anchorSubgoals: true,
      passages: { quantile: 0.95, weight: 0 },
      routeWeight: 0,
      online: stallMemoryDefaults
    },
    guardrail: {
      keepOut: [],
      position: [0, Math.min(1, observationSize - 1)],
      margin: 0,
      enforced: true,
      outerIterations: 3
    },
    evaluation: {
      episodes: 50,
      agents: [
        "random",
        ...(spec.hasGroundTruthModel ? (["ground-truth"] as const) : []),
        "flat",
        ...(definition.maxEpisodeSteps >= 40 ? (["hierarchical"] as const) : [])
      ],
      equalCompute: false,
      env: null,
      drawnEpisodes: 0,
      batch: null
    },
    decoder: {
      epochs: 0,
      stepsPerEpoch: 200,
      batchSize: 64,
      learningRate: 1e-2,
      transitions: 10_000
    }
  }
}
