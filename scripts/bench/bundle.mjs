// Bundles one of the bench's TypeScript entry points (with the test helpers it uses) into a temporary
// directory with esbuild; the caller removes the directory when the run ends.
import {mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {build, stop} from 'esbuild';

/** The bundle of `entry` as `{outDir, outFile}`. */
export async function bundle(entry, name) {
  const outDir = mkdtempSync(path.join(os.tmpdir(), `tunnels-${name}-`));
  const outFile = path.join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['ssh2'],
    logLevel: 'warning',
  });
  // esbuild's service process is not needed while the bundle runs.
  await stop();
  return {outDir, outFile};
}
