/**
 * A fitted channel profile (`printshot channel fit`, src/calibration/channel-profile.ts) as an
 * EOT distribution: `--distribution EXP/channel/profile.json`.
 *
 * The profile is one point estimate from a few photos; EOT should not overfit to it, so every
 * fitted value becomes a range around it (PROFILE_RANGES, documented in docs/eot.md):
 *
 *   colour   tone gamma × [0.95, 1.05] per channel; each colour-matrix entry ± 0.03 and each
 *            offset ± 0.02 (about the spread between photos of one print, and the fit's error)
 *   warp     the 'print-camera' preset's registration error (the profile is measured after
 *            registration and has no geometry of its own)
 *   blur     PSF sigma × [0.8, 1.2], in image pixels (the profile's sigma is in cell pixels,
 *            and a cell is the attacked image)
 *   noise    the mean per-channel noise std × [0.5, 1.5]
 *   jpeg     the measured quality ± 5, always applied (absent when the photos were not JPEG)
 *
 * The profile type is restated structurally because attacks may not import calibration
 * (scripts/layering.mjs); test/unit/attacks/eot-profile.test.ts checks that a profile written by
 * the fit is accepted here.
 */
import { z } from 'zod';
import { PrintshotError } from '../shared';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);

/** The fields of a channel profile (schemaVersion 1) EOT uses; the rest (residuals, provenance) is ignored. */
export const EotProfileSchema = z.object({
  schemaVersion: z.literal(1),
  tone: z.object({ gamma: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]) }),
  matrix: z.tuple([vec3, vec3, vec3]),
  offset: vec3,
  blurSigma: z.number().nonnegative(),
  noise: vec3,
  jpegQuality: z.number().int().min(1).max(100).nullable(),
});
export type EotProfile = z.infer<typeof EotProfileSchema>;

export const PROFILE_RANGES = {
  /** Relative range of each tone gamma. */
  gamma: [0.95, 1.05],
  /** ± added to each colour-matrix entry. */
  matrixJitter: 0.03,
  /** ± added to each offset ([0,1] units). */
  offsetJitter: 0.02,
  /** Relative range of the PSF sigma. */
  blur: [0.8, 1.2],
  /** Relative range of the mean noise std. */
  noise: [0.5, 1.5],
  /** ± JPEG quality. */
  jpeg: 5,
} as const;

/** Registration error and residual perspective: the 'print-camera' preset's warp stage. */
export const REGISTRATION_WARP = { rotateDeg: 2, scale: [0.97, 1.03] as [number, number], translatePx: 0.5, keystone: 0.03 };

/** True for JSON that claims to be a channel profile (so its errors are reported as one). */
export function looksLikeProfile(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'schemaVersion' in json && 'tone' in json && 'matrix' in json;
}

export function parseEotProfile(json: unknown, where: string): EotProfile {
  const r = EotProfileSchema.safeParse(json);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new PrintshotError('bad-argument', `${where}: not a channel profile v1 (${i.path.join('.') || 'root'}: ${i.message})`, 'fit one with: printshot channel fit --experiment DIR');
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * The distribution of a profile, as plain stages (eot-distribution.ts validates it). Its type is
 * structural so this file needs nothing from eot-distribution.ts at runtime (no import cycle).
 */
export function profileDistribution(p: EotProfile) {
  const R = PROFILE_RANGES;
  const noise = (p.noise[0] + p.noise[1] + p.noise[2]) / 3;
  const range = (v: number, [lo, hi]: readonly number[], max: number): [number, number] => [r3(clamp(v * lo, 0, max)), r3(clamp(v * hi, 0, max))];
  return {
    colour: {
      gamma: p.tone.gamma.map((g) => range(g, R.gamma, 5)) as [[number, number], [number, number], [number, number]],
      matrix: p.matrix,
      offset: p.offset,
      matrixJitter: R.matrixJitter,
      offsetJitter: R.offsetJitter,
    },
    warp: { ...REGISTRATION_WARP, scale: [...REGISTRATION_WARP.scale] as [number, number] },
    blur: { sigma: range(p.blurSigma, R.blur, 10) },
    noise: { sigma: range(noise, R.noise, 64) },
    ...(p.jpegQuality !== null && { jpeg: { quality: [clamp(p.jpegQuality - R.jpeg, 1, 100), clamp(p.jpegQuality + R.jpeg, 1, 100)] as [number, number], probability: 1 } }),
  };
}
