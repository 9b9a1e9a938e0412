// The web-standard globals the pure core may use: each exists in Node >= 20 and in browsers
// (WinterCG's common minimum). Only tsconfig.pure.json includes this file, in place of
// @types/node and lib.dom: a module that reaches for anything else (fs, Buffer, process,
// document) fails to compile there. Other configs get the real declarations from Node's types.
declare var console: { log(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };
declare function setTimeout(handler: (...args: any[]) => void, ms?: number): unknown;
declare function clearTimeout(id: unknown): void;
/** Node and some browsers only: callers check `typeof setImmediate === 'function'` first. */
declare var setImmediate: ((handler: (...args: any[]) => void) => unknown) | undefined;
declare var performance: { now(): number };
declare function atob(data: string): string;
declare function btoa(data: string): string;
declare function structuredClone<T>(value: T): T;
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string;
}
declare var crypto: { subtle: { digest(algorithm: 'SHA-256' | 'SHA-1' | 'SHA-384' | 'SHA-512', data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer> } };
interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
  throwIfAborted(): void;
}
