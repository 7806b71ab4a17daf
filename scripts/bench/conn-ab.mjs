// Bundles conn-ab.ts with esbuild and runs it (see that file).
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {build, stop} from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = mkdtempSync(path.join(os.tmpdir(), 'tunnels-conn-ab-'));
const outFile = path.join(outDir, 'conn-ab.mjs');
await build({
  entryPoints: [path.join(here, 'conn-ab.ts')],
  outfile: outFile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ssh2'],
  logLevel: 'warning',
});
await stop();
const child = spawn(process.execPath, [outFile, ...process.argv.slice(2)], {stdio: 'inherit'});
child.on('exit', (code) => {
  rmSync(outDir, {recursive: true, force: true});
  process.exit(code ?? 1);
});
