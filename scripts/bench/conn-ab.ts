// A/B of tunnels' CPU per short connection between builds (or Node flags), in one sitting: every build
// runs as its own headless forwarder against one sshd, and rounds of sequential -L and -D connections are
// interleaved between them, so the machine's drift hits all alike. Not part of `npm run bench`:
//   node scripts/bench/conn-ab.mjs before=/tmp/old/cli.js after=dist/cli.js 'semi=dist/cli.js|--max-semi-space-size=4'
// AB_ROUNDS (default 6), AB_COUNT (connections per round, default 1500), AB_WARMUP (connections through each
// forward first, default 3000), AB_REWARM (unmeasured ones before each round, default 300), AB_KINDS (L,D),
// AB_PROCESSES (forwarders per build, default 1: two processes of one build can differ by a fifth, from
// how V8 happened to optimize each), AB_DEBUG=1 (the forwarders' stderr). A copy of dist/ elsewhere needs
// node_modules beside it (a symlink).
import {spawn} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import {freePort, startSshd} from '../../test/helpers/sshd.js';
import {startEchoServer} from '../../test/helpers/targets.js';
import {
  cleanEnv,
  commonArgs,
  connectTo,
  cpuMs,
  initClockTicks,
  killPid,
  type Opener,
  onJsonLines,
  run,
  socks5Connect,
} from './common.js';

const clockTicks = Number((await run('getconf', ['CLK_TCK'])).stdout.trim()) || 100;

/** stime of a process, ms. */
async function systemMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[12]) * 1000) / clockTicks;
}

const PAYLOAD = Buffer.alloc(1024, 0x61);

function oneConnection(open: Opener): Promise<void> {
  return open().then(
    (socket) =>
      new Promise<void>((resolve, reject) => {
        let received = 0;
        socket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= PAYLOAD.length) socket.end();
        });
        socket.on('error', reject);
        socket.on('close', () =>
          received >= PAYLOAD.length ? resolve() : reject(new Error(`closed after ${received} bytes`)),
        );
        socket.resume();
        socket.write(PAYLOAD);
      }),
  );
}

async function sequential(open: Opener, count: number): Promise<void> {
  for (let index = 0; index < count; index++) await oneConnection(open);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

interface Build {
  name: string;
  pid: number;
  l: number;
  d: number;
}

const rounds = Number(process.env.AB_ROUNDS ?? 6);
const count = Number(process.env.AB_COUNT ?? 1500);
const warmUp = Number(process.env.AB_WARMUP ?? 3000);
const kinds = (process.env.AB_KINDS ?? 'L,D').split(',');
const processes = Number(process.env.AB_PROCESSES ?? 1);

await initClockTicks();
const sshd = await startSshd();
const echo = await startEchoServer();
const builds: Build[] = [];
try {
  const args = process.argv.slice(2);
  // Instances of the builds taken in turn (A, B, A, B), so that each build's processes start alike.
  for (const arg of Array.from({length: processes}, () => args).flat()) {
    const name = arg.slice(0, arg.indexOf('='));
    const rest = arg.slice(arg.indexOf('=') + 1);
    const [bin, ...flags] = rest.split('|');
    const l = await freePort();
    const d = await freePort();
    const child = spawn(
      process.execPath,
      [
        ...flags.flatMap((flag) => flag.split(/\s+/)).filter(Boolean),
        bin!,
        '-N',
        '--json',
        ...commonArgs(sshd, 'aes128-gcm@openssh.com'),
        '-L',
        `127.0.0.1:${l}:127.0.0.1:${echo.port}`,
        '-D',
        `127.0.0.1:${d}`,
        `${sshd.user}@127.0.0.1`,
      ],
      {stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv()},
    );
    child.stderr!.on('data', (chunk: Buffer) => process.env.AB_DEBUG && process.stderr.write(chunk));
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening`)));
      let listening = 0;
      onJsonLines<{event: string}>(
        child.stdout!,
        (line) => line.includes('"forward-listening"'),
        () => ++listening === 2 && resolve(),
      );
    });
    builds.push({name, pid: child.pid!, l, d});
  }
  const opener = (build: Build, kind: string): Opener =>
    kind === 'L' ? () => connectTo(build.l) : () => socks5Connect(build.d, '127.0.0.1', echo.port);
  for (const build of builds) for (const kind of kinds) await sequential(opener(build, kind), warmUp);
  const results = new Map<string, number[]>();
  const system = new Map<string, number[]>();
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  for (let round = 0; round < rounds; round++) {
    const order = builds.map((_, index) => builds[(index + round) % builds.length]!);
    // A build's figure in a round: the mean over its processes.
    const roundResults = new Map<string, number[]>();
    const roundSystem = new Map<string, number[]>();
    for (const kind of kinds)
      for (const build of order) {
        await sequential(opener(build, kind), Number(process.env.AB_REWARM ?? 300));
        const before = await cpuMs(build.pid);
        const systemBefore = await systemMs(build.pid);
        await sequential(opener(build, kind), count);
        const usPer = (((await cpuMs(build.pid)) - before) * 1000) / count;
        const systemPer = (((await systemMs(build.pid)) - systemBefore) * 1000) / count;
        const key = `${kind} ${build.name}`;
        roundResults.set(key, [...(roundResults.get(key) ?? []), usPer]);
        roundSystem.set(key, [...(roundSystem.get(key) ?? []), systemPer]);
      }
    for (const [key, values] of roundResults) {
      results.set(key, [...(results.get(key) ?? []), mean(values)]);
      system.set(key, [...(system.get(key) ?? []), mean(roundSystem.get(key)!)]);
    }
    console.log(
      `round ${round + 1}: ${[...results].map(([key, values]) => `${key} ${values.at(-1)!.toFixed(0)}`).join(', ')}`,
    );
  }
  const names = [...new Set(builds.map((build) => build.name))];
  for (const kind of kinds) {
    const base = results.get(`${kind} ${names[0]}`)!;
    for (const name of names) {
      const values = results.get(`${kind} ${name}`)!;
      const paired = median(values.map((value, index) => value / base[index]!));
      console.log(
        `-${kind} ${name}: median ${median(values).toFixed(1)} µs/conn (${values.map((v) => v.toFixed(0)).join(' ')}), paired ratio to ${names[0]} ${paired.toFixed(3)}; system ${median(system.get(`${kind} ${name}`)!).toFixed(1)}`,
      );
    }
  }
} finally {
  for (const build of builds) killPid(build.pid, 'SIGTERM');
  await echo.close();
  await sshd.stop();
}
