/**
 * Attack jobs (the CLI's `printshot attack`) split batches between the main thread and worker
 * threads: the experiment's PNGs and manifest are the same for any worker count, the manifest
 * lists images in input order although workers finish out of order, jobs that cannot use workers
 * (one batch, an in-memory model) run in-process, and 'auto' (the CLI's default) starts workers
 * only when planWorkers estimates they pay off (the plan itself: test/unit/parallel/plan.test.ts).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadClassifier, selectBackend, type LoadedClassifier } from '../../../src/model/node';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { openImages } from '../../../src/services/sources';
import { log, type LabeledImage } from '../../../src/shared';

vi.setConfig({ testTimeout: 240_000 });

let model: LoadedClassifier;
let items: LabeledImage[];
let root: string;
const dirs: string[] = [];

beforeAll(async () => {
  await selectBackend();
  model = await loadClassifier('default');
  const data = await openImages('samples', model);
  root = data.root;
  // 12 images over several classes, batch 4: three batches, so two workers really split.
  items = Array.from({ length: 12 }, (_, i) => data.items[(i * 17) % data.items.length]);
});
afterAll(async () => {
  model?.dispose();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function run(workers: number | 'auto'): Promise<{ rows: string[]; messages: string[] }> {
  const out = await mkdtemp(path.join(tmpdir(), 'printshot-workers-'));
  dirs.push(out);
  const messages: string[] = [];
  const spy = vi.spyOn(log, 'info').mockImplementation((m: string) => void messages.push(m));
  try {
    const job = await attackIntoExperiment(model, items, root, { method: 'pgd', params: { eps: 8, iterations: 3 }, seed: 'w', batchSize: 4, workers, out });
    const rows = await Promise.all(
      job.manifest.images.map(async (im) => `${im.relPath}|${im.sha256}|${(await readFile(path.join(out, im.file))).length}`),
    );
    return { rows, messages };
  } finally {
    spy.mockRestore();
  }
}

describe('attack jobs on worker threads', () => {
  it('give the same PNGs and manifest rows, in input order, for 1 and 2 workers', async () => {
    const one = await run(1);
    const two = await run(2);
    expect(two.messages.some((m) => /pgd: 12 images on 2 workers \(the main thread and 1 worker thread\)/.test(m))).toBe(true);
    expect(one.messages.some((m) => /workers/.test(m))).toBe(false);
    expect(two.rows).toEqual(one.rows);
    expect(one.rows.map((r) => r.split('|')[0])).toEqual(items.map((it) => it.relPath));
  });

  it("'auto' keeps a job shorter than a worker's start-up in-process, and a single batch stays in-process", async () => {
    const auto = await run('auto');
    expect(auto.messages.filter((m) => /pgd: 12 images in-process \(est\. 0\.\d s of compute.*would not pay off\)/.test(m))).toHaveLength(1);
    expect(auto.messages.some((m) => /workers/.test(m))).toBe(false);
    expect(auto.rows).toEqual((await run(1)).rows);
    const out = await mkdtemp(path.join(tmpdir(), 'printshot-workers-'));
    dirs.push(out);
    const spy = vi.spyOn(log, 'info');
    try {
      await attackIntoExperiment(model, items.slice(0, 3), root, { method: 'pgd', params: { eps: 8, iterations: 2 }, seed: 0, batchSize: 4, workers: 2, out });
      expect(spy.mock.calls.some(([m]) => /workers/.test(String(m)))).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });

  it('cuts a small job of a batch-invariant attack into batches for every thread, with the same bytes', async () => {
    const job = async (workers: number) => {
      const out = await mkdtemp(path.join(tmpdir(), 'printshot-workers-'));
      dirs.push(out);
      const messages: string[] = [];
      const spy = vi.spyOn(log, 'info').mockImplementation((m: string) => void messages.push(m));
      try {
        const r = await attackIntoExperiment(model, items.slice(0, 5), root, { method: 'bim', params: { eps: 8, iterations: 5 }, seed: 0, batchSize: 32, workers, out });
        return { messages, rows: r.manifest.images.map((im) => `${im.relPath}|${im.sha256}`) };
      } finally {
        spy.mockRestore();
      }
    };
    const one = await job(1);
    const two = await job(2);
    expect(one.messages).toEqual([]);
    expect(two.messages).toContain('bim: batches of 3 instead of 32, so that each of 2 threads gets work');
    expect(two.rows).toEqual(one.rows);
  });
});
