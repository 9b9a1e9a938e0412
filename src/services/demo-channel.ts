/**
 * The demo's "printer and camera": a known channel profile that is not the simulator's default
 * channel, so fitting it back (`channel fit`) and predicting the photographed destruction rate
 * with the fit (`channel compare`) mean something. Its values are those of a plausible office
 * printer and phone camera: darker mid-tones (gamma > 1), colour cross-talk, a lifted black,
 * a PSF of half a cell pixel (about 0.45 mm on a 25-mm cell of 28 px), sensor noise and JPEG 90.
 * The photos are drawn through it by the profile simulator (src/simulate/profile-adapter.ts),
 * exactly as `printshot simulate --channel FILE` does.
 *
 * runDemoChannel is the demo's last photo step: `channel fit` from a few of the registered photos
 * (how close it gets to DEMO_CHANNEL), then `channel compare` on the given runs.
 */
import { CHANNEL_DIR, CHANNEL_PROFILE_VERSION, ChannelProfileSchema, type ChannelProfile } from '../calibration';
import type { LoadedClassifier } from '../model';
import type { ChannelComparison } from '../reports/channel-compare';
import { atomicWriteJson, resolveInExperiment } from '../workspace';
import { runChannelCompare } from './channel-compare';
import { runChannelFit } from './channel-fit';

export const DEMO_CHANNEL_FILE = `${CHANNEL_DIR}/demo-truth.json`;

export const DEMO_CHANNEL: Pick<ChannelProfile, 'tone' | 'matrix' | 'offset' | 'blurSigma' | 'noise' | 'jpegQuality'> = {
  tone: { gamma: [1.15, 1.1, 1.25] },
  matrix: [
    [0.84, 0.08, 0.02],
    [0.05, 0.8, 0.07],
    [0.02, 0.1, 0.76],
  ],
  offset: [0.06, 0.06, 0.08],
  blurSigma: 0.5,
  noise: [2.5, 2.5, 3],
  jpegQuality: 90,
};

/** Writes the demo's true channel as a profile file (EXP/channel/demo-truth.json) and returns its path. */
export async function writeDemoChannel(experiment: string): Promise<string> {
  const file = resolveInExperiment(experiment, DEMO_CHANNEL_FILE);
  await atomicWriteJson(
    file,
    ChannelProfileSchema.parse({
      schemaVersion: CHANNEL_PROFILE_VERSION,
      ...DEMO_CHANNEL,
      residuals: { cells: [0, 0, 0], patches: null, cellsUnblurred: [0, 0, 0] },
      provenance: { experimentId: 'demo-truth', photos: [], cells: 0, patches: 0, fittedAt: new Date(0).toISOString(), printshotVersion: 'demo' },
    }),
  );
  return file;
}

/** Photos the demo fits from: enough cells and strips for a stable fit, a few seconds on 2 cores. */
export const DEMO_FIT_PHOTOS = 6;

export interface DemoChannelResult {
  truthFile: string;
  profileFile: string;
  fitted: ChannelProfile;
  /** How far the fit is from the true channel: the largest colour-matrix error and the PSF sigma's relative error. */
  recovery: { matrixMaxError: number; sigmaRelativeError: number; gamma: { fitted: number[]; truth: number[] } };
  comparison: ChannelComparison;
  timings: { fit: number; compare: number };
}

export async function runDemoChannel(opts: {
  out: string;
  model: LoadedClassifier;
  /** Runs to compare (the demo: its largest eps). */
  runs: readonly string[];
  seed?: number | string;
  signal?: AbortSignal;
  onProgress?: (stage: string, done: number, total: number) => void;
}): Promise<DemoChannelResult> {
  const t0 = Date.now();
  opts.onProgress?.('channel fit', 0, 1);
  const fit = await runChannelFit({ experiment: opts.out, maxPhotos: DEMO_FIT_PHOTOS, signal: opts.signal });
  const t1 = Date.now();
  const { comparison } = await runChannelCompare({
    experiment: opts.out,
    model: opts.model,
    runs: opts.runs,
    seed: opts.seed,
    signal: opts.signal,
    onProgress: (d, t) => opts.onProgress?.('channel compare', d, t),
  });
  const p = fit.profile;
  return {
    truthFile: resolveInExperiment(opts.out, DEMO_CHANNEL_FILE),
    profileFile: fit.file,
    fitted: p,
    recovery: {
      matrixMaxError: Math.max(...p.matrix.flatMap((row, r) => row.map((v, c) => Math.abs(v - DEMO_CHANNEL.matrix[r][c])))),
      sigmaRelativeError: p.blurSigma / DEMO_CHANNEL.blurSigma - 1,
      gamma: { fitted: [...p.tone.gamma], truth: [...DEMO_CHANNEL.tone.gamma] },
    },
    comparison,
    timings: { fit: (t1 - t0) / 1000, compare: (Date.now() - t1) / 1000 },
  };
}
