/**
 * Hand-built sheet layouts for registration and simulator tests (independent of src/sheets'
 * layout engine): A4 portrait, 10 mm margin, version-2 QR markers of 2 mm modules in the
 * corners, and a grid of 25 mm cells holding 28x28 Fashion-MNIST samples in clean/adv pairs.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { readImage8 } from '../../../src/images';
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
