/**
 * The engine host's guarantees, with a scripted fake engine (fast and deterministic): progress at
 * least twice a second while the engine is silent, cancellation within 1 s even when the engine
 * is stuck, crash reporting with interrupted jobs, and restoring model and experiment on restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../../src/contract';
import { EngineHost, type EngineTransport } from '../../../src/engine';
import type { FromEngine, ToEngine } from '../../../src/engine/protocol';

interface FakeEngine {
  received: ToEngine[];
  send(msg: FromEngine): void;
  crash(code?: number): void;
  killed: boolean;
}

function fakeSpawner(opts: { ignoreCancel?: boolean } = {}) {
  const engines: FakeEngine[] = [];
  const spawn = (): EngineTransport => {
    let onMsg: (m: FromEngine) => void = () => undefined;
    let onExit: (code: number | null, reason: string) => void = () => undefined;
    const engine: FakeEngine = {
      received: [],
      killed: false,
      send: (m) => onMsg(m),
      crash: (code = 134) => onExit(code, 'exit code 134'),
    };
    engines.push(engine);
    setTimeout(() => onMsg({ t: 'ready', pid: 1000 + engines.length }), 1);
    return {
      pid: 1000 + engines.length,
      send(msg) {
        engine.received.push(msg);
        if (msg.t === 'call') {
          const value = msg.jobId ? { jobId: msg.jobId } : msg.channel.startsWith('experiment:') ? { dir: '/exp', name: 'exp' } : { ok: 1 };
          setTimeout(() => onMsg({ t: 'reply', id: msg.id, envelope: { ok: true, value } }), 1);
        } else if (msg.t === 'cancel' && !opts.ignoreCancel) {
          setTimeout(() => onMsg({ t: 'failed', jobId: msg.jobId, error: { code: 'cancelled', message: 'cancelled by the user' } }), 5);
        } else if (msg.t === 'resume') {
          setTimeout(() => onMsg({ t: 'reply', id: msg.id, envelope: { ok: true, value: { jobId: msg.jobId } } }), 1);
        }
      },
      onMessage: (l) => void (onMsg = l),
      onExit: (l) => void (onExit = l),
      kill: () => void (engine.killed = true),
    };
  };
  return { spawn, engines };
}

const hosts: EngineHost[] = [];
function makeHost(opts: { ignoreCancel?: boolean } = {}) {
  const { spawn, engines } = fakeSpawner(opts);
  const events: (EventMessage & { at: number })[] = [];
  const host = new EngineHost(spawn, (m) => events.push({ ...m, at: Date.now() }));
  hosts.push(host);
  return { host, engines, events };
}
afterEach(() => hosts.splice(0).forEach((h) => h.stop()));

const attackRequest = { method: 'bim', params: { eps: 16 }, images: { kind: 'bundled' as const }, seed: 0 };

describe('engine host', () => {
  it('reports progress at least twice a second while the engine says nothing', async () => {
    const { host, engines, events } = makeHost();
    const { jobId } = await host.call('attack:start', attackRequest);
    engines[0].send({ t: 'progress', jobId, done: 10, total: 100, stage: 'step 1/20' });
    const start = Date.now();
    await new Promise((r) => setTimeout(r, 2100));
    const progress = events.filter((e) => e.event === 'job:progress' && e.at >= start);
    expect(progress.length).toBeGreaterThanOrEqual(4);
    const gaps = progress.slice(1).map((e, i) => e.at - progress[i].at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(500);
    const last = progress.at(-1)!.payload as { progress: { fraction: number; elapsedMs: number; etaMs: number | null } };
    expect(last.progress.fraction).toBeCloseTo(0.1);
    expect(last.progress.elapsedMs).toBeGreaterThan(1900);
    expect(last.progress.etaMs).toBeGreaterThan(0);
  });

  it('cancels through the engine when it listens', async () => {
    const { host, engines } = makeHost();
    const { jobId } = await host.call('attack:start', attackRequest);
    const job = await host.cancel(jobId);
    expect(job.state).toBe('cancelled');
    expect(engines[0].killed).toBe(false);
  });

  it('cancels within 1 s when the engine is stuck, by restarting it; other jobs become interrupted', async () => {
    const { host, engines, events } = makeHost({ ignoreCancel: true });
    await host.call('model:load', { source: { kind: 'bundled' } });
    const a = await host.call('attack:start', attackRequest);
    const b = await host.call('eval:run', { runId: 'r', transforms: ['paper'], select: 'average', seed: 0 });
    const t0 = Date.now();
    const job = await host.cancel(a.jobId);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(job.state).toBe('cancelled');
    expect(engines[0].killed).toBe(true);
    expect(host.job(b.jobId).state).toBe('interrupted');
    await new Promise((r) => setTimeout(r, 50));
    expect(engines).toHaveLength(2);
    // The new engine got the model back.
    expect(engines[1].received.some((m) => m.t === 'call' && m.channel === 'model:load')).toBe(true);
    expect(events.some((e) => e.event === 'engine:ready')).toBe(true);
  });

  it('reports a crash, marks running jobs interrupted (resumable when the run is known), and restarts with state restored', async () => {
    const { host, engines, events } = makeHost();
    await host.call('model:load', { source: { kind: 'bundled' } });
    await host.call('experiment:open', { location: { kind: 'path', path: '/exp' } });
    const { jobId } = await host.call('attack:start', attackRequest);
    engines[0].send({ t: 'meta', jobId, meta: { experimentDir: '/exp', runId: 'run-1' } });
    engines[0].crash();
    const crashed = events.find((e) => e.event === 'engine:crashed');
    expect(crashed?.payload).toMatchObject({ exitCode: 134, interrupted: [jobId], restartable: true });
    expect(host.job(jobId)).toMatchObject({ state: 'interrupted', resumable: true });
    expect(host.state().state).toBe('crashed');
    await expect(host.call('model:info', {})).rejects.toMatchObject({ code: 'engine-down' });

    await host.restart();
    const replayed = engines[1].received.filter((m) => m.t === 'call').map((m) => (m as { channel: string }).channel);
    expect(replayed).toEqual(['model:load', 'experiment:open']);
    const resumed = await host.resume(jobId);
    expect(resumed.state).toBe('running');
    const resumeMsg = engines[1].received.find((m) => m.t === 'resume');
    expect(resumeMsg).toMatchObject({ jobId, meta: { experimentDir: '/exp', runId: 'run-1' }, request: attackRequest });
    engines[1].send({ t: 'done', jobId, result: { kind: 'attack', experimentDir: '/exp', runId: 'run-1', runDir: 'adversarial/bim-eps16', method: 'bim', eps: 16, summary: { images: 1, successes: 1, successRate: 1, cleanTop1Correct: 1, advTop1Correct: 0, meanLinf: 16, meanL2: 1 } } });
    expect(host.job(jobId).state).toBe('done');
  });

  it('does not resume a job whose run is unknown, and forgets jobs the engine refused', async () => {
    const { host, engines } = makeHost();
    const { jobId } = await host.call('attack:start', attackRequest);
    engines[0].crash();
    expect(host.job(jobId)).toMatchObject({ state: 'interrupted', resumable: false });
    await expect(host.resume(jobId)).rejects.toMatchObject({ code: 'bad-request' });
  });
});
