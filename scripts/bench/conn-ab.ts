// A/B of tunnels' CPU per short connection between builds (or Node flags), in one sitting: every build
// runs as its own headless forwarder against one sshd, and rounds of sequential -L and -D connections are
// interleaved between them, so the machine's drift hits all alike. Not part of `npm run bench`:
//   node scripts/bench/conn-ab.mjs before=/tmp/old/cli.js after=dist/cli.js 'semi=dist/cli.js|--max-semi-space-size=4'
// AB_ROUNDS (default 6), AB_COUNT (connections per round, default 1500), AB_WARMUP (connections through each
// forward first, default 3000), AB_REWARM (unmeasured ones before each round, default 300), AB_KINDS (L,D),
// AB_PROCESSES (forwarders per build, default 1: two processes of one build can differ by a fifth, from
// how V8 happened to optimize each), 'name=bin|ENV:KEY=VALUE' (an environment variable), AB_DEBUG=1 (the forwarders' stderr). Bulk kinds in AB_KINDS measure
// CPU per GiB instead: LB (-L download), LP (-L upload), DB (-D download), each transfer AB_BULK_MIB
// (default 256) MiB, AB_COUNT transfers a round (set it to 1 or 2 for these). A build given as `ssh`
// (name=ssh) is OpenSSH's client with the same forwards, for reference. Beside each figure, what sshd's
// processes for that forwarder's connection spent for the same units (`sshd`), and a line of read and write
// system calls and sleeps (voluntary context switches) per unit, of the forwarder and of sshd, from /proc:
// where CPU is spent in the kernel, these counts say on what. A copy of dist/ elsewhere needs node_modules
// beside it (a symlink).
import {spawn} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import {freePort, processTree, startSshd} from '../../test/helpers/sshd.js';
import {startEchoServer} from '../../test/helpers/targets.js';
import {
  cleanEnv,
  commonArgs,
  connectTo,
  cpuMs,
  download,
  initClockTicks,
  killPid,
  MiB,
  type Opener,
  onJsonLines,
  run,
  socks5Connect,
  startSink,
  startSource,
  upload,
} from './common.js';

const clockTicks = Number((await run('getconf', ['CLK_TCK'])).stdout.trim()) || 100;

/** stime of a process, ms. */
async function systemMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[12]) * 1000) / clockTicks;
}

const PAYLOAD = Buffer.alloc(1024, 0x61);

/** Read and write system calls, and voluntary context switches (wake-ups), of processes. */
async function activity(pids: number[]): Promise<{reads: number; writes: number; wakeups: number}> {
  const total = {reads: 0, writes: 0, wakeups: 0};
  for (const pid of pids) {
    const io = await readFile(`/proc/${pid}/io`, 'utf8').catch(() => '');
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    total.reads += Number(/syscr: (\d+)/.exec(io)?.[1] ?? 0);
    total.writes += Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0);
    total.wakeups += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return total;
}

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

/** CPU time of a forwarder's sshd processes, ms. */
async function serverMs(build: {serverPids: number[]}): Promise<number> {
  let total = 0;
  for (const pid of build.serverPids) total += await cpuMs(pid).catch(() => 0);
  return total;
}

/** System CPU time of a forwarder's sshd processes, ms. */
async function serverSystemMs(build: {serverPids: number[]}): Promise<number> {
  let total = 0;
  for (const pid of build.serverPids) total += await systemMs(pid).catch(() => 0);
  return total;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

interface Build {
  name: string;
  pid: number;
  /** sshd's processes for this forwarder's connection. */
  serverPids: number[];
  l: number;
  d: number;
  lSource: number;
  lSink: number;
}

const rounds = Number(process.env.AB_ROUNDS ?? 6);
const count = Number(process.env.AB_COUNT ?? 1500);
const warmUp = Number(process.env.AB_WARMUP ?? 3000);
const kinds = (process.env.AB_KINDS ?? 'L,D').split(',');
const processes = Number(process.env.AB_PROCESSES ?? 1);

await initClockTicks();
const sshd = await startSshd();
const echo = await startEchoServer();
const bulkBytes = Number(process.env.AB_BULK_MIB ?? 256) * MiB;
const source = await startSource(() => bulkBytes);
const sink = await startSink();
const isBulk = (kind: string) => kind.endsWith('B') || kind === 'LP';
const builds: Build[] = [];
try {
  const args = process.argv.slice(2);
  // Instances of the builds taken in turn (A, B, A, B), so that each build's processes start alike.
  for (const arg of Array.from({length: processes}, () => args).flat()) {
    const name = arg.slice(0, arg.indexOf('='));
    const rest = arg.slice(arg.indexOf('=') + 1);
    const [bin, ...options] = rest.split('|');
    // `ENV:KEY=VALUE` among a build's options sets an environment variable of its process.
    const flags = options.filter((option) => !option.startsWith('ENV:'));
    const env = Object.fromEntries(
      options
        .filter((option) => option.startsWith('ENV:'))
        .map((option) => [option.slice(4, option.indexOf('=')), option.slice(option.indexOf('=') + 1)]),
    );
    const serverBefore = new Set(await processTree(sshd.pid));
    const l = await freePort();
    const d = await freePort();
    const lSource = await freePort();
    const lSink = await freePort();
    const child = spawn(
      bin === 'ssh' ? 'ssh' : process.execPath,
      [
        ...(bin === 'ssh'
          ? ['-N']
          : [...flags.flatMap((flag) => flag.split(/\s+/)).filter(Boolean), bin!, '-N', '--json']),
        ...commonArgs(sshd, 'aes128-gcm@openssh.com'),
        '-L',
        `127.0.0.1:${l}:127.0.0.1:${echo.port}`,
        '-D',
        `127.0.0.1:${d}`,
        '-L',
        `127.0.0.1:${lSource}:127.0.0.1:${source.port}`,
        '-L',
        `127.0.0.1:${lSink}:127.0.0.1:${sink.port}`,
        `${sshd.user}@127.0.0.1`,
      ],
      {stdio: ['ignore', 'pipe', 'pipe'], env: {...cleanEnv(), ...env}},
    );
    child.stderr!.on('data', (chunk: Buffer) => process.env.AB_DEBUG && process.stderr.write(chunk));
    // With AB_DEBUG, what the forwarder prints that is not an event line (a Node flag's trace) too.
    if (process.env.AB_DEBUG)
      child.stdout!.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n'))
          if (line && !line.startsWith('{')) console.error(line);
      });
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening`)));
      if (bin === 'ssh') {
        // ssh says nothing when its forwards listen: the last one accepting a connection will do.
        const poll = () =>
          connectTo(lSink).then(
            (socket) => {
              socket.destroy();
              resolve();
            },
            () => setTimeout(poll, 20),
          );
        poll();
        return;
      }
      let listening = 0;
      onJsonLines<{event: string}>(
        child.stdout!,
        (line) => line.includes('"forward-listening"'),
        () => ++listening === 4 && resolve(),
      );
    });
    const serverPids = (await processTree(sshd.pid)).filter((pid) => !serverBefore.has(pid));
    builds.push({name, pid: child.pid!, serverPids, l, d, lSource, lSink});
  }
  const opener = (build: Build, kind: string): Opener => {
    if (kind === 'L') return () => connectTo(build.l);
    if (kind === 'LB') return () => connectTo(build.lSource);
    if (kind === 'LP') return () => connectTo(build.lSink);
    if (kind === 'DB') return () => socks5Connect(build.d, '127.0.0.1', source.port);
    return () => socks5Connect(build.d, '127.0.0.1', echo.port);
  };
  const transfers = async (build: Build, kind: string, times: number) => {
    if (!isBulk(kind)) return sequential(opener(build, kind), times);
    for (let index = 0; index < times; index++)
      if (kind === 'LP') await upload(opener(build, kind), bulkBytes);
      else await download(opener(build, kind), bulkBytes);
  };
  const warmUpOf = (kind: string) => (isBulk(kind) ? 1 : warmUp);
  const rewarmOf = (kind: string) => (isBulk(kind) ? 0 : Number(process.env.AB_REWARM ?? 300));
  // Per connection, or per GiB for bulk kinds.
  const unitsOf = (kind: string) => (isBulk(kind) ? (count * bulkBytes) / (1024 * MiB) : count);
  for (const build of builds) for (const kind of kinds) await transfers(build, kind, warmUpOf(kind));
  const results = new Map<string, number[]>();
  const system = new Map<string, number[]>();
  const server = new Map<string, number[]>();
  // Per unit: the forwarder's reads, writes, wake-ups, then sshd's.
  const calls = new Map<string, number[][]>();
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  for (let round = 0; round < rounds; round++) {
    const order = builds.map((_, index) => builds[(index + round) % builds.length]!);
    // A build's figure in a round: the mean over its processes.
    const roundResults = new Map<string, number[]>();
    const roundSystem = new Map<string, number[]>();
    const roundServer = new Map<string, number[]>();
    for (const kind of kinds)
      for (const build of order) {
        await transfers(build, kind, rewarmOf(kind));
        const before = await cpuMs(build.pid);
        const systemBefore = await systemMs(build.pid);
        const serverBefore = await serverMs(build);
        const serverSystemBefore = await serverSystemMs(build);
        const forwarderActivity = await activity([build.pid]);
        const serverActivity = await activity(build.serverPids);
        await transfers(build, kind, count);
        const perUnit = (after: {reads: number; writes: number; wakeups: number}, before: typeof after) =>
          [after.reads - before.reads, after.writes - before.writes, after.wakeups - before.wakeups].map(
            (value) => value / unitsOf(kind),
          );
        const key0 = `${kind} ${build.name}`;
        calls.set(key0, [
          ...(calls.get(key0) ?? []),
          [
            ...perUnit(await activity([build.pid]), forwarderActivity),
            ...perUnit(await activity(build.serverPids), serverActivity),
            (((await serverSystemMs(build)) - serverSystemBefore) * 1000) / unitsOf(kind),
          ],
        ]);
        const usPer = (((await cpuMs(build.pid)) - before) * 1000) / unitsOf(kind);
        const systemPer = (((await systemMs(build.pid)) - systemBefore) * 1000) / unitsOf(kind);
        const serverPer = (((await serverMs(build)) - serverBefore) * 1000) / unitsOf(kind);
        roundServer.set(`${kind} ${build.name}`, [
          ...(roundServer.get(`${kind} ${build.name}`) ?? []),
          serverPer,
        ]);
        const key = `${kind} ${build.name}`;
        roundResults.set(key, [...(roundResults.get(key) ?? []), usPer]);
        roundSystem.set(key, [...(roundSystem.get(key) ?? []), systemPer]);
      }
    for (const [key, values] of roundResults) {
      results.set(key, [...(results.get(key) ?? []), mean(values)]);
      system.set(key, [...(system.get(key) ?? []), mean(roundSystem.get(key)!)]);
      server.set(key, [...(server.get(key) ?? []), mean(roundServer.get(key)!)]);
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
        `-${kind} ${name}: reads/writes/wake-ups per unit, forwarder ${[0, 1, 2].map((i) => median(calls.get(`${kind} ${name}`)!.map((row) => row[i]!)).toFixed(1)).join('/')}, sshd ${[3, 4, 5].map((i) => median(calls.get(`${kind} ${name}`)!.map((row) => row[i]!)).toFixed(1)).join('/')}, sshd system ${median(calls.get(`${kind} ${name}`)!.map((row) => row[6]!)).toFixed(0)}\n` +
          `-${kind} ${name}: median ${median(values).toFixed(1)} ${isBulk(kind) ? 'µs/GiB' : 'µs/conn'} (${values.map((v) => v.toFixed(0)).join(' ')}), paired ratio to ${names[0]} ${paired.toFixed(3)}; system ${median(system.get(`${kind} ${name}`)!).toFixed(1)}; sshd ${median(server.get(`${kind} ${name}`)!).toFixed(1)}`,
      );
    }
  }
} finally {
  for (const build of builds) killPid(build.pid, 'SIGTERM');
  await echo.close();
  await source.close();
  await sink.close();
  await sshd.stop();
}
