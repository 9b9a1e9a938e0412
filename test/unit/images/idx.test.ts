import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/images';
import { findIdxFiles, parseIdx } from '../../../src/images/idx';

function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

/** Three 2×3 images whose pixels are (image index × 10 + pixel index), labels 2, 0, 1. */
function writeSplit(dir: string, prefix: string, gz: boolean, labels = [2, 0, 1]) {
  const pixels = Uint8Array.from({ length: 3 * 6 }, (_, k) => Math.floor(k / 6) * 10 + (k % 6));
  const enc = (b: Buffer) => (gz ? gzipSync(b) : b);
  const ext = gz ? '.gz' : '';
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte${ext}`), enc(idx([3, 2, 3], pixels)));
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), enc(idx([3], Uint8Array.from(labels))));
}

const labels = ['a', 'b', 'c'];
const opts = { height: 2, width: 3, channels: 1 as const };

describe('IDX image sets', () => {
  it.each([true, false])('loads the test split of a folder (gzip %s) with labels and exact pixels', async (gz) => {
    const dir = mkdtempSync(join(tmpdir(), 'idx-'));
    writeSplit(dir, 't10k', gz);
    writeSplit(dir, 'train', gz, [1, 1, 1]);
    const ds = await loadDataset(dir, labels, opts);
    expect(ds.source).toBe('idx');
    expect(ds.items.map((i) => i.label)).toEqual([2, 0, 1]);
    expect(ds.items.map((i) => i.relPath)).toEqual(['t10k/0.png', 't10k/1.png', 't10k/2.png']);
    expect(Array.from(ds.items[1].image.data)).toEqual([10, 11, 12, 13, 14, 15]);
    expect(ds.items[0].image).toMatchObject({ width: 3, height: 2, channels: 1 });
  });

  it('opens another split when its images file is named, and converts to 3 channels', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idx-'));
    writeSplit(dir, 'train', true, [1, 1, 2]);
    const ds = await loadDataset(join(dir, 'train-images-idx3-ubyte.gz'), labels, { ...opts, channels: 3 });
    expect(ds.items.map((i) => i.label)).toEqual([1, 1, 2]);
    expect(ds.items[0].relPath).toBe('train/0.png');
    expect(Array.from(ds.items[2].image.data.slice(0, 6))).toEqual([20, 20, 20, 21, 21, 21]);
  });

  it('is not an IDX set when a folder has no t10k files', async () => {
    expect(await findIdxFiles(mkdtempSync(join(tmpdir(), 'idx-')))).toBeNull();
  });

  it('rejects bad files with specific messages', async () => {
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0]), 'f')).toThrow(/not an unsigned-byte IDX/);
    expect(() => parseIdx(idx([2, 2], Uint8Array.from([1, 2, 3])), 'f')).toThrow(/2×2 = 4 bytes, file has 3/);
    const dir = mkdtempSync(join(tmpdir(), 'idx-'));
    writeSplit(dir, 't10k', false, [0, 5, 1]);
    await expect(loadDataset(dir, labels, opts)).rejects.toThrow(/label 5 at index 1, but the model has 3 classes/);
    await expect(loadDataset(dir, labels, { ...opts, width: 28, height: 28 })).rejects.toThrow(/images are 3×2, the model expects 28×28/);
    const lone = mkdtempSync(join(tmpdir(), 'idx-'));
    writeFileSync(join(lone, 't10k-images-idx3-ubyte.gz'), gzipSync(idx([1, 1, 1], Uint8Array.from([0]))));
    await expect(loadDataset(lone, labels, opts)).rejects.toThrow(/no t10k-labels-idx1-ubyte/);
    writeFileSync(join(lone, 't10k-labels-idx1-ubyte.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    await expect(loadDataset(lone, labels, opts)).rejects.toThrow(/corrupt gzip data/);
  });
});
