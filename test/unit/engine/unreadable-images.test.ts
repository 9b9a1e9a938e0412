/**
 * The engine's side of a damaged image folder (issue 22): images:list lists every unreadable
 * file and loads nothing until the request says skipUnreadable; from then on paging, classify's
 * folder load and the attack's use the readable images; before that, any other use fails with
 * the full list. No model weights are needed: the handlers only read the classifier's labels
 * and input spec.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadFolder, modelHandlers } from '../../../src/engine/runtime/model-handlers';
import type { EngineState } from '../../../src/engine/runtime/state';
import { UnreadableImagesError } from '../../../src/images';
import { encodeWithSharp, pattern, tempDir } from '../../fixtures/images/make';

const LABELS = ['Bag', 'Coat'];

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await cleanup();
});

async function put(rel: string, bytes: Uint8Array): Promise<void> {
  await mkdir(join(dir, rel, '..'), { recursive: true });
  await writeFile(join(dir, rel), bytes);
}

function state(): EngineState {
  const classifier = { labels: LABELS, inputSpec: { height: 8, width: 8, channels: 1 }, fingerprint: 'f' };
  return { jobs: new Map(), model: { classifier } } as unknown as EngineState;
}

const list = (s: EngineState, req: Parameters<(typeof modelHandlers)['images:list']>[0]) => modelHandlers['images:list'](req, { state: s } as never);

describe('images:list on a folder with unreadable files', () => {
  it('lists every bad file and loads nothing, then loads the readable ones once agreed', async () => {
    for (let i = 0; i < 3; i++) await put(`Bag/${i}.png`, await encodeWithSharp(pattern(8, 8, 1, i + 1), 'png'));
    await put('Bag/x-broken.png', new TextEncoder().encode('not a png'));
    await put('Coat/y-empty.jpg', new Uint8Array());
    await put('Coat/ok.png', await encodeWithSharp(pattern(8, 8, 1, 9), 'png'));
    const s = state();
    const source = { kind: 'path', path: dir } as const;

    const held = await list(s, { source, page: { offset: 0, limit: 10 } });
    expect(held.items).toEqual([]);
    expect(held.total).toBe(4);
    expect(held.unreadable?.map((u) => u.relPath)).toEqual(['Bag/x-broken.png', 'Coat/y-empty.jpg']);
    for (const u of held.unreadable ?? []) expect(u.reason.length).toBeGreaterThan(5);
    // Not agreed yet: the attack's and classify's load fail, naming every bad file.
    const err = await loadFolder(s, source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreadableImagesError);
    expect((err as Error).message).toMatch(/2 of 6 image files cannot be read: Bag\/x-broken\.png .*; Coat\/y-empty\.jpg/);

    const page = await list(s, { source, page: { offset: 0, limit: 3 }, skipUnreadable: true });
    expect(page.total).toBe(4);
    expect(page.items.map((i) => i.relPath)).toEqual(['Bag/0.png', 'Bag/1.png', 'Bag/2.png']);
    expect(page.unreadable).toHaveLength(2);
    // Agreed: the next page and the attack's load use the readable images without asking again.
    expect((await list(s, { source, page: { offset: 3, limit: 3 } })).items.map((i) => i.relPath)).toEqual(['Coat/ok.png']);
    expect((await loadFolder(s, source)).items).toHaveLength(4);
  });

  it('a folder that fails to load clears the cached listing of the previous one', async () => {
    await put('Bag/a.png', await encodeWithSharp(pattern(8, 8, 1, 1), 'png'));
    const s = state();
    await list(s, { source: { kind: 'path', path: dir } });
    expect(s.dataset?.items).toHaveLength(1);
    await expect(list(s, { source: { kind: 'path', path: join(dir, 'missing') } })).rejects.toMatchObject({ code: 'bad-dataset' });
    expect(s.dataset).toBeUndefined();
  });
});
