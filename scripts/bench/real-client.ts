// Section 3: a real client-server pair through -L: Redis and its own redis-benchmark, GET and SET, with
// 50 clients on kept connections and with a new connection per request, tunnels beside ssh; and the
// forwarder's own CPU time per request, which a busy machine changes far less than the rates.
import {spawn} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {freePort} from '../../test/helpers/sshd.js';
import {
  cpuMs,
  type Forwarder,
  fmtStat,
  interleaved,
  onCleanup,
  ratio,
  run,
  type SectionContext,
  type SectionResult,
  type Stat,
  startForwarder,
  stat,
  stopChild,
  TOOLS,
  type Tool,
  track,
} from './common.js';

const CIPHER = 'aes128-gcm@openssh.com';
const LOADS = [
  {name: 'kept connections', keepAlive: '1'},
  {name: 'a connection per request', keepAlive: '0'},
] as const;
const TESTS = ['get', 'set'] as const;

interface Case {
  load: string;
  test: string;
  requestsPerSecond: Record<Tool, Stat>;
}

interface CpuCase {
  load: string;
  /** The forwarder process's CPU time (user and system) per request, in µs, GET and SET together. */
  cpuPerRequestUs: Record<Tool, Stat>;
}

/** redis-benchmark -q prints `GET: 12345.67 requests per second, p50=...`. */
function requestsPerSecond(output: string, test: string): number {
  const match = new RegExp(`^${test.toUpperCase()}: ([\\d.]+) requests per second`, 'm').exec(output);
  if (!match) throw new Error(`redis-benchmark printed no ${test} rate:\n${output}`);
  return Number(match[1]);
}

export async function realClient(context: SectionContext): Promise<SectionResult> {
  const {options, sshd, log} = context;
  const requests = options.quick ? 20_000 : 100_000;
  const redisPort = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-bench-redis-'));
  const redis = track(
    spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      {
        stdio: 'ignore',
        detached: true,
      },
    ),
  );
  const stopRedis = onCleanup(`redis-server (pid ${redis.pid})`, () => stopChild(redis));
  const forwarders = new Map<Tool, Forwarder>();
  const ports = new Map<Tool, number>();
  const cases: Case[] = [];
  const cpuCases: CpuCase[] = [];
  try {
    for (let attempt = 0; ; attempt++) {
      const ping = await run('redis-cli', ['-p', String(redisPort), 'ping']).catch(() => ({stdout: ''}));
      if (ping.stdout.trim() === 'PONG') break;
      if (attempt > 100) throw new Error('redis-server did not answer');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const tool of TOOLS) {
      const port = await freePort();
      ports.set(tool, port);
      forwarders.set(
        tool,
        await startForwarder(tool, options, sshd, CIPHER, {
          local: [`127.0.0.1:${port}:127.0.0.1:${redisPort}`],
        }),
      );
    }
    for (const load of LOADS) {
      const rates: Record<string, Record<Tool, number[]>> = {};
      for (const test of TESTS) rates[test] = {tunnels: [], ssh: []};
      const cpu: Record<Tool, number[]> = {tunnels: [], ssh: []};
      await interleaved(options.runs, TOOLS, async (tool) => {
        const pid = forwarders.get(tool)!.pid;
        const cpuBefore = await cpuMs(pid);
        const {stdout} = await run(
          'redis-benchmark',
          [
            '-p',
            String(ports.get(tool)),
            '-c',
            '50',
            '-n',
            String(requests),
            '-k',
            load.keepAlive,
            '-t',
            TESTS.join(','),
            '-q',
          ],
          {timeout: 600_000, maxBuffer: 16 * 1024 * 1024},
        );
        cpu[tool].push((((await cpuMs(pid)) - cpuBefore) * 1000) / (requests * TESTS.length));
        for (const test of TESTS) rates[test]![tool].push(requestsPerSecond(stdout, test));
      });
      const cpuCase: CpuCase = {
        load: load.name,
        cpuPerRequestUs: {tunnels: stat(cpu.tunnels), ssh: stat(cpu.ssh)},
      };
      cpuCases.push(cpuCase);
      log(
        `redis, ${load.name}: forwarder CPU per request tunnels ${fmtStat(cpuCase.cpuPerRequestUs.tunnels, 1)} µs, ssh ${fmtStat(cpuCase.cpuPerRequestUs.ssh, 1)} µs`,
      );
      for (const test of TESTS) {
        const result: Case = {
          load: load.name,
          test: test.toUpperCase(),
          requestsPerSecond: {tunnels: stat(rates[test]!.tunnels), ssh: stat(rates[test]!.ssh)},
        };
        cases.push(result);
        log(
          `redis ${result.test}, ${load.name}: tunnels ${fmtStat(result.requestsPerSecond.tunnels, 0)}/s, ssh ${fmtStat(result.requestsPerSecond.ssh, 0)}/s (${ratio(result.requestsPerSecond.tunnels, result.requestsPerSecond.ssh)})`,
        );
      }
    }
  } finally {
    for (const forwarder of forwarders.values()) await forwarder.stop();
    await stopRedis();
    await rm(dir, {recursive: true, force: true});
  }
  return {
    name: 'realclient',
    title: `A real client through -L (redis-benchmark, 50 clients, ${requests.toLocaleString('en')} requests per test, ${options.runs} run${options.runs > 1 ? 's' : ''})`,
    tables: [
      {
        title: 'Requests per second: median (min–max)',
        columns: ['load', 'test', 'tunnels', 'ssh', 'tunnels/ssh'],
        rows: cases.map((c) => [
          c.load,
          c.test,
          fmtStat(c.requestsPerSecond.tunnels, 0),
          fmtStat(c.requestsPerSecond.ssh, 0),
          ratio(c.requestsPerSecond.tunnels, c.requestsPerSecond.ssh),
        ]),
      },
      {
        title:
          'Forwarder CPU time per request, µs (user + system, GET and SET): median (min–max); lower is better',
        columns: ['load', 'tunnels', 'ssh', 'ssh/tunnels'],
        rows: cpuCases.map((c) => [
          c.load,
          fmtStat(c.cpuPerRequestUs.tunnels, 1),
          fmtStat(c.cpuPerRequestUs.ssh, 1),
          ratio(c.cpuPerRequestUs.ssh, c.cpuPerRequestUs.tunnels),
        ]),
      },
    ],
    notes: [
      "redis-server on loopback with persistence off; redis-benchmark -c 50 -t get,set -q through each forwarder's -L, with -k 1 (kept connections) and -k 0 (a new connection per request).",
    ],
    data: {requests, cases, cpuCases},
  };
}
