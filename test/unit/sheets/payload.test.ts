import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { decodeMarkerPayload, encodeMarkerPayload, experimentPrefix } from '../../../src/sheets/payload';

const EXP = '3f2a9c01-b7e4-4c1d-9a55-0123456789ab';

describe('marker payload', () => {
  it('round-trips every corner and keeps the sheet index 0-based outside the text', () => {
    for (const corner of [0, 1, 2, 3] as const) {
      const text = encodeMarkerPayload({ experimentId: EXP, sheetId: '1A2B3C4D', sheetIndex: 4, sheetCount: 12, corner });
      expect(text).toBe(`PS1:3F2A9C01B7E4:1A2B3C4D:5/12:${corner}`);
      expect(decodeMarkerPayload(text)).toEqual({ experiment: '3F2A9C01B7E4', sheetId: '1A2B3C4D', sheetIndex: 4, sheetCount: 12, corner });
    }
    expect(experimentPrefix(EXP)).toBe('3F2A9C01B7E4');
  });

  it('fits a version-2 QR code at level M up to 999 sheets (alphanumeric mode)', () => {
    for (const n of [1, 99, 999]) {
      const text = encodeMarkerPayload({ experimentId: EXP, sheetId: 'FFFFFFFF', sheetIndex: n - 1, sheetCount: n, corner: 3 });
      expect(QRCode.create(text, { errorCorrectionLevel: 'M' }).version).toBeLessThanOrEqual(2);
    }
  });

  it('rejects foreign and malformed text', () => {
    for (const text of [
      '',
      'https://example.com/',
      'PS1:3F2A9C01B7E4:1A2B3C4D:5/12',
      'PS2:3F2A9C01B7E4:1A2B3C4D:5/12:0',
      'ps1:3f2a9c01b7e4:1a2b3c4d:5/12:0',
      'PS1:3F2A9C01B7E4:1A2B3C4D:13/12:0',
      'PS1:3F2A9C01B7E4:1A2B3C4D:0/12:0',
      'PS1:3F2A9C01B7E4:1A2B3C4D:5/12:4',
      'PS1:3F2A9C01B7:1A2B3C4D:5/12:0',
      'PS1:3F2A9C01B7E4:1A2B3C4D:5/12:0 ',
    ]) {
      expect(decodeMarkerPayload(text), text).toBeNull();
    }
  });

  it('refuses to encode out-of-range fields', () => {
    const ok = { experimentId: EXP, sheetId: 'AB12', sheetIndex: 0, sheetCount: 1, corner: 0 as const };
    expect(() => encodeMarkerPayload({ ...ok, sheetIndex: 1 })).toThrow(/sheet index/);
    expect(() => encodeMarkerPayload({ ...ok, sheetId: 'ab12' })).toThrow(/sheet id/);
    expect(() => encodeMarkerPayload({ ...ok, experimentId: 'not-an-id' })).toThrow(/experiment id/);
  });
});
