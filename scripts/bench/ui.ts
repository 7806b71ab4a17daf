// Section 5: the full-screen UI. Throughput with the UI open (in tmux, drawing live counters) against
// headless tunnels and ssh; idle CPU; time to the first frame; start-up time of --version.
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {freePort, processTree} from '../../test/helpers/sshd.js';
import {openTerminal, type Terminal} from '../../test/helpers/tmux.js';
import {
  type BenchOptions,
  commonArgs,
  connectTo,
  cpuMs,
  download,
  type Forwarder,
  fmt,
  fmtStat,
  GiB,
  interleaved,
  killPid,
  MiB,
  mbps,
  onCleanup,
  ratio,
  runTracked,
  type SectionContext,
  type SectionResult,
  type Stat,
  sleep,
  startForwarder,
  startSink,
  startSource,
  stat,
  trackPid,
  untrackPid,
  upload,
} from './common.js';

async function parentOf(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

interface UiProcess {
  terminal: Terminal;
  pid: number;
  /** From tmux new-session to the session row on screen, and to both forwards listening on screen. */
  firstFrameMs: number;
  listeningMs: number;
  close(): Promise<void>;
}

/** tunnels without -N in a private tmux (the helper), stopped by PID with everything tmux started. */
async function startUi(
  options: BenchOptions,
  context: SectionContext,
  home: string,
  forwards: Array<{port: number; target: number}>,
  /** 'service': as plain tunnels runs, attached to a background service that it starts (none runs). */
  where: 'own' | 'service' = 'own',
): Promise<UiProcess> {
  const {sshd} = context;
  const started = performance.now();
  const terminal = await openTerminal(
    [
      process.execPath,
      options.tunnelsBin,
      // The forwarding in the UI's own process, beside its drawing: the case where drawing could slow it.
      ...(where === 'own' ? ['--no-service'] : []),
      ...commonArgs(sshd, options.ciphers[0]!),
      ...forwards.flatMap(({port, target}) => ['-L', `127.0.0.1:${port}:127.0.0.1:${target}`]),
      `${sshd.user}@127.0.0.1`,
    ],
    {width: 100, height: 30, env: {HOME: home, SSH_AUTH_SOCK: ''}},
  );
  // tunnels' parent is the pane's shell, whose parent is the tmux server: all are stopped by PID.
  const tmuxServer = await parentOf(await parentOf(terminal.pid));
  trackPid(terminal.pid);
  trackPid(tmuxServer);
  const close = onCleanup(`tunnels UI in tmux (pid ${terminal.pid}, tmux ${tmuxServer})`, async () => {
    if (alive(terminal.pid)) {
      killPid(terminal.pid, 'SIGTERM');
      for (let waited = 0; terminal.alive() && waited < 3000; waited += 50) await sleep(50);
    }
    const tree = await processTree(tmuxServer);
    await terminal.close();
    for (const pid of tree) if (alive(pid)) killPid(pid, 'SIGKILL');
    untrackPid(terminal.pid);
    untrackPid(tmuxServer);
  });
  const session = new RegExp(`${sshd.user}@127\\.0\\.0\\.1:${sshd.port}`);
  const listening = forwards.map(
    // The row shows the spec as given, bind address included.
    ({port, target}) =>
      new RegExp(`L\\s+(?:127\\.0\\.0\\.1:)?${port}:127\\.0\\.0\\.1:${target}\\s+listening`),
  );
  let firstFrameMs: number | undefined;
  const deadline = started + 20_000;
  for (;;) {
    const screen = await terminal.screen();
    const now = performance.now();
    if (firstFrameMs === undefined && session.test(screen)) firstFrameMs = now - started;
    if (firstFrameMs !== undefined && listening.every((pattern) => pattern.test(screen)))
      return {terminal, pid: terminal.pid, firstFrameMs, listeningMs: now - started, close};
    if (now > deadline || !terminal.alive()) {
      await close();
      throw new Error(`the UI did not show its session and forwards listening:\n${screen}`);
    }
    await sleep(10);
  }
}

/**
 * Start-up times of several commands in ms, median (min–max), taken in turn (one of each, `count` times),
 * so that a change in the machine's pace during the measurement weighs on each the same.
 */
async function timeCommands(commands: Array<[string, string[]]>, count: number): Promise<Stat[]> {
  const times: number[][] = commands.map(() => []);
  for (let index = 0; index < count; index++)
    for (const [which, [program, args]] of commands.entries())
      times[which]!.push((await runTracked(program, args)).ms);
  return times.map(stat);
}

type Who = 'ui' | 'headless' | 'ssh';
const WHO: Who[] = ['ui', 'headless', 'ssh'];

export async function ui(context: SectionContext): Promise<SectionResult> {
  const {options, sshd, log} = context;
  const bytes = options.bulkBytes;
  const home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-bench-home-'));
  const removeHome = onCleanup('UI home directory', () => rm(home, {recursive: true, force: true}));
  let size = bytes;
  const source = await startSource(() => size);
  const sink = await startSink();

  // Time to the first frame, and to the forwards listening, of several fresh UIs; the last stays open.
  const firstFrame: number[] = [];
  const uiListening: number[] = [];
  // The same, attached: the service started by the UI (openTerminal's own runtime directory, so none
  // runs before; the service is stopped by PID when the terminal closes).
  const attachedFirstFrame: number[] = [];
  const attachedListening: number[] = [];
  let uiProcess: UiProcess | undefined;
  const uiPorts = {up: 0, down: 0};
  const headlessStart: number[] = [];
  const sshStart: number[] = [];
  const forwarders = new Map<Exclude<Who, 'ui'>, Forwarder>();
  const ports = new Map<Who, {up: number; down: number}>();
  const speeds: Record<Who, Record<'upload' | 'download', number[]>> = {
    ui: {upload: [], download: []},
    headless: {upload: [], download: []},
    ssh: {upload: [], download: []},
  };
  const cpuPerGiB: Record<Who, number[]> = {ui: [], headless: [], ssh: []};
  const idle: Record<Who, number> = {ui: NaN, headless: NaN, ssh: NaN};
  let screenAfter = '';
  try {
    for (let run = 0; run < options.firstFrameRuns; run++) {
      await uiProcess?.close();
      uiPorts.up = await freePort();
      uiPorts.down = await freePort();
      uiProcess = await startUi(options, context, home, [
        {port: uiPorts.up, target: sink.port},
        {port: uiPorts.down, target: source.port},
      ]);
      firstFrame.push(uiProcess.firstFrameMs);
      uiListening.push(uiProcess.listeningMs);
      const attached = await startUi(
        options,
        context,
        home,
        [
          {port: await freePort(), target: sink.port},
          {port: await freePort(), target: source.port},
        ],
        'service',
      );
      attachedFirstFrame.push(attached.firstFrameMs);
      attachedListening.push(attached.listeningMs);
      await attached.close();
      // The same forwards headless and through ssh, started as often, for their start-up times.
      for (const who of ['headless', 'ssh'] as const) {
        await forwarders.get(who)?.stop();
        const p = {up: await freePort(), down: await freePort()};
        ports.set(who, p);
        const forwarder = await startForwarder(
          who === 'ssh' ? 'ssh' : 'tunnels',
          options,
          sshd,
          options.ciphers[0]!,
          {
            local: [
              `127.0.0.1:${p.up}:127.0.0.1:${sink.port}`,
              `127.0.0.1:${p.down}:127.0.0.1:${source.port}`,
            ],
          },
        );
        forwarders.set(who, forwarder);
        (who === 'ssh' ? sshStart : headlessStart).push(forwarder.startMs);
      }
    }
    ports.set('ui', uiPorts);
    log(
      `UI first frame ${fmtStat(stat(firstFrame), 0)} ms, forwards listening on screen ${fmtStat(stat(uiListening), 0)} ms; headless listening ${fmtStat(stat(headlessStart), 0)} ms, ssh ${fmtStat(stat(sshStart), 0)} ms`,
    );
    const pidOf = (who: Who) => (who === 'ui' ? uiProcess!.pid : forwarders.get(who)!.pid);

    // Idle CPU of all three at once (nothing else runs meanwhile).
    await sleep(2000);
    const before = await Promise.all(WHO.map((who) => cpuMs(pidOf(who))));
    await sleep(options.idleCpuMs);
    const after = await Promise.all(WHO.map((who) => cpuMs(pidOf(who))));
    WHO.forEach((who, index) => {
      idle[who] = after[index]! - before[index]!;
    });
    log(
      `idle CPU over ${options.idleCpuMs / 1000} s: UI ${fmt(idle.ui, 0)} ms, headless ${fmt(idle.headless, 0)} ms, ssh ${fmt(idle.ssh, 0)} ms`,
    );

    // Throughput with the UI drawing its counters, against headless and ssh.
    await interleaved(options.runs, WHO, async (who) => {
      const p = ports.get(who)!;
      const pid = pidOf(who);
      for (const direction of ['download', 'upload'] as const) {
        const cpuBefore = await cpuMs(pid);
        size = bytes;
        const ms =
          direction === 'download'
            ? await download(() => connectTo(p.down, true), bytes)
            : await upload(() => connectTo(p.up, true), bytes);
        cpuPerGiB[who].push(((await cpuMs(pid)) - cpuBefore) / 1000 / (bytes / GiB));
        speeds[who][direction].push(mbps(bytes, ms));
      }
    });
    screenAfter = await uiProcess!.terminal.screen();
  } finally {
    await uiProcess?.close();
    for (const forwarder of forwarders.values()) await forwarder.stop();
    await source.close();
    await sink.close();
    await removeHome();
  }

  // Start-up: --version (answered before anything loads) against ssh -V and Node doing nothing.
  const [version, sshV, nodeAlone] = (await timeCommands(
    [
      [process.execPath, [options.tunnelsBin, '--version']],
      ['ssh', ['-V']],
      [process.execPath, ['-e', '0']],
    ],
    options.startupRuns,
  )) as [Stat, Stat, Stat];
  log(
    `--version ${fmtStat(version, 1)} ms, ssh -V ${fmtStat(sshV, 1)} ms, node -e 0 ${fmtStat(nodeAlone, 1)} ms`,
  );

  const speed = (who: Who, direction: 'upload' | 'download') => stat(speeds[who][direction]);
  const idleRow = (who: Who, label: string) => [
    label,
    fmt(idle[who], 0),
    `${fmt((idle[who] / options.idleCpuMs) * 100, 2)} %`,
  ];
  return {
    name: 'ui',
    title: 'The full-screen UI',
    tables: [
      {
        title: `Throughput through -L with the UI open vs headless (${bytes / MiB} MiB, aes128-gcm), MB/s: median (min–max)`,
        columns: [
          'direction',
          'tunnels UI',
          'tunnels headless',
          'ssh',
          'UI/headless',
          'UI/ssh',
          'headless/ssh',
        ],
        rows: (['download', 'upload'] as const).map((direction) => [
          direction,
          fmtStat(speed('ui', direction), 0),
          fmtStat(speed('headless', direction), 0),
          fmtStat(speed('ssh', direction), 0),
          ratio(speed('ui', direction), speed('headless', direction)),
          ratio(speed('ui', direction), speed('ssh', direction)),
          ratio(speed('headless', direction), speed('ssh', direction)),
        ]),
      },
      {
        title: 'CPU time of the forwarder per GiB moved (both directions), seconds: median (min–max)',
        columns: ['tunnels UI', 'tunnels headless', 'ssh', 'UI/headless'],
        rows: [
          [
            fmtStat(stat(cpuPerGiB.ui), 2),
            fmtStat(stat(cpuPerGiB.headless), 2),
            fmtStat(stat(cpuPerGiB.ssh), 2),
            ratio(stat(cpuPerGiB.ui), stat(cpuPerGiB.headless)),
          ],
        ],
      },
      {
        title: `Idle CPU over ${options.idleCpuMs / 1000} s (utime + stime from /proc/PID/stat), forwards up, no connections`,
        columns: ['process', 'CPU ms', 'of one core'],
        rows: [
          idleRow('ui', 'tunnels UI (tmux)'),
          idleRow('headless', 'tunnels -N --json'),
          idleRow('ssh', 'ssh -N'),
        ],
      },
      {
        title: 'Start-up, ms: median (min–max)',
        columns: ['what', 'tunnels', 'ssh', 'tunnels/ssh'],
        rows: [
          [
            `UI: tmux new-session → session row on screen (${firstFrame.length} runs)`,
            fmtStat(stat(firstFrame), 0),
            '',
            '',
          ],
          [
            `UI: tmux new-session → both forwards "listening" on screen (${uiListening.length} runs)`,
            fmtStat(stat(uiListening), 0),
            '',
            '',
          ],
          [
            `UI attached, starting the service (plain tunnels): → session row on screen (${attachedFirstFrame.length} runs)`,
            fmtStat(stat(attachedFirstFrame), 0),
            '',
            '',
          ],
          [
            `UI attached, starting the service: → both forwards "listening" on screen (${attachedListening.length} runs)`,
            fmtStat(stat(attachedListening), 0),
            '',
            '',
          ],
          [
            `headless: spawn → both -L listening (${headlessStart.length} runs; ssh: seen in /proc/net/tcp)`,
            fmtStat(stat(headlessStart), 0),
            fmtStat(stat(sshStart), 0),
            ratio(stat(headlessStart), stat(sshStart)),
          ],
          [
            `tunnels --version vs ssh -V (${options.startupRuns} runs)`,
            fmtStat(version, 1),
            fmtStat(sshV, 1),
            ratio(version, sshV),
          ],
          [`node -e 0 (Node's own start-up, for reference)`, fmtStat(nodeAlone, 1), '', ''],
        ],
      },
    ],
    notes: [
      'The UI: `node dist/cli.js --no-service` (its sessions in its own process, where drawing and forwarding share one thread) with the same options and two -L, without -N, in a private tmux at 100×30 (test/helpers/tmux.ts); its screen is polled with capture-pane every ~10 ms (each poll takes a few ms), so first-frame times include tmux starting and that resolution. "UI attached" is plain `tunnels` as it runs by default: it starts the background service (none runs: each terminal has a runtime directory of its own), attaches, and the session is opened there.',
      "Idle CPU: the three processes side by side, 2 s after start-up settled, measured over the same window. tunnels -N --json spends its share on V8's memory reducer: two GCs ~8 s after start, then nothing.",
      `Start-up: \`tunnels --version\`, \`ssh -V\` and \`node -e 0\` are timed in turn, one of each ${options.startupRuns} times over, so that the machine's pace changing meanwhile weighs on all three alike.`,
      `The UI's screen after the transfers:\n\n\`\`\`\n${screenAfter.trimEnd()}\n\`\`\``,
    ],
    data: {
      bytes,
      speeds,
      cpuPerGiB,
      idleCpuMs: idle,
      idleWindowMs: options.idleCpuMs,
      firstFrameMs: firstFrame,
      uiListeningMs: uiListening,
      attachedFirstFrameMs: attachedFirstFrame,
      attachedListeningMs: attachedListening,
      headlessStartMs: headlessStart,
      sshStartMs: sshStart,
      versionMs: version,
      sshVMs: sshV,
      nodeAloneMs: nodeAlone,
    },
  };
}
