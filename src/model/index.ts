/** Model loading from bytes, backend selection and the Classifier interface the rest of the core sees (disk: ./node). */
export * from './card';
export * from './classifier';
export { installBackend, selectBackend, describeBackend, currentBackend } from './backend';
export type { BackendInfo, BackendName, InstallBackendOptions, SelectBackendOptions } from './backend';
export { loadClassifierFromMemory } from './load';
export type { LoadedClassifier, InMemoryModel, LoadOptions } from './load';
export { describeExecution, formatSummary, FLOPS_CONVENTION } from './summary';
export type { ExecutionPath, ModelSummary, LayerSummary } from './summary';
export type { ModelFormat } from './io-handler';
export { lipschitzBounds, layersForBounds, preprocessingScale } from './lipschitz';
export type { LayerBound, LipschitzBounds, Preprocessing } from './lipschitz';
