/**
 * What a kernel's translation into ONNX nodes works with (see `KernelTranslations.ts`): the
 * context it writes nodes through, and the error that keeps a step on kernels.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs"
import type { OnnxAttribute, OnnxElementType } from "../OnnxGraph.js"
import type { TracedKernel } from "./KernelTrace.js"

/** A kernel call the compiler has no ONNX form for; `reason` names the kernel and what is missing. */
export class UntranslatableKernel extends Error {
  /** One line: the kernel and what about it has no compiled form. */
  readonly reason: string
  constructor(reason: string) {
    super(`cannot compile: ${reason}`)
    this.name = "UntranslatableKernel"
    this.reason = reason
  }
}

/** What a translation can do while it writes one kernel call's nodes. */
export interface TranslationContext {
  /** The graph value holding the kernel's input `name`. */
  readonly input: (name: string) => string
  /** The recorded input `name`. */
  readonly inputInfo: (name: string) => tf.TensorInfo
  /** The names of the kernel's inputs, in the order it received them. */
  readonly inputNames: ReadonlyArray<string>
  /** The graph value the kernel's output `index` is to be written to. */
  readonly output: (index: number) => string
  /** The recorded output `index`. */
  readonly outputInfo: (index: number) => tf.TensorInfo
  /** Makes output `index` the existing value `value` (a kernel that shares its input's data). */
  readonly alias: (index: number, value: string) => void
  /** A constant of the graph. */
  readonly constant: (
    type: OnnxElementType,
    shape: ReadonlyArray<number>,
    values: ArrayLike<number>
  ) => string
  /** A fresh name for an intermediate value. */
  readonly temporary: () => string
  /** Appends a node. */
  readonly node: (
    operator: string,
    inputs: ReadonlyArray<string>,
    outputs: ReadonlyArray<string>,
    attributes?: ReadonlyArray<OnnxAttribute>,
    domain?: string
  ) => void
}

/** Writes the nodes of one kernel call. */
export type KernelTranslation = (call: TracedKernel, context: TranslationContext) => void
