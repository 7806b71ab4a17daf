// Section 1: bulk throughput through -L, -R, -D (SOCKS5), -R port (remote dynamic, SOCKS5 on the server)
// and -L on a unix socket, upload and download, per cipher, with direct loopback as the ceiling.
// While working on one path: BENCH_THROUGHPUT_CASES="aes128-gcm:L:download,aes128-gcm:RD" measures only
// the cases named (cipher, then optionally forward and direction; forwards L, R, D, RD, LU).
import {rmSync} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {freePort} from '../../test/helpers/sshd.js';
import {
  connectTo,
  cpuMs,
  download,
  type Forwarder,
  fmt,
  fmtStat,
  interleaved,
  MiB,
  mbps,
  type Opener,
  ratio,
  type SectionContext,
  type SectionResult,
  type Stat,
  socks5Connect,
  startForwarder,
  startSink,
  startSource,
  stat,
  TOOLS,
  type Tool,
  upload,
} from './common.js';

/** RD: -R port alone (remote dynamic); LU: -L listening on a unix socket. */
type Kind = 'L' | 'R' | 'D' | 'RD' | 'LU';
type Direction = 'upload' | 'download';
const KINDS: Kind[] = ['L', 'R', 'D', 'RD', 'LU'];
const KIND_LABEL: Record<Kind, string> = {L: '-L', R: '-R', D: '-D', RD: '-R port (SOCKS)', LU: '-L socket'};

/** A client of a unix socket, half-open allowed (as connectTo for a port). */
function connectToPath(file: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({path: file, allowHalfOpen: true});
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
const DIRECTIONS: Direction[] = ['upload', 'download'];

/** The cases BENCH_THROUGHPUT_CASES names, or all of them. */
function caseSelected(cipher: string, kind?: Kind, direction?: Direction): boolean {
  const wanted = process.env.BENCH_THROUGHPUT_CASES;
  if (!wanted) return true;
  return wanted.split(',').some((entry) => {
    const [c, k, d] = entry.trim().split(':');
    return (
      cipher.startsWith(c ?? '') &&
      (kind === undefined || k === undefined || k === kind) &&
      (direction === undefined || d === undefined || d === direction)
    );
  });
}

interface Ports {
  lUp: number;
  lDown: number;
  rUp: number;
  rDown: number;
  d: number;
  rd: number;
  luUp: string;
  luDown: string;
}

interface Case {
  cipher: string;
  kind: Kind;
  direction: Direction;
  mbps: Record<Tool, Stat>;
  /** CPU time of the forwarder process per GiB moved, in seconds. */
  cpuPerGiB: Record<Tool, Stat>;
}

export async function throughput(context: SectionContext): Promise<SectionResult> {
  const {options, sshd, log} = context;
  const bytes = options.bulkBytes;
  let size = bytes;
  const source = await startSource(() => size);
  const sink = await startSink();
  const cases: Case[] = [];

  const measure = (direction: Direction, open: Opener) =>
    direction === 'upload' ? upload(open, bytes) : download(open, bytes);

  // The ceiling: the same client and servers with nothing in between.
  const direct: Record<Direction, number[]> = {upload: [], download: []};
  for (let run = 0; run < options.runs; run++) {
    for (const direction of DIRECTIONS) {
      const port = direction === 'upload' ? sink.port : source.port;
      const ms = await measure(direction, () => connectTo(port, true));
      direct[direction].push(mbps(bytes, ms));
    }
  }
  log(
    `direct loopback: upload ${fmt(stat(direct.upload).median)} MB/s, download ${fmt(stat(direct.download).median)} MB/s`,
  );

  for (const cipher of options.ciphers) {
    if (!caseSelected(cipher)) continue;
    const ports = new Map<Tool, Ports>();
    const forwarders = new Map<Tool, Forwarder>();
    try {
      for (const tool of TOOLS) {
        const p: Ports = {
          lUp: await freePort(),
          lDown: await freePort(),
          rUp: await freePort(),
          rDown: await freePort(),
          d: await freePort(),
          rd: await freePort(),
          luUp: path.join(os.tmpdir(), `tunnels-bench-${process.pid}-${tool}-up.sock`),
          luDown: path.join(os.tmpdir(), `tunnels-bench-${process.pid}-${tool}-down.sock`),
        };
        // ssh leaves its socket behind when it is stopped; neither may find one there.
        for (const file of [p.luUp, p.luDown]) rmSync(file, {force: true});
        ports.set(tool, p);
        forwarders.set(
          tool,
          await startForwarder(tool, options, sshd, cipher, {
            local: [
              `127.0.0.1:${p.lUp}:127.0.0.1:${sink.port}`,
              `127.0.0.1:${p.lDown}:127.0.0.1:${source.port}`,
            ],
            remote: [
              `127.0.0.1:${p.rUp}:127.0.0.1:${sink.port}`,
              `127.0.0.1:${p.rDown}:127.0.0.1:${source.port}`,
              `127.0.0.1:${p.rd}`,
            ],
            dynamic: [`127.0.0.1:${p.d}`],
            localSocket: [`${p.luUp}:127.0.0.1:${sink.port}`, `${p.luDown}:127.0.0.1:${source.port}`],
          }),
        );
      }
      const opener = (tool: Tool, kind: Kind, direction: Direction): Opener => {
        const p = ports.get(tool)!;
        const target = direction === 'upload' ? sink.port : source.port;
        if (kind === 'L') return () => connectTo(direction === 'upload' ? p.lUp : p.lDown, true);
        if (kind === 'R') return () => connectTo(direction === 'upload' ? p.rUp : p.rDown, true);
        if (kind === 'RD') return () => socks5Connect(p.rd, '127.0.0.1', target, true);
        if (kind === 'LU') return () => connectToPath(direction === 'upload' ? p.luUp : p.luDown);
        return () => socks5Connect(p.d, '127.0.0.1', target, true);
      };
      for (const kind of KINDS) {
        for (const direction of DIRECTIONS) {
          if (!caseSelected(cipher, kind, direction)) continue;
          const speeds: Record<Tool, number[]> = {tunnels: [], ssh: []};
          const cpu: Record<Tool, number[]> = {tunnels: [], ssh: []};
          await interleaved(options.runs, TOOLS, async (tool) => {
            const pid = forwarders.get(tool)!.pid;
            const cpuBefore = await cpuMs(pid);
            size = bytes;
            const ms = await measure(direction, opener(tool, kind, direction));
            const cpuAfter = await cpuMs(pid);
            speeds[tool].push(mbps(bytes, ms));
            cpu[tool].push((cpuAfter - cpuBefore) / 1000 / (bytes / (1024 * MiB)));
          });
          const result: Case = {
            cipher,
            kind,
            direction,
            mbps: {tunnels: stat(speeds.tunnels), ssh: stat(speeds.ssh)},
            cpuPerGiB: {tunnels: stat(cpu.tunnels), ssh: stat(cpu.ssh)},
          };
          cases.push(result);
          log(
            `${cipher} ${KIND_LABEL[kind]} ${direction}: tunnels ${fmtStat(result.mbps.tunnels)} MB/s, ssh ${fmtStat(result.mbps.ssh)} MB/s (${ratio(result.mbps.tunnels, result.mbps.ssh)})`,
          );
        }
      }
    } finally {
      for (const forwarder of forwarders.values()) await forwarder.stop();
      for (const p of ports.values()) for (const file of [p.luUp, p.luDown]) rmSync(file, {force: true});
    }
  }
  await source.close();
  await sink.close();

  const directStat = {upload: stat(direct.upload), download: stat(direct.download)};
  const size_ = bytes >= 1024 * MiB ? `${bytes / (1024 * MiB)} GiB` : `${bytes / MiB} MiB`;
  return {
    name: 'throughput',
    title: `Throughput (${size_} per transfer, MB/s = 10^6 bytes/s, ${options.runs} run${options.runs > 1 ? 's' : ''})`,
    tables: [
      {
        title: 'Throughput, MB/s: median (min–max)',
        columns: ['cipher', 'forward', 'direction', 'tunnels', 'ssh', 'tunnels/ssh', 'direct loopback'],
        rows: cases.map((c) => [
          c.cipher.replace('@openssh.com', ''),
          KIND_LABEL[c.kind],
          c.direction,
          fmtStat(c.mbps.tunnels, 0),
          fmtStat(c.mbps.ssh, 0),
          ratio(c.mbps.tunnels, c.mbps.ssh),
          fmtStat(directStat[c.direction], 0),
        ]),
      },
      {
        title: 'CPU time of the forwarder process per GiB moved, seconds: median (min–max)',
        columns: ['cipher', 'forward', 'direction', 'tunnels', 'ssh', 'tunnels/ssh'],
        rows: cases.map((c) => [
          c.cipher.replace('@openssh.com', ''),
          KIND_LABEL[c.kind],
          c.direction,
          fmtStat(c.cpuPerGiB.tunnels, 2),
          fmtStat(c.cpuPerGiB.ssh, 2),
          ratio(c.cpuPerGiB.tunnels, c.cpuPerGiB.ssh),
        ]),
      },
    ],
    notes: [
      'Upload: the client (the side that connects to the forward) sends, a counting sink at the target receives and answers with its count; download: a source at the target writes one reused 256 KiB buffer with backpressure, the client counts. Timed from connect to the last byte (upload: to the count coming back).',
      'Both forwarders run side by side, one process each with all eight forwards (-L up/down, -R up/down, -D, -R port, -L socket up/down); runs alternate which tool goes first. For -R and -R port the client connects to the port sshd listens on (for -R port, SOCKS5 to the target, which the forwarder connects to from its side).',
      'Direct loopback: the same client, source and sink with no forwarder (the ceiling of this machine and this Node client).',
    ],
    data: {bytes, direct: directStat, cases},
  };
}
