/**
 * The wire decoder (serve mode's JSON ⇄ bytes) is prototype-safe: `__proto__`, `constructor` and
 * `prototype` keys are refused at any depth, nothing reaches Object.prototype, and nesting is
 * bounded. The page runs the same decoder (renderer/src/bridge/http.ts imports src/contract/wire.ts).
 */
import { describe, expect, it } from 'vitest';
import { fromWire, WIRE_MAX_DEPTH, WireError } from '../../../src/contract';
import { isJsonContentType } from '../../../src/serve';

describe.each([
  ['fromWire', fromWire],
])('%s', (_name, decode) => {
  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key at any depth, polluting nothing', (key) => {
    for (const text of [`{"${key}":{"polluted":true}}`, `{"a":[{"b":{"${key}":{"polluted":true}}}]}`]) {
      expect(() => decode(JSON.parse(text))).toThrow(WireError);
      expect(() => decode(JSON.parse(text))).toThrow(`the key "${key}" is not allowed`);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('still decodes ordinary values and bytes', () => {
    expect(decode(JSON.parse('{"a":[1,{"$bytes":"AQID"}],"proto":"x","__proto":1}'))).toEqual({ a: [1, new Uint8Array([1, 2, 3])], proto: 'x', __proto: 1 });
  });

  it('refuses nesting deeper than the limit and bad base64 with a WireError', () => {
    const deep = JSON.parse('['.repeat(WIRE_MAX_DEPTH + 2) + ']'.repeat(WIRE_MAX_DEPTH + 2));
    expect(() => decode(deep)).toThrow(WireError);
    expect(() => decode({ x: { $bytes: 'no!' } })).toThrow(WireError);
  });
});

describe('isJsonContentType', () => {
  it('accepts exactly application/json, optionally with charset=utf-8', () => {
    for (const ok of ['application/json', 'APPLICATION/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"']) expect(isJsonContentType(ok), ok).toBe(true);
    for (const bad of [undefined, '', 'application/json-evil', 'application/jsonx', 'application/json; charset=latin1', 'application/json, text/plain', 'text/json', 'application/json; boundary=x']) {
      expect(isJsonContentType(bad), String(bad)).toBe(false);
    }
  });
});
