// Bundles cli.tsx into one ESM file for fast start-up. ssh2 stays external: it loads native addons.
import {readFileSync} from 'node:fs';
import {build} from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['cli.tsx'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ssh2'],
  define: {TUNNELS_VERSION: JSON.stringify(pkg.version)},
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport {createRequire as __tunnelsRequire} from 'node:module';\nconst require = __tunnelsRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
});
