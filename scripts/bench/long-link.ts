// Section 2: bulk throughput over a long link: a userspace delay line between the forwarder and sshd (this
// kernel has no netem) at 10, 40 and 100 ms round trips, through -L, -R and -D, both directions.
import {startDelayLine} from '../../test/helpers/delay-line.js';
import {freePort} from '../../test/helpers/sshd.js';
import {
  connectTo,
  download,
  type Forwarder,
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

type Kind = 'L' | 'R' | 'D';
type Direction = 'upload' | 'download';
/**
 * A part of the section while working on one case (not for reports): BENCH_LONGLINK_ROUND_TRIPS=10,
 * BENCH_LONGLINK_KINDS=L,D, BENCH_LONGLINK_DIRECTIONS=download.
 */
function listFromEnvironment<T extends string | number>(name: string, all: readonly T[]): T[] {
  const value = process.env[name];
  if (!value) return [...all];
  const wanted = value.split(',').map((item) => item.trim());
  const chosen = all.filter((item) => wanted.includes(String(item)));
  if (chosen.length === 0) throw new Error(`${name}: none of ${value} is one of ${all.join(', ')}`);
  return chosen;
}
const KINDS = listFromEnvironment<Kind>('BENCH_LONGLINK_KINDS', ['L', 'R', 'D']);
const DIRECTIONS = listFromEnvironment<Direction>('BENCH_LONGLINK_DIRECTIONS', ['download', 'upload']);
const ROUND_TRIPS_MS = listFromEnvironment('BENCH_LONGLINK_ROUND_TRIPS', [10, 40, 100]);
const CIPHER = 'aes128-gcm@openssh.com';

interface Case {
  roundTripMs: number;
  kind: Kind;
  direction: Direction;
  mbps: Record<Tool, Stat>;
}

export async function longLink(context: SectionContext): Promise<SectionResult> {
  const {options, sshd, log} = context;
  const bytes = options.quick ? 64 * MiB : 128 * MiB;
  const source = await startSource(() => bytes);
  const sink = await startSink();
  const cases: Case[] = [];
  for (const roundTripMs of ROUND_TRIPS_MS) {
    const delay = await startDelayLine(sshd.port, roundTripMs / 2);
    const forwarders = new Map<Tool, Forwarder>();
    const ports = new Map<Tool, Record<string, number>>();
    try {
      for (const tool of TOOLS) {
        const p = {
          lUp: await freePort(),
          lDown: await freePort(),
          rUp: await freePort(),
          rDown: await freePort(),
          d: await freePort(),
        };
        ports.set(tool, p);
        forwarders.set(
          tool,
          await startForwarder(
            tool,
            options,
            sshd,
            CIPHER,
            {
              local: [
                `127.0.0.1:${p.lUp}:127.0.0.1:${sink.port}`,
                `127.0.0.1:${p.lDown}:127.0.0.1:${source.port}`,
              ],
              remote: [
                `127.0.0.1:${p.rUp}:127.0.0.1:${sink.port}`,
                `127.0.0.1:${p.rDown}:127.0.0.1:${source.port}`,
              ],
              dynamic: [`127.0.0.1:${p.d}`],
            },
            delay.port,
          ),
        );
      }
      const opener = (tool: Tool, kind: Kind, direction: Direction): Opener => {
        const p = ports.get(tool)!;
        const target = direction === 'upload' ? sink.port : source.port;
        if (kind === 'L') return () => connectTo(direction === 'upload' ? p.lUp! : p.lDown!, true);
        if (kind === 'R') return () => connectTo(direction === 'upload' ? p.rUp! : p.rDown!, true);
        return () => socks5Connect(p.d!, '127.0.0.1', target, true);
      };
      for (const kind of KINDS) {
        for (const direction of DIRECTIONS) {
          const speeds: Record<Tool, number[]> = {tunnels: [], ssh: []};
          await interleaved(options.runs, TOOLS, async (tool) => {
            const open = opener(tool, kind, direction);
            const ms = direction === 'upload' ? await upload(open, bytes) : await download(open, bytes);
            speeds[tool].push(mbps(bytes, ms));
          });
          const result: Case = {
            roundTripMs,
            kind,
            direction,
            mbps: {tunnels: stat(speeds.tunnels), ssh: stat(speeds.ssh)},
          };
          cases.push(result);
          log(
            `${roundTripMs} ms -${kind} ${direction}: tunnels ${fmtStat(result.mbps.tunnels)} MB/s, ssh ${fmtStat(result.mbps.ssh)} MB/s (${ratio(result.mbps.tunnels, result.mbps.ssh)})`,
          );
        }
      }
    } finally {
      for (const forwarder of forwarders.values()) await forwarder.stop();
      await delay.close();
    }
  }
  await source.close();
  await sink.close();
  return {
    name: 'longlink',
    title: `Long links (${bytes / MiB} MiB per transfer, ${CIPHER.replace('@openssh.com', '')}, MB/s = 10^6 bytes/s, ${options.runs} run${options.runs > 1 ? 's' : ''})`,
    tables: [
      {
        title: 'Throughput over a delay line, MB/s: median (min–max)',
        columns: ['round trip', 'forward', 'direction', 'tunnels', 'ssh', 'tunnels/ssh'],
        rows: cases.map((c) => [
          `${c.roundTripMs} ms`,
          `-${c.kind}`,
          c.direction,
          fmtStat(c.mbps.tunnels, 0),
          fmtStat(c.mbps.ssh, 0),
          ratio(c.mbps.tunnels, c.mbps.ssh),
        ]),
      },
    ],
    notes: [
      'A delay line in the bench process sits between each forwarder and sshd: every chunk waits half the round trip in each direction, with no bandwidth cap (this kernel has no netem). Clients, source and sink talk to the forwards on loopback.',
      'Download is bound by the window the forwarder gives the server (ssh: 2 MiB; tunnels: grown up to 16 MiB per channel, within a 64 MiB process budget); upload by the window sshd gives the forwarder (2 MiB for both).',
      'For -R the server side is sshd: the client connects to the port sshd listens on, and the data crosses the delay line to the forwarder and its target.',
    ],
    data: {bytes, cases},
  };
}
