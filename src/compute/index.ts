/** The compute context's pure core: the GPU backend with its float32 policy, and attack jobs on it (docs/gpu.md). */
export { FLOAT16_REFUSAL, installGpuBackend, type GpuBackendInfo, type GpuBackendOptions } from './gpu-backend';
export { computeBatchRng, loadComputeModel, runComputeAttack, type ComputeAttackOptions, type ComputeAttackRequest } from './attack-run';
