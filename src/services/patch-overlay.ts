/**
 * A debug image per registered photo holding a patch: the rectified page (captures/<id>/sheet.png,
 * written by register) with every located patch's outline drawn in red, as captures/<id>/patches.png.
 * The outline is the patch's quad on the page (image px → page mm, patch-locate.ts), scaled by the
 * rectified image's pixels per mm, so a misplaced outline shows a wrong placement record or a bad
 * cell mapping at a glance. The rectified page itself is left as register wrote it.
 */
import { decodePng, writePng } from '../images';
import type { CaptureEntry } from '../registration/captures-log';
import type { SheetLayout } from '../sheets/types';
import type { Image8 } from '../shared';
import { readFile } from 'node:fs/promises';
import { resolveInExperiment, type RunManifest } from '../workspace';
import { cellToPage, PATCH_ALONE_PREFIX, wholeCellQuad } from './patch-locate';

const RED = [230, 30, 30] as const;

/** Draws a closed polygon (pixel coordinates) into an RGB image, 2 px wide. */
export function drawPolygon(img: { width: number; height: number; data: Uint8Array }, pts: readonly { x: number; y: number }[]): void {
  const plot = (x: number, y: number) => {
    for (let dy = 0; dy < 2; dy++) {
      for (let dx = 0; dx < 2; dx++) {
        const px = Math.round(x) + dx;
        const py = Math.round(y) + dy;
        if (px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
        img.data.set(RED, (py * img.width + px) * 3);
      }
    }
  };
  pts.forEach((a, i) => {
    const b = pts[(i + 1) % pts.length];
    const n = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y)));
    for (let k = 0; k <= n; k++) plot(a.x + ((b.x - a.x) * k) / n, a.y + ((b.y - a.y) * k) / n);
  });
}

/** Writes captures/<id>/patches.png for an accepted photo with located patches; returns its path, or null. */
export async function writePatchOverlay(dir: string, entry: CaptureEntry, layout: SheetLayout, manifests: ReadonlyMap<string, RunManifest>): Promise<string | null> {
  if (!entry.rectified || !entry.patches?.length) return null;
  const page: Image8 = await decodePng(await readFile(resolveInExperiment(dir, entry.rectified)), { channels: 3 });
  const scale = page.width / layout.paper.widthMm;
  const img = { width: page.width, height: page.height, data: Uint8Array.from(page.data) };
  for (const q of entry.patches) {
    const cell = layout.cells.find((c) => c.index === q.cell);
    if (!cell) continue;
    const quad = cell.relPath.startsWith(PATCH_ALONE_PREFIX) ? wholeCellQuad(cell) : manifests.get(q.run ?? '')?.images.find((im) => im.relPath === q.relPath)?.placement?.quad;
    if (!quad) continue;
    drawPolygon(img, quad.map((p) => {
      const mm = cellToPage(cell, p);
      return { x: mm.x * scale, y: mm.y * scale };
    }));
  }
  const file = `captures/${entry.id}/patches.png`;
  await writePng(resolveInExperiment(dir, file), { width: img.width, height: img.height, channels: 3, data: img.data });
  return file;
}
