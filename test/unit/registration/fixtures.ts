/**
 * Hand-built sheet layouts for registration and simulator tests (independent of src/sheets'
 * layout engine): A4 portrait, 10 mm margin, version-2 QR markers of 2 mm modules in the
 * corners, and a grid of 25 mm cells holding 28x28 Fashion-MNIST samples in clean/adv pairs.
 */
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import QRCode from 'qrcode';
import sharp from 'sharp';
import { encodePng, readImage8 } from '../../../src/images';
import { renderSheet } from '../../../src/simulate';
import { createExperiment } from '../../../src/workspace';
import { init } from '../../fixtures/images/experiment';
import { makeImage8, type Image8 } from '../../../src/shared';
import { encodeMarkerPayload } from '../../../src/sheets/payload';
import type { CellPlacement, Corner, MarkerPlacement, SheetLayout } from '../../../src/sheets/types';

export const EXPERIMENT_ID = '3f2a9c01-b7e4-4c5d-9e8f-0123456789ab';
export const OTHER_EXPERIMENT_ID = 'aa11bb22-cc33-4d44-8e55-66778899aabb';

export interface FixtureOptions {
  experimentId?: string;
  sheetId?: string;
  sheetIndex?: number;
  sheetCount?: number;
  moduleMm?: number;
  cellMm?: number;
}

export function makeLayout(o: FixtureOptions = {}): SheetLayout {
  const experimentId = o.experimentId ?? EXPERIMENT_ID;
  const sheetId = o.sheetId ?? 'S1';
  const sheetIndex = o.sheetIndex ?? 0;
  const sheetCount = o.sheetCount ?? 1;
  const moduleMm = o.moduleMm ?? 2;
  const cellMm = o.cellMm ?? 25;
  const W = 210;
  const H = 297;
  const margin = 10;
  const markers: MarkerPlacement[] = ([0, 1, 2, 3] as Corner[]).map((corner) => {
    const payload = encodeMarkerPayload({ experimentId, sheetId, sheetIndex, sheetCount, corner });
    const modules = QRCode.create(payload, { errorCorrectionLevel: 'M' }).modules.size;
    const size = modules * moduleMm;
    const xMm = corner === 0 || corner === 3 ? margin : W - margin - size;
    const yMm = corner === 0 || corner === 1 ? margin : H - margin - size;
    return { corner, xMm, yMm, modules, moduleMm, payload };
  });
  const cells: CellPlacement[] = [];
  const slotW = 2 * cellMm + 2;
  const cols = 3;
  const x0 = (W - (cols * slotW + (cols - 1) * 5)) / 2;
  for (let row = 0; row < 5; row++) {
    for (let col = 0; col < cols; col++) {
      for (const side of [0, 1] as const) {
        const index = cells.length;
        const pair = row * cols + col;
        cells.push({
          index,
          xMm: x0 + col * (slotW + 5) + side * (cellMm + 2),
          yMm: 72 + row * (cellMm + 3),
          widthMm: cellMm,
          heightMm: cellMm,
          pixelWidth: 28,
          pixelHeight: 28,
          role: side === 0 ? 'clean' : 'adversarial',
          pair,
          relPath: `item-${pair}.png`,
          file: side === 0 ? `clean/item-${pair}.png` : `adversarial/fgsm-eps16/item-${pair}.png`,
          sha256: '0'.repeat(64),
          label: pair % 10,
          run: side === 0 ? undefined : 'adversarial/fgsm-eps16',
        });
      }
    }
  }
  return {
    schemaVersion: 1,
    experimentId,
    sheetId,
    sheetIndex,
    sheetCount,
    paper: { name: 'a4', orientation: 'portrait', widthMm: W, heightMm: H },
    marginMm: margin,
    header: [`test sheet ${sheetIndex + 1}/${sheetCount}`],
    markers,
    cells,
    createdAt: '2024-01-01T00:00:00.000Z',
  };
}

const SAMPLES = join(import.meta.dirname, '../../../assets/samples');

/** Fashion-MNIST samples (28x28 gray) for the cells; adversarial cells get a +-16 checker. */
export async function cellImages(layout: SheetLayout): Promise<Map<number, Image8>> {
  const files = readdirSync(SAMPLES).sort().flatMap((cls) => readdirSync(join(SAMPLES, cls)).sort().slice(0, 2).map((f) => join(SAMPLES, cls, f)));
  const out = new Map<number, Image8>();
  for (const cell of layout.cells) {
    const img = await readImage8(files[(cell.pair ?? cell.index) % files.length], { channels: 1 });
    out.set(cell.index, cell.role === 'adversarial' ? perturb(img) : img);
  }
  return out;
}

function perturb(img: Image8): Image8 {
  const data = img.data.map((v, i) => Math.min(255, Math.max(0, v + (((i % 28) + Math.floor(i / 28)) % 2 ? 16 : -16))));
  return makeImage8(img.width, img.height, 1, data);
}

/**
 * An experiment with two one-sheet layout files (S1, S2) and a folder of photos, one per gate:
 * a-p1 (S1, accepted), b-p1-copy (same bytes), c-p1-again (S1 again, JPEG), d-p2 (S2, accepted),
 * e-broken (not an image), f-foreign (another experiment's sheet), g-missing (S2 without its
 * top-left marker), and notes.txt (not a photo).
 */
export async function buildRegisterFixture(root: string): Promise<{ exp: string; photos: string; bytes: Record<string, Buffer> }> {
  const exp = join(root, 'exp');
  const photos = join(root, 'photos');
  const e = await createExperiment(exp, init());
  const s1 = makeLayout({ experimentId: e.id, sheetId: 'S1' });
  const s2 = makeLayout({ experimentId: e.id, sheetId: 'S2' });
  await mkdir(join(exp, 'sheets'), { recursive: true });
  await writeFile(join(exp, 'sheets', 'a.layout.json'), JSON.stringify([s1]));
  await writeFile(join(exp, 'sheets', 'b.layout.json'), JSON.stringify([s2]));
  const cells = await cellImages(s1);
  const r1 = await renderSheet(s1, cells, 4);
  const r2 = await renderSheet(s2, cells, 4);
  const hidden = makeImage8(r2.width, r2.height, 3, r2.data.slice());
  for (let y = 0; y < 75 * 4; y++) hidden.data.fill(255, y * r2.width * 3, y * r2.width * 3 + 75 * 4 * 3);
  const again = await renderSheet(s1, cells, 3.5);
  const bytes: Record<string, Buffer> = {};
  bytes['a-p1.png'] = await encodePng(r1);
  bytes['b-p1-copy.png'] = bytes['a-p1.png'];
  bytes['c-p1-again.jpg'] = await sharp(Buffer.from(again.data), { raw: { width: again.width, height: again.height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
  bytes['d-p2.png'] = await encodePng(r2);
  bytes['e-broken.jpg'] = Buffer.from('not a jpeg at all');
  bytes['f-foreign.png'] = await encodePng(await renderSheet(makeLayout({ experimentId: OTHER_EXPERIMENT_ID }), cells, 4));
  bytes['g-missing.png'] = await encodePng(hidden);
  await mkdir(photos, { recursive: true });
  for (const [name, b] of Object.entries(bytes)) await writeFile(join(photos, name), b);
  await writeFile(join(photos, 'notes.txt'), 'shot with the office lamp on');
  return { exp, photos, bytes };
}
