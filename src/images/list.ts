/**
 * Every PNG/JPEG file under a folder, as sorted '/'-separated relative paths, for commands that
 * need images but no labels (`printshot transform`).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PrintshotError } from '../shared';
import { compareCodePoints } from './dataset';

const IMAGE_EXT = /\.(png|jpe?g)$/i;

export async function listImageFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (abs: string, rel: string): Promise<void> => {
    const entries = await readdir(abs, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      throw new PrintshotError('bad-dataset', `${abs}: cannot read folder (${e.code ?? e.message})`);
    });
    for (const e of entries.sort((a, b) => compareCodePoints(a.name, b.name))) {
      if (e.name.startsWith('.')) continue;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(join(abs, e.name), childRel);
      else if (IMAGE_EXT.test(e.name)) out.push(childRel);
    }
  };
  await visit(dir, '');
  if (out.length === 0) throw new PrintshotError('bad-dataset', `${dir}: no PNG or JPEG images found`);
  return out;
}
