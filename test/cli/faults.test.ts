import {readFile, writeFile} from 'node:fs/promises';
import net from 'node:net';
import {describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {socks5Connect} from '../helpers/socks-client.js';
import {exchange, pump, serve} from '../helpers/targets.js';
import {isEvent, startTunnels} from '../helpers/tunnels-process.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** How long a slow reader sits on its stream before it reads: long enough to fill every buffer. */
const STALL_MS = 2000;

/** A slow reader: reads nothing for STALL_MS, then everything; resolves with the byte count at the end. */
function slowRead(socket: net.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    socket.pause();
    setTimeout(() => socket.resume(), STALL_MS);
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      socket.end();
      resolve(bytes);
    });
  });
}

async function memory(pid: number): Promise<{rss: number; peak: number}> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return {rss: kib('VmRSS'), peak: kib('VmHWM')};
}

describe('faults and bounds of the built binary (real sshd)', () => {
  const fixture = useSshdAndEcho();

  const base = () => ['-N', '--json', ...fixture.sshd.sshArgs(), '-o', 'BatchMode=yes'];

  it('the same port twice: the second forward says it is ours, the first keeps working', async () => {
    const taken = await serve(() => {});
    const port = taken.port;
    await taken.close();
    const tunnels = startTunnels([
      ...base(),
      '-L',
      `${port}:127.0.0.1:${fixture.echo.port}`,
      '-D',
      String(port),
      '127.0.0.1',
    ]);
    try {
      const failed = await tunnels.waitFor(isEvent('forward-failed'));
      expect(failed.reason).toBe(
        `port ${port} is already used by another forward of tunnels; pick another port`,
      );
      expect((await exchange(port, 64 * 1024)).received).toBe(64 * 1024);
    } finally {
      expect(await tunnels.stop()).toBe(0);
    }
  });

  it('near the open-file limit, new clients are refused, counted and explained; the forward keeps listening', async () => {
    const tunnels = startTunnels([...base(), '-L', `0:127.0.0.1:${fixture.echo.port}`, '127.0.0.1'], {
      nofile: 200,
    });
    const held: net.Socket[] = [];
    try {
      const listening = await tunnels.waitFor(isEvent('forward-listening'));
      // 200 - 64 kept back = 136 connections; the rest are refused at once rather than left hanging.
      const outcomes = await Promise.all(
        Array.from(
          {length: 160},
          () =>
            new Promise<'echoed' | 'closed'>((resolve) => {
              const socket = net.connect(listening.port, '127.0.0.1');
              held.push(socket);
              socket.on('error', () => {});
              socket.on('connect', () => socket.write('ping'));
              socket.once('data', () => resolve('echoed'));
              socket.on('close', () => resolve('closed'));
            }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === 'echoed')).toHaveLength(136);
      expect(outcomes.filter((outcome) => outcome === 'closed')).toHaveLength(24);
      const refused = await tunnels.waitFor(isEvent('connection-failed'));
      expect(refused.reason).toBe(
        "refused: 136 connections are open, near this process's open-file limit (200); raise it (ulimit -n) to carry more",
      );
      await tunnels.waitForStderr(
        /connection from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+ failed: refused: 136/,
      );
      for (const socket of held) socket.destroy();
      // Once they are gone, new clients are served again.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const result = await exchange(listening.port, 64 * 1024).catch(() => undefined);
        if (result?.received === 64 * 1024) break;
        if (Date.now() > deadline) throw new Error('the forward did not serve again');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      for (const socket of held) socket.destroy();
      expect(await tunnels.stop()).toBe(0);
    }
  });

  it('a slow reader against 1 GiB each way through -L, -R and -D: memory stays near the baseline', async () => {
    const stalls: Promise<number>[] = [];
    // Uploads end here: a sink that sits on each connection before reading it.
    const sink = await serve((socket) => {
      stalls.push(slowRead(socket));
    });
    // Downloads start here: 1 GiB as fast as the connection takes it.
    const source = await serve((socket) => pump(socket, GiB));
    const sinkPort = sink.port;
    const sourcePort = source.port;
    const tunnels = startTunnels([
      ...base(),
      '-L',
      `0:127.0.0.1:${sinkPort}`,
      '-L',
      `0:127.0.0.1:${sourcePort}`,
      '-R',
      `0:127.0.0.1:${sinkPort}`,
      '-R',
      `0:127.0.0.1:${sourcePort}`,
      '-D',
      '0',
      '127.0.0.1',
    ]);
    const results: string[] = [];
    try {
      // Local and dynamic forwards come up first, then remote ones (the order ssh keeps them in).
      await tunnels.waitFor(isEvent('forward-listening', (event) => event.forwardId === 'R5'));
      const portOf = (forwardId: string) =>
        tunnels.events.flatMap((event) =>
          event.event === 'forward-listening' && event.forwardId === forwardId ? [event.port] : [],
        )[0]!;
      const [localSink, localSource, socks, remoteSink, remoteSource] = ['L1', 'L2', 'D3', 'R4', 'R5'].map(
        portOf,
      ) as [number, number, number, number, number];
      const cases: Array<[string, () => Promise<number>]> = [
        ['-L upload', () => upload(net.connect({port: localSink, host: '127.0.0.1', allowHalfOpen: true}))],
        ['-L download', () => slowRead(net.connect({port: localSource, host: '127.0.0.1'}))],
        // -R: the server's listener is on this machine's loopback too.
        ['-R upload', () => upload(net.connect({port: remoteSink, host: '127.0.0.1', allowHalfOpen: true}))],
        ['-R download', () => slowRead(net.connect({port: remoteSource, host: '127.0.0.1'}))],
        ['-D upload', async () => upload(await socks5Connect(socks, '127.0.0.1', sinkPort, true))],
        ['-D download', async () => slowRead(await socks5Connect(socks, '127.0.0.1', sourcePort, true))],
      ];
      async function upload(socket: net.Socket): Promise<number> {
        socket.on('connect', () => pump(socket, GiB));
        if (!socket.connecting) pump(socket, GiB);
        const received = new Promise<number>((resolve) => {
          const check = setInterval(() => {
            if (stalls.length > 0) {
              clearInterval(check);
              resolve(stalls.shift()!);
            }
          }, 10);
        });
        return received;
      }
      // Warm up every path, then take the resting size as the baseline.
      for (const port of [localSink, remoteSink]) {
        const socket = net.connect({port, host: '127.0.0.1'});
        pump(socket, MiB);
        await new Promise((resolve) => socket.on('close', resolve));
      }
      await Promise.all(stalls.splice(0));
      const baseline = (await memory(tunnels.pid)).rss;
      let worst = 0;
      for (const [name, run] of cases) {
        // Resets the peak (VmHWM) so each case is measured on its own.
        await writeFile(`/proc/${tunnels.pid}/clear_refs`, '5');
        // What earlier cases left resident (freed memory the allocator keeps) is part of this case's peak.
        const atStart = (await memory(tunnels.pid)).rss;
        const bytes = await run();
        expect(bytes, name).toBe(GiB);
        const {peak} = await memory(tunnels.pid);
        worst = Math.max(worst, peak - baseline);
        results.push(
          `${name}: peak ${((peak - baseline) / MiB).toFixed(1)} MiB over ${(baseline / MiB).toFixed(1)} MiB (${((atStart - baseline) / MiB).toFixed(1)} of it resident at the start)`,
        );
      }
      console.log(`slow reader, 1 GiB each: ${results.join('; ')}`);
      // The ssh window per channel (2 MiB in ssh2) plus socket and stream buffers, and the garbage of
      // decrypting 1 GiB: a few tens of MiB, never the stream (1024 MiB).
      expect(worst).toBeLessThan(64 * MiB);
    } finally {
      expect(await tunnels.stop()).toBe(0);
      await sink.close();
      await source.close();
    }
  }, 240_000);
});
