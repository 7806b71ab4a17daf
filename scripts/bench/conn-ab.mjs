// Bundles conn-ab.ts with esbuild and runs it (see that file).
import {spawn} from 'node:child_process';
import {rmSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {bundle} from './bundle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const {outDir, outFile} = await bundle(path.join(here, 'conn-ab.ts'), 'conn-ab');
const child = spawn(process.execPath, [outFile, ...process.argv.slice(2)], {stdio: 'inherit'});
child.on('exit', (code) => {
  rmSync(outDir, {recursive: true, force: true});
  process.exit(code ?? 1);
});
