/**
 * Plane-to-plane homographies: the map from page millimetres to photo pixels.
 *
 * Convention used everywhere in registration and simulation: pixel (i, j) covers the square
 * [i, i+1) x [j, j+1), so its centre is (i + 0.5, j + 0.5); page coordinates are mm from the
 * paper's top-left corner, x right, y down. zxing reports QR corners on the same edge grid.
 *
 * A homography is a row-major 3x3 matrix H with p' ~ H p (homogeneous). Fitting uses the
 * normalised DLT (Hartley & Zisserman, Alg. 4.2): both point sets are moved to their centroid
 * and scaled to mean distance sqrt(2) before the linear solve, which keeps the 2N x 9 system
 * well conditioned when one side is in mm (~100) and the other in pixels (~1000).
 */

export interface Point {
  x: number;
  y: number;
}

/** Row-major 3x3, h[8] normalised to 1 where possible. */
export type Homography = readonly number[];

export function applyHomography(h: Homography, p: Point): Point {
  const w = h[6] * p.x + h[7] * p.y + h[8];
  return { x: (h[0] * p.x + h[1] * p.y + h[2]) / w, y: (h[3] * p.x + h[4] * p.y + h[5]) / w };
}

export function multiplyHomography(a: Homography, b: Homography): number[] {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[r * 3 + c] += a[r * 3 + k] * b[k * 3 + c];
  return normalise(out);
}

export function invertHomography(h: Homography): number[] {
  const [a, b, c, d, e, f, g, k, l] = h;
  const A = e * l - f * k;
  const B = -(d * l - f * g);
  const C = d * k - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-300) throw new RangeError('homography is singular');
  const inv = [A, -(b * l - c * k), b * f - c * e, B, a * l - c * g, -(a * f - c * d), C, -(a * k - b * g), a * e - b * d];
  return normalise(inv.map((v) => v / det));
}

function normalise(h: number[]): number[] {
  const s = Math.abs(h[8]) > 1e-12 ? h[8] : Math.hypot(...h);
  return h.map((v) => v / s);
}

/** Similarity transform (as a homography) taking points to centroid 0, mean distance sqrt(2). */
function normaliser(pts: readonly Point[]): number[] {
  let cx = 0;
  let cy = 0;
  for (const p of pts) {
    cx += p.x;
    cy += p.y;
  }
  cx /= pts.length;
  cy /= pts.length;
  let d = 0;
  for (const p of pts) d += Math.hypot(p.x - cx, p.y - cy);
  const s = d > 0 ? (Math.SQRT2 * pts.length) / d : 1;
  return [s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1];
}

/**
 * Least-squares homography taking src[i] to dst[i] (at least 4 points, no 3 collinear). With
 * the 16 corners of 4 markers the solution averages the corner noise of every marker, which
 * beat a 4-point solve on marker centres in our measurements (docs/registration.md).
 */
export function fitHomography(src: readonly Point[], dst: readonly Point[]): number[] {
  if (src.length !== dst.length || src.length < 4) throw new RangeError(`need >= 4 point pairs (got ${src.length}/${dst.length})`);
  const ts = normaliser(src);
  const td = normaliser(dst);
  // Accumulate A^T A directly (9x9) instead of building the 2N x 9 matrix.
  const ata = new Float64Array(81);
  const row = new Float64Array(9);
  const add = () => {
    for (let i = 0; i < 9; i++) for (let j = i; j < 9; j++) ata[i * 9 + j] += row[i] * row[j];
  };
  for (let i = 0; i < src.length; i++) {
    const s = applyHomography(ts, src[i]);
    const d = applyHomography(td, dst[i]);
    row.set([s.x, s.y, 1, 0, 0, 0, -d.x * s.x, -d.x * s.y, -d.x]);
    add();
    row.set([0, 0, 0, s.x, s.y, 1, -d.y * s.x, -d.y * s.y, -d.y]);
    add();
  }
  for (let i = 0; i < 9; i++) for (let j = 0; j < i; j++) ata[i * 9 + j] = ata[j * 9 + i];
  const hn = smallestEigenvector(ata, 9);
  // Undo the normalisation: H = Td^-1 * Hn * Ts.
  return multiplyHomography(multiplyHomography(invertHomography(td), hn), ts);
}

/** Eigenvector of the smallest eigenvalue of a symmetric n x n matrix (cyclic Jacobi). */
function smallestEigenvector(m: Float64Array, n: number): number[] {
  const a = Float64Array.from(m);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < n; i++) if (a[i * n + i] < a[best * n + best]) best = i;
  return Array.from({ length: n }, (_, k) => v[k * n + best]);
}

export interface ReprojectionStats {
  /** Mean, root-mean-square and largest distance, in the units of the `expected` points. */
  mean: number;
  rms: number;
  max: number;
}

/**
 * Distances between expected points and observed points mapped through `h` (e.g. photo corners
 * mapped back to the page with the inverse homography, compared with their layout positions).
 */
export function reprojectionStats(h: Homography, observed: readonly Point[], expected: readonly Point[]): ReprojectionStats {
  let sum = 0;
  let sq = 0;
  let max = 0;
  for (let i = 0; i < observed.length; i++) {
    const p = applyHomography(h, observed[i]);
    const d = Math.hypot(p.x - expected[i].x, p.y - expected[i].y);
    sum += d;
    sq += d * d;
    max = Math.max(max, d);
  }
  const n = Math.max(1, observed.length);
  return { mean: sum / n, rms: Math.sqrt(sq / n), max };
}
