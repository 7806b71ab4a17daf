// The benchmark's entry point (bundled and run by run.mjs): starts one real sshd, runs the sections
// asked for, prints the tables and writes scripts/bench/report.md and report.json.
import {existsSync} from 'node:fs';
import {readFile, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {freePort, startSshd} from '../../test/helpers/sshd.js';
import {startEchoServer} from '../../test/helpers/targets.js';
import {
  type BenchOptions,
  cleanupAll,
  initClockTicks,
  initLimits,
  killEverythingNow,
  NOFILE,
  onCleanup,
  parseOptions,
  run,
  type SectionContext,
  type SectionName,
  type SectionResult,
  startForwarder,
  type Table,
} from './common.js';
import {concurrency} from './concurrency.js';
import {ftp} from './ftp.js';
import {longLink} from './long-link.js';
import {rate} from './rate.js';
import {realClient} from './real-client.js';
import {throughput} from './throughput.js';
import {ui} from './ui.js';

const SECTION_RUNNERS: Record<SectionName, (context: SectionContext) => Promise<SectionResult>> = {
  throughput,
  longlink: longLink,
  realclient: realClient,
  rate,
  concurrency,
  ftp,
  ui,
};

interface Machine {
  cpus: number;
  cpuModel: string;
  memory: string;
  kernel: string;
  node: string;
  ssh: string;
  openssl: string;
  ssh2: string;
  sshcryptoFile: boolean;
  sshcryptoLoadedInTunnels: boolean | undefined;
  ssh2BindingAvailable: boolean | undefined;
  tunnels: string;
  nofile: string;
}

async function machine(options: BenchOptions): Promise<Machine> {
  const sshV = await run('ssh', ['-V']).catch((error: {stderr?: string}) => ({
    stdout: '',
    stderr: error.stderr ?? '',
  }));
  const openssl = await run('openssl', ['version']).catch(() => ({stdout: 'not found'}));
  const ssh2Dir = path.join(options.root, 'node_modules', 'ssh2');
  const ssh2 = JSON.parse(await readFile(path.join(ssh2Dir, 'package.json'), 'utf8')) as {version: string};
  const bindingProbe = await run(
    process.execPath,
    [
      '-e',
      `console.log(require(${JSON.stringify(path.join(ssh2Dir, 'lib/protocol/crypto.js'))}).bindingAvailable)`,
    ],
    {cwd: options.root},
  ).catch(() => undefined);
  const version = await run(process.execPath, [options.tunnelsBin, '--version']);
  const limits = await readFile('/proc/self/limits', 'utf8');
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    ssh: (sshV.stderr || sshV.stdout).trim(),
    openssl: openssl.stdout.trim(),
    ssh2: ssh2.version,
    sshcryptoFile: existsSync(path.join(ssh2Dir, 'lib/protocol/crypto/build/Release/sshcrypto.node')),
    sshcryptoLoadedInTunnels: undefined,
    ssh2BindingAvailable: bindingProbe ? bindingProbe.stdout.trim() === 'true' : undefined,
    // A build other than dist/ says which one, so a report cannot pass for the checked-out commit's.
    tunnels: `${version.stdout.trim()}${process.env.BENCH_TUNNELS_BIN ? ` (the build at ${options.tunnelsBin})` : ''}`,
    nofile: /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits)?.slice(1).join(' / ') ?? 'unknown',
  };
}

function renderTable(table: Table, markdown: boolean): string {
  if (markdown) {
    const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
    return [
      `**${table.title}**`,
      '',
      `| ${table.columns.map(escapeCell).join(' | ')} |`,
      `| ${table.columns.map(() => '---').join(' | ')} |`,
      ...table.rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
      '',
    ].join('\n');
  }
  const widths = table.columns.map((column, index) =>
    Math.max(column.length, ...table.rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index]!)).join('  ');
  return [
    table.title,
    line(table.columns),
    line(widths.map((width) => '-'.repeat(width))),
    ...table.rows.map(line),
    '',
  ].join('\n');
}

function machineLines(info: Machine): string[] {
  return [
    `CPU: ${info.cpus} cores (${info.cpuModel}), ${info.memory} RAM, ${info.kernel}`,
    `Node ${info.node}; ${info.tunnels}`,
    `OpenSSH: ${info.ssh}`,
    `OpenSSL: ${info.openssl}`,
    `ssh2 ${info.ssh2}: native crypto binding (sshcrypto.node) ${info.sshcryptoFile ? 'built' : 'NOT built'}, ${
      info.ssh2BindingAvailable === undefined
        ? 'load unknown'
        : info.ssh2BindingAvailable
          ? 'loads'
          : 'does NOT load'
    }, ${
      info.sshcryptoLoadedInTunnels === undefined
        ? 'not checked in a tunnels process'
        : info.sshcryptoLoadedInTunnels
          ? 'mapped into the running tunnels process'
          : 'NOT mapped into the running tunnels process'
    }`,
    `Open-file limit of the bench (soft / hard): ${info.nofile}; tunnels and ssh run under prlimit --nofile=${NOFILE}:${NOFILE}${
      NOFILE < 65536
        ? ' (65536 was asked for, but the hard limit cannot be raised here: no CAP_SYS_RESOURCE)'
        : ''
    }`,
  ];
}

async function main(): Promise<void> {
  const root = process.env.TUNNELS_BENCH_ROOT ?? process.cwd();
  const options = parseOptions(process.argv.slice(2), root);
  if (!existsSync(options.tunnelsBin)) throw new Error(`${options.tunnelsBin} is missing: run npm run build`);
  const started = performance.now();
  const log = (message: string) =>
    console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

  await initClockTicks();
  await initLimits();
  const info = await machine(options);
  log(`${options.quick ? 'quick run' : 'full run'}: ${options.only.join(', ')}; ${options.runs} run(s) each`);

  const sshd = await startSshd({
    // The first value of each keyword wins: these come before the helper's own lines. Nothing limits
    // channels; MaxStartups only counts connections before authentication.
    config: ['LogLevel ERROR', 'MaxStartups 10000', 'MaxSessions 10000', 'ClientAliveInterval 0'],
  });
  const stopSshd = onCleanup('sshd', () => sshd.stop());
  log(`sshd (pid ${sshd.pid}) on 127.0.0.1:${sshd.port}`);

  // Is ssh2's native crypto in the process that forwards? Its maps say.
  {
    const echo = await startEchoServer();
    const port = await freePort();
    const probe = await startForwarder('tunnels', options, sshd, options.ciphers[0]!, {
      local: [`127.0.0.1:${port}:127.0.0.1:${echo.port}`],
    });
    const maps = await readFile(`/proc/${probe.pid}/maps`, 'utf8');
    info.sshcryptoLoadedInTunnels = maps.includes('sshcrypto.node');
    await probe.stop();
    await echo.close();
  }
  for (const line of machineLines(info)) log(line);

  const context: SectionContext = {options, sshd, log};
  const results: SectionResult[] = [];
  const failures: Array<{name: SectionName; error: string}> = [];
  for (const name of options.only) {
    log(`== ${name}`);
    const sectionStarted = performance.now();
    try {
      const result = await SECTION_RUNNERS[name](context);
      result.seconds = (performance.now() - sectionStarted) / 1000;
      results.push(result);
      console.log();
      for (const table of result.tables) console.log(renderTable(table, false));
    } catch (error) {
      const message = (error as Error).stack ?? String(error);
      failures.push({name, error: message});
      log(`section ${name} FAILED: ${message}`);
    }
  }
  await stopSshd();
  const totalSeconds = (performance.now() - started) / 1000;

  const reportDir = path.join(root, 'scripts', 'bench');
  const markdown = [
    '# tunnels benchmark',
    '',
    `Generated by \`npm run bench${options.quick ? ' -- --quick' : ''}${
      options.only.length < 5 ? ` --only ${options.only.join(',')}` : ''
    }\` on ${new Date().toISOString()} in ${(totalSeconds / 60).toFixed(1)} min. ` +
      'tunnels runs headless (`-N --json`) unless stated; ssh is `ssh -N`; both against the same OpenSSH sshd on 127.0.0.1, ' +
      'with the same cipher and `-F /dev/null`, no agent. Every measurement: median (min–max) over the runs; a ratio is ' +
      'median(tunnels) / median(ssh) from this same run.',
    '',
    '## Machine',
    '',
    ...machineLines(info).map((line) => `- ${line}`),
    '',
    ...results.flatMap((result) => [
      `## ${result.title}`,
      '',
      `(${(result.seconds ?? 0).toFixed(0)} s)`,
      '',
      ...result.tables.map((table) => renderTable(table, true)),
      ...result.notes.map((note) => `- ${note}`),
      '',
    ]),
    ...(failures.length > 0
      ? ['## Failed sections', '', ...failures.map((f) => `- ${f.name}: \`${f.error.split('\n')[0]}\``), '']
      : []),
  ].join('\n');
  await writeFile(path.join(reportDir, 'report.md'), markdown);
  const json = {
    generated: new Date().toISOString(),
    quick: options.quick,
    options: {...options, root: undefined, tunnelsBin: undefined},
    totalSeconds,
    machine: info,
    sections: Object.fromEntries(
      results.map((result) => [
        result.name,
        {title: result.title, seconds: result.seconds, data: result.data},
      ]),
    ),
    failures,
  };
  await writeFile(path.join(reportDir, 'report.json'), `${JSON.stringify(json, null, 2)}\n`);
  // Formatted as the project's Biome formats JSON, so `biome check` passes on the committed file.
  const biome = path.join(root, 'node_modules', '.bin', 'biome');
  if (existsSync(biome))
    await run(biome, ['format', '--write', path.join(reportDir, 'report.json')], {cwd: root}).catch(() => {});
  log(`done in ${(totalSeconds / 60).toFixed(1)} min; report in scripts/bench/report.md and report.json`);
  if (failures.length > 0) process.exitCode = 1;
}

// An exception thrown outside the sections' promises (an event handler of a server or a child) would end
// the process at once and leave sshd and the forwarders running: everything started is stopped first.
process.on('uncaughtException', (error) => {
  console.error(`bench: ${error.stack ?? error}`);
  void cleanupAll().finally(() => process.exit(1));
});

let interrupted = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted++;
    if (interrupted > 1) {
      killEverythingNow();
      process.exit(130);
    }
    console.error(`\nbench: ${signal}: stopping everything it started (again to kill at once)`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (error) {
  console.error(`bench: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
// A run that failed part-way may leave a server or timer of a section it never finished holding the event
// loop open: it would wait for ever after saying why it failed.
if (process.exitCode === 1) process.exit(1);
