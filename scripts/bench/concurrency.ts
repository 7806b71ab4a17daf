// Section 3: concurrency. N connections held open at once through one -L, each echoing a message:
// failures, time until all have echoed, peak RSS of the forwarder and RSS per connection beyond idle.
import {spawn} from 'node:child_process';
import {readdir} from 'node:fs/promises';
import type net from 'node:net';
import {freePort} from '../../test/helpers/sshd.js';
import {
  connectTo,
  fmt,
  fmtStat,
  interleaved,
  KiB,
  MiB,
  memory,
  NOFILE,
  onCleanup,
  ratio,
  resetPeak,
  type SectionContext,
  type SectionResult,
  type Stat,
  sleep,
  startForwarder,
  stat,
  stopChild,
  TOOLS,
  type Tool,
  track,
} from './common.js';

/**
 * The echo target runs in a process of its own: the bench's client ends, the echo server's ends and
 * (for 10,000) both together would not fit in one process's open-file limit when it cannot be raised.
 */
const ECHO_SERVER = `
const net = require('node:net');
const server = net.createServer({allowHalfOpen: true}, (socket) => {
  socket.on('error', () => {});
  socket.pipe(socket);
});
server.listen({port: 0, host: '127.0.0.1', backlog: 4096}, () => console.log(server.address().port));
`;

async function startEchoProcess(): Promise<{
  port: number;
  pid: number;
  openFds(): Promise<number>;
  close(): Promise<void>;
}> {
  const child = track(spawn(process.execPath, ['-e', ECHO_SERVER], {stdio: ['ignore', 'pipe', 'inherit']}));
  const close = onCleanup(`echo server (pid ${child.pid})`, () => stopChild(child));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the echo server exited (${code})`)));
  });
  return {
    port,
    pid: child.pid!,
    openFds: async () => (await readdir(`/proc/${child.pid}/fd`)).length,
    close,
  };
}

/** Connections being opened (connect + echo) at any moment: below ssh's listen backlog of 128. */
const IN_FLIGHT = 100;
const DEADLINE_MS = 180_000;
const MESSAGE = Buffer.alloc(64, 0x62);

interface RunResult {
  failures: number;
  ms: number;
  idleRss: number;
  peak: number;
  heldRss: number;
  perConnection: number;
}

/** Opens `count` connections (IN_FLIGHT at a time), each echoing MESSAGE, and holds them all. */
async function holdMany(
  port: number,
  count: number,
): Promise<{sockets: net.Socket[]; failures: number; ms: number}> {
  const sockets: net.Socket[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + DEADLINE_MS;
  const one = async () => {
    const socket = await connectTo(port);
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      let received = 0;
      const timer = setTimeout(
        () => reject(new Error('no echo before the deadline')),
        deadline - performance.now(),
      );
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= MESSAGE.length) {
          clearTimeout(timer);
          resolve();
        }
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('close', () => {
        clearTimeout(timer);
        reject(new Error('closed before the echo'));
      });
      socket.write(MESSAGE);
    });
  };
  await Promise.all(
    Array.from({length: IN_FLIGHT}, async () => {
      while (next < count && performance.now() < deadline) {
        next++;
        await one().catch(() => {
          failures++;
        });
      }
    }),
  );
  failures += count - next;
  return {sockets, failures, ms: performance.now() - started};
}

interface Row {
  count: number;
  tool: Tool;
  failures: Stat;
  seconds: Stat;
  idleRss: Stat;
  peak: Stat;
  perConnection: Stat;
}

export async function concurrency(context: SectionContext): Promise<SectionResult> {
  const {options, sshd, log} = context;
  const echo = await startEchoProcess();
  const idleFds = await echo.openFds();
  const rows: Row[] = [];
  try {
    for (const count of options.concurrency) {
      const results: Record<Tool, RunResult[]> = {tunnels: [], ssh: []};
      await interleaved(options.runs, TOOLS, async (tool) => {
        const port = await freePort();
        const forwarder = await startForwarder(tool, options, sshd, options.ciphers[0]!, {
          local: [`127.0.0.1:${port}:127.0.0.1:${echo.port}`],
        });
        let sockets: net.Socket[] = [];
        try {
          // Idle: after start-up has settled; the peak is counted from here.
          await sleep(1000);
          const idle = await memory(forwarder.pid);
          await resetPeak(forwarder.pid);
          const held = await holdMany(port, count);
          sockets = held.sockets;
          const after = await memory(forwarder.pid);
          const result: RunResult = {
            failures: held.failures,
            ms: held.ms,
            idleRss: idle.rss,
            peak: after.hwm,
            heldRss: after.rss,
            perConnection: (after.hwm - idle.rss) / (count - held.failures || 1),
          };
          results[tool].push(result);
          log(
            `${count} concurrent via ${tool}: ${held.failures} failed, all echoed in ${fmt(held.ms / 1000, 2)} s, RSS ${fmt(idle.rss / MiB, 1)} -> peak ${fmt(after.hwm / MiB, 1)} MiB (${fmt(result.perConnection / KiB, 1)} KiB/conn)`,
          );
        } finally {
          for (const socket of sockets) socket.destroy();
          await forwarder.stop();
          // Let the echo server and sshd let go of the closed connections before the next run.
          for (let waited = 0; (await echo.openFds()) > idleFds && waited < 10_000; waited += 100)
            await sleep(100);
        }
      });
      for (const tool of TOOLS) {
        const list = results[tool];
        rows.push({
          count,
          tool,
          failures: stat(list.map((r) => r.failures)),
          seconds: stat(list.map((r) => r.ms / 1000)),
          idleRss: stat(list.map((r) => r.idleRss / MiB)),
          peak: stat(list.map((r) => r.peak / MiB)),
          perConnection: stat(list.map((r) => r.perConnection / KiB)),
        });
      }
    }
  } finally {
    await echo.close();
  }
  const find = (count: number, tool: Tool) => rows.find((row) => row.count === count && row.tool === tool)!;
  return {
    name: 'concurrency',
    title: `Concurrency (connections held open at once through one -L, ${options.runs} run${options.runs > 1 ? 's' : ''})`,
    tables: [
      {
        title: 'Held connections: median (min–max)',
        columns: [
          'connections',
          'tool',
          'failures',
          'all echoed, s',
          'idle VmRSS, MiB',
          'peak VmHWM, MiB',
          'KiB per connection beyond idle',
        ],
        rows: rows.map((row) => [
          fmt(row.count, 0),
          row.tool,
          fmtStat(row.failures, 0),
          fmtStat(row.seconds, 2),
          fmtStat(row.idleRss, 1),
          fmtStat(row.peak, 1),
          fmtStat(row.perConnection, 1),
        ]),
      },
      {
        title: 'tunnels / ssh',
        columns: ['connections', 'time until all echoed', 'peak RSS', 'RSS per connection'],
        rows: options.concurrency.map((count) => [
          fmt(count, 0),
          ratio(find(count, 'tunnels').seconds, find(count, 'ssh').seconds),
          ratio(find(count, 'tunnels').peak, find(count, 'ssh').peak),
          ratio(find(count, 'tunnels').perConnection, find(count, 'ssh').perConnection),
        ]),
      },
    ],
    notes: [
      `A fresh forwarder per run (-L to an echo server). Idle VmRSS is read 1 s after its forward listens; VmHWM is then reset (clear_refs 5), so the peak is that of holding the connections. Each connection connects, sends ${MESSAGE.length} bytes and waits for their echo, then stays open until every one has echoed; at most ${IN_FLIGHT} are being opened at a time (below ssh's listen backlog of 128, so the kernel's SYN retries do not dominate). RSS per connection = (peak − idle) / connections.`,
      `tunnels, ssh and the bench run with an open-file limit of ${NOFILE} (prlimit); sshd inherits the bench's; the echo server is a process of its own. A connection counts as failed if it errs, closes or has not echoed within ${DEADLINE_MS / 1000} s.`,
      'With --json tunnels also prints two JSON events per connection on stdout and two lines on stderr; the bench reads and discards them.',
    ],
    data: {inFlight: IN_FLIGHT, rows},
  };
}
