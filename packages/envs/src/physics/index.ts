/**
 * `@telos/envs/physics`: the walled arenas the navigation worlds share.
 *
 * @module
 */
export * from "./WallLayout.js"
