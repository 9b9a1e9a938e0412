export * from './errors';
export * from './image';
export * from './rng';
export * from './log';
export * from './env';
