/**
 * The IPC contract shared by main, the preload, the engine, serve mode and the renderer. Pure zod
 * and TypeScript: no Node, no DOM, no tfjs, so every environment can import it.
 */
export * from './names';
export * from './dto';
export * from './model-summary';
export * from './zoo';
export * from './results';
export * from './robustness';
export * from './patch';
export * from './compute';
export * from './reproduce';
export * from './photos';
export * from './channel-compare';
export * from './channels';
export * from './events';
export * from './envelope';
export * from './routes';
export * from './wire';
export * from './csp';
export * from './folders';
export type { PreloadApi } from './preload-api';
