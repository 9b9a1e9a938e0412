/**
 * Serve mode end to end, without a browser: the real engine in a child process, the HTTP routes
 * and the event stream, driven through the renderer's HTTP bridge on the bundled model. Shows the
 * job guarantees on real attacks: progress ≥ 2/s during BIM, cancel within 1 s, and an engine
 * killed mid-attack reported, restarted and resumed to a complete run.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage, EventName, EventPayload, JobDto } from '../../../src/contract';
import { encodePng, readImage8 } from '../../../src/images';
import { renderSheet } from '../../../src/simulate';
import type { SheetLayout } from '../../../src/sheets/types';
import { startServe, type ServeHandle } from '../../../src/serve';
import { httpBridge, type EventSourceLike } from '../../../renderer/src/bridge/http';

let serve: ServeHandle;
let fgsmRunId = '';
let bridge: ReturnType<typeof httpBridge>;
const seen: (EventMessage & { at: number })[] = [];

/** A minimal EventSource for Node (fetch + the token header), resolving once connected. */
function sse(token: string, connected: () => void) {
  return (url: string): EventSourceLike => {
    const ctrl = new AbortController();
    const listeners: ((e: { data: string }) => void)[] = [];
    void (async () => {
      const res = await fetch(url, { headers: { 'x-printshot-token': token }, signal: ctrl.signal });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const chunk = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (chunk.startsWith(': connected')) connected();
          for (const line of chunk.split('\n')) if (line.startsWith('data: ')) listeners.forEach((l) => l({ data: line.slice(6) }));
        }
      }
    })().catch(() => undefined);
    return { addEventListener: (_t, l) => void listeners.push(l), close: () => ctrl.abort() };
  };
}

function next<E extends EventName>(event: E, match: (p: EventPayload<E>) => boolean, timeoutMs = 60_000): Promise<EventPayload<E> & { at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const off = bridge.on(event, (p) => {
      if (!match(p)) return;
      clearTimeout(timer);
      off();
      resolve({ ...(p as object), at: Date.now() } as EventPayload<E> & { at: number });
    });
  });
}

const finished = (jobId: string) =>
  Promise.race([next('job:done', (p) => p.job.id === jobId), next('job:error', (p) => p.job.id === jobId)]).then((p) => p.job as JobDto);

beforeAll(async () => {
  const workspace = await mkdtemp(path.join(tmpdir(), 'ps-serve-'));
  const renderer = await mkdtemp(path.join(tmpdir(), 'ps-renderer-'));
  await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Printshot</title>');
  serve = await startServe({ workspace, rendererDir: renderer });
  let ready!: () => void;
  const connected = new Promise<void>((r) => (ready = r));
  bridge = httpBridge({ baseUrl: `http://127.0.0.1:${serve.port}`, token: serve.token, fetch: fetch as never, eventSource: sse(serve.token, () => ready()) });
  for (const e of ['job:progress', 'job:done', 'job:error', 'engine:crashed', 'engine:ready'] as const) {
    bridge.on(e, (payload) => seen.push({ event: e, payload, at: Date.now() } as EventMessage & { at: number }));
  }
  await connected;
});

afterAll(async () => {
  bridge?.close();
  await serve?.stop();
});

describe('browser workbench over HTTP with the real engine', () => {
  it('loads the bundled model, lists samples as PNG bytes, creates an experiment, attacks and reads the run', async () => {
    const model = await bridge.call('model:load', { source: { kind: 'bundled' } });
    expect(model).toMatchObject({ source: 'bundled', input: { height: 28, width: 28, channels: 1 } });
    expect(model.labels).toHaveLength(10);
    const images = await bridge.call('images:list', { source: { kind: 'bundled' }, page: { offset: 0, limit: 4 } });
    expect(images.total).toBeGreaterThan(4);
    expect([...images.items[0].png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const attacks = await bridge.call('attack:list', {});
    expect(attacks.find((a) => a.id === 'fgsm')).toMatchObject({ defaults: { eps: 16 }, params: { type: 'object' } });

    const exp = await bridge.call('experiment:new', { location: { kind: 'scratch' }, name: 'workbench test' });
    expect(exp).toMatchObject({ exists: true, name: 'workbench test', runs: [] });
    expect((await bridge.call('experiment:recent', {}))[0].dir).toBe(exp.dir);

    const { jobId } = await bridge.call('attack:start', { method: 'fgsm', params: { eps: 16 }, images: { kind: 'bundled' }, limit: 8 });
    const job = await finished(jobId);
    expect(job.state).toBe('done');
    expect(job.result).toMatchObject({ kind: 'attack', method: 'fgsm', eps: 16, summary: { images: 8 } });
    const runId = job.result!.kind === 'attack' ? job.result!.runId : '';
    fgsmRunId = runId;
    const pairs = await bridge.call('run:images', { runId, page: { offset: 0, limit: 2 } });
    expect(pairs.total).toBe(8);
    expect(pairs.items[0].linf).toBeLessThanOrEqual(16);
    expect(pairs.items[0].adversarial).toBeInstanceOf(Uint8Array);
    await expect(bridge.call('file:read', { path: '../../etc/passwd' })).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('reports BIM progress at least twice a second and cancels within 1 s', async () => {
    const { jobId } = await bridge.call('attack:start', { method: 'bim', params: { eps: 16 }, images: { kind: 'bundled' }, limit: 160, batchSize: 8 });
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    const done = finished(jobId);
    const t0 = Date.now();
    const cancelled = await bridge.call('job:cancel', { jobId });
    const job = await done;
    const latency = Date.now() - t0;
    expect(cancelled.state).toBe('cancelled');
    expect(job.state).toBe('cancelled');
    expect(latency).toBeLessThan(1000);

    const progress = seen.filter((e) => e.event === 'job:progress' && (e.payload as { jobId: string }).jobId === jobId && e.at >= started);
    const span = (progress.at(-1)!.at - started) / 1000;
    expect(progress.length / span).toBeGreaterThanOrEqual(2);
    const gaps = progress.slice(1).map((e, i) => e.at - progress[i].at);
    expect(Math.max(...gaps)).toBeLessThan(600);
  });

  it('survives an engine crash mid-attack: reports it, restarts, and resumes the run to completion', async () => {
    const { jobId } = await bridge.call('attack:start', { method: 'bim', params: { eps: 16 }, images: { kind: 'bundled' }, limit: 64, batchSize: 8 });
    await next('job:progress', (p) => p.jobId === jobId && p.progress.fraction > 0.2);
    const crashed = next('engine:crashed', () => true);
    process.kill(serve.host.state().pid!, 'SIGKILL');
    expect(await crashed).toMatchObject({ interrupted: [jobId], restartable: true });
    expect(await bridge.call('job:status', { jobId })).toMatchObject({ state: 'interrupted', resumable: true });
    await expect(bridge.call('model:info', {})).rejects.toMatchObject({ code: 'engine-down' });

    const state = await bridge.call('engine:restart', {});
    expect(state).toMatchObject({ state: 'ready', restarts: 1 });
    expect(await bridge.call('model:info', {})).toMatchObject({ name: expect.any(String) });
    const done = finished(jobId);
    expect(await bridge.call('job:resume', { jobId })).toMatchObject({ state: 'running' });
    const job = await done;
    expect(job.state).toBe('done');
    expect(job.result).toMatchObject({ kind: 'attack', summary: { images: 64 } });
    const exp = await bridge.call('experiment:current', {});
    const run = exp!.runs.find((r) => job.result!.kind === 'attack' && r.id === job.result!.runId);
    expect(run).toMatchObject({ status: 'complete', summary: { images: 64 } });
  });

  it('renders sheets of a run and registers a photo of one (and rejects a photo without markers)', async () => {
    const sheet = await bridge.call('sheet:render', { runId: fgsmRunId, paper: 'a4' });
    const sheetJob = await finished(sheet.jobId);
    expect(sheetJob.state).toBe('done');
    expect(sheetJob.result).toMatchObject({ kind: 'sheet', files: [expect.stringMatching(/^sheets\/.*\.pdf$/), expect.stringMatching(/layout\.json$/)] });
    const pdf = await bridge.call('file:read', { path: (sheetJob.result as { files: string[] }).files[0] });
    expect(new TextDecoder().decode(pdf.bytes.subarray(0, 5))).toBe('%PDF-');

    const exp = (await bridge.call('experiment:current', {}))!;
    const layout = (sheetJob.result as unknown as { detail: { layouts: SheetLayout[] } }).detail.layouts[0];
    const photo = await encodePng(await renderSheet(layout, (cell) => readImage8(path.join(exp.dir, cell.file)), 4));
    const blank = await encodePng({ width: 64, height: 64, channels: 3, data: new Uint8Array(64 * 64 * 3).fill(255) });
    const reg = await bridge.call('capture:register', {
      photos: [
        { name: 'webcam 1.png', bytes: photo, source: 'webcam' },
        { name: 'blank.png', bytes: blank, source: 'file' },
      ],
    });
    const regJob = await finished(reg.jobId);
    expect(regJob.state).toBe('done');
    const photos = (regJob.result as { photos: { name: string; accepted: boolean; reason?: string; cellsFound?: number }[] }).photos;
    expect(photos.find((p) => p.name === 'webcam 1.png')).toMatchObject({ accepted: true, cellsFound: layout.cells.length });
    expect(photos.find((p) => p.name === 'blank.png')).toMatchObject({ accepted: false, reason: expect.stringMatching(/marker/) });
    await expect(bridge.call('capture:register', { photos: [{ name: 'x.gif', bytes: new Uint8Array([71, 73, 70]), source: 'file' }] })).rejects.toMatchObject({ code: 'bad-image' });
  });
});
