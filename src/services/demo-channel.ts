/**
 * The demo's "printer and camera": a known channel profile that is not the simulator's default
 * channel, so fitting it back (`channel fit`) and predicting the photographed destruction rate
 * with the fit (`channel compare`) mean something. Its values are those of a plausible office
 * printer and phone camera: darker mid-tones (gamma > 1), colour cross-talk, a lifted black,
 * a PSF of half a cell pixel (about 0.45 mm on a 25-mm cell of 28 px), sensor noise and JPEG 90.
 * The photos are drawn through it by the profile simulator (src/simulate/profile-adapter.ts),
 * exactly as `printshot simulate --channel FILE` does.
 */
import { CHANNEL_DIR, CHANNEL_PROFILE_VERSION, ChannelProfileSchema, type ChannelProfile } from '../calibration';
import { atomicWriteJson, resolveInExperiment } from '../workspace';

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
