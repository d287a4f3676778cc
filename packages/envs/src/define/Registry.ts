/**
 * A registry of environments by id, so benchmarks and command lines can name them.
 *
 * @module
 */
import { InvalidValueError, UnknownNameError } from "@telos/core"
import type { BoxEnv } from "./DefinedEnv.js"
import type { EnvSpec } from "./DefineEnv.js"

/**
 * Environments by id.
 *
 * @example
 * ```ts
 * const registry = new EnvRegistry().register(pointMass).register(myEnv)
 * const env = registry.make("point-mass")
 * registry.list() // [{ id: "point-mass", description: "..." }, ...]
 * ```
 */
export class EnvRegistry {
  private readonly specs = new Map<string, EnvSpec<unknown>>()

  /** Adds an environment; an id that is already taken is an `InvalidValueError`. */
  register<State>(spec: EnvSpec<State>): this {
    if (this.specs.has(spec.id)) {
      throw new InvalidValueError({
        field: "spec.id",
        expected: "an id that is not registered yet",
        received: `"${spec.id}", which is already registered`
      })
    }
    this.specs.set(spec.id, spec)
    return this
  }

  /** The environment registered under `id`; an unknown id is an `UnknownNameError` listing the known ones. */
  get(id: string): EnvSpec<unknown> {
    const spec = this.specs.get(id)
    if (spec === undefined) {
      throw new UnknownNameError({ kind: "environment", name: id, known: [...this.specs.keys()] })
    }
    return spec
  }

  /** Whether `id` is registered. */
  has(id: string): boolean {
    return this.specs.has(id)
  }

  /** A new environment of the given id. */
  make(id: string): BoxEnv {
    return this.get(id).make()
  }

  /** Every registered environment, in registration order. */
  list(): ReadonlyArray<{
    /** The environment's id. */
    readonly id: string
    /** Its description. */
    readonly description: string
  }> {
    return [...this.specs.values()].map((spec) => ({ id: spec.id, description: spec.description }))
  }
}
