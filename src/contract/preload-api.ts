/**
 * The shape of `window.printshot`, the object the preload exposes. Deliberately untyped per
 * channel (payload: unknown): main validates every payload against the contract, and the
 * renderer's Bridge (renderer/src/bridge) restores the types on top of it.
 */
import type { Envelope } from './envelope';
import type { Channel, EventName } from './names';

export interface PreloadApi {
  /** Bumped when this shape changes, so a stale preload is detected instead of misused. */
  readonly version: 1;
  /** One function per contract channel; there is no generic invoke. */
  readonly channels: { readonly [K in Channel]: (payload: unknown) => Promise<Envelope> };
  /** Subscribes to a push event; returns the unsubscribe function. */
  on(event: EventName, listener: (payload: unknown) => void): () => void;
  /**
   * A folder dropped on the page (a File from the drop event): the preload takes its path from
   * the File, which the page cannot forge, and main grants it. Resolves {path} or an error.
   */
  droppedFolder(file: unknown): Promise<Envelope>;
}
