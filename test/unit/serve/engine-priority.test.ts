/** The real engine child runs below normal priority, so a long attack does not starve the window. */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { forkEngine } from '../../../src/engine/fork';
import type { FromEngine } from '../../../src/engine/protocol';
import { lowerEnginePriority } from '../../../src/engine/runtime/engine';

describe('engine priority', () => {
  it('the forked engine lowers its own priority once started', async () => {
    const engine = forkEngine({ quiet: true })();
    try {
      const ready = await new Promise<FromEngine>((resolve) => engine.onMessage((m) => m.t === 'ready' && resolve(m)));
      expect(ready.t).toBe('ready');
      expect(os.getPriority(engine.pid!)).toBeGreaterThan(os.getPriority());
    } finally {
      engine.kill();
    }
  }, 60_000);

  it('PRINTSHOT_ENGINE_NICE=0 leaves the priority alone', () => {
    expect(lowerEnginePriority({ PRINTSHOT_ENGINE_NICE: '0' })).toBeNull();
  });
});
