/**
 * Before any browser starts: the fake webcam's file must exist (Chromium lists the fake device
 * from it), so write a grey 1280×720 placeholder; the workbench test replaces it with a photo of
 * the sheet it renders. Also make sure the renderer is built (npm run test:e2e builds first).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { E2E_WEBCAM } from '../../playwright.config';
import { writeGreyY4m } from './support/y4m';

export default async function globalSetup(): Promise<void> {
  const renderer = path.join(import.meta.dirname, '..', '..', 'out', 'renderer', 'index.html');
  if (!existsSync(renderer)) throw new Error('out/renderer is missing: run `npm run build` first (npm run test:e2e does)');
  await mkdir(path.dirname(E2E_WEBCAM), { recursive: true });
  await writeGreyY4m(E2E_WEBCAM, 1280, 720);
}
