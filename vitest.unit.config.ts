import { configDefaults, defineConfig } from 'vitest/config';
import base, { SLOW_TESTS } from './vitest.config';

/** `npm run test:unit`: every suite but the slow ones (`npm run test:slow`). */
export default defineConfig({
  ...base,
  test: { ...base.test, exclude: [...configDefaults.exclude, ...SLOW_TESTS] },
});
