/** Capture protocols: condition tags, the built-in templates and which conditions are still missing. */
import { describe, expect, it } from 'vitest';
import { builtinProtocol, conditionKey, missingConditions, parseCondition, parseProtocol, PROTOCOLS } from '../../../src/registration/protocol';
import { PrintshotError } from '../../../src/shared';
import { CapturesLogSchema } from '../../../src/registration/captures-log';

describe('capture protocol', () => {
  it('parses key=value tags and keys them independently of order', () => {
    const c = parseCondition(' distance=5ft , angle=15,lighting=window ');
    expect(c).toEqual({ distance: '5ft', angle: '15', lighting: 'window' });
    expect(conditionKey(c)).toBe('angle=15,distance=5ft,lighting=window');
    expect(conditionKey(parseCondition('lighting=window,angle=15,distance=5ft'))).toBe(conditionKey(c));
    expect(conditionKey(undefined)).toBe('');
    for (const bad of ['', 'distance', '=5', 'a=1,a=2', 'distance=']) expect(() => parseCondition(bad)).toThrow(PrintshotError);
  });

  it('has the Kurakin single condition and the RP2 7 distances × 3 angles grid', () => {
    expect(PROTOCOLS.kurakin.conditions).toEqual([{ setup: 'paper' }]);
    const rp2 = builtinProtocol('rp2')!;
    expect(rp2.conditions).toHaveLength(21);
    expect(rp2.conditions[0]).toEqual({ distance: '5ft', angle: '0' });
    expect(rp2.conditions.at(-1)).toEqual({ distance: '40ft', angle: '30' });
    expect(new Set(rp2.conditions.map(conditionKey)).size).toBe(21);
    expect(builtinProtocol('toString')).toBeNull();
  });

  it('lists the conditions no accepted photo carries (extra tags allowed, rejected photos ignored)', () => {
    const p = parseProtocol({ name: 'mine', conditions: [{ distance: '5ft' }, { distance: '10ft' }, { distance: '20ft' }] }, 'p.json');
    const photos: { status: string; condition?: Record<string, string> }[] = [
      { status: 'accepted', condition: { distance: '5ft', camera: 'phone' } },
      { status: 'rejected', condition: { distance: '10ft' } },
      { status: 'accepted' },
    ];
    expect(missingConditions(p, photos)).toEqual([{ distance: '10ft' }, { distance: '20ft' }]);
    expect(() => parseProtocol({ conditions: [] }, 'p.json')).toThrow(/not a protocol file/);
    expect(() => parseProtocol({ conditions: [{ distance: 5 }] }, 'p.json')).toThrow(/not a protocol file/);
  });

  it('captures.json: the condition is additive (a log written before it still loads; a tagged entry keeps its tags)', () => {
    const entry = { id: 'a', source: '/p/a.jpg', original: 'captures/originals/a.jpg', sha256: 'x', status: 'accepted', markers: 4, otherCodes: 0, crops: [], registeredAt: '2026-01-01T00:00:00Z' };
    const log = { schemaVersion: 1, experimentId: 'e', counts: { photos: 2, accepted: 2, rejected: 0, duplicate: 0, byReason: {} }, photos: [entry, { ...entry, id: 'b', condition: { distance: '5ft' }, protocol: 'rp2' }] };
    const parsed = CapturesLogSchema.parse(log);
    expect(parsed.photos[0].condition).toBeUndefined();
    expect(parsed.photos[1]).toMatchObject({ condition: { distance: '5ft' }, protocol: 'rp2' });
    expect(CapturesLogSchema.safeParse({ ...log, photos: [{ ...entry, condition: { distance: 5 } }] }).success).toBe(false);
  });
});

