/**
 * The zoo in the engine, offline: the real catalogue entry for MobileNetV2 served from loopback
 * (the zoo's mirror, $PRINTSHOT_ZOO_BASE_URL) with a MobileNetV2 graph of random weights and
 * ImageNet-shaped labels. zoo:list shows it absent, zoo:pull reports byte progress, then loads it
 * (the model info with its architecture comes back in the job result), and zoo:list shows it
 * downloaded; an unknown name fails the call with the catalogue's names.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult, ZooEntryDto } from '../../../src/contract';
import type { FromEngine } from '../../../src/engine/protocol';
import { createEngine } from '../../../src/engine/runtime/engine';
import { findZooEntry } from '../../../src/zoo';
import { graphMobileNetV2Full } from '../../fixtures/graph/mobilenetv2-full';
import { startServer, type TestServer } from '../zoo/server';

let server: TestServer;
let data: string;
const saved = { base: process.env.PRINTSHOT_ZOO_BASE_URL, data: process.env.PRINTSHOT_DATA_DIR };

beforeAll(async () => {
  server = await startServer();
  data = await mkdtemp(join(tmpdir(), 'printshot-zoo-engine-'));
  process.env.PRINTSHOT_ZOO_BASE_URL = server.base;
  process.env.PRINTSHOT_DATA_DIR = data;
  const entry = findZooEntry('mobilenet-v2-1.0-224');
  const url = new URL(entry.modelUrl);
  const folder = `/${url.host}${url.pathname.replace(/model\.json$/, '')}`;
  const f = graphMobileNetV2Full({ size: 224, classes: 1001, alpha: 0.35 });
  server.files.set(`${folder}model.json`, new TextEncoder().encode(JSON.stringify(f.modelJSON)));
  for (const [rel, bytes] of Object.entries(f.weights)) server.files.set(`${folder}${rel}`, bytes);
  const labels = ['background', ...Array.from({ length: 1000 }, (_, i) => `class ${i}`)];
  server.files.set('/storage.googleapis.com/download.tensorflow.org/data/ImageNetLabels.txt', new TextEncoder().encode(labels.join('\n')));
});
afterAll(async () => {
  for (const [k, v] of [['PRINTSHOT_ZOO_BASE_URL', saved.base], ['PRINTSHOT_DATA_DIR', saved.data]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await server.close();
  await rm(data, { recursive: true, force: true });
});

/** An engine on a message log; `call` resolves with the reply's envelope. */
function engine() {
  const sent: FromEngine[] = [];
  const waiters: (() => void)[] = [];
  const e = createEngine({ send: (m: FromEngine) => (sent.push(m), waiters.splice(0).forEach((w) => w())) } as never);
  let id = 0;
  const until = async <T>(pick: () => T | undefined): Promise<T> => {
    for (;;) {
      const v = pick();
      if (v !== undefined) return v;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const call = async (channel: 'zoo:list' | 'zoo:pull', payload: unknown, jobId?: string) => {
    const me = ++id;
    e.handle({ t: 'call', id: me, channel, payload, ...(jobId ? { jobId } : {}) });
    return until(() => sent.find((m): m is Extract<FromEngine, { t: 'reply' }> => m.t === 'reply' && m.id === me)?.envelope);
  };
  return { e, sent, call, until };
}

describe('zoo channels in the engine', () => {
  it('lists, pulls with progress, loads the model, then lists it downloaded', async () => {
    const { e, sent, call, until } = engine();
    const state = (list: ZooEntryDto[]) => list.find((z) => z.name === 'mobilenet-v2-1.0-224')!.state;
    const before = await call('zoo:list', {});
    expect(before.ok && state(before.value as ZooEntryDto[])).toBe('absent');

    const unknown = await call('zoo:pull', { name: 'resnet' }, 'job-x');
    expect(unknown).toMatchObject({ ok: false, error: { message: "no model 'resnet' in the zoo", hint: expect.stringContaining('mobilenet-v2-1.0-224') } });

    const started = await call('zoo:pull', { name: 'mobilenet-v2-1.0-224' }, 'job-1');
    expect(started).toMatchObject({ ok: true, value: { jobId: 'job-1' } });
    const end = await until(() => sent.find((m) => (m.t === 'done' || m.t === 'failed') && m.jobId === 'job-1'));
    if (end.t === 'failed') throw new Error(end.error.message);
    const result = (end as { result: JobResult }).result;
    expect(result).toMatchObject({ kind: 'zoo', name: 'mobilenet-v2-1.0-224', upToDate: false, dir: join(data, 'models', 'mobilenet-v2-1.0-224') });
    const progress = sent.filter((m): m is Extract<FromEngine, { t: 'progress' }> => m.t === 'progress' && m.jobId === 'job-1');
    expect(progress.some((p) => /MiB/.test(p.stage) && p.done > 0)).toBe(true);
    const model = (result as Extract<JobResult, { kind: 'zoo' }>).model!;
    expect(model).toMatchObject({ format: 'graph', input: { height: 224, width: 224, channels: 3 } });
    expect(model.labels).toHaveLength(1001);
    expect(model.summary?.ops.length).toBeGreaterThan(0);
    expect(model.summary?.layerCounts).toHaveProperty('_FusedConv2D');
    expect(e.state.model?.classifier.fingerprint).toBe(model.fingerprint);

    const after = await call('zoo:list', {});
    expect(after.ok && state(after.value as ZooEntryDto[])).toBe('downloaded');
  }, 120_000);
});
