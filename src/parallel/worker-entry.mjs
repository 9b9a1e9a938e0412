// Worker bootstrap: registers tsx in this thread so the TypeScript worker loads the same way
// under vitest, `node bin/printshot.mjs` and `node --import tsx` (hooks from the parent's
// --import are not relied on; the pool starts workers with an empty execArgv).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
