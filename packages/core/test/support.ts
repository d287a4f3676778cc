import * as tf from "@tensorflow/tfjs"
import { afterAll, beforeAll } from "vitest"

/** Tests that switch the TensorFlow.js backend put the original back when their file is done. */
export const restoreBackendAfterAll = (): void => {
  let original: string
  beforeAll(async () => {
    await tf.ready()
    original = tf.getBackend()
  })
  afterAll(async () => {
    await tf.setBackend(original)
  })
}
