import { Box } from "@telos/core"
import { defineEnv } from "@telos/envs"
export default defineEnv({
  id: "escapes",
  description: "Observes a value outside its own observation space.",
  observationSpace: new Box({ low: -1, high: 1, shape: [2] }),
  actionSpace: new Box({ low: -1, high: 1, shape: [2] }),
  maxEpisodeSteps: 20,
  initialState: () => 0,
  transition: (state) => ({ state: state + 1, reward: 0, terminated: false }),
  observe: () => Float64Array.of(0, 5)
})
