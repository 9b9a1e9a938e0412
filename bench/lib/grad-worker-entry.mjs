// Bootstrap of bench/lib/grad-worker.ts (as src/parallel/worker-entry.mjs does for the pool):
// registers tsx in this worker thread, whatever flags the parent process was started with.
import { register } from 'tsx/esm/api';

register();
await import('./grad-worker.ts');
