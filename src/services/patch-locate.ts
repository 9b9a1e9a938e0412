/**
 * Where a pasted patch is, from image pixels to the printed page to the photo (issue 19 §3,
 * "registration that locates the patch").
 *
 *   image px (u, v) ──cell──▶ page mm ──homography (page mm → photo px, from registration)──▶ photo px
 *
 * A patch run records each image's placement (centre, side, rotation: src/patches/placement.ts)
 * and the patch's corners in image pixels (placementQuad). A cell shows its image's pixel grid
 * stretched over the cell's rectangle, pixel edges on the cell's edges, so image point (u, v) lands
 * at (xMm + u·widthMm/pixelWidth, yMm + v·heightMm/pixelHeight). On a patch-alone sheet the cell is
 * the patch, so its quad is the whole cell. Pure arithmetic, no I/O except reading manifests in
 * locatePatchesInEntry.
 */
import type { Placement } from '../patches';
import { applyHomography, type Point } from '../registration/homography';
import type { CaptureEntry } from '../registration/captures-log';
import type { CellPlacement, SheetLayout } from '../sheets/types';
import { listRuns, readRunManifest, type RunManifest } from '../workspace';

/** The method id of a patch run (src/services/patch-apply.ts). */
export const PATCH_METHOD = 'patch';
/** relPath prefix of a patch-alone sheet's cell (src/services/patch-sheet.ts). */
export const PATCH_ALONE_PREFIX = 'patch-alone/';

export type Quad = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The patch's corners in image pixels, in the patch's own TL, TR, BR, BL order: the centre plus
 * the rotation R(angle) of (±side/2, ±side/2), the inverse of placementTaps' resampling map.
 */
export function placementQuad(p: Placement): Quad {
  const c = Math.cos(p.angle);
  const s = Math.sin(p.angle);
  const h = p.side / 2;
  const corner = (dx: number, dy: number): [number, number] => [p.cx + c * dx - s * dy, p.cy + s * dx + c * dy];
  return [corner(-h, -h), corner(h, -h), corner(h, h), corner(-h, h)];
}

/** Image point (u, v) of a cell's image, in page mm. */
export function cellToPage(cell: Pick<CellPlacement, 'xMm' | 'yMm' | 'widthMm' | 'heightMm' | 'pixelWidth' | 'pixelHeight'>, [u, v]: readonly [number, number]): Point {
  return { x: cell.xMm + (u * cell.widthMm) / cell.pixelWidth, y: cell.yMm + (v * cell.heightMm) / cell.pixelHeight };
}

/** An image-pixel quad of a cell mapped into the photo through the page → photo homography. */
export function quadInPhoto(homography: readonly number[], cell: CellPlacement, quad: readonly (readonly [number, number])[]): Point[] {
  return quad.map((q) => applyHomography(homography as number[], cellToPage(cell, q)));
}

/** The whole cell as a quad in its image's pixels (a patch-alone cell: the patch fills it). */
export function wholeCellQuad(cell: Pick<CellPlacement, 'pixelWidth' | 'pixelHeight'>): Quad {
  return [[0, 0], [cell.pixelWidth, 0], [cell.pixelWidth, cell.pixelHeight], [0, cell.pixelHeight]];
}

export type LocatedPatch = NonNullable<CaptureEntry['patches']>[number];

/**
 * The patches of one registered photo: every adversarial cell of a patch run whose manifest
 * records the image's placement, and every patch-alone cell. `manifests` maps a run folder
 * ('adversarial/patch-eps255') to its manifest.
 */
export function locatePatches(homography: readonly number[], layout: SheetLayout, manifests: ReadonlyMap<string, RunManifest>): LocatedPatch[] {
  const out: LocatedPatch[] = [];
  for (const cell of layout.cells) {
    let quad: readonly (readonly [number, number])[] | undefined;
    if (cell.relPath.startsWith(PATCH_ALONE_PREFIX)) quad = wholeCellQuad(cell);
    else if (cell.role === 'adversarial' && cell.run) quad = manifests.get(cell.run)?.images.find((im) => im.relPath === cell.relPath)?.placement?.quad;
    if (!quad) continue;
    const corners = quadInPhoto(homography, cell, quad).map(({ x, y }) => ({ x, y }));
    out.push({ cell: cell.index, ...(cell.run ? { run: cell.run } : {}), relPath: cell.relPath, corners });
  }
  return out;
}

/** The patches of an accepted capture entry, reading the experiment's patch-run manifests; [] when none. */
export async function locatePatchesInEntry(dir: string, entry: Pick<CaptureEntry, 'homography' | 'status'>, layout: SheetLayout | undefined): Promise<LocatedPatch[]> {
  if (entry.status !== 'accepted' || !entry.homography || !layout) return [];
  const wanted = new Set(layout.cells.flatMap((c) => (c.run ? [c.run] : [])));
  const manifests = new Map<string, RunManifest>();
  for (const run of await listRuns(dir)) {
    if (run.method !== PATCH_METHOD || !wanted.has(run.dir)) continue;
    manifests.set(run.dir, await readRunManifest(dir, run));
  }
  return locatePatches(entry.homography, layout, manifests);
}
