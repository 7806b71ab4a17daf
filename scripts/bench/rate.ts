// Section 2: connection rate. Sequential short connections (1 KiB each way to an echo target) through
// -L, -R and -D: connections per second and the latency from connect to the full echo.
import {freePort} from '../../test/helpers/sshd.js';
import {startEchoServer} from '../../test/helpers/targets.js';
import {
  connectTo,
  cpuMs,
  type Forwarder,
  fmtStat,
  interleaved,
  KiB,
  type Opener,
  onCleanup,
  percentile,
  ratio,
  type SectionContext,
  type SectionResult,
  type Stat,
  socks5Connect,
  startForwarder,
  stat,
  TOOLS,
  type Tool,
} from './common.js';

const PAYLOAD = Buffer.alloc(KiB, 0x61);

/** One connection: open, send 1 KiB, wait for all of it to come back, end, wait for the close. */
function oneConnection(open: Opener): Promise<number> {
  const started = performance.now();
  return open().then(
    (socket) =>
      new Promise<number>((resolve, reject) => {
        let received = 0;
        let latency: number | undefined;
        socket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (latency === undefined && received >= PAYLOAD.length) {
            latency = performance.now() - started;
            socket.end();
          }
        });
        socket.on('error', reject);
        socket.on('close', () =>
          latency === undefined
            ? reject(new Error(`closed after ${received} bytes of the echo`))
            : resolve(latency),
        );
        // socks5Connect leaves the socket paused after the handshake; a 'data' listener alone would not
        // start it again.
        socket.resume();
        socket.write(PAYLOAD);
      }),
  );
}

interface RunResult {
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU time (user + system) of the forwarder process per connection, ms. */
  cpuPerConnection: number;
}

async function sequential(open: Opener, count: number): Promise<RunResult> {
  const latencies: number[] = [];
  const started = performance.now();
  for (let index = 0; index < count; index++) latencies.push(await oneConnection(open));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: count / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPerConnection: Number.NaN,
  };
}

type Kind = 'L' | 'R' | 'D';
type Who = Tool | 'direct';

interface Row {
  kind: Kind;
  perSecond: Record<Who, Stat>;
  p50: Record<Who, Stat>;
  p99: Record<Who, Stat>;
  cpuPerConnection: Record<Who, Stat>;
}

export async function rate(context: SectionContext): Promise<SectionResult> {
  const {options, sshd, log} = context;
  const echo = await startEchoServer();
  const closeEcho = onCleanup('echo server', () => echo.close());
  const count = options.rateConnections;
  const forwarders = new Map<Tool, Forwarder>();
  const ports = new Map<Tool, {l: number; r: number; d: number}>();
  const rows: Row[] = [];
  const cold = {} as Record<Tool, RunResult>;
  try {
    for (const tool of TOOLS) {
      const p = {l: await freePort(), r: await freePort(), d: await freePort()};
      ports.set(tool, p);
      forwarders.set(
        tool,
        await startForwarder(tool, options, sshd, options.ciphers[0]!, {
          local: [`127.0.0.1:${p.l}:127.0.0.1:${echo.port}`],
          remote: [`127.0.0.1:${p.r}:127.0.0.1:${echo.port}`],
          dynamic: [`127.0.0.1:${p.d}`],
        }),
      );
    }
    // A fresh forwarder's first connections, through -L: V8 is still compiling tunnels' hot paths.
    for (const tool of TOOLS) {
      const pid = forwarders.get(tool)!.pid;
      const cpuBefore = await cpuMs(pid);
      cold[tool] = await sequential(() => connectTo(ports.get(tool)!.l), count);
      cold[tool].cpuPerConnection = ((await cpuMs(pid)) - cpuBefore) / count;
    }
    // Then warm up, so the runs measure the steady state of a forwarder that has been up a while:
    // tunnels' CPU per connection falls by half over its first ~2,500 connections of a kind, as V8
    // optimizes the functions on the path one after another. The same through ssh, except -R, which at
    // ssh's 24/s would take minutes (and ssh has no JIT to warm).
    for (const tool of TOOLS) {
      const p = ports.get(tool)!;
      await sequential(() => connectTo(p.l), options.rateWarmUp);
      await sequential(() => connectTo(p.r), tool === 'ssh' ? 20 : options.rateWarmUp);
      await sequential(() => socks5Connect(p.d, '127.0.0.1', echo.port), options.rateWarmUp);
    }

    const direct: RunResult[] = [];
    for (let run = 0; run < options.runs; run++)
      direct.push(await sequential(() => connectTo(echo.port), count));

    for (const kind of ['L', 'R', 'D'] as Kind[]) {
      const results: Record<Who, RunResult[]> = {tunnels: [], ssh: [], direct};
      await interleaved(options.runs, TOOLS, async (tool) => {
        const p = ports.get(tool)!;
        const open: Opener =
          kind === 'L'
            ? () => connectTo(p.l)
            : kind === 'R'
              ? () => connectTo(p.r)
              : () => socks5Connect(p.d, '127.0.0.1', echo.port);
        // The other tool's run may have left this one idle for a while (ssh's -R: 20 s), and after ~10 s
        // idle V8's memory reducer shrinks the heap and drops much of the optimized code: the first few
        // hundred connections after it cost up to twice the CPU. A short warm-up before every run (not for
        // ssh's -R, 43 ms a connection, with nothing to warm).
        if (!(tool === 'ssh' && kind === 'R')) await sequential(open, options.rateRewarm);
        const pid = forwarders.get(tool)!.pid;
        const cpuBefore = await cpuMs(pid);
        const result = await sequential(open, count);
        result.cpuPerConnection = ((await cpuMs(pid)) - cpuBefore) / count;
        results[tool].push(result);
      });
      const pick = (field: keyof RunResult) =>
        Object.fromEntries(
          (['tunnels', 'ssh', 'direct'] as Who[]).map((who) => [
            who,
            stat(results[who].map((r) => r[field])),
          ]),
        ) as Record<Who, Stat>;
      const row: Row = {
        kind,
        perSecond: pick('perSecond'),
        p50: pick('p50'),
        p99: pick('p99'),
        cpuPerConnection: pick('cpuPerConnection'),
      };
      rows.push(row);
      log(
        `-${kind}: tunnels ${fmtStat(row.perSecond.tunnels, 0)}/s, ssh ${fmtStat(row.perSecond.ssh, 0)}/s (${ratio(row.perSecond.tunnels, row.perSecond.ssh)})`,
      );
    }
  } finally {
    for (const forwarder of forwarders.values()) await forwarder.stop();
    await closeEcho();
  }
  return {
    name: 'rate',
    title: `Connection rate (${count} sequential connections per run, 1 KiB each way, ${options.runs} run${options.runs > 1 ? 's' : ''})`,
    tables: [
      {
        title: 'Connections per second: median (min–max)',
        columns: ['forward', 'tunnels', 'ssh', 'tunnels/ssh', 'direct (no forwarder)'],
        rows: rows.map((row) => [
          `-${row.kind}`,
          fmtStat(row.perSecond.tunnels, 0),
          fmtStat(row.perSecond.ssh, 0),
          ratio(row.perSecond.tunnels, row.perSecond.ssh),
          fmtStat(row.perSecond.direct, 0),
        ]),
      },
      {
        title:
          'Latency from connect to the full echo, ms: p50 and p99 of each run, median (min–max) over runs',
        columns: ['forward', 'tunnels p50', 'ssh p50', 'ratio p50', 'tunnels p99', 'ssh p99', 'ratio p99'],
        rows: rows.map((row) => [
          `-${row.kind}`,
          fmtStat(row.p50.tunnels, 2),
          fmtStat(row.p50.ssh, 2),
          ratio(row.p50.tunnels, row.p50.ssh),
          fmtStat(row.p99.tunnels, 2),
          fmtStat(row.p99.ssh, 2),
          ratio(row.p99.tunnels, row.p99.ssh),
        ]),
      },
      {
        title: 'CPU time of the forwarder process per connection, ms: median (min–max)',
        columns: ['forward', 'tunnels', 'ssh', 'tunnels/ssh'],
        rows: rows.map((row) => [
          `-${row.kind}`,
          fmtStat(row.cpuPerConnection.tunnels, 3),
          fmtStat(row.cpuPerConnection.ssh, 3),
          ratio(row.cpuPerConnection.tunnels, row.cpuPerConnection.ssh),
        ]),
      },
      {
        title: `A fresh forwarder: its first ${count} connections, through -L, before the warm-up (one run)`,
        columns: ['', 'tunnels', 'ssh', 'tunnels/ssh'],
        rows: (
          [
            ['connections per second', 'perSecond', 0],
            ['latency p50, ms', 'p50', 2],
            ['latency p99, ms', 'p99', 2],
            ['CPU per connection, ms', 'cpuPerConnection', 3],
          ] as const
        ).map(([label, field, digits]) => [
          label,
          fmtStat(stat([cold.tunnels[field]]), digits),
          fmtStat(stat([cold.ssh[field]]), digits),
          ratio(stat([cold.tunnels[field]]), stat([cold.ssh[field]])),
        ]),
      },
    ],
    notes: [
      `Warm-up: the measured runs come after ${options.rateWarmUp.toLocaleString('en-US')} connections through each of the forwarder's -L, -R and -D (ssh's -R: 20), so they show a forwarder that has been up a while. tunnels is JavaScript: V8 optimizes the functions on the path one by one over the first few thousand connections, and CPU per connection falls by about half. Each run also follows ${options.rateRewarm} unmeasured connections through the same forward (except ssh's -R), because the other tool's run may have left the forwarder idle (ssh's -R takes 43 ms a connection), and after ~10 s idle V8 shrinks the heap and drops much of its optimized code. The last table is the first ${count} connections of each fresh forwarder, through -L, before any warm-up.`,
      'Each connection: connect (for -D, the SOCKS5 handshake too), send 1 KiB, wait until the 1 KiB echo is back (the latency), half-close, wait for the close; the next one starts only then. Rate = connections / wall time of the whole sequence.',
      `Direct: the same client straight to the echo server (p50 ${fmtStat(rows[0]?.p50.direct, 3)} ms).`,
    ],
    data: {connections: count, warmUp: options.rateWarmUp, rows, cold},
  };
}
