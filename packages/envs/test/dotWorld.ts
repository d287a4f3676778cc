/**
 * A tiny displacement-action world with an image renderer, for the collection tests: a dot in
 * `[0, 8)^2` moved by `[dx, dy]` in `[-1, 1]^2`, whose episodes terminate after a number of steps
 * drawn at reset (so some end early), observed as `[x, y, step]` and drawn as a `[2, 8, 8]` image
 * (channel 0 the dot's cell, channel 1 the step count in every pixel).
 *
 * @module
 */
import { Box } from "@telos/core"
import { defineEnv, type EnvSpec } from "@telos/envs"

/** The dot world's state. */
export interface DotState {
  readonly x: number
  readonly y: number
  readonly step: number
  readonly lifetime: number
}

const clamp = (value: number): number => Math.min(7.999, Math.max(0, value))

/** The dot world; episodes last between `shortest` and `longest` steps. */
export const dotWorld = (shortest = 3, longest = 40): EnvSpec<DotState, Box> =>
  defineEnv<DotState, Box>({
    id: "dot-world",
    description: "A dot moved by displacements; terminates after a drawn lifetime.",
    observationSpace: new Box({ low: [0, 0, 0], high: [8, 8, 1000] }),
    actionSpace: new Box({ low: -1, high: 1, shape: [2] }),
    maxEpisodeSteps: 100,
    initialState: (rng) => ({
      x: rng.uniformIn(0, 8),
      y: rng.uniformIn(0, 8),
      step: 0,
      lifetime: shortest + rng.integer(longest - shortest + 1)
    }),
    transition: (state, action, rng) => {
      // A little noise from the dynamics stream, so that the stream's seeding is exercised too.
      const next = {
        ...state,
        x: clamp(state.x + (action[0] as number) + 0.01 * rng.normal()),
        y: clamp(state.y + (action[1] as number)),
        step: state.step + 1
      }
      return { state: next, reward: 0, terminated: next.step >= state.lifetime }
    },
    observe: (state) => Float64Array.of(state.x, state.y, state.step),
    image: {
      channels: 2,
      height: 8,
      width: 8,
      render: (state, target = new Uint8Array(128)) => {
        target.fill(0, 0, 64)
        target[Math.floor(state.y) * 8 + Math.floor(state.x)] = 255
        target.fill(Math.min(255, state.step), 64, 128)
        return target
      }
    }
  })
