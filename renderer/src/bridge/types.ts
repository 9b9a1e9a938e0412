/**
 * The one interface the renderer talks through, derived from the contract: `call` takes a
 * channel and its request and resolves with its response (types from src/contract), `on`
 * subscribes to a push event. Three implementations: Electron (window.printshot), serve mode
 * (HTTP + Server-Sent Events) and FakeBridge for component tests.
 *
 * Failures reject with a ContractError carrying `code` ('bad-request', 'no-model', 'cancelled',
 * 'engine-down', …) and often a one-line `hint` saying how to fix it.
 */
import type { Channel, EventName, EventPayload, RequestOf, ResponseOf } from '../../../src/contract';

export { ContractError as BridgeError } from '../../../src/contract/envelope';
export type { Channel, EventName, EventPayload, RequestOf, ResponseOf };

export interface Bridge {
  readonly mode: 'electron' | 'serve' | 'fake';
  call<K extends Channel>(channel: K, request: RequestOf<K>): Promise<ResponseOf<K>>;
  /** Returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Electron only: the path of a folder dropped on the page, granted by main (a browser never learns it). */
  droppedFolder?(file: File): Promise<string>;
}
