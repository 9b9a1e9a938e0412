/**
 * The transformation distribution T of expectation over transformation (Athalye et al.,
 * arXiv 1707.07397), as data: which parts of the print → camera → registration channel are
 * sampled, and the range of each. Given as a preset name ('print-camera', 'photometric',
 * 'none'), an inline object, or the path of a JSON file with the same fields (zod-validated).
 *
 * Stages, applied in this order (see eot-ops.ts for the differentiable implementations):
 *   colour    a fitted channel profile's tone curve x^gamma per channel and 3×3 colour matrix plus
 *             offset, each entry jittered by ±matrixJitter / ±offsetJitter (eot-profile.ts makes
 *             this stage, with blur, noise and JPEG, from `printshot channel fit`'s profile file)
 *   print     tone of a laser print: chroma pulled toward luma (`saturation`), midtone dot gain
 *             k' = k + 4g·k(1−k), paper white and toner black (0..255): the simulator's print model
 *   warp      registration error and residual perspective: rotation (deg), scale, shift (image
 *             px) and a keystone term (relative scale change across the image), bilinear
 *   lighting  per-channel white-balance gains (±channelGain), a linear illumination gradient
 *             (±gradient from centre to corner), then the registry's 'contrast' (gain) and
 *             'brightness' (offset, 0..255 levels)
 *   blur      the registry's Gaussian blur, sigma in image pixels (dot spread + lens + resampling)
 *   noise     the registry's Gaussian noise, sigma on the 0..255 scale
 *   jpeg      the real codec (sharp) at a quality in range, with probability p; its gradient is
 *             straight-through (identity), since the codec is not differentiable
 *   transforms any differentiable transform of the registry (src/transforms), by id, with a
 *             [lo, hi] range per parameter, in registry order: a newly registered transform is
 *             available here without a new stage
 * Absent stages are not applied. Every range is [lo, hi], drawn uniformly, fresh for every sample.
 */
import { z } from 'zod';
import { PrintshotError, type Rng } from '../shared';
import { host } from '../shared/platform';
import { checkTransformRanges, drawTransforms, type DrawnTransform } from '../transforms';
import { looksLikeProfile, parseEotProfile, profileDistribution, REGISTRATION_WARP } from './eot-profile';

const range = (name: string, min: number, max: number) =>
  z
    .tuple([z.number().min(min).max(max), z.number().min(min).max(max)])
    .refine(([lo, hi]) => lo <= hi, `${name}: [lo, hi] needs lo ≤ hi`)
    .describe(`${name}: [lo, hi], each in ${min}..${max}`);

const vec3 = z.tuple([z.number().min(-4).max(4), z.number().min(-4).max(4), z.number().min(-4).max(4)]);

export const EotDistributionSchema = z.strictObject({
  colour: z
    .strictObject({
      gamma: z.tuple([range('gamma', 0.1, 5), range('gamma', 0.1, 5), range('gamma', 0.1, 5)]),
      matrix: z.tuple([vec3, vec3, vec3]),
      offset: vec3,
      matrixJitter: z.number().min(0).max(0.5),
      offsetJitter: z.number().min(0).max(0.5),
    })
    .optional(),
  print: z
    .strictObject({
      paperWhite: range('paperWhite', 0, 255),
      ink: range('ink', 0, 255),
      dotGain: range('dotGain', 0, 0.25),
      saturation: range('saturation', 0, 1),
    })
    .optional(),
  warp: z
    .strictObject({
      rotateDeg: z.number().min(0).max(45),
      scale: range('scale', 0.5, 2),
      translatePx: z.number().min(0).max(64),
      keystone: z.number().min(0).max(0.5),
    })
    .optional(),
  lighting: z
    .strictObject({
      gain: range('gain', 0, 4),
      offset: range('offset', -255, 255),
      channelGain: z.number().min(0).max(0.5),
      gradient: z.number().min(0).max(0.5),
    })
    .optional(),
  blur: z.strictObject({ sigma: range('sigma', 0, 10) }).optional(),
  noise: z.strictObject({ sigma: range('sigma', 0, 64) }).optional(),
  jpeg: z
    .strictObject({
      quality: range('quality', 1, 100),
      probability: z.number().min(0).max(1),
    })
    .optional(),
  transforms: z.record(z.string(), z.record(z.string(), z.tuple([z.number(), z.number()]))).optional(),
});
export type EotDistribution = z.infer<typeof EotDistributionSchema>;

/**
 * Presets. 'print-camera' is fitted to the default simulator (src/simulate) seen through
 * registration at 720p–1080p: toner tone curve, ±20 % illumination across the page, ±6 %
 * white balance, exposure 0.85–1.05, sub-pixel registration error, sensor noise, JPEG.
 */
export type EotPreset = 'print-camera' | 'photometric' | 'none';
export const EOT_PRESET_NAMES: readonly EotPreset[] = ['print-camera', 'photometric', 'none'];

export const EOT_PRESETS: Readonly<Record<EotPreset, EotDistribution>> = {
  'print-camera': {
    print: { paperWhite: [232, 252], ink: [16, 44], dotGain: [0.02, 0.14], saturation: [0.75, 1] },
    warp: REGISTRATION_WARP,
    lighting: { gain: [0.65, 1.3], offset: [-8, 8], channelGain: 0.06, gradient: 0.04 },
    blur: { sigma: [0.1, 0.8] },
    noise: { sigma: [0, 4] },
    jpeg: { quality: [75, 95], probability: 0.5 },
  },
  /** The differentiable Fig. 6 transforms only: brightness, contrast, blur, noise. */
  photometric: {
    lighting: { gain: [0.8, 1.2], offset: [-20, 20], channelGain: 0, gradient: 0 },
    blur: { sigma: [0, 1] },
    noise: { sigma: [0, 8] },
  },
  /** The identity: EOT with k samples of it is PGD. */
  none: {},
};

/** What the attack's `distribution` parameter accepts: a preset, an inline object or a JSON file path. */
export const distributionParamSchema = z
  .union([z.enum(['print-camera', 'photometric', 'none']), EotDistributionSchema, z.string().min(1)])
  .default('print-camera')
  .describe("preset ('print-camera', 'photometric', 'none'), a distribution object, or the path of a JSON file holding one or a channel profile");

function invalid(where: string, e: z.ZodError): PrintshotError {
  const i = e.issues[0];
  const path = i.path.length ? `${i.path.join('.')}: ` : '';
  const msg = i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.map((k) => `'${k}'`).join(', ')}` : i.message;
  return new PrintshotError('bad-argument', `${where}: ${path}${msg}`, `stages: ${Object.keys(EotDistributionSchema.shape).join(', ')}; see docs/eot.md`);
}

/** Validates an inline distribution object. */
export function parseDistribution(raw: unknown, where = 'eot-pgd: distribution'): EotDistribution {
  const r = EotDistributionSchema.safeParse(raw);
  if (!r.success) throw invalid(where, r.error);
  if (r.data.transforms) checkTransformRanges(r.data.transforms, `${where}: transforms`, true);
  return r.data;
}

/** A preset name, an object, or a JSON file path (a distribution or a channel profile) → a validated distribution. */
export async function resolveDistribution(spec: string | EotDistribution): Promise<EotDistribution> {
  if (typeof spec !== 'string') return looksLikeProfile(spec) ? parseDistribution(profileDistribution(parseEotProfile(spec, 'eot-pgd: distribution'))) : parseDistribution(spec);
  if ((EOT_PRESET_NAMES as readonly string[]).includes(spec)) return structuredClone(EOT_PRESETS[spec as EotPreset]);
  // A file path: read through the installed host (src/shared/platform.ts), so this module stays pure.
  const { readText } = host();
  let text: string;
  try {
    text = await readText(spec);
  } catch (e) {
    throw new PrintshotError(
      'bad-argument',
      `eot-pgd: distribution '${spec}' is neither a preset nor a readable JSON file (${(e as { code?: string }).code ?? String(e)})`,
      `presets: ${EOT_PRESET_NAMES.join(', ')}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PrintshotError('bad-argument', `eot-pgd: distribution file ${spec}: not valid JSON (${(e as Error).message})`);
  }
  if (looksLikeProfile(json)) return parseDistribution(profileDistribution(parseEotProfile(json, `eot-pgd: distribution file ${spec}`)), `eot-pgd: channel profile ${spec}`);
  return parseDistribution(json, `eot-pgd: distribution file ${spec}`);
}

/** One drawn transformation: concrete values for every stage present. */
export interface EotSample {
  /** Tone gamma per channel, the colour matrix (row-major 3×3) and offset, [0,1] units. */
  colour?: { gamma: number[]; matrix: number[]; offset: number[] };
  print?: { paper: number[]; ink: number[]; dotGain: number; saturation: number };
  /** Output pixel (centred) → input pixel: [a, b, tx; c, d, ty; px, py, 1], px/py per pixel. */
  warp?: number[];
  lighting?: { gains: number[]; gradient: number; angle: number; gain: number; offset: number };
  blurSigma?: number;
  /** Seed of the registry noise stream, so the same sample can be applied twice identically. */
  noise?: { sigma: number; seed: number };
  jpegQuality?: number;
  /** The registry stage's draws, in registry order. */
  transforms?: DrawnTransform[];
}

const LUMA = [0.299, 0.587, 0.114];
const pick = (rng: Rng, [lo, hi]: readonly [number, number] | readonly number[]): number => (hi > lo ? rng.uniform(lo, hi) : lo);
const toGray = (rgb: number[]): number[] => [rgb[0] * LUMA[0] + rgb[1] * LUMA[1] + rgb[2] * LUMA[2]];

/**
 * Draws one transformation for images of size h × w with `channels` channels. Only stages that
 * are present consume random numbers, so 'none' leaves the stream untouched (EOT = PGD).
 */
export function sampleTransform(d: EotDistribution, rng: Rng, h: number, w: number, channels: number): EotSample {
  const s: EotSample = {};
  const perChannel = (r: readonly number[]) => [pick(rng, r), pick(rng, r), pick(rng, r)];
  if (d.colour) {
    const { matrixJitter: mj, offsetJitter: oj } = d.colour;
    s.colour = {
      gamma: d.colour.gamma.map((g) => pick(rng, g)),
      matrix: d.colour.matrix.flat().map((v) => v + pick(rng, [-mj, mj])),
      offset: d.colour.offset.map((v) => v + pick(rng, [-oj, oj])),
    };
  }
  if (d.print) {
    const paper = perChannel(d.print.paperWhite).map((v) => v / 255);
    const ink = perChannel(d.print.ink).map((v) => v / 255);
    const dotGain = pick(rng, d.print.dotGain);
    const saturation = pick(rng, d.print.saturation);
    s.print = channels === 1 ? { paper: toGray(paper), ink: toGray(ink), dotGain, saturation: 1 } : { paper, ink, dotGain, saturation };
  }
  if (d.warp) {
    const theta = (pick(rng, [-d.warp.rotateDeg, d.warp.rotateDeg]) * Math.PI) / 180;
    const sc = pick(rng, d.warp.scale);
    const tx = pick(rng, [-d.warp.translatePx, d.warp.translatePx]);
    const ty = pick(rng, [-d.warp.translatePx, d.warp.translatePx]);
    // Keystone: the projective row scales the far side by (1 ± keystone) at the image edge.
    const px = pick(rng, [-d.warp.keystone, d.warp.keystone]) / (w / 2);
    const py = pick(rng, [-d.warp.keystone, d.warp.keystone]) / (h / 2);
    const c = Math.cos(theta) * sc;
    const sn = Math.sin(theta) * sc;
    s.warp = [c, -sn, tx, sn, c, ty, px, py, 1];
  }
  if (d.lighting) {
    const raw = [0, 1, 2].map(() => 1 + pick(rng, [-d.lighting!.channelGain, d.lighting!.channelGain]));
    const mean = (raw[0] + raw[1] + raw[2]) / 3;
    const gains = raw.map((g) => g / mean);
    s.lighting = {
      gains: channels === 1 ? toGray(gains) : gains,
      gradient: pick(rng, [-d.lighting.gradient, d.lighting.gradient]),
      angle: rng.uniform(0, 2 * Math.PI),
      gain: pick(rng, d.lighting.gain),
      offset: pick(rng, d.lighting.offset),
    };
  }
  if (d.blur) s.blurSigma = pick(rng, d.blur.sigma);
  if (d.noise) s.noise = { sigma: pick(rng, d.noise.sigma), seed: rng.seed32() };
  if (d.jpeg && rng.next() < d.jpeg.probability) s.jpegQuality = Math.round(pick(rng, d.jpeg.quality));
  if (d.transforms) s.transforms = drawTransforms(d.transforms, rng);
  return s;
}

/** One line per stage, for run summaries and the UI. */
export function describeDistribution(d: EotDistribution): string {
  const r = (x: readonly number[]) => `${x[0]}–${x[1]}`;
  const parts: string[] = [];
  if (d.colour) {
    const c = d.colour;
    parts.push(`colour (gamma ${c.gamma.map(r).join(' / ')}, matrix ${c.matrix.map((row) => row.map((v) => v.toFixed(2)).join(' ')).join('; ')} ±${c.matrixJitter}, offset ${c.offset.map((v) => v.toFixed(2)).join(' ')} ±${c.offsetJitter})`);
  }
  if (d.print) parts.push(`print (paper ${r(d.print.paperWhite)}, ink ${r(d.print.ink)}, dot gain ${r(d.print.dotGain)}, saturation ${r(d.print.saturation)})`);
  if (d.warp) parts.push(`warp (±${d.warp.rotateDeg}°, scale ${r(d.warp.scale)}, ±${d.warp.translatePx} px, keystone ±${d.warp.keystone})`);
  if (d.lighting) parts.push(`lighting (gain ${r(d.lighting.gain)}, offset ${r(d.lighting.offset)}, white balance ±${d.lighting.channelGain}, gradient ±${d.lighting.gradient})`);
  if (d.blur) parts.push(`blur σ ${r(d.blur.sigma)} px`);
  if (d.noise) parts.push(`noise σ ${r(d.noise.sigma)}`);
  if (d.jpeg) parts.push(`JPEG q ${r(d.jpeg.quality)} with p ${d.jpeg.probability} (straight-through gradient)`);
  for (const [id, params] of Object.entries(d.transforms ?? {})) {
    parts.push(`${id} (${Object.entries(params).map(([name, v]) => `${name} ${r(v)}`).join(', ') || 'defaults'})`);
  }
  return parts.length ? parts.join('; ') : 'identity';
}
