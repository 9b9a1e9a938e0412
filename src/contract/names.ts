/**
 * The names of every request channel and push event, with no dependencies at all: the sandboxed
 * preload bundles this file (and nothing else from src/) to build its allowlist, so it must not
 * pull zod or Node into the preload. channels.ts and events.ts key their schemas by these lists,
 * and a `satisfies` there makes a name without a schema (or the reverse) a compile error.
 */
export const CHANNELS = [
  'app:info',
  'engine:restart',
  'model:info',
  'model:load',
  'model:setCard',
  'zoo:list',
  'zoo:pull',
  'images:list',
  'images:classify',
  'attack:list',
  'transform:list',
  'attack:start',
  'eval:run',
  'sheet:render',
  'capture:register',
  'capture:photos',
  'report:export',
  'reproduce:run',
  'robustness:models',
  'robustness:run',
  'robustness:suite',
  'patch:train',
  'patch:preview',
  'patch:apply',
  'compute:prepare',
  'compute:record',
  'job:list',
  'job:status',
  'job:cancel',
  'job:resume',
  'experiment:new',
  'experiment:open',
  'experiment:current',
  'experiment:recent',
  'run:images',
  'file:read',
  'file:export',
  'file:open',
  'fs:list',
] as const;

export type Channel = (typeof CHANNELS)[number];

export const EVENTS = ['job:progress', 'job:done', 'job:error', 'engine:crashed', 'engine:ready', 'menu:command'] as const;

export type EventName = (typeof EVENTS)[number];

/**
 * The IPC channel of a folder dropped on the desktop app: the preload reads its path from the
 * dropped File itself (webUtils.getPathForFile) and main grants that folder (electron/main/drop.ts).
 */
export const DROP_IPC_CHANNEL = 'printshot:dropped-folder';

/** The one IPC channel main uses to push events to the renderer (payload: {event, payload}). */
export const EVENT_IPC_CHANNEL = 'printshot:event';

/** The IPC channel name of a request channel; prefixed so it cannot collide with Electron's own. */
export function ipcChannel(channel: Channel): string {
  return `printshot:${channel}`;
}

export function isChannel(x: unknown): x is Channel {
  return typeof x === 'string' && (CHANNELS as readonly string[]).includes(x);
}

export function isEventName(x: unknown): x is EventName {
  return typeof x === 'string' && (EVENTS as readonly string[]).includes(x);
}
