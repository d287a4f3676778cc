/**
 * How well a decoder turns a JEPA's latents back into frames: its per-pixel squared error on
 * sampled frames, next to that of the frames' mean image, a decoder that ignores the latent. Their
 * ratio says how much of what varies between frames the latents carry and the decoder recovers.
 *
 * @module
 */
import { Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import type { Dataset } from "../data/Dataset.js"
import type { JepaModel } from "../jepa/Jepa.js"
import type { Decoder } from "./Decoder.js"
import { sampleDecoderBatch } from "./DecoderTraining.js"

/** The reconstruction error of a decoder on a dataset. */
export interface DecoderEvaluation {
  /** Per-pixel mean squared error of the decoded frames, pixel values in [0, 1]. */
  readonly reconstructionMse: number
  /** The same for the mean image of the evaluated frames, decoded for every frame: the trivial baseline. */
  readonly baselineMse: number
  /** `reconstructionMse / baselineMse`: below 1 when the decoder beats the mean image; NaN when every frame is the same. */
  readonly relativeError: number
  /** Frames evaluated. */
  readonly samples: number
}

/** Options of {@link evaluateDecoder}. */
export interface DecoderEvaluationOptions {
  /** Frames to evaluate (default 256). */
  readonly samples?: number
  /** Seed of the sampled frames (default 12345): pass a dataset the decoder was not trained on to hold frames out. */
  readonly seed?: number
}

// Frames decoded at once: bounds the activations of large images.
const chunkSize = 64

/**
 * Evaluates `decoder` on steps sampled from `dataset` with a fixed seed, encoded by `jepa`'s
 * encoder (their images or observations, as it reads), against the steps' images. Fails as `checkDecoderFits` does when the three do not fit together.
 *
 * @example
 * ```ts
 * const { reconstructionMse, relativeError } = evaluateDecoder(decoder, jepa, heldOut, { samples: 128 })
 * ```
 */
export const evaluateDecoder = (
  decoder: Decoder,
  jepa: JepaModel,
  dataset: Dataset,
  options: DecoderEvaluationOptions = {}
): DecoderEvaluation => {
  const samples = options.samples ?? 256
  const batch = sampleDecoderBatch(decoder, jepa, dataset, samples, Random.fromSeed(options.seed ?? 12345))
  try {
    const errors = tf.tidy(() => {
      const squared: Array<tf.Scalar> = []
      for (let start = 0; start < samples; start += chunkSize) {
        const size = Math.min(chunkSize, samples - start)
        const images = batch.images.slice([start], [size])
        const decoded = decoder.decode(batch.latents.slice([start], [size]) as tf.Tensor2D)
        squared.push(decoded.sub(images).square().sum() as tf.Scalar)
      }
      const pixels = batch.images.size
      const reconstruction = tf.addN(squared).div(pixels)
      const baseline = batch.images.sub(batch.images.mean(0, true)).square().mean()
      return tf.stack([reconstruction, baseline])
    })
    const [reconstructionMse, baselineMse] = Array.from(errors.dataSync())
    errors.dispose()
    return {
      reconstructionMse: reconstructionMse as number,
      baselineMse: baselineMse as number,
      relativeError: baselineMse === 0 ? Number.NaN : (reconstructionMse as number) / (baselineMse as number),
      samples
    }
  } finally {
    tf.dispose([batch.images, batch.latents])
  }
}
