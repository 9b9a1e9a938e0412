/**
 * Seeded random numbers. Every stochastic step (PGD start, noise, EOT sampling, simulator pose)
 * draws from one of these, so a seed reproduces a run bit for bit.
 * sfc32 is small, fast and passes PractRand far beyond what we need.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** A new independent generator derived from this one (for per-image or per-worker streams). */
  fork(): Rng;
  /** A 32-bit integer seed for APIs that take one (tf.randomUniform). */
  seed32(): number;
}

export function createRng(seed: number | string): Rng {
  let h = 1779033703 ^ String(seed).length;
  const s = String(seed);
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const mix = (): number => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
  return fromState(mix(), mix(), mix(), mix());
}

function fromState(a0: number, b0: number, c0: number, d0: number): Rng {
  let a = a0, b = b0, c = c0, d = d0;
  const u32 = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32();
  let spare: number | undefined;
  const rng: Rng = {
    next: () => u32() / 4294967296,
    uniform: (lo, hi) => lo + (hi - lo) * (u32() / 4294967296),
    int: (n) => Math.floor((u32() / 4294967296) * n),
    normal: () => {
      if (spare !== undefined) {
        const v = spare;
        spare = undefined;
        return v;
      }
      let u = 0;
      while (u === 0) u = u32() / 4294967296;
      const v = u32() / 4294967296;
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: () => fromState(u32(), u32(), u32(), u32()),
    seed32: () => u32(),
  };
  return rng;
}
