import {defineConfig} from 'vitest/config';

// `npm run screenshots`: scripted scenes of the real app in a real terminal, saved as PNGs. Not part
// of `npm test`.
export default defineConfig({
  define: {TUNNELS_VERSION: JSON.stringify('screenshots')},
  test: {
    include: ['screenshots/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // The scenes share one sshd and FTP server, and each PNG is written once: one file, in order.
    fileParallelism: false,
  },
});
