import {defineConfig} from 'vitest/config';

export default defineConfig({
  define: {TUNNELS_VERSION: JSON.stringify('test')},
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own sshd; two cores, so keep the parallelism modest.
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-setup.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
