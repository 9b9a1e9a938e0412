/**
 * The page has no Buffer: src/contract/wire.ts then encodes with the browser's native base64
 * (Uint8Array.prototype.toBase64 / Uint8Array.fromBase64), the reason the renderer once kept its
 * own copy (wire-fast.ts). Loaded here without Buffer and with stand-ins for the native
 * functions, it must use them and produce exactly what the Node path does, errors included.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nodeWire from '../../src/contract/wire';

const NodeBuffer = globalThis.Buffer;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const nativeEncode = vi.fn(function (this: Uint8Array) {
  return NodeBuffer.from(this).toString('base64');
});
const nativeDecode = vi.fn((text: string) => {
  if (!BASE64.test(text)) throw new SyntaxError('not base64'); // as Chromium's fromBase64 throws
  return new Uint8Array(NodeBuffer.from(text, 'base64'));
});

async function pageWire(): Promise<typeof nodeWire> {
  Object.defineProperty(Uint8Array.prototype, 'toBase64', { value: nativeEncode, configurable: true });
  Object.defineProperty(Uint8Array, 'fromBase64', { value: nativeDecode, configurable: true });
  vi.resetModules();
  vi.stubGlobal('Buffer', undefined);
  try {
    return await import('../../src/contract/wire');
  } finally {
    vi.unstubAllGlobals(); // the module read its globals when it loaded
  }
}

afterEach(() => {
  delete (Uint8Array.prototype as { toBase64?: unknown }).toBase64;
  delete (Uint8Array as { fromBase64?: unknown }).fromBase64;
  vi.resetModules();
});

describe('the wire encoding in the page (no Buffer, native base64)', () => {
  it('uses the native functions and matches the Node encoding both ways', async () => {
    const page = await pageWire();
    const value = { photos: [{ name: 'a.png', bytes: new Uint8Array([0, 1, 2, 250, 255, 7, 9]), source: 'webcam', skip: undefined }], n: 3 };
    const wire = page.toWire(value);
    expect(nativeEncode).toHaveBeenCalled();
    expect(wire).toEqual(nodeWire.toWire(value));
    const parsed = JSON.parse(JSON.stringify(wire));
    expect(page.fromWire(parsed)).toEqual(nodeWire.fromWire(parsed));
    expect(nativeDecode).toHaveBeenCalledWith('AAEC+v8HCQ==');
  });

  it('refuses bad base64 with the contract’s WireError and message', async () => {
    const page = await pageWire();
    expect(() => page.base64ToBytes('***')).toThrow('invalid base64');
    expect(() => page.fromWire({ a: { $bytes: '***' } })).toThrow(page.WireError);
    expect(() => page.fromWire({ __proto__: null, constructor: 1 })).toThrow('the key "constructor" is not allowed');
  });
});
