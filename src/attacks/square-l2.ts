/**
 * The L2 proposals of the Square Attack (Andriushchenko et al., arXiv 1912.00049, §3.2 and the
 * authors' square_attack_l2): squares filled with a "meta pseudo-Gaussian" pattern (two
 * opposite-signed halves of concentric rings weighted 1/r²), redistributing the budget between a
 * new square and a second one that is zeroed. Images are NHWC Float32Arrays on [0,1].
 */
import type { Rng } from '../shared';

export interface Geometry {
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

/** Rectangle x×y of concentric rings around its centre, weighted 1/(ring+1)², unit norm. */
function ringRectangle(x: number, y: number): Float64Array {
  const d = new Float64Array(x * y);
  const xc = Math.floor(x / 2) + 1;
  const yc = Math.floor(y / 2) + 1;
  let r0 = xc - 1;
  let c0 = yc - 1;
  for (let k = 0; k < Math.max(xc, yc); k++) {
    for (let i = Math.max(r0, 0); i < Math.min(r0 + 2 * k + 1, x); i++) {
      for (let j = Math.max(c0, 0); j < Math.min(c0 + 2 * k + 1, y); j++) d[i * y + j] += 1 / (k + 1) ** 2;
    }
    r0--;
    c0--;
  }
  return normalise(d);
}

function normalise(d: Float64Array): Float64Array {
  const n = Math.sqrt(d.reduce((a, v) => a + v * v, 0));
  if (n > 0) for (let i = 0; i < d.length; i++) d[i] /= n;
  return d;
}

/** s×s: top half rings, bottom half negated rings, unit norm, transposed with probability ½. */
export function metaPseudoGaussian(s: number, rng: Rng): Float64Array {
  const top = Math.floor(s / 2);
  const a = ringRectangle(top, s);
  const b = ringRectangle(s - top, s);
  const d = new Float64Array(s * s);
  d.set(a, 0);
  for (let i = 0; i < b.length; i++) d[top * s + i] = -b[i];
  normalise(d);
  if (rng.next() > 0.5) {
    const t = new Float64Array(s * s);
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) t[j * s + i] = d[i * s + j];
    return t;
  }
  return d;
}

const l2 = (d: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  return Math.sqrt(s);
};

/** δ scaled to norm eps, added to x0 and clipped to [0,1]. */
function onSphere(x0: Float32Array, delta: Float64Array, eps: number): Float32Array {
  const k = eps / (l2(delta) + 1e-12);
  return Float32Array.from(x0, (v, i) => Math.min(1, Math.max(0, v + delta[i] * k)));
}

/** The start: a grid of pseudo-Gaussian tiles with random signs per tile and channel. */
export function l2Init(x0: Float32Array, g: Geometry, eps: number, rng: Rng): Float32Array {
  const s = Math.max(1, Math.floor(g.h / 5));
  const start = Math.floor((g.h - s * 5) / 2);
  const delta = new Float64Array(x0.length);
  for (let th = start; th + s <= g.h; th += s) {
    for (let tw = start; tw + s <= g.w; tw += s) {
      const tile = metaPseudoGaussian(s, rng);
      for (let c = 0; c < g.c; c++) {
        const sign = rng.next() < 0.5 ? -1 : 1;
        for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) delta[((th + i) * g.w + tw + j) * g.c + c] += tile[i * s + j] * sign;
      }
    }
  }
  return onSphere(x0, delta, eps);
}

/** One proposal from the current best x (side s, odd, < h and w). */
export function l2Proposal(x0: Float32Array, best: Float32Array, g: Geometry, eps: number, s: number, rng: Rng): Float32Array {
  const delta = Float64Array.from(best, (v, i) => v - x0[i]);
  const h1 = rng.int(Math.max(g.h - s, 1));
  const w1 = rng.int(Math.max(g.w - s, 1));
  const h2 = rng.int(Math.max(g.h - s, 1));
  const w2 = rng.int(Math.max(g.w - s, 1));
  const in1 = (i: number, j: number) => i >= h1 && i < h1 + s && j >= w1 && j < w1 + s;
  const in2 = (i: number, j: number) => i >= h2 && i < h2 + s && j >= w2 && j < w2 + s;
  const imageNorm = l2(delta);
  const pattern = metaPseudoGaussian(s, rng);
  const fresh = new Float64Array(s * s * g.c);
  for (let c = 0; c < g.c; c++) {
    let window1 = 0;
    let windows = 0;
    for (let i = 0; i < g.h; i++) {
      for (let j = 0; j < g.w; j++) {
        const v = delta[(i * g.w + j) * g.c + c] ** 2;
        if (in1(i, j)) window1 += v;
        if (in1(i, j) || in2(i, j)) windows += v;
      }
    }
    const sign = rng.next() < 0.5 ? -1 : 1;
    const scale = 1 / (1e-10 + Math.sqrt(window1));
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < s; j++) {
        fresh[(i * s + j) * g.c + c] = pattern[i * s + j] * sign + delta[((h1 + i) * g.w + w1 + j) * g.c + c] * scale;
      }
    }
    // The new square takes its own old mass, the second square's, and an equal share of the
    // budget still unused.
    let norm = 0;
    for (let k = 0; k < s * s; k++) norm += fresh[k * g.c + c] ** 2;
    const target = Math.sqrt(Math.max(eps * eps - imageNorm * imageNorm, 0) / g.c + windows);
    const k2 = target / (Math.sqrt(norm) + 1e-12);
    for (let k = 0; k < s * s; k++) fresh[k * g.c + c] *= k2;
  }
  for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) for (let c = 0; c < g.c; c++) delta[((h2 + i) * g.w + w2 + j) * g.c + c] = 0;
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      for (let c = 0; c < g.c; c++) delta[((h1 + i) * g.w + w1 + j) * g.c + c] = fresh[(i * s + j) * g.c + c];
    }
  }
  return onSphere(x0, delta, eps);
}
