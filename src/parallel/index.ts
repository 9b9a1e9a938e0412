export { AttackPool, attackImagesParallel, defaultWorkerCount } from './pool';
export type { AttackPoolOptions, ParallelAttackOptions, PoolJobOptions, WorkerBatchReport } from './pool';
export { attackImagesPartitioned, attackBatch, batchRng, partitionBatches, DEFAULT_BATCH_SIZE } from './partition';
export type { BatchSpan, PartitionedOptions } from './partition';
export { withWasmThreads } from './wasm-threads';
