import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

/**
 * Suites that take minutes on 2 cores (real attacks on every architecture fixture, the demo loop,
 * worker pools, PyTorch training, the simulator's photo grid). `npm run test:unit`
 * (vitest.unit.config.ts) leaves them out so that `npm test` stays under 15 minutes;
 * `npm run test:slow` (vitest.slow.config.ts) runs exactly these, and CI (.ci/run) runs both.
 * This config holds every suite, so `npx vitest run test/unit/<file>` runs any one of them.
 * Durations: README, "Development".
 */
export const SLOW_TESTS = [
  'test/unit/cli/architectures.test.ts',
  'test/unit/model/architectures.test.ts',
  'test/unit/kernels/architectures.*.test.ts',
  'test/unit/defend/**/*.test.ts',
  'test/unit/services/demo*.test.ts',
  'test/unit/services/robustness.test.ts',
  'test/unit/services/robustness-suite-models.test.ts',
  'test/unit/parallel/**/*.test.ts',
  'test/unit/attacks/invariants.test.ts',
  'test/unit/simulate/simulate.test.ts',
  // Many CLI processes each (20 lock trials, tamper-and-rerun per command, fit-and-resimulate).
  'test/unit/cli/concurrent-writers.test.ts',
  'test/unit/cli/verified-inputs.test.ts',
  'test/unit/calibration/channel-cli.test.ts',
  'test/unit/attacks/bundled-model.test.ts',
  // Ten `printshot attack` processes (four shards and one whole run, BIM and EOT), then merges.
  'test/unit/cli/shard-merge.test.ts',
  // Seven `printshot` processes: patch train → apply → two sheets → simulate → register → evaluate (about 2 min).
  'test/unit/cli/patch-physical.test.ts',
  // Patch run → sheet → simulated photo → register → report (about 25 s).
  'test/unit/reports/patch-section.test.ts',
];

export const ALL_TESTS = ['test/unit/**/*.test.ts', 'test/renderer/**/*.test.ts'];

export default defineConfig({
  // Compiles .vue single-file components for renderer component tests (jsdom, set per file).
  plugins: [vue()],
  test: {
    include: ALL_TESTS,
    // tfjs backends are process-global; forks keep each file's backend state isolated.
    pool: 'forks',
    // The Node host (JPEG codec, file reading) every Node entry point installs first.
    setupFiles: ['test/setup/node-host.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
