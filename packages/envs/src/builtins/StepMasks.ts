/**
 * Comparisons as 0/1 masks for the ground-truth models: built from `tf.step` because
 * TensorFlow.js cannot differentiate comparison ops, even where their gradient is zero, so a model
 * that selects with these masks stays differentiable everywhere.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"

/** 1 where `a < b`, else 0. */
export const lessThan = (a: tf.Tensor, b: tf.Tensor | number): tf.Tensor => tf.step(tf.sub(b, a))

/** 1 where `a >= b`, else 0. */
export const atLeast = (a: tf.Tensor, b: tf.Tensor | number): tf.Tensor => tf.sub(1, lessThan(a, b))

/** 1 where `a > b`, else 0. */
export const greaterThan = (a: tf.Tensor, b: tf.Tensor | number): tf.Tensor => tf.step(tf.sub(a, b))
