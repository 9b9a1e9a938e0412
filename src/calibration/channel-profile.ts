/**
 * A measured print–camera channel profile (EXPERIMENT/channel/profile.json), fitted by
 * channel-fit.ts. The forward model, per digital pixel x in [0,1]^3:
 *
 *   t_c = x_c ^ gamma_c                       tone curve, per channel (monotone, t(0)=0, t(1)=1)
 *   y   = matrix · t + offset                 colour matrix and offset, [0,1] units
 *   photo = blur_sigma(y) + noise, then JPEG  sigma in cell-image pixels, noise in 0..255 levels
 *
 * The blur is linear, so it commutes with the matrix: fitting blurs t(x) and solves the matrix by
 * least squares on the blurred values. Browser-safe: no Node imports.
 */
import { z } from 'zod';

export const CHANNEL_PROFILE_VERSION = 1;
export const CHANNEL_DIR = 'channel';
export const CHANNEL_PROFILE_FILE = `${CHANNEL_DIR}/profile.json`;

const vec3 = z.tuple([z.number(), z.number(), z.number()]);

export const ChannelProfileSchema = z.object({
  schemaVersion: z.literal(CHANNEL_PROFILE_VERSION),
  tone: z.object({ gamma: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]) }),
  /** Row-major 3×3: output channel r = matrix[0] · t. */
  matrix: z.tuple([vec3, vec3, vec3]),
  offset: vec3,
  /** Gaussian PSF sigma, in pixels of the digital cell image (the printed cell's own pixels). */
  blurSigma: z.number().nonnegative(),
  /** Per-channel noise std after blur, 0..255 levels. */
  noise: vec3,
  /** IJG quality read off the photos' JPEG quantisation tables; null when no photo is a JPEG. */
  jpegQuality: z.number().int().min(1).max(100).nullable(),
  residuals: z.object({
    /** RMS (0..255 levels) of photo − model over cell pixels, per output channel. */
    cells: vec3,
    /** RMS over the calibration-strip patch means, per output channel (null without a strip). */
    patches: vec3.nullable(),
    /** The same cell RMS with no blur: how much the PSF explains. */
    cellsUnblurred: vec3,
  }),
  provenance: z.object({
    experimentId: z.string(),
    photos: z.array(z.string()),
    cells: z.number().int().nonnegative(),
    patches: z.number().int().nonnegative(),
    fittedAt: z.string(),
    printshotVersion: z.string(),
  }),
});

export type ChannelProfile = z.infer<typeof ChannelProfileSchema>;
export type ChannelParams = Pick<ChannelProfile, 'tone' | 'matrix' | 'offset' | 'blurSigma' | 'noise' | 'jpegQuality'>;

/** Tone curve then colour matrix for one pixel, [0,1] in, [0,1] out (unclipped). */
export function applyColour(p: Pick<ChannelParams, 'tone' | 'matrix' | 'offset'>, x: readonly number[], out: number[] = [0, 0, 0]): number[] {
  const t0 = Math.max(0, x[0]) ** p.tone.gamma[0];
  const t1 = Math.max(0, x[1]) ** p.tone.gamma[1];
  const t2 = Math.max(0, x[2]) ** p.tone.gamma[2];
  for (let r = 0; r < 3; r++) out[r] = p.matrix[r][0] * t0 + p.matrix[r][1] * t1 + p.matrix[r][2] * t2 + p.offset[r];
  return out;
}

/** One line per component, for the CLI. */
export function channelProfileText(p: ChannelProfile): string[] {
  const f = (v: number, d = 3) => v.toFixed(d);
  const rows = ['r', 'g', 'b'];
  return [
    `tone gamma     ${p.tone.gamma.map((g) => f(g)).join('  ')}`,
    ...p.matrix.map((row, i) => `matrix ${rows[i]}       ${row.map((v) => f(v).padStart(7)).join(' ')}   offset ${f(p.offset[i]).padStart(7)}`),
    `blur sigma     ${f(p.blurSigma)} cell px`,
    `noise (std)    ${p.noise.map((v) => f(v, 2)).join('  ')} levels`,
    `JPEG quality   ${p.jpegQuality ?? 'n/a (no JPEG photo)'}`,
    `residual RMS   cells ${p.residuals.cells.map((v) => f(v, 2)).join(' ')} (unblurred ${p.residuals.cellsUnblurred.map((v) => f(v, 2)).join(' ')})` +
      (p.residuals.patches ? `, patches ${p.residuals.patches.map((v) => f(v, 2)).join(' ')}` : ''),
    `from           ${p.provenance.photos.length} photo(s), ${p.provenance.cells} cell(s), ${p.provenance.patches} patch(es)`,
  ];
}
