/**
 * Square Attack: score-based black-box random search.
 * Paper: Andriushchenko, Croce, Flammarion & Hein, "Square Attack: a query-efficient black-box
 * adversarial attack via random search", arXiv 1912.00049.  Norm: L∞ or L2 (the `norm` parameter).
 * It only reads the model's logits (no gradients), so gradient masking (distillation,
 * non-differentiable layers) does not stop it. Minimises the margin z_y − max_{i≠y} z_i; a
 * proposal is kept only if it lowers it, and an image stops once the margin is ≤ 0.
 *   L∞: start from vertical stripes (a random ±eps per column and channel); each step redraws one
 *       random s×s square to ±eps per channel.
 *   L2: start from a grid of pseudo-Gaussian tiles; each step moves mass into a new square
 *       (square-l2.ts).
 * The side s = round(√(p·H·W)) follows the reference schedule: p = pInit halved at iterations
 * 10, 50, 200, 500, 1000, 2000, 4000, 6000 and 8000 of 10,000, scaled to the query budget.
 * Every image draws from its own stream forked from the run's RNG (in batch order), so its
 * search does not depend on when the other images of the batch stop.
 * Parameters:
 *   eps      radius on the 0..255 scale (L∞ per pixel, or the L2 norm of δ·255).
 *   norm     'linf' (default) or 'l2'.
 *   queries  model queries per image, the start included (default 1000).
 *   pInit    initial fraction of pixels in the square (default 0.8).
 * Each image's `steps` in the manifest is the queries it used (0 for images returned unchanged).
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { throwIfAborted, type Rng } from '../shared';
import { onCorrectRows } from './apgd';
import { ballEpsSchema, checkEpsForNorm, normSchema } from './norm-ball';
import { l2Init, l2Proposal, type Geometry } from './square-l2';
import type { AttackContext, AttackDescriptor } from './types';

const params = z
  .strictObject({
    eps: ballEpsSchema.default(16),
    norm: normSchema,
    queries: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000, 'must be at most 100000')
      .default(1000).describe('model queries per image (the start included)'),
    pInit: z.number().gt(0, 'must be greater than 0').max(1, 'must be at most 1').default(0.8)
      .describe('initial fraction of the image covered by the square'),
  })
  .superRefine(checkEpsForNorm);
export type SquareParams = z.infer<typeof params>;

/** The reference p schedule: pInit halved at 10, 50, 200, … of 10,000, scaled to n iterations. */
export function squareP(pInit: number, it: number, n: number): number {
  const t = Math.floor((it / n) * 10_000);
  const bounds = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let halvings = bounds.filter((b) => t > b).length;
  if (t > 10_000) halvings = 0;
  return pInit / 2 ** halvings;
}

/** Margins z_y − max_{i≠y} z_i of the images (one model query each). */
function margins(ctx: AttackContext, images: Float32Array[], labels: number[], g: Geometry): Float32Array {
  const flat = new Float32Array(images.length * images[0].length);
  images.forEach((im, i) => flat.set(im, i * im.length));
  const z = tf.tidy(() => ctx.classifier.logits(tf.tensor4d(flat, [images.length, g.h, g.w, g.c])));
  const v = z.dataSync();
  const k = z.shape[1];
  z.dispose();
  return Float32Array.from(labels, (y, i) => {
    let other = -Infinity;
    for (let j = 0; j < k; j++) if (j !== y) other = Math.max(other, v[i * k + j]);
    return v[i * k + y] - other;
  });
}

const clip01 = (v: number) => Math.min(1, Math.max(0, v));
const sign = (rng: Rng) => (rng.next() < 0.5 ? -1 : 1);

function linfInit(x0: Float32Array, g: Geometry, eps: number, rng: Rng): Float32Array {
  const stripe = Array.from({ length: g.w * g.c }, () => sign(rng) * eps);
  return Float32Array.from(x0, (v, i) => clip01(v + stripe[i % (g.w * g.c)]));
}

function linfProposal(x0: Float32Array, best: Float32Array, g: Geometry, eps: number, s: number, rng: Rng): Float32Array {
  const h0 = rng.int(g.h - s + 1);
  const w0 = rng.int(g.w - s + 1);
  const next = best.slice();
  // Redraw until the square changes the image (the reference code's loop; capped for images
  // whose square is pinned by the [0,1] clip either way).
  for (let tries = 0; tries < 100; tries++) {
    const signs = Array.from({ length: g.c }, () => sign(rng) * eps);
    let changed = false;
    for (let i = h0; i < h0 + s; i++) {
      for (let j = w0; j < w0 + s; j++) {
        for (let c = 0; c < g.c; c++) {
          const k = (i * g.w + j) * g.c + c;
          next[k] = clip01(x0[k] + signs[c]);
          if (Math.abs(next[k] - best[k]) >= 1e-7) changed = true;
        }
      }
    }
    if (changed) break;
  }
  return next;
}

/** Runs the search on images x (all classified correctly); returns the best points and queries. */
async function squareSearch(ctx: AttackContext, x: tf.Tensor4D, labels: Int32Array, p: SquareParams) {
  const [n, h, w, c] = x.shape;
  const g: Geometry = { h, w, c };
  const eps = p.eps / 255;
  const flat = x.dataSync() as Float32Array;
  const size = h * w * c;
  const x0 = Array.from({ length: n }, (_, i) => flat.slice(i * size, (i + 1) * size));
  const rngs = x0.map(() => ctx.rng.fork());
  const best = x0.map((im, i) => (p.norm === 'linf' ? linfInit(im, g, eps, rngs[i]) : l2Init(im, g, eps, rngs[i])));
  const y = Array.from(labels);
  const margin = margins(ctx, best, y, g);
  const queries = new Int32Array(n).fill(1);
  for (let it = 0; it < p.queries - 1; it++) {
    throwIfAborted(ctx.signal);
    const active = Array.from(margin.keys()).filter((i) => margin[i] > 0);
    if (active.length === 0) break;
    const frac = squareP(p.pInit, it, p.queries);
    const side = Math.round(Math.sqrt(frac * h * w));
    const proposals = active.map((i) => {
      if (p.norm === 'linf') return linfProposal(x0[i], best[i], g, eps, Math.max(1, Math.min(side, h - 1, w - 1)), rngs[i]);
      return l2Proposal(x0[i], best[i], g, eps, Math.max(1, Math.min(Math.max(side, 3) | 1, h - 1, w - 1)), rngs[i]);
    });
    const m = margins(ctx, proposals, active.map((i) => y[i]), g);
    active.forEach((i, k) => {
      queries[i]++;
      if (m[k] < margin[i]) {
        margin[i] = m[k];
        best[i] = proposals[k];
      }
    });
    await ctx.onStep?.({ step: it + 2, steps: p.queries });
  }
  const out = new Float32Array(n * size);
  best.forEach((b, i) => out.set(b, i * size));
  return { x: tf.tensor4d(out, [n, h, w, c]), queries };
}

export const square: AttackDescriptor<SquareParams> = {
  id: 'square',
  title: 'Square Attack',
  paper: 'Andriushchenko et al. 2020, arXiv 1912.00049',
  norm: 'linf',
  summary: 'Score-based black-box random search over squares; uses only the logits, so masked gradients do not stop it.',
  params,
  run: (ctx, batch, p) =>
    onCorrectRows(ctx, batch, p, async (x, labels) => {
      const r = await squareSearch(ctx, x, labels, p);
      return { x: r.x, steps: Math.max(...r.queries), perImage: r.queries };
    }),
};
