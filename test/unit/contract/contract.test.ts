/**
 * The contract's acceptance tests: every channel has a schema, a route (host or engine side) and
 * an IPC handler; a malformed payload on any channel is rejected before a handler runs.
 */
import { describe, expect, it } from 'vitest';
import {
  CHANNELS,
  contract,
  dispatch,
  events,
  EVENTS,
  ipcChannel,
  parseRequest,
  type Channel,
  type Routes,
} from '../../../src/contract';
import { createRoutes, HOST_CHANNELS, type EngineHost, type Platform } from '../../../src/engine';
import { registerIpc } from '../../../electron/main/ipc';
import { validRequests } from './examples';

/** A host and platform that fail the test if a route reaches them. */
function unreachable() {
  const reached: string[] = [];
  const trap = (name: string) => () => {
    reached.push(name);
    throw new Error(`${name} must not run for a malformed request`);
  };
  const host = {
    call: trap('host.call'),
    restart: trap('host.restart'),
    listJobs: trap('host.listJobs'),
    job: trap('host.job'),
    cancel: trap('host.cancel'),
    resume: trap('host.resume'),
    state: trap('host.state'),
    experimentDir: undefined,
  } as unknown as EngineHost;
  const platform = {
    mode: 'serve',
    version: 'test',
    nativeDialogs: false,
    pickFolder: trap('platform.pickFolder'),
    allowPath: trap('platform.allowPath'),
    scratchDir: trap('platform.scratchDir'),
    saveAs: trap('platform.saveAs'),
    openPath: trap('platform.openPath'),
    recent: { list: trap('recent.list'), add: trap('recent.add') },
  } as unknown as Platform;
  return { routes: createRoutes(host, platform), reached };
}

/** Malformed variants of a valid request: wrong shapes, a stray field, each field mistyped. */
function malformed(valid: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a string', 'model:load'],
    ['an array', [valid]],
    ['a stray field', { ...valid, __proto_pollution: { admin: true } }],
  ];
  for (const key of Object.keys(valid)) out.push([`${key} of the wrong type`, { ...valid, [key]: 10n ** 30n }]);
  return out;
}

describe('the contract', () => {
  it('has a request and response schema for every channel and a schema for every event, and nothing else', () => {
    expect(Object.keys(contract).sort()).toEqual([...CHANNELS].sort());
    expect(Object.keys(events).sort()).toEqual([...EVENTS].sort());
    expect(new Set(CHANNELS).size).toBe(CHANNELS.length);
  });

  it('accepts the example request of every channel (so the malformed cases fail for their own reason)', () => {
    for (const channel of CHANNELS) expect(() => parseRequest(channel, validRequests[channel])).not.toThrow();
  });
});

describe('every channel has a route', () => {
  it('in the shared route table (host side)', () => {
    const { routes } = unreachable();
    expect(Object.keys(routes).sort()).toEqual([...CHANNELS].sort());
    for (const c of CHANNELS) expect(typeof routes[c]).toBe('function');
  });

  it('in the engine for every channel the host forwards', async () => {
    const { modelHandlers } = await import('../../../src/engine/runtime/model-handlers');
    const { experimentHandlers } = await import('../../../src/engine/runtime/experiment-handlers');
    const { jobHandlers } = await import('../../../src/engine/runtime/job-handlers');
    const { robustnessHandlers } = await import('../../../src/engine/runtime/robustness-handler');
    const { captureHandlers } = await import('../../../src/engine/runtime/capture-handlers');
    const { zooHandlers } = await import('../../../src/engine/runtime/zoo-handlers');
    const { patchHandlers } = await import('../../../src/engine/runtime/patch-handlers');
    const { reproduceHandlers } = await import('../../../src/engine/runtime/reproduce-handler');
    const { computeHandlers } = await import('../../../src/engine/runtime/compute-handlers');
    const engineSide = Object.keys({ ...modelHandlers, ...experimentHandlers, ...jobHandlers, ...robustnessHandlers, ...captureHandlers, ...zooHandlers, ...patchHandlers, ...reproduceHandlers, ...computeHandlers });
    const hostSide: readonly string[] = HOST_CHANNELS;
    expect([...engineSide, ...hostSide].sort()).toEqual([...CHANNELS].sort());
    expect(engineSide.filter((c) => hostSide.includes(c))).toEqual([]);
  });

  it('as an Electron IPC handler', () => {
    const handled: string[] = [];
    registerIpc({ handle: (name: string) => void handled.push(name), removeHandler: () => undefined }, unreachable().routes, () => true);
    expect(handled.sort()).toEqual(CHANNELS.map(ipcChannel).sort());
  });
});

describe('a malformed payload is rejected on every channel', () => {
  const cases = CHANNELS.flatMap((channel) => malformed(validRequests[channel] as Record<string, unknown>).map(([what, payload]) => [channel, what, payload] as const));

  it.each(cases)('%s: %s', async (channel: Channel, _what, payload) => {
    const { routes, reached } = unreachable();
    const envelope = await dispatch(routes, channel, payload);
    expect(envelope.ok).toBe(false);
    expect(envelope.ok ? undefined : envelope.error.code).toBe('bad-request');
    expect(reached).toEqual([]);
  });

  it('rejects unknown channels and never calls a route for them', async () => {
    const { routes, reached } = unreachable();
    for (const channel of ['model:delete', '__proto__', 'constructor', 42, undefined]) {
      const envelope = await dispatch(routes, channel, {});
      expect(envelope).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    }
    expect(reached).toEqual([]);
  });

  it('rejects paths that leave the experiment folder', () => {
    for (const path of ['../secret', '/etc/passwd', 'a/../../b', 'C:/Windows', 'a\\b', '']) {
      expect(() => parseRequest('file:read', { path })).toThrow(/file:read/);
    }
  });

  it('checks responses too: a handler returning the wrong shape is an internal error, not a malformed DTO', async () => {
    const routes = { 'model:info': async () => ({ name: 42 }) } as unknown as Partial<Routes>;
    const envelope = await dispatch(routes, 'model:info', {});
    expect(envelope).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('keeps a PrintshotError-like code and hint in the envelope', async () => {
    const routes = {
      'model:info': async () => {
        throw Object.assign(new Error('model directory not found'), { code: 'bad-model', hint: 'run npm run train:default' });
      },
    } as Partial<Routes>;
    expect(await dispatch(routes, 'model:info', {})).toEqual({
      ok: false,
      error: { code: 'bad-model', message: 'model directory not found', hint: 'run npm run train:default' },
    });
  });
});
