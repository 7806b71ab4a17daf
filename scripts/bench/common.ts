// Shared by every section of the benchmark: options, process bookkeeping (everything started is stopped
// by PID), the two forwarders (tunnels headless and OpenSSH's ssh -N), traffic generators, statistics.
import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {lstatSync} from 'node:fs';
import {readFile, writeFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {promisify} from 'node:util';
import {connectTo, socks5Connect} from '../../test/helpers/socks-client.js';
import type {TestSshd} from '../../test/helpers/sshd.js';
import {pump, serve as serveTarget} from '../../test/helpers/targets.js';

export {connectTo, socks5Connect};

export const run = promisify(execFile);
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The open-file limit the bench, tunnels and ssh run with (sshd inherits the bench's): 65536, or the hard
 * limit when that is lower and cannot be raised (no CAP_SYS_RESOURCE, as in a container). run.mjs sets
 * the bench's; initLimits() reads it.
 */
export let NOFILE = 65536;

export async function initLimits(): Promise<void> {
  const limits = await readFile('/proc/self/limits', 'utf8');
  const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
  if (soft) NOFILE = Number(soft);
}

export const SECTIONS = ['throughput', 'longlink', 'realclient', 'rate', 'concurrency', 'ftp', 'ui'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface BenchOptions {
  quick: boolean;
  only: SectionName[];
  /** The project root (where dist/cli.js is). */
  root: string;
  tunnelsBin: string;
  /** Repetitions of each measurement. */
  runs: number;
  /** Bytes per throughput transfer. */
  bulkBytes: number;
  ciphers: string[];
  /** Sequential connections per connection-rate run. */
  rateConnections: number;
  /** Connections through each forward before the measured runs of the connection rate. */
  rateWarmUp: number;
  /** Unmeasured connections through the same forward right before each measured run. */
  rateRewarm: number;
  concurrency: number[];
  ftpBytes: number;
  /** Samples of PASV/PORT latency per run. */
  ftpLatencySamples: number;
  idleCpuMs: number;
  startupRuns: number;
  firstFrameRuns: number;
}

export function parseOptions(argv: string[], root: string): BenchOptions {
  let quick = false;
  let only: SectionName[] = [...SECTIONS];
  let runs: number | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++index] : arg.slice('--only='.length);
      if (!value)
        throw new Error('--only needs a list: throughput,longlink,realclient,rate,concurrency,ftp,ui');
      const names = value.split(',').map((name) => name.trim());
      for (const name of names)
        if (!(SECTIONS as readonly string[]).includes(name))
          throw new Error(`--only: unknown section "${name}" (sections: ${SECTIONS.join(', ')})`);
      only = names as SectionName[];
    } else if (arg === '--runs' || arg.startsWith('--runs=')) {
      runs = Number(arg === '--runs' ? argv[++index] : arg.slice('--runs='.length));
      if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive whole number');
    } else if (arg === '-h' || arg === '--help') {
      console.log(
        'npm run bench -- [--quick] [--only throughput,longlink,realclient,rate,concurrency,ftp,ui] [--runs N]\n' +
          '  --quick  64 MiB transfers, 1 run, 100 sequential (after 200 to warm up) and 1,000 concurrent\n' +
          '           connections, 32 MiB FTP\n' +
          '  --runs N repetitions of each measurement (default 3, 1 with --quick)\n' +
          'BENCH_TUNNELS_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" profiles each headless tunnels process.\n' +
          'BENCH_TUNNELS_BIN=PATH/cli.js measures another build of tunnels (a copy of dist/) instead of dist/cli.js.',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (try --help)`);
  }
  return {
    quick,
    only,
    root,
    // Another build of tunnels to measure (a copy of dist/ from an earlier commit, to compare with).
    tunnelsBin: process.env.BENCH_TUNNELS_BIN ?? path.join(root, 'dist', 'cli.js'),
    runs: runs ?? (quick ? 1 : 3),
    bulkBytes: quick ? 64 * MiB : GiB,
    ciphers: ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com'],
    rateConnections: quick ? 100 : 500,
    rateWarmUp: quick ? 200 : 2500,
    rateRewarm: quick ? 50 : 300,
    concurrency: quick ? [1000] : [2000, 10_000],
    ftpBytes: quick ? 32 * MiB : 256 * MiB,
    ftpLatencySamples: quick ? 10 : 30,
    idleCpuMs: quick ? 3000 : 10_000,
    startupRuns: 10,
    firstFrameRuns: quick ? 1 : 5,
  };
}

// ---------------------------------------------------------------------------------------------------
// Clean-up: every process and server the bench starts is registered here and stopped by PID.

type Cleanup = () => Promise<void> | void;
const cleanups: Array<{name: string; fn: Cleanup}> = [];
const livePids = new Set<number>();

/** Registers a clean-up step; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(name: string, fn: Cleanup): () => Promise<void> {
  const entry = {name, fn};
  cleanups.push(entry);
  return async () => {
    const index = cleanups.indexOf(entry);
    if (index < 0) return;
    cleanups.splice(index, 1);
    await fn();
  };
}

/** Runs every registered clean-up, newest first, then SIGKILLs any tracked process still alive. */
export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) {
    const {name, fn} = cleanups.pop()!;
    try {
      await Promise.race([fn(), sleep(15_000).then(() => Promise.reject(new Error('timed out')))]);
    } catch (error) {
      console.error(`bench: clean-up of ${name} failed: ${(error as Error).message}`);
    }
  }
  for (const pid of livePids) killPid(pid, 'SIGKILL');
}

/** The PIDs the bench still tracks (used for a last-resort SIGKILL on a second Ctrl-C). */
export function killEverythingNow(): void {
  for (const pid of livePids) killPid(pid, 'SIGKILL');
}

export function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Tracks a child by PID until it exits. */
export function track(child: ChildProcess): ChildProcess {
  if (child.pid === undefined) return child;
  const pid = child.pid;
  livePids.add(pid);
  child.once('exit', () => livePids.delete(pid));
  return child;
}

export function trackPid(pid: number): void {
  livePids.add(pid);
}

export function untrackPid(pid: number): void {
  livePids.delete(pid);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killPid(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => killPid(child.pid!, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Runs a program to completion (tracked, killed by PID on clean-up); rejects on a non-zero status. */
export function runTracked(
  program: string,
  args: string[],
  options: {timeoutMs?: number; env?: NodeJS.ProcessEnv} = {},
): Promise<{stdout: string; stderr: string; ms: number}> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = track(spawn(program, args, {stdio: ['ignore', 'pipe', 'pipe'], env: options.env}));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => killPid(child.pid!, 'SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const ms = performance.now() - started;
      if (code === 0) resolve({stdout, stderr, ms});
      else reject(new Error(`${program} ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// /proc readers.

export interface Memory {
  rss: number;
  hwm: number;
}

export async function memory(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * KiB;
  return {rss: kib('VmRSS'), hwm: kib('VmHWM')};
}

/** Resets VmHWM to the current RSS (the kernel's clear_refs 5). */
export async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

let clockTicks = 100;
export async function initClockTicks(): Promise<void> {
  clockTicks = Number((await run('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
}

/** utime + stime of a process, in milliseconds. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat; after the command name, index 0 is field 3.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/**
 * Whether something is in LISTEN on port (any address), read from /proc/net/tcp; with an IPv4 `address`,
 * only a listener on that address (or the wildcard) counts.
 */
export async function isListening(port: number, address?: string): Promise<boolean> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  // /proc/net/tcp writes an IPv4 address as one host-order (little-endian here) 32-bit word in hex.
  const addressHex = (ipv4: string) =>
    ipv4
      .split('.')
      .reverse()
      .map((part) => Number(part).toString(16).toUpperCase().padStart(2, '0'))
      .join('');
  const wanted = address && net.isIPv4(address) ? [addressHex(address), '00000000'] : undefined;
  for (const file of wanted ? ['/proc/net/tcp'] : ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== '0A' || !fields[1]?.endsWith(`:${hex}`)) continue;
      if (!wanted || wanted.includes(fields[1].split(':')[0]!)) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------
// The two forwarders.

export type Tool = 'tunnels' | 'ssh';
export const TOOLS: Tool[] = ['tunnels', 'ssh'];

export interface ForwardSet {
  /** Each "bind:port:host:hostport" with an explicit loopback bind address (127.0.0.1, or 127.0.0.x) and port. */
  local?: string[];
  remote?: string[];
  /** "127.0.0.1:port". */
  dynamic?: string[];
  /** "127.0.0.1:port:host:hostport" for tunnels' -L ftp/... */
  ftp?: string[];
  /** "/path/to.sock:host:hostport": -L listening on a unix socket. */
  localSocket?: string[];
}

export interface Forwarder {
  tool: Tool;
  pid: number;
  child: ChildProcess;
  /** From spawn to every forward listening, in ms. */
  startMs: number;
  stop(): Promise<void>;
}

export function forwardArgs(forwards: ForwardSet): string[] {
  return [
    ...(forwards.local ?? []).flatMap((spec) => ['-L', spec]),
    ...(forwards.ftp ?? []).flatMap((spec) => ['-L', `ftp/${spec}`]),
    ...(forwards.localSocket ?? []).flatMap((spec) => ['-L', spec]),
    ...(forwards.remote ?? []).flatMap((spec) => ['-R', spec]),
    ...(forwards.dynamic ?? []).flatMap((spec) => ['-D', spec]),
  ];
}

/** The addresses and ports a forward set listens on (the server's side for -R), for ssh's readiness check. */
function isSocket(file: string): boolean {
  try {
    return lstatSync(file).isSocket();
  } catch {
    return false;
  }
}

function listenAddresses(forwards: ForwardSet): Array<[string, number]> {
  return [...(forwards.local ?? []), ...(forwards.remote ?? []), ...(forwards.dynamic ?? [])].map((spec) => {
    const [address, port] = spec.split(':');
    return [address!, Number(port)];
  });
}

/**
 * Node flags for headless tunnels from BENCH_TUNNELS_NODE_FLAGS, to see where its time goes, e.g.
 * BENCH_TUNNELS_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (a profile per process, written at exit).
 */
export function tunnelsNodeFlags(): string[] {
  return (process.env.BENCH_TUNNELS_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

/** The environment both tools get: no agent, so only the key given is tried. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = {...process.env};
  delete env.SSH_AUTH_SOCK;
  return env;
}

/** Connection options shared by ssh and tunnels (the same ssh_config-style command line). */
/**
 * `via`: the port of a delay line in front of sshd; the host key is then looked up under sshd's own
 * name (HostKeyAlias), as known_hosts holds it.
 */
export function commonArgs(sshd: TestSshd, cipher: string, via?: number): string[] {
  return [
    ...(via !== undefined ? ['-o', `HostKeyAlias=[127.0.0.1]:${sshd.port}`] : []),
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    `UserKnownHostsFile=${sshd.knownHosts}`,
    '-i',
    sshd.clientKey,
    '-p',
    String(via ?? sshd.port),
    '-c',
    cipher,
  ];
}

/**
 * tunnels' --json events from a stream, one per line. Only lines that `wanted` keeps are parsed: under
 * load most lines are connection events, and the bench reads them on its own measuring path.
 */
export function onJsonLines<T>(
  stream: NodeJS.ReadableStream,
  wanted: (line: string) => boolean,
  handle: (event: T) => void,
): void {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      if (wanted(line)) handle(JSON.parse(line) as T);
    }
  });
}

/** Starts `tunnels -N --json` (headless) or `ssh -N`, and resolves once every forward listens. */
export async function startForwarder(
  tool: Tool,
  options: BenchOptions,
  sshd: TestSshd,
  cipher: string,
  forwards: ForwardSet,
  via?: number,
): Promise<Forwarder> {
  const destination = `${sshd.user}@127.0.0.1`;
  const command =
    tool === 'tunnels'
      ? [
          process.execPath,
          ...tunnelsNodeFlags(),
          options.tunnelsBin,
          '-N',
          '--json',
          ...commonArgs(sshd, cipher, via),
          ...forwardArgs(forwards),
          destination,
        ]
      : ['ssh', '-N', ...commonArgs(sshd, cipher, via), ...forwardArgs(forwards), destination];
  const started = performance.now();
  // prlimit execs the program, so the PID is the forwarder's own. A new session: Ctrl-C in the bench's
  // terminal reaches only the bench, which stops this by PID.
  const child = track(
    spawn('prlimit', [`--nofile=${NOFILE}:${NOFILE}`, ...command], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: cleanEnv(),
    }),
  );
  const stop = onCleanup(`${tool} (pid ${child.pid})`, () => stopChild(child));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    // Keep only the tail: with --json every connection is also a line here.
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const expected =
    (forwards.local?.length ?? 0) +
    (forwards.remote?.length ?? 0) +
    (forwards.dynamic?.length ?? 0) +
    (forwards.ftp?.length ?? 0) +
    (forwards.localSocket?.length ?? 0);
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`${tool} exited (${code ?? signal}) before its forwards listened:\n${stderr}`)),
    );
  });
  exited.catch(() => {});
  const timeout = (ms: number) =>
    sleep(ms).then(() =>
      Promise.reject(new Error(`${tool}: forwards not listening after ${ms} ms\n${stderr}`)),
    );
  let ready: Promise<void>;
  if (tool === 'tunnels') {
    ready = new Promise<void>((resolve, reject) => {
      let listening = 0;
      onJsonLines<{event: string; reason?: string; spec?: string}>(
        child.stdout!,
        (line) => line.includes('"forward-') || line.includes('"session-failed"'),
        (event) => {
          if (event.event === 'forward-listening' && ++listening === expected) resolve();
          else if (event.event === 'forward-failed' || event.event === 'session-failed')
            reject(new Error(`tunnels: ${event.event}: ${event.spec ?? ''} ${event.reason ?? ''}`));
        },
      );
    });
  } else {
    child.stdout!.resume();
    const addresses = listenAddresses(forwards);
    ready = (async () => {
      for (;;) {
        const states = await Promise.all(addresses.map(([address, port]) => isListening(port, address)));
        const sockets = (forwards.localSocket ?? []).map((spec) => isSocket(spec.split(':')[0]!));
        if (states.every(Boolean) && sockets.every(Boolean)) return;
        await sleep(5);
      }
    })();
  }
  try {
    await Promise.race([ready, exited, timeout(20_000)]);
  } catch (error) {
    await stop();
    throw error;
  }
  const startMs = performance.now() - started;
  return {tool, pid: child.pid!, child, startMs, stop};
}

// ---------------------------------------------------------------------------------------------------
// Targets and clients. The source writes one reused buffer; the sink only counts.

export {pump};

export interface BenchServer {
  port: number;
  close(): Promise<void>;
}

/** The test helpers' server, stopped with everything else the bench started. */
async function serve(handler: (socket: net.Socket) => void, name: string): Promise<BenchServer> {
  const server = await serveTarget(handler);
  return {port: server.port, close: onCleanup(name, () => server.close())};
}

/** Sends `size()` bytes to each connection, then ends it. */
export function startSource(size: () => number): Promise<BenchServer> {
  return serve((socket) => {
    socket.resume();
    pump(socket, size());
  }, 'source server');
}

/** Counts what each connection sends; at its end, answers with the count (decimal) and ends. */
export function startSink(): Promise<BenchServer> {
  return serve((socket) => {
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.on('end', () => socket.end(String(bytes)));
  }, 'sink server');
}

/** A connected socket, through a SOCKS5 proxy when `socks` is given. */
export type Opener = () => Promise<net.Socket>;

/** Opens a connection and reads to its end; returns the bytes and the time from the open. */
export async function download(open: Opener, expected: number): Promise<number> {
  const started = performance.now();
  const socket = await open();
  return new Promise((resolve, reject) => {
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const ms = performance.now() - started;
      socket.destroy();
      if (bytes !== expected) reject(new Error(`download: ${bytes} bytes arrived, ${expected} expected`));
      else resolve(ms);
    });
    socket.resume();
  });
}

/** Opens a (half-open capable) connection, sends `bytes` and ends; the sink answers with its count. */
export async function upload(open: Opener, bytes: number): Promise<number> {
  const started = performance.now();
  const socket = await open();
  return new Promise((resolve, reject) => {
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const ms = performance.now() - started;
      socket.destroy();
      if (Number(answer) !== bytes) reject(new Error(`upload: the sink counted ${answer}, ${bytes} sent`));
      else resolve(ms);
    });
    socket.resume();
    pump(socket, bytes);
  });
}

// ---------------------------------------------------------------------------------------------------
// Statistics and formatting.

export interface Stat {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  return {median: percentile(sorted, 50), min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN, values};
}

/** Nearest-rank percentile of an ascending array (the median of an even count averages the middle two). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  if (p === 50) {
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  }
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function fmt(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return '–';
  const places = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', {minimumFractionDigits: places, maximumFractionDigits: places});
}

/** "median (min–max)", or just the value for a single run. */
export function fmtStat(value: Stat | undefined, digits?: number): string {
  if (!value || value.values.length === 0) return '–';
  if (value.values.length === 1) return fmt(value.median, digits);
  return `${fmt(value.median, digits)} (${fmt(value.min, digits)}–${fmt(value.max, digits)})`;
}

export function ratio(a: Stat | number | undefined, b: Stat | number | undefined): string {
  const x = typeof a === 'number' ? a : a?.median;
  const y = typeof b === 'number' ? b : b?.median;
  if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y) || y === 0) return '–';
  return `${x / y >= 10 ? (x / y).toFixed(1) : (x / y).toFixed(2)}×`;
}

/** MB/s (10^6 bytes per second). */
export const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface SectionResult {
  name: SectionName;
  title: string;
  tables: Table[];
  notes: string[];
  /** Raw numbers for the JSON report. */
  data: unknown;
  seconds?: number;
}

export interface SectionContext {
  options: BenchOptions;
  sshd: TestSshd;
  log(message: string): void;
}

/** Calls `task` for each of runs × items, interleaving the items within each run (so drift hits all). */
export async function interleaved<T extends string>(
  runs: number,
  items: readonly T[],
  task: (item: T, run: number) => Promise<void>,
): Promise<void> {
  for (let index = 0; index < runs; index++) {
    // Alternate the order from run to run so neither side always goes first.
    const order = index % 2 === 0 ? items : [...items].reverse();
    for (const item of order) await task(item, index);
  }
}
