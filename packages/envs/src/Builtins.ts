/**
 * The registry of the environments telos ships.
 *
 * @module
 */
import { pendulum } from "./Pendulum.js"
import { pointMass } from "./PointMass.js"
import { EnvRegistry } from "./Registry.js"

/**
 * The built-in environments: `point-mass` and `pendulum`.
 *
 * @example
 * ```ts
 * const env = envRegistry.make("pendulum")
 * env.reset({ seed: 0 })
 * ```
 */
export const envRegistry: EnvRegistry = new EnvRegistry().register(pointMass).register(pendulum)
