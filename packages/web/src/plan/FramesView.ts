/**
 * Frames on canvases: the real one beside what the decoder makes of the best plan's predicted
 * latents a few steps ahead. Channels are coloured for reading, not for fidelity: one channel is
 * grey, two are the agent (first) in blue over the walls (second) in grey, three are RGB.
 *
 * @module
 */
import type { Frame, StepView } from "./PlanRun.js"

/**
 * Paints `frame` into `canvas` (resized to the frame; CSS scales it up without smoothing).
 *
 * @example
 * ```ts
 * paintFrame(canvas, { channels: 1, height: 2, width: 2, pixels: Uint8Array.of(0, 255, 255, 0) })
 * ```
 */
export const paintFrame = (canvas: HTMLCanvasElement, frame: Frame): void => {
  const { channels, height, width, pixels } = frame
  canvas.width = width
  canvas.height = height
  const context = canvas.getContext("2d")
  if (context === null) return
  const image = context.createImageData(width, height)
  const plane = width * height
  for (let index = 0; index < plane; index++) {
    const at = (channel: number) => pixels[channel * plane + index] as number
    let red: number
    let green: number
    let blue: number
    if (channels >= 3) [red, green, blue] = [at(0), at(1), at(2)]
    else if (channels === 2) {
      const agent = at(0) / 255
      const wall = at(1) / 255
      const base = 250 - wall * 200
      red = base * (1 - agent) + 31 * agent
      green = base * (1 - agent) + 111 * agent
      blue = base * (1 - agent) + 235 * agent
    } else red = green = blue = 255 - at(0)
    image.data[index * 4] = red
    image.data[index * 4 + 1] = green
    image.data[index * 4 + 2] = blue
    image.data[index * 4 + 3] = 255
  }
  context.putImageData(image, 0, 0)
}

/** The strip of frames under the map. */
export interface FramesView {
  /** Shows the real frame and the imagined ones of `view`. */
  draw(view: StepView): void
}

/**
 * A strip of captioned canvases in `container`: "now" (the real frame) and "+k imagined".
 *
 * @example
 * ```ts
 * const frames = createFramesView(document.querySelector("#frames")!)
 * frames.draw(view)
 * ```
 */
export const createFramesView = (container: HTMLElement): FramesView => {
  const figures = new Map<string, HTMLCanvasElement>()
  const canvasFor = (key: string, caption: string): HTMLCanvasElement => {
    const existing = figures.get(key)
    if (existing !== undefined) return existing
    const figure = document.createElement("figure")
    const canvas = document.createElement("canvas")
    canvas.dataset.frame = key
    const label = document.createElement("figcaption")
    label.textContent = caption
    figure.append(canvas, label)
    container.append(figure)
    figures.set(key, canvas)
    return canvas
  }
  return {
    draw: (view) => {
      if (view.frame !== undefined) paintFrame(canvasFor("real", "now (real)"), view.frame)
      for (const { ahead, frame } of view.imagined) {
        paintFrame(canvasFor(`imagined-${ahead}`, `+${ahead} steps (imagined)`), frame)
      }
      container.hidden = figures.size === 0
    }
  }
}
