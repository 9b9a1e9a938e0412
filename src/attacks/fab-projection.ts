/**
 * FAB's one geometric step (Croce & Hein, arXiv 1907.02044, §3.1 eq. 5 and §3.2): the smallest
 * perturbation, in L∞ or L2, that moves a point onto a hyperplane w·δ = c while staying inside a
 * box lo ≤ δ ≤ hi (lo ≤ 0 ≤ hi: the pixel range, intersected with an optional L∞ cap).
 *
 * Both norms have the same structure. With s = sign(c), each coordinate moves in direction
 * sign(w_i)·s by at most u_i (its room in the box that way); the minimiser is
 *   L∞: δ_i = sign(w_i)·s·min(τ, u_i)          (every free coordinate moves by the same τ)
 *   L2: δ_i = sign(w_i)·s·min(τ|w_i|, u_i)     (KKT: δ ∝ w until a coordinate hits the box)
 * and g(τ) = Σ|w_i|·min(τ·m_i, u_i) (m_i = 1 or |w_i|) is piecewise linear and increasing, so τ
 * with g(τ) = |c| is found by Newton's method (exact on these pieces). When even the whole box falls
 * short, every coordinate moves to its bound (the reference code's choice). Pure: no tensors.
 */
export type FabNorm = 'linf' | 'l2';

// One scratch array reused across calls (two per image per step): allocating it each time was
// most of FAB's garbage-collection time. Single-threaded per isolate, and never held across calls.
let scratch = new Float64Array(0);
function roomFor(d: number): Float64Array {
  if (scratch.length !== d) scratch = new Float64Array(d);
  return scratch;
}

/**
 * Writes into `out` (length D) the step from point p onto the hyperplane w·δ = c (w of length D).
 * p, lo, hi are the image's slices of longer arrays, starting at `at`; lo/hi bound the point.
 */
export function hyperplaneStep(
  w: ArrayLike<number>, c: number, p: ArrayLike<number>, lo: ArrayLike<number>, hi: ArrayLike<number>,
  at: number, norm: FabNorm, out: Float64Array,
): void {
  const d = out.length;
  out.fill(0);
  if (c === 0) return;
  const s = Math.sign(c);
  const need = Math.abs(c);
  const room = roomFor(d);
  for (let i = 0; i < d; i++) {
    room[i] = 0;
    const wi = w[i];
    if (wi !== 0) room[i] = Math.max(0, wi * s > 0 ? hi[at + i] - p[at + i] : p[at + i] - lo[at + i]);
  }
  // g is concave and piecewise linear, so Newton's method from τ = 0 stays below the root and
  // lands on it after crossing the breakpoints in between (no sort: a few O(D) passes).
  let tau = 0;
  for (let pass = 0; pass <= d; pass++) {
    let g = 0;
    let slope = 0;
    for (let i = 0; i < d; i++) {
      const a = Math.abs(w[i]);
      if (a === 0) continue;
      const m = norm === 'linf' ? 1 : a;
      if (tau * m < room[i]) {
        g += a * tau * m;
        slope += a * m;
      } else g += a * room[i];
    }
    if (g >= need * (1 - 1e-12)) break;
    if (slope === 0) {
      tau = Infinity;
      break;
    }
    tau += (need - g) / slope;
  }
  for (let i = 0; i < d; i++) {
    const wi = w[i];
    if (wi !== 0) out[i] = Math.sign(wi) * s * Math.min(tau * (norm === 'linf' ? 1 : Math.abs(wi)), room[i]);
  }
}

/** ‖v‖∞ or ‖v‖₂ of a whole array. */
export function normOf(v: ArrayLike<number>, norm: FabNorm): number {
  let r = 0;
  for (let i = 0; i < v.length; i++) r = norm === 'linf' ? Math.max(r, Math.abs(v[i])) : r + v[i] * v[i];
  return norm === 'linf' ? r : Math.sqrt(r);
}

/** The dual norm of the gradient slice g[at, at+d): ‖·‖₁ for L∞, ‖·‖₂ for L2 (distance = |f| / dual). */
export function dualNorm(g: ArrayLike<number>, at: number, d: number, norm: FabNorm): number {
  let r = 0;
  for (let i = at; i < at + d; i++) r += norm === 'linf' ? Math.abs(g[i]) : g[i] * g[i];
  return norm === 'linf' ? r : Math.sqrt(r);
}
