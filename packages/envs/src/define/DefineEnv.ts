/**
 * `defineEnv`: turns an {@link EnvDefinition} (a few pure functions) into an environment with
 * action validation, seeding, step counting, a batched version and an optional ground-truth world
 * model, ready for the registry.
 *
 * @module
 */
import { InvalidValueError, type WorldModel } from "@telos/core"
import { type BoxEnv, DefinedEnv } from "./DefinedEnv.js"
import { type BoxVectorEnv, DefinedVectorEnv, type VectorEnvOptions } from "./DefinedVectorEnv.js"
import { checkDefinition } from "./DefinitionCheck.js"
import type { ActionSpace, EnvDefinition } from "./EnvDefinition.js"

export type { ActionSpace, EnvDefinition, ImageRenderer, TransitionResult } from "./EnvDefinition.js"

/**
 * A defined environment: makes single and batched copies, and offers its ground-truth model.
 *
 * @example
 * ```ts
 * const env = pointMass.make()
 * const envs = pointMass.makeVector(16, { autoReset: true })
 * if (pointMass.hasGroundTruthModel) pointMass.groundTruthModel()
 * ```
 */
export interface EnvSpec<State, Action extends ActionSpace = ActionSpace> {
  /** The environment's id, as registries know it. */
  readonly id: string
  /** A short description, from the definition. */
  readonly description: string
  /** The definition the environment was built from. */
  readonly definition: EnvDefinition<State, Action>
  /** Whether {@link EnvSpec.groundTruthModel} returns a model instead of throwing. */
  readonly hasGroundTruthModel: boolean
  /** A new environment, seeded from 0 until `reset({ seed })` says otherwise. */
  make(): BoxEnv<Action>
  /** `count` copies stepped together; `autoReset` defaults to `true`. */
  makeVector(count: number, options?: VectorEnvOptions): BoxVectorEnv<Action>
  /** The differentiable dynamics; throws `InvalidValueError` when the definition has none. */
  groundTruthModel(): WorldModel
}

/**
 * Builds an environment from its definition. Every member of the definition is checked here (the
 * functions are functions, the spaces are spaces of the right kind, the settings and optional
 * members have their documented types), so a malformed one fails at once with an
 * `InvalidValueError` naming the member, e.g. `definition.transition`, instead of a `TypeError`
 * at the first step; use `checkEnv` to check its behaviour too.
 *
 * @example
 * ```ts
 * const line = defineEnv({
 *   id: "line",
 *   description: "Reach 0 on a line.",
 *   observationSpace: new Box({ low: -10, high: 10, shape: [1] }),
 *   actionSpace: new Box({ low: -1, high: 1, shape: [1] }),
 *   maxEpisodeSteps: 50,
 *   initialState: (rng) => rng.uniformIn(-5, 5),
 *   transition: (x, action) => ({ state: x + action[0]!, reward: -Math.abs(x), terminated: false }),
 *   observe: (x) => Float64Array.of(x)
 * })
 * const env = line.make()
 * env.reset({ seed: 1 })
 * env.step([0.5])
 * ```
 */
export const defineEnv = <State, Action extends ActionSpace = ActionSpace>(
  definition: EnvDefinition<State, Action>
): EnvSpec<State, Action> => {
  checkDefinition(definition)
  return {
    id: definition.id,
    description: definition.description,
    definition,
    hasGroundTruthModel: definition.groundTruthModel !== undefined,
    make: () => new DefinedEnv(definition),
    makeVector: (count, options = {}) => new DefinedVectorEnv(definition, count, options),
    groundTruthModel: () => {
      if (definition.groundTruthModel === undefined) {
        throw new InvalidValueError({
          field: "groundTruthModel",
          expected: "an environment that defines ground-truth dynamics",
          received: `"${definition.id}", which defines none`
        })
      }
      return definition.groundTruthModel()
    }
  }
}
