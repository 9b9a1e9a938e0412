/**
 * Choosing and providing the Bridge: Electron's preload API when present, else serve mode's
 * HTTP bridge. Components get it with useBridge(); tests provide a FakeBridge under BridgeKey.
 */
import { inject, type InjectionKey } from 'vue';
import { electronBridge, preloadApi } from './preload';
import { httpBridge, pageTabId } from './http';
import { takePageToken } from './page-token';
import type { Bridge } from './types';

export type { Bridge } from './types';
export { BridgeError } from './types';

export const BridgeKey: InjectionKey<Bridge> = Symbol('printshot-bridge');

export function createBridge(): Bridge {
  const api = preloadApi();
  return api ? electronBridge(api) : httpBridge({ token: takePageToken(), tabId: pageTabId() });
}

export function useBridge(): Bridge {
  const bridge = inject(BridgeKey);
  if (!bridge) throw new Error('no Bridge provided (app.provide(BridgeKey, bridge))');
  return bridge;
}
