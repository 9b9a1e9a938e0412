import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import sharp from 'sharp';
import { decodePng, encodePng, readImage8, rgbToGray, toChannels, writePng } from '../../../src/images';
import { makeImage8, PrintshotError } from '../../../src/shared';
import { sha256 } from '../../../src/workspace';
import { encodeWithSharp, pattern, pngWithHeader, tempDir } from '../../fixtures/images/make';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

async function expectBadImage(p: Promise<unknown>, ...parts: (string | RegExp)[]): Promise<PrintshotError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PrintshotError);
  const pe = err as PrintshotError;
  expect(pe.code).toBe('bad-image');
  expect(pe.message).not.toContain('\n');
  for (const part of parts) expect(pe.message).toMatch(part);
  return pe;
}

describe('encodePng / decodePng', () => {
  it.each([1, 3] as const)('round-trips %i-channel pixels exactly', async (channels) => {
    const img = pattern(17, 9, channels);
    const png = await encodePng(img);
    const meta = await sharp(png).metadata();
    expect(meta).toMatchObject({ format: 'png', channels, depth: 'uchar', hasAlpha: false });
    const back = await decodePng(png);
    expect(back).toMatchObject({ width: 17, height: 9, channels });
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
  });

  it('is deterministic (same pixels, same bytes)', async () => {
    const img = pattern(8, 8, 3);
    expect((await encodePng(img)).equals(await encodePng(img))).toBe(true);
  });

  it('writePng writes atomically and returns the file hash', async () => {
    const path = join(dir, 'a', 'b', 'x.png');
    const sha = await writePng(path, pattern(4, 4, 1));
    const bytes = await readFile(path);
    expect(sha).toBe(sha256(bytes));
    expect((await decodePng(bytes)).channels).toBe(1);
  });

  it('rejects inconsistent image data', async () => {
    await expect(encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).rejects.toThrow(/expected 2×2×3/);
  });
});

describe('readImage8', () => {
  async function file(name: string, bytes: Uint8Array): Promise<string> {
    const p = join(dir, name);
    await writeFile(p, bytes);
    return p;
  }

  it('reads RGB and gray PNGs with native channels by default', async () => {
    const rgb = pattern(5, 4, 3);
    const gray = pattern(5, 4, 1);
    const a = await readImage8(await file('rgb.png', await encodeWithSharp(rgb, 'png')));
    const b = await readImage8(await file('gray.png', await encodeWithSharp(gray, 'png')));
    expect(a.channels).toBe(3);
    expect(Buffer.from(a.data).equals(Buffer.from(rgb.data))).toBe(true);
    expect(b.channels).toBe(1);
    expect(Buffer.from(b.data).equals(Buffer.from(gray.data))).toBe(true);
  });

  it('converts RGB to gray with PIL luma and gray to RGB by replication', async () => {
    const rgb = makeImage8(2, 1, 3, new Uint8Array([255, 0, 0, 10, 200, 30]));
    const g = await readImage8(await file('c.png', await encodeWithSharp(rgb, 'png')), { channels: 1 });
    // PIL: L = (R*19595 + G*38470 + B*7471 + 32768) >> 16
    expect(Array.from(g.data)).toEqual([76, 124]);
    expect(Array.from(rgbToGray(rgb.data))).toEqual([76, 124]);

    const gray = makeImage8(2, 1, 1, new Uint8Array([7, 250]));
    const c = await readImage8(await file('g.png', await encodeWithSharp(gray, 'png')), { channels: 3 });
    expect(Array.from(c.data)).toEqual([7, 7, 7, 250, 250, 250]);
    expect(Array.from(toChannels(gray, 3).data)).toEqual([7, 7, 7, 250, 250, 250]);
  });

  it('flattens alpha onto white', async () => {
    const rgba = makeImage8(2, 1, 4, new Uint8Array([255, 0, 0, 0, 0, 0, 0, 255]));
    const img = await readImage8(await file('a.png', await encodeWithSharp(rgba, 'png')));
    expect(img.channels).toBe(3);
    expect(Array.from(img.data)).toEqual([255, 255, 255, 0, 0, 0]);
    expect(Array.from(toChannels(rgba, 3).data)).toEqual([255, 255, 255, 0, 0, 0]);
  });

  it('converts 16-bit PNGs to 8 bits', async () => {
    const rgb = pattern(6, 3, 3);
    const p = await file('16.png', await encodeWithSharp(rgb, 'png16'));
    expect((await sharp(p).metadata()).depth).toBe('ushort');
    const img = await readImage8(p);
    expect(Buffer.from(img.data).equals(Buffer.from(rgb.data))).toBe(true);
  });

  it('reads palette PNGs and JPEGs', async () => {
    const flat = makeImage8(4, 4, 3, new Uint8Array(48).fill(0).map((_, i) => [10, 20, 30][i % 3]));
    const pal = await sharp(Buffer.from(flat.data), { raw: { width: 4, height: 4, channels: 3 } }).png({ palette: true }).toBuffer();
    expect((await sharp(pal).metadata()).isPalette).toBe(true);
    expect(Array.from((await readImage8(await file('p.png', pal))).data.slice(0, 3))).toEqual([10, 20, 30]);

    const jpg = await readImage8(await file('x.jpg', await encodeWithSharp(pattern(16, 8, 3), 'jpeg')), { channels: 3 });
    expect(jpg).toMatchObject({ width: 16, height: 8, channels: 3 });
  });

  it('resizes to the requested size and logs it', async () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const prev = process.env.PRINTSHOT_LOG;
    process.env.PRINTSHOT_LOG = 'info';
    try {
      const p = await file('big.png', await encodeWithSharp(pattern(56, 40, 3), 'png'));
      const img = await readImage8(p, { channels: 1, width: 28, height: 28 });
      expect(img).toMatchObject({ width: 28, height: 28, channels: 1 });
      expect(img.data.length).toBe(28 * 28);
      expect(spy.mock.calls.map((c) => String(c[0])).join('')).toMatch(/resized 56×40 to 28×28/);
      // Same size: no resize, exact pixels.
      const same = await readImage8(p, { width: 56, height: 40 });
      expect(same.width).toBe(56);
    } finally {
      process.env.PRINTSHOT_LOG = prev;
      spy.mockRestore();
    }
  });

  it('rejects a 30000×30000 header before decoding, naming the file and its size', async () => {
    const p = await file('huge.png', pngWithHeader(30000, 30000));
    const t0 = Date.now();
    await expectBadImage(readImage8(p), p, /30000×30000/, /megapixels/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('honours a smaller maxPixels', async () => {
    const p = await file('m.png', await encodeWithSharp(pattern(10, 10, 1), 'png'));
    await expectBadImage(readImage8(p, { maxPixels: 99 }), /10×10/);
    expect((await readImage8(p, { maxPixels: 100 })).width).toBe(10);
  });

  it('rejects text, truncated PNGs, empty files and other formats', async () => {
    const txt = await file('notes.png', Buffer.from('hello, not an image\n'));
    await expectBadImage(readImage8(txt), `${txt}: not a PNG or JPEG image (`);

    const png = await encodeWithSharp(pattern(64, 64, 3), 'png');
    const cut = await file('cut.png', png.subarray(0, Math.floor(png.length / 2)));
    await expectBadImage(readImage8(cut), `${cut}: not a PNG or JPEG image (`);
    const header = await file('header.png', png.subarray(0, 20));
    await expectBadImage(readImage8(header), 'not a PNG or JPEG image');

    await expectBadImage(readImage8(await file('empty.png', new Uint8Array(0))), 'not a PNG or JPEG image');
    const webp = await file('w.webp', await encodeWithSharp(pattern(4, 4, 3), 'webp'));
    await expectBadImage(readImage8(webp), `${webp}: not a PNG or JPEG image (it is webp)`);
  });

  it('reports a missing file or a folder clearly', async () => {
    await expect(readImage8(join(dir, 'nope.png'))).rejects.toMatchObject({ code: 'io', message: expect.stringMatching(/nope\.png: cannot read \(file not found\)/) });
    await mkdir(join(dir, 'd.png'));
    await expectBadImage(readImage8(join(dir, 'd.png')), 'not a file');
  });

  it('validates options', async () => {
    const p = await file('o.png', await encodeWithSharp(pattern(4, 4, 1), 'png'));
    await expect(readImage8(p, { width: 3 })).rejects.toMatchObject({ code: 'bad-argument' });
    await expect(readImage8(p, { width: 0, height: 3 })).rejects.toMatchObject({ code: 'bad-argument' });
  });
});
