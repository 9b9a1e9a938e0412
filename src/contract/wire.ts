/**
 * JSON encoding for serve mode: Uint8Array values (PNG, PDF bytes) become {"$bytes": base64} and
 * back. Uses Buffer in Node and, in the page, the browser's native base64
 * (Uint8Array.prototype.toBase64 / Uint8Array.fromBase64, Chromium 140+: a 2 MB webcam frame
 * encodes in ~2 ms instead of ~150 ms through a binary string and btoa), then btoa, then a
 * portable codec; no Node or DOM types, so the same file compiles for both and the renderer
 * imports it as is. (A JSON replacer cannot do this: JSON.stringify
 * applies Buffer's toJSON before the replacer sees the value.)
 */
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) LOOKUP[B64.charCodeAt(i)] = i;

type Btoa = (data: string) => string;
/** Node's Buffer when this runs in Node (the server side); the page has none. */
type NodeBuffer = { from(data: ArrayBufferLike | string, offsetOrEncoding?: number | string, length?: number): Uint8Array & { toString(enc: string): string } };
const NodeBuf = (globalThis as { Buffer?: NodeBuffer }).Buffer;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
type NativeEncode = (this: Uint8Array) => string;
type NativeDecode = (text: string) => Uint8Array;
const nativeEncode = (Uint8Array.prototype as unknown as { toBase64?: NativeEncode }).toBase64;
const nativeDecode = (Uint8Array as unknown as { fromBase64?: NativeDecode }).fromBase64;

export function bytesToBase64(bytes: Uint8Array): string {
  if (NodeBuf) return NodeBuf.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  if (nativeEncode) return nativeEncode.call(bytes);
  const btoa = (globalThis as { btoa?: Btoa }).btoa;
  if (!btoa) return encodeBase64Portable(bytes);
  // Native btoa over a binary string built in chunks (fromCharCode's argument list stays small).
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array {
  if (!NodeBuf) {
    if (!nativeDecode) return decodeBase64Portable(text);
    try {
      return nativeDecode(text); // already rejects characters outside the alphabet and a 1-character last chunk
    } catch {
      throw new Error('invalid base64');
    }
  }
  // Buffer skips invalid characters silently; check first so both paths reject the same input.
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) throw new Error('invalid base64');
  const b = NodeBuf.from(text, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Table-driven encoder for environments with neither Buffer nor btoa. */
export function encodeBase64Portable(bytes: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out.push(B64[(n >> 18) & 63], B64[(n >> 12) & 63], i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=', i + 2 < bytes.length ? B64[n & 63] : '=');
  }
  return out.join('');
}

export function decodeBase64Portable(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  if (clean.length % 4 === 1) throw new Error('invalid base64 length');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let n = 0;
    const len = Math.min(4, clean.length - i);
    for (let j = 0; j < 4; j++) {
      const code = j < len ? clean.charCodeAt(i + j) : 65; // 'A' pads with zero bits
      const v = code < 128 ? LOOKUP[code] : -1;
      if (v < 0) throw new Error('invalid base64 character');
      n = (n << 6) | v;
    }
    out[o++] = (n >> 16) & 255;
    if (len > 2) out[o++] = (n >> 8) & 255;
    if (len > 3) out[o++] = n & 255;
  }
  return out;
}

/** A deep copy with every Uint8Array replaced by {$bytes: base64}, ready for JSON.stringify. */
export function toWire(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: bytesToBase64(value) };
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toWire(v);
    return out;
  }
  return value;
}

/** A body the wire decoder refuses (a prototype key, nesting too deep, bad base64). */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/**
 * Keys that would reach Object.prototype through plain assignment (`out['__proto__'] = …` sets
 * the prototype) or confuse code that reads them. No channel uses them, so they are refused.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Deeper than any contract value (the deepest, a robustness result, is under 10 levels). */
export const WIRE_MAX_DEPTH = 64;

/** Throws WireError for a key fromWire refuses. */
export function checkWireKey(key: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw new WireError(`the key "${key}" is not allowed`);
}

/** The decoder behind fromWire, parameterised by the base64 decoder (tests feed it others). */
export function wireDecoder(decode: (text: string) => Uint8Array): (value: unknown) => unknown {
  const walk = (value: unknown, depth: number): unknown => {
    if (depth > WIRE_MAX_DEPTH) throw new WireError(`nested deeper than ${WIRE_MAX_DEPTH} levels`);
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === '$bytes' && typeof o.$bytes === 'string') {
        try {
          return decode(o.$bytes);
        } catch (e) {
          throw new WireError((e as Error).message);
        }
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        checkWireKey(k);
        out[k] = walk(o[k], depth + 1);
      }
      return out;
    }
    return value;
  };
  return (value) => walk(value, 0);
}

/** The inverse of toWire, applied to parsed JSON; refuses prototype keys (WireError). */
export const fromWire: (value: unknown) => unknown = wireDecoder(base64ToBytes);
