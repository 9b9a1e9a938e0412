import { defineConfig } from 'vitest/config';
import base, { SLOW_TESTS } from './vitest.config';

/** `npm run test:slow`: only the suites vitest.unit.config.ts leaves out of `npm run test:unit`. */
export default defineConfig({
  ...base,
  test: { ...base.test, include: SLOW_TESTS },
});
