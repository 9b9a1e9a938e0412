/** What `printshot doctor` reports: backend, versions, bundled model and samples, Electron. */
import { electronBinary } from './electron-binary';
import { currentBackend, selectBackend, type BackendInfo } from '../model';
import { openImages, openModel } from './sources';

export interface DoctorReport {
  backend: BackendInfo;
  node: string;
  model: { ok: true; name: string; classes: number; input: string; fingerprint: string } | { ok: false; error: string };
  samples: { ok: true; count: number; classes: number } | { ok: false; error: string };
  electron: string;
}

export async function doctor(): Promise<DoctorReport> {
  const backend = (await currentBackend()) ?? (await selectBackend());
  const report: DoctorReport = {
    backend,
    node: process.version,
    model: { ok: false, error: 'not checked' },
    samples: { ok: false, error: 'model unavailable' },
    electron: electronStatus(),
  };
  try {
    const model = await openModel('default');
    const { height, width, channels } = model.inputSpec;
    report.model = {
      ok: true,
      name: model.card.name,
      classes: model.labels.length,
      input: `${width}x${height}x${channels}`,
      fingerprint: model.fingerprint,
    };
    try {
      const samples = await openImages('samples', model);
      report.samples = { ok: true, count: samples.items.length, classes: new Set(samples.items.map((i) => i.label)).size };
    } catch (e) {
      report.samples = { ok: false, error: (e as Error).message };
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
