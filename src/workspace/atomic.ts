// Atomic writes and hashes live in src/shared/node/atomic.ts, below both workspace/ and images/
// (which writes PNGs with them); this re-export keeps workspace's importers unchanged.
export * from '../shared/node/atomic';
