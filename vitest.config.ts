import {defineConfig} from 'vitest/config';

/**
 * Suites that load the machine on purpose (thousands of hostile clients, a browser, 16,500 held
 * connections), and those that bound a process's peak memory under a 1 GiB slow reader (a busy machine
 * delays garbage collection by more than the bound allows): they run after the others, one at a time.
 */
const LOAD_SUITES = [
  'test/cli/hostile-clients.test.ts',
  'test/cli/hostile-channels.test.ts',
  'test/cli/real-clients.test.ts',
  'test/cli/channel-limit.test.ts',
  'test/cli/faults.test.ts',
  'test/cli/ftp.test.ts',
];

export default defineConfig({
  define: {TUNNELS_VERSION: JSON.stringify('test')},
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own sshd; two cores, so keep the parallelism modest.
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-setup.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: LOAD_SUITES,
          sequence: {groupOrder: 0},
        },
      },
      {
        extends: true,
        test: {
          name: 'load',
          include: LOAD_SUITES,
          fileParallelism: false,
          sequence: {groupOrder: 1},
        },
      },
    ],
  },
});
