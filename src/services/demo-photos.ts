/**
 * The demo's physical stage: for each attack run of the demo experiment, print → photograph →
 * register → evaluate, with the simulator standing in for printer and camera.
 *
 *   runSheetJob      sheets/<run>.pdf + .layout.json (clean/adversarial pairs, QR markers,
 *                    calibration strip)
 *   runSimulateJob   one seeded photo per sheet through the default channel (print model, pose,
 *                    lighting, blur, noise, JPEG 90), or through `channel` (a profile file: the
 *                    demo's known channel, demo-channel.ts), at 1920×1080 by default, into photos/<run>/
 *   runRegisterJob   markers → homography → rectified crops in captures/ (rejections logged)
 *   evaluatePhotos   the paper's Tables 1–3 on the crops; Table 3 is the photo destruction rate
 *   calibrateCaptures  the calibration strip of every accepted photo → calibration/<photo>.json
 *
 * Photo k of a sheet depends only on (seed, sheet id, k), so the stage is reproducible.
 */
import { basename, join } from 'node:path';
import { calibrateCaptures, meanFit, type ResponseFit } from '../calibration/node';
import type { LoadedClassifier } from '../model';
import type { CaptureLog, ReportTable } from '../reports';
import { throwIfAborted } from '../shared';
import { runRegisterJob } from './register-job';
import { evaluatePhotos, type PhotoDestructionRow } from './photo-eval';
import { runSheetJob } from './sheet-job';
import { runDisplayName } from '../attacks/names';
import { runSimulateJob } from './simulate-job';

export interface DemoPhotoOptions {
  /** The demo experiment folder. */
  out: string;
  runs: readonly { method: string; eps: number; dir: string }[];
  model: LoadedClassifier;
  seed?: number | string;
  /** Simulated camera frame (default 1920×1080: 720p crops of 25-mm cells are only ~26 dB). */
  frame?: { width: number; height: number };
  /** Photograph through this channel profile file instead of the default print and camera models. */
  channel?: string;
  signal?: AbortSignal;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface DemoPhotoRun {
  run: string;
  method: string;
  eps: number;
  sheets: number;
  photos: number;
  accepted: number;
  rejected: number;
  /** Rejection reasons of this run's photos. */
  reasons: Record<string, number>;
}

export interface DemoPhotoResult {
  seconds: number;
  frame: { width: number; height: number };
  runs: DemoPhotoRun[];
  /** Table 3 for photos, one row per run. */
  destruction: PhotoDestructionRow[];
  /** Tables 1–3 for photos (report cells with counts and intervals). */
  tables: ReportTable[];
  captures: CaptureLog;
  /** Printer + camera response, averaged over the accepted photos' calibration strips. */
  calibration: { photos: number; fit: ResponseFit | null };
  timings: { sheets: number; simulate: number; register: number; evaluate: number };
}

export const DEMO_PHOTO_FRAME = { width: 1920, height: 1080 };

export async function runDemoPhotos(opts: DemoPhotoOptions): Promise<DemoPhotoResult> {
  const started = Date.now();
  const frame = opts.frame ?? DEMO_PHOTO_FRAME;
  const seed = opts.seed ?? 0;
  const timings = { sheets: 0, simulate: 0, register: 0, evaluate: 0 };
  const time = async <T>(key: keyof typeof timings, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      timings[key] += (Date.now() - t0) / 1000;
    }
  };
  const runs: DemoPhotoRun[] = [];
  const total = opts.runs.length;
  for (const [i, r] of opts.runs.entries()) {
    throwIfAborted(opts.signal);
    const stage = runDisplayName(r.method, r.eps);
    opts.onProgress?.(`print ${stage}`, i, total);
    const sheet = await time('sheets', () => runSheetJob({ experiment: opts.out, run: r.dir }));
    const photosDir = join(opts.out, 'photos', basename(r.dir));
    opts.onProgress?.(`photograph ${stage}`, i + 0.25, total);
    const sim = await time('simulate', () =>
      runSimulateJob({
        sheets: sheet.layoutFile,
        experiment: opts.out,
        count: 1,
        seed,
        out: photosDir,
        overrides: { camera: { frame } },
        ...(opts.channel && { channel: opts.channel }),
        signal: opts.signal,
        onProgress: (d, t) => opts.onProgress?.(`photograph ${stage}`, i + 0.25 + (0.5 * d) / Math.max(1, t), total),
      }),
    );
    opts.onProgress?.(`register ${stage}`, i + 0.75, total);
    const reg = await time('register', () => runRegisterJob({ experiment: opts.out, photos: photosDir, signal: opts.signal }));
    const reasons: Record<string, number> = {};
    for (const e of reg.added) if (e.status !== 'accepted' && e.reason) reasons[e.reason] = (reasons[e.reason] ?? 0) + 1;
    runs.push({
      run: r.dir,
      method: r.method,
      eps: r.eps,
      sheets: sheet.sheets,
      photos: sim.photos.length,
      accepted: reg.added.filter((e) => e.status === 'accepted').length,
      rejected: reg.added.filter((e) => e.status !== 'accepted').length,
      reasons,
    });
  }
  opts.onProgress?.('evaluate photos', total, total);
  const ev = await time('evaluate', () => evaluatePhotos({ experiment: opts.out, model: opts.model, seed }));
  const calibrated = await time('evaluate', () => calibrateCaptures(opts.out));
  return {
    seconds: (Date.now() - started) / 1000,
    frame,
    runs,
    destruction: ev.destruction,
    tables: ev.tables,
    captures: ev.captures,
    calibration: { photos: calibrated.length, fit: meanFit(calibrated.map((c) => c.record)) },
    timings,
  };
}
