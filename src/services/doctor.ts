/**
 * What `printshot doctor` reports: backend, versions, a model (the bundled one unless --model)
 * and samples, Electron; and `modelInfo`, the architecture summary plus gradient-probe verdict
 * that `doctor --model DIR` and `models info DIR` print.
 */
import { electronBinary } from './electron-binary';
import { currentBackend, selectBackend, type BackendInfo, type LoadedClassifier, type ModelSummary } from '../model';
import { openImages, openModel } from './sources';

export interface ModelInfo {
  summary: ModelSummary;
  /** 'ok', or why attacks cannot differentiate the model (the load-time probe's message). */
  gradient: 'ok' | { problem: string };
}

export interface DoctorReport {
  backend: BackendInfo;
  node: string;
  model: { ok: true; name: string; classes: number; input: string; fingerprint: string } | { ok: false; error: string };
  samples: { ok: true; count: number; classes: number } | { ok: false; error: string };
  /** Present with --model: the summary `models info` prints. */
  architecture?: ModelInfo;
  electron: string;
  /**
   * Where attacks can use a GPU: headless Node only through tfjs-node(-gpu) (backend
   * 'tensorflow'); the workbench through its WebGL compute context, which Node cannot probe.
   */
  gpu: string;
}

/** The doctor's GPU line: what this Node process can use, and where the WebGL path is (docs/gpu.md). */
export function gpuStatus(backend: BackendInfo): string {
  const node = backend.name === 'tensorflow' ? 'Node: tfjs-node (CUDA only with tfjs-node-gpu)' : 'Node: none (tfjs-node-gpu is not installed; docs/tfjs-node.md)';
  return `${node}; workbench: WebGL in its compute worker where the browser has float32 render targets (docs/gpu.md)`;
}

/** Summary of a loaded classifier; the gradient probe runs here rather than at load so a failing model is still described. */
export async function describeLoaded(model: LoadedClassifier): Promise<ModelInfo> {
  const problem = model.gradientProblem();
  return { summary: await model.describe(), gradient: problem === null ? 'ok' : { problem } };
}

/** Loads `spec` (a model folder or 'default') and describes it. */
export async function modelInfo(spec: string): Promise<ModelInfo> {
  const model = await openModel(spec, { probeGradient: false });
  try {
    return await describeLoaded(model);
  } finally {
    model.dispose();
  }
}

export async function doctor(opts: { model?: string } = {}): Promise<DoctorReport> {
  const backend = (await currentBackend()) ?? (await selectBackend());
  const report: DoctorReport = {
    backend,
    node: process.version,
    model: { ok: false, error: 'not checked' },
    samples: { ok: false, error: 'model unavailable' },
    electron: electronStatus(),
    gpu: gpuStatus(backend),
  };
  try {
    const model = await openModel(opts.model ?? 'default', { probeGradient: opts.model === undefined });
    const { height, width, channels } = model.inputSpec;
    report.model = {
      ok: true,
      name: model.card.name,
      classes: model.labels.length,
      input: `${width}x${height}x${channels}`,
      fingerprint: model.fingerprint,
    };
    if (opts.model !== undefined) report.architecture = await describeLoaded(model);
    if (opts.model !== undefined && opts.model !== 'default') {
      report.samples = { ok: false, error: 'not checked with --model (the samples are labelled for the bundled model)' };
    } else {
      try {
        const samples = await openImages('samples', model);
        report.samples = { ok: true, count: samples.items.length, classes: new Set(samples.items.map((i) => i.label)).size };
      } catch (e) {
        report.samples = { ok: false, error: (e as Error).message };
      }
    }
    model.dispose();
  } catch (e) {
    report.model = { ok: false, error: (e as Error).message };
  }
  return report;
}

/** Electron installs its binary lazily; say whether the desktop app can start here. */
function electronStatus(): string {
  const bin = electronBinary();
  return 'path' in bin ? `binary at ${bin.path}` : `${bin.missing}; the browser workbench is used instead`;
}
