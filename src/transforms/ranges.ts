/**
 * Registry-driven stages for the EOT distribution (src/attacks/eot-distribution.ts) and the
 * camera simulator (src/simulate/camera.ts): `{ [transformId]: { [param]: [lo, hi] } }` draws each
 * parameter uniformly and applies the registered transform, in registry order. Both consumers
 * iterate listTransforms() here, so a transform added to the registry (registerTransform) reaches
 * both without touching either.
 */
import { PrintshotError, type Rng } from '../shared';
import { getTransform, listTransforms, parseTransformParams } from './registry';
import type { TransformSpec } from './types';

/** Per transform id, per parameter, the [lo, hi] range a value is drawn from. */
export type TransformRanges = Readonly<Record<string, Readonly<Record<string, readonly [number, number]>>>>;

/** A drawn registry transform: its parameters and the seed of its own random stream. */
export interface DrawnTransform extends TransformSpec {
  seed: number;
}

/**
 * Checks every id against the registry and both ends of every range against the transform's
 * schema (one line naming the stage, the transform and the problem). `differentiableOnly` refuses
 * transforms that cannot run inside a gradient.
 */
export function checkTransformRanges(ranges: TransformRanges, where: string, differentiableOnly = false): void {
  for (const [id, params] of Object.entries(ranges)) {
    const d = getTransform(id);
    if (differentiableOnly && !d.differentiable) {
      throw new PrintshotError('bad-argument', `${where}: transform '${id}' is not differentiable and cannot run inside a gradient`, 'use the distribution\'s own jpeg stage for the codec');
    }
    for (const [name, [lo, hi]] of Object.entries(params)) {
      if (!(lo <= hi)) throw new PrintshotError('bad-argument', `${where}: ${id}.${name}: [lo, hi] needs lo ≤ hi`);
    }
    for (const end of [0, 1]) {
      const raw = Object.fromEntries(Object.entries(params).map(([name, r]) => [name, r[end]]));
      try {
        parseTransformParams(d, raw);
      } catch (e) {
        throw new PrintshotError('bad-argument', `${where}: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * Draws the transforms present in `ranges`, in registry order, parameters in the order given.
 * Consumes no random numbers when `ranges` is empty, so existing streams stay as they were.
 */
export function drawTransforms(ranges: TransformRanges, rng: Rng): DrawnTransform[] {
  const out: DrawnTransform[] = [];
  for (const d of listTransforms()) {
    const params = ranges[d.id];
    if (!params) continue;
    const raw = Object.fromEntries(Object.entries(params).map(([name, [lo, hi]]) => [name, hi > lo ? rng.uniform(lo, hi) : lo]));
    out.push({ id: d.id, params: parseTransformParams(d, raw), seed: rng.seed32() });
  }
  return out;
}
