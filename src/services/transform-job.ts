/**
 * `printshot transform`: apply one synthetic transform to every image of a folder and write the
 * results as lossless PNGs at the same relative paths. Images keep their own size and channels.
 * Outputs are written atomically; the output folder must not be the input folder.
 */
import { resolve } from 'node:path';
import { readImage8, writePng } from '../images';
import { listImageFiles } from '../images/list';
import { createRng, PrintshotError } from '../shared';
import { applyTransform8, formatTransformSpec, getTransform, parseTransformSpec } from '../transforms';
import { pngRelPath } from '../workspace';

export interface TransformJobResult {
  spec: string;
  images: number;
  out: string;
}

export async function runTransformJob(opts: {
  images: string;
  transform: string;
  out: string;
  seed?: number | string;
  onProgress?: (done: number, total: number) => void;
}): Promise<TransformJobResult> {
  const specs = parseTransformSpec(opts.transform);
  if (specs.length !== 1) {
    throw new PrintshotError('bad-argument', `'${opts.transform}' expands to ${specs.length} settings; transform takes exactly one (use evaluate for sweeps)`);
  }
  if (resolve(opts.images) === resolve(opts.out)) {
    throw new PrintshotError('bad-argument', '--out must differ from --images: originals are never overwritten');
  }
  const spec = specs[0];
  const desc = getTransform(spec.id);
  const files = await listImageFiles(opts.images);
  const rng = createRng(opts.seed ?? 0);
  for (const [i, rel] of files.entries()) {
    const img = await readImage8(`${opts.images}/${rel}`);
    const [out] = await applyTransform8(desc, [img], spec.params, rng);
    await writePng(`${opts.out}/${pngRelPath(rel)}`, out);
    opts.onProgress?.(i + 1, files.length);
  }
  return { spec: formatTransformSpec(spec), images: files.length, out: opts.out };
}
