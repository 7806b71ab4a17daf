// npm run bench [-- --quick] [-- --only throughput,longlink,realclient,rate,concurrency,ftp,ui]
// Bundles scripts/bench/main.ts (with the test helpers it uses) into a temporary file with esbuild and
// runs it under a raised open-file limit (prlimit execs node, so Ctrl-C reaches the bench itself).
import {spawn} from 'node:child_process';
import {readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {bundle} from './bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const {outDir, outFile} = await bundle(path.join(root, 'scripts', 'bench', 'main.ts'), 'bench');

// 65536 where allowed; without CAP_SYS_RESOURCE (a container) no more than the hard limit we have.
const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
const NOFILE = hard === undefined || hard === 'unlimited' ? 65536 : Math.min(65536, Number(hard));
const child = spawn(
  'prlimit',
  [`--nofile=${NOFILE}:${NOFILE}`, process.execPath, outFile, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    cwd: root,
    env: {...process.env, TUNNELS_BENCH_ROOT: root},
  },
);
// The terminal's Ctrl-C reaches the bench too (same process group), which stops what it started and
// exits; wait for that. A SIGTERM sent to this process alone is passed on, by PID.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  rmSync(outDir, {recursive: true, force: true});
  process.exit(code ?? (signal ? 128 + os.constants.signals[signal] : 1));
});
