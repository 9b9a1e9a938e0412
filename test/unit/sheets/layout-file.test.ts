import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { layoutSheets, readSheetLayouts, parseSheetLayouts } from '../../../src/sheets/node';
import { tmp } from './helpers';

const dir = tmp('layout-file');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ref = (i: number) => ({ relPath: `${i}.png`, file: `clean/${i}.png`, sha256: '0'.repeat(64), label: 1, pixelWidth: 28, pixelHeight: 28 });
const layouts = layoutSheets({
  experimentId: '11111111-2222-4333-8444-555555555555',
  images: Array.from({ length: 60 }, (_, i) => ref(i)),
  header: { experiment: 'x', date: '2025-01-01' },
  createdAt: '2025-01-01T00:00:00.000Z',
});

describe('readSheetLayouts', () => {
  it('reads back what the layout wrote', async () => {
    const path = join(dir, 'ok.layout.json');
    writeFileSync(path, JSON.stringify(layouts));
    expect(await readSheetLayouts(path)).toEqual(layouts);
  });

  it('names the file and the first problem for invalid content', async () => {
    const path = join(dir, 'bad.layout.json');
    writeFileSync(path, '{"truncated": ');
    await expect(readSheetLayouts(path)).rejects.toThrow(/bad\.layout\.json: corrupt/);
    await expect(readSheetLayouts(join(dir, 'missing.json'))).rejects.toThrow(/cannot read/);
    const broken = structuredClone(layouts);
    broken[0].markers.pop();
    expect(() => parseSheetLayouts(broken, 'f')).toThrow(/f: not a valid sheet layout \(0\.markers/);
    expect(() => parseSheetLayouts(layouts.slice(1), 'f')).toThrow(/numbered/);
    expect(() => parseSheetLayouts([], 'f')).toThrow(/not a valid/);
  });
});
