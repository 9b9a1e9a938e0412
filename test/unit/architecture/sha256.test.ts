/** The pure SHA-256 (src/shared/sha256.ts) against node:crypto, across every padding boundary. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/shared/sha256';

const node = (x: string | Uint8Array) => createHash('sha256').update(x).digest('hex');

describe('sha256Hex', () => {
  it('gives the FIPS 180-2 known answers', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('matches node:crypto for every length from 0 to 200 bytes (all padding cases)', () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
      expect(sha256Hex(bytes)).toBe(node(bytes));
    }
  });

  it('matches node:crypto on arbitrary UTF-8 strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => sha256Hex(s) === node(s)));
  });
});
