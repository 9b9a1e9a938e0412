/** Reading FILE.layout.json from disk; the schema and its checks are pure (../layout-file.ts). */
import { readFile } from 'node:fs/promises';
import { PrintshotError } from '../../shared';
import { parseSheetLayouts } from '../layout-file';
import type { SheetLayout } from '../types';

/** Reads and validates FILE.layout.json. */
export async function readSheetLayouts(path: string): Promise<SheetLayout[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new PrintshotError('io', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PrintshotError('bad-experiment', `${path}: corrupt, not valid JSON (${(e as Error).message})`);
  }
  return parseSheetLayouts(json, path);
}
