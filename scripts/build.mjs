// Bundles cli.tsx into one ESM file for fast start-up. ssh2 stays external: it loads native addons.
import {chmodSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {build} from 'esbuild';
import {stringWidthPlugin} from './string-width-patch.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// Chunk names carry hashes: old ones would pile up.
rmSync('dist', {recursive: true, force: true});

await build({
  // The application; dist/cli.js, the bin, is written below.
  entryPoints: {main: 'cli.tsx'},
  outdir: 'dist',
  // The UI (React, Ink, Yoga) is a chunk of its own, loaded only when a terminal asks for it.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // .mjs: dist/ is CommonJS by its own package.json (for the launcher, below); the bundle stays ESM.
  outExtension: {'.js': '.mjs'},
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // ssh2 loads native addons.
  external: ['ssh2'],
  // Ink imports react-devtools-core in a module it loads only under DEV=true; an ESM bundle would hoist
  // that import and fail at start-up, so it is an empty module here.
  plugins: [
    {
      name: 'no-react-devtools',
      setup(build) {
        build.onResolve({filter: /^react-devtools-core$/}, () => ({
          path: 'react-devtools-core',
          namespace: 'stub',
        }));
        build.onLoad({filter: /.*/, namespace: 'stub'}, () => ({
          contents: 'export default {};',
          loader: 'js',
        }));
      },
    },
    {
      // Yoga's WASM is inlined as a data: URL, which its Emscripten loader reads with fetch() whenever
      // fetch exists: on Node that loads undici (~30-40 ms of start-up) only to decode base64. Its own
      // synchronous decoder is used instead; the WASM is still compiled asynchronously.
      name: 'yoga-without-fetch',
      setup(build) {
        build.onLoad({filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, (args) => {
          const source = readFileSync(args.path, 'utf8');
          const fetchBranch = 'return w||"function"!=typeof fetch?';
          if (source.split(fetchBranch).length !== 2) {
            throw new Error(`yoga-layout's loader changed: "${fetchBranch}" not found once in ${args.path}`);
          }
          return {contents: source.replace(fetchBranch, 'return !0?'), loader: 'js'};
        });
      },
    },
    // Ink's string widths without a 35 ms regex on the first frame (string-width-patch.mjs).
    stringWidthPlugin(),
  ],
  define: {
    TUNNELS_VERSION: JSON.stringify(pkg.version),
    'process.env.NODE_ENV': JSON.stringify('production'),
  },
  jsx: 'automatic',
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport {createRequire as __tunnelsRequire} from 'node:module';\nconst require = __tunnelsRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
});

// The bin: a launcher with no imports, so `--version` costs only Node's own start-up (the bundle's entry
// would first load its shared chunks: ~10 ms). It is CommonJS: an ES module entry point first sets up
// Node's ESM loader, another ~10 ms. Anything else loads the application.
writeFileSync('dist/package.json', `${JSON.stringify({type: 'commonjs'})}\n`);
writeFileSync(
  'dist/cli.js',
  `#!/usr/bin/env node
'use strict';
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) process.stdout.write('tunnels ${pkg.version}\\n');
else import('./main.mjs');
`,
);
// Executable itself, since dist is made afresh (npm sets the mode only when it links).
chmodSync('dist/cli.js', 0o755);

// The man page, tunnels(1), made from the same option table as the parser (source/cli/man-page.ts).
await build({
  entryPoints: ['source/cli/man-page.ts'],
  outfile: 'dist/man-page.tmp.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  define: {TUNNELS_VERSION: JSON.stringify(pkg.version)},
  logLevel: 'warning',
});
const {renderManPage} = await import(new URL('../dist/man-page.tmp.mjs', import.meta.url).href);
writeFileSync('dist/tunnels.1', renderManPage());
rmSync('dist/man-page.tmp.mjs');
