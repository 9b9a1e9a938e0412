/** Serve mode's JSON encoding of bytes, and the CSP shared by Electron, serve mode and the page. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, contentSecurityPolicy, decodeBase64Portable, encodeBase64Portable, fromWire, toWire } from '../../../src/contract';

describe('wire encoding', () => {
  it('matches Node’s base64 for every length mod 3 and round-trips', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 255, 256, 3 * 8192 + 1, 100_003]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 255);
      const b64 = bytesToBase64(bytes);
      expect(b64).toBe(Buffer.from(bytes).toString('base64'));
      expect(Buffer.from(base64ToBytes(b64)).equals(Buffer.from(bytes))).toBe(true);
      // The page's fallback (no Buffer, no btoa) gives the same text and bytes.
      expect(encodeBase64Portable(bytes)).toBe(b64);
      expect(Buffer.from(decodeBase64Portable(b64)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('rejects invalid base64', () => {
    for (const bad of ['ab!d', 'abcde']) {
      expect(() => base64ToBytes(bad)).toThrow();
      expect(() => decodeBase64Portable(bad)).toThrow();
    }
  });

  it('encodes nested bytes (Buffers included) and decodes them back as Uint8Array', () => {
    const value = { a: [{ png: Buffer.from([1, 2, 3]) }], b: new Uint8Array([255]), c: 'x', d: null, e: undefined };
    const json = JSON.stringify(toWire(value));
    expect(json).toBe('{"a":[{"png":{"$bytes":"AQID"}}],"b":{"$bytes":"/w=="},"c":"x","d":null}');
    const back = fromWire(JSON.parse(json)) as { a: { png: Uint8Array }[]; b: Uint8Array };
    expect(back.a[0].png).toBeInstanceOf(Uint8Array);
    expect([...back.a[0].png]).toEqual([1, 2, 3]);
    expect([...back.b]).toEqual([255]);
  });
});

describe('content security policy', () => {
  const csp = contentSecurityPolicy();

  it('allows no remote content, no inline or eval’d script, no plugins, no framing', () => {
    expect(csp).not.toMatch(/https?:|\*|'unsafe-eval'/);
    expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
  });

  it('is the same in renderer/index.html’s meta tag (minus frame-ancestors, which meta ignores)', () => {
    const html = readFileSync(new URL('../../../renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(contentSecurityPolicy({ forMeta: true }));
  });

  it('adds only the dev server in development', () => {
    expect(contentSecurityPolicy({ devServer: 'http://localhost:5173' })).toContain("connect-src 'self' http://localhost:5173 ws://localhost:5173");
  });
});
