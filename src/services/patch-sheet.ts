/**
 * `printshot patch sheet`: the patch alone, printed at an exact physical size with the QR corner
 * markers and calibration strip of every sheet (docs/sheets.md), so a photo of it registers like
 * any sheet and the patch can be photographed in a scene (Brown et al.'s physical test: the patch
 * printed and placed beside an object).
 *
 * The patch (by default the one the experiment's patch run pasted, or any patch PNG written by
 * `printshot patch`, copied into patches/ unless it lies there already) fills `copies` cells of `sizeMm` × `sizeMm`: one
 * patch pixel spans sizeMm / p millimetres. Its cells carry the relPath `patch-alone/<name>-<k>` and
 * label −1 (no true class), which registration uses to locate the whole cell as the patch
 * (patch-locate.ts). The sheet with the patch pasted onto clean images is the ordinary sheet of
 * the patch run: `printshot sheet --experiment EXP --method patch`.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { decodeImage } from '../images';
import { cameraSampling, layoutSheets, type CameraSampling, type PaperName, type SheetImageRef } from '../sheets/layout';
import { writeSheetsPdf } from '../sheets/node/pdf';
import type { SheetLayout } from '../sheets/types';
import { PrintshotError } from '../shared';
import { listRuns, openExperiment, readRunManifest, resolveInExperiment, sha256 } from '../workspace';
import { PATCH_ALONE_PREFIX, PATCH_METHOD } from './patch-locate';
import { readPatchRecord } from './patch-apply';

export interface PatchSheetRequest {
  experiment: string;
  /** A patch PNG (outside the experiment: copied into patches/); default: the one the experiment's patch run pasted. */
  patch?: string;
  /** Side of the printed patch in mm. */
  sizeMm: number;
  /** Patch copies on the sheet (default 1). */
  copies?: number;
  paper?: PaperName;
  landscape?: boolean;
  calibration?: boolean;
  /** Output PDF (default EXP/sheets/<patch name>-<size>mm.pdf). */
  out?: string;
  cameraPx?: { width: number; height: number };
  now?: Date;
}

export interface PatchSheetResult {
  pdf: string;
  layoutFile: string;
  layouts: SheetLayout[];
  /** The patch as printed (relative to the experiment) and its side. */
  patchFile: string;
  sizeMm: number;
  /** Patch pixels per mm on paper, and how a whole-sheet photo at cameraPx samples it. */
  pixelMm: number;
  camera: CameraSampling;
  pdfSha256: string;
}

async function patchInExperiment(dir: string, given: string | undefined): Promise<string> {
  if (given === undefined) {
    // The patch a patch run pasted (patches/ also holds the other sizes of its curve).
    const pasted = new Set<string>();
    for (const run of await listRuns(dir)) {
      if (run.method !== PATCH_METHOD || run.status !== 'complete') continue;
      const p = (await readRunManifest(dir, run)).params.patch;
      if (typeof p === 'string') pasted.add(p);
    }
    if (pasted.size !== 1) {
      throw new PrintshotError('bad-argument', pasted.size ? `${dir}: its patch runs pasted ${pasted.size} patches: ${[...pasted].join(', ')}` : `${dir}: no patch run to take the patch from`, pasted.size ? 'choose one with --patch' : 'paste one first (printshot patch apply), or give --patch FILE.png');
    }
    return [...pasted][0];
  }
  const inside = relative(resolve(dir), resolve(given)).split(sep).join('/');
  if (inside.startsWith('patches/')) return inside; // trained in the experiment (the workbench): printed in place
  const rel = `patches/${basename(given)}`;
  const dest = resolveInExperiment(dir, rel);
  const have = await readFile(dest).catch(() => null);
  const bytes = await readFile(given).catch((e: NodeJS.ErrnoException) => {
    throw new PrintshotError('io', `${given}: cannot read (${e.code ?? e.message})`);
  });
  if (have && sha256(have) !== sha256(bytes)) throw new PrintshotError('bad-experiment', `${dest} holds another patch of the same name`);
  if (!have) {
    await readPatchRecord(given); // a PNG without its record is not a patch Printshot can report on
    await mkdir(resolveInExperiment(dir, 'patches'), { recursive: true });
    await copyFile(given, dest);
    await copyFile(given.replace(/\.png$/i, '.json'), dest.replace(/\.png$/i, '.json'));
  }
  return rel;
}

export async function runPatchSheetJob(req: PatchSheetRequest): Promise<PatchSheetResult> {
  if (!(req.sizeMm > 0)) throw new PrintshotError('bad-argument', `--size-mm must be a length in mm > 0 (got ${req.sizeMm})`);
  const copies = req.copies ?? 1;
  if (!Number.isInteger(copies) || copies < 1 || copies > 50) throw new PrintshotError('bad-argument', `--copies must be a whole number in 1–50 (got ${req.copies})`);
  if (req.out !== undefined && !/\.pdf$/i.test(req.out)) throw new PrintshotError('bad-argument', `--out ${req.out}: must end in .pdf`);
  const dir = req.experiment;
  const exp = await openExperiment(dir);
  const rel = await patchInExperiment(dir, req.patch);
  const bytes = await readFile(resolveInExperiment(dir, rel));
  const img = await decodeImage(bytes, {}, rel);
  if (img.width !== img.height) throw new PrintshotError('bad-argument', `${rel}: a patch is square, this image is ${img.width}×${img.height}`);
  const stem = basename(rel, '.png');
  const ref = (k: number): SheetImageRef => ({ relPath: `${PATCH_ALONE_PREFIX}${stem}-${k + 1}`, file: rel, sha256: sha256(bytes), label: -1, pixelWidth: img.width, pixelHeight: img.height });
  const createdAt = (req.now ?? new Date()).toISOString();
  const layouts = layoutSheets({
    experimentId: exp.id,
    images: Array.from({ length: copies }, (_, k) => ref(k)),
    paper: req.paper,
    orientation: req.landscape ? 'landscape' : 'portrait',
    cellMm: req.sizeMm,
    calibration: req.calibration,
    labels: false,
    header: { experiment: `${exp.name} (${exp.id.slice(0, 8)})`, attack: `patch ${stem}, ${req.sizeMm} mm`, date: createdAt.slice(0, 10) },
    createdAt,
  });
  const cell = layouts[0].cells[0];
  // layoutSheets shrinks a cell that does not fit the page: a patch must print at the size asked.
  if (Math.abs(cell.widthMm - req.sizeMm) > 1e-6) {
    throw new PrintshotError('bad-argument', `a ${req.sizeMm} mm patch does not fit the page with its markers (at most ${cell.widthMm.toFixed(1)} mm)`, 'use a smaller --size-mm, --paper letter or --landscape');
  }
  const out = req.out ?? join(dir, 'sheets', `${stem}-${req.sizeMm}mm.pdf`);
  const written = await writeSheetsPdf(out, layouts, { loadImage: async () => img, labels: false });
  return {
    pdf: written.pdf, layoutFile: written.layoutFile, layouts, patchFile: rel, sizeMm: req.sizeMm, pixelMm: req.sizeMm / img.width,
    camera: cameraSampling(layouts[0], req.cameraPx), pdfSha256: written.pdfSha256,
  };
}
