/**
 * A patch PNG with its JSON as `printshot patch` (src/services/patch-job.ts) writes them, without
 * training: random pixels from a fixed seed, target Sandal (5), size 0.1, the training ranges
 * `patch apply` draws placements from. For tests of patch apply and of resuming its runs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodePng } from '../../src/images';
import { createRng } from '../../src/shared';

/** Writes DIR/patch-t5-s10.png (p×p, grey) and DIR/patch-t5-s10.json for the model `fingerprint`; returns the PNG's path. */
export async function writeFakePatch(dir: string, fingerprint: string, p = 9): Promise<string> {
  await mkdir(dir, { recursive: true });
  const rng = createRng('fake-patch');
  const png = join(dir, 'patch-t5-s10.png');
  await writeFile(png, await encodePng({ width: p, height: p, channels: 1, data: Uint8Array.from({ length: p * p }, () => Math.floor(rng.next() * 256)) }));
  await writeFile(join(dir, 'patch-t5-s10.json'), JSON.stringify({
    model: { name: 'bundled', fingerprint }, target: { index: 5, name: 'Sandal' }, params: { size: 0.1, scaleJitter: 0.1, rotationDeg: 20 }, png: 'patch-t5-s10.png',
    evaluation: { success: { count: 3, total: 10, rate: 0.3, ci: null } },
  }));
  return png;
}
