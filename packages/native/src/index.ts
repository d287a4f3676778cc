/**
 * `@telos/native`: a TensorFlow.js backend for Node whose matrix products run in ONNX Runtime's
 * native kernels (multi-threaded, transposes for free) and everything else in WebAssembly.
 *
 * @packageDocumentation
 */
export * from "./AllocatorSettings.js"
export * from "./Convolutions.js"
export * from "./compile/KernelTrace.js"
export * from "./compile/KernelTranslations.js"
export * from "./compile/StepTracer.js"
export * from "./compile/TraceGraph.js"
export * from "./compile/Translation.js"
export * from "./HeapCopies.js"
export * from "./MatrixProducts.js"
export * from "./NativeBackend.js"
export * from "./OnnxGraph.js"
export * from "./OnnxRuntime.js"
export * from "./Reductions.js"
