/**
 * JPEG quality from a file's quantisation tables: the first DQT table (luminance) is compared
 * with the IJG standard table (ITU T.81 Annex K), whose scaling by quality is
 *   q_i = clamp(floor((std_i · S + 50) / 100), 1, 255),  S = Q < 50 ? 5000 / Q : 200 − 2Q.
 * The quality whose scaled table is closest to the file's is returned, so any IJG-family encoder
 * (libjpeg, sharp/mozjpeg, jpeg-js, phone cameras that use the IJG scale) reads back exactly.
 * Browser-safe.
 */

// Annex K's luminance table in zig-zag order, the order a DQT segment stores it in.
const STD_LUMA_ZIGZAG = [
  16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51, 56, 55, 64, 72, 92, 78, 64, 68,
  87, 69, 55, 56, 80, 109, 81, 87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
];

/** The first quantisation table of a JPEG (64 values in file order), or null when there is none. */
export function firstQuantTable(bytes: Uint8Array): number[] | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return null;
    const marker = bytes[p + 1];
    if (marker === 0xd9 || marker === 0xda) return null;
    const len = (bytes[p + 2] << 8) | bytes[p + 3];
    if (marker === 0xdb) {
      const precision = bytes[p + 4] >> 4;
      const out: number[] = [];
      for (let i = 0; i < 64; i++) out.push(precision ? (bytes[p + 5 + 2 * i] << 8) | bytes[p + 6 + 2 * i] : bytes[p + 5 + i]);
      return out;
    }
    p += 2 + len;
  }
  return null;
}

export function ijgTable(quality: number): number[] {
  const s = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  return STD_LUMA_ZIGZAG.map((v) => Math.min(255, Math.max(1, Math.floor((v * s + 50) / 100))));
}

/** IJG quality 1..100 of a JPEG file, or null when it is not a JPEG. */
export function estimateJpegQuality(bytes: Uint8Array): number | null {
  const table = firstQuantTable(bytes);
  if (!table) return null;
  let best = 1;
  let bestErr = Infinity;
  for (let q = 1; q <= 100; q++) {
    const ref = ijgTable(q);
    let err = 0;
    for (let i = 0; i < 64; i++) err += Math.abs(ref[i] - table[i]);
    if (err < bestErr) {
      bestErr = err;
      best = q;
    }
  }
  return best;
}
