/**
 * `npm run screenshots`: the real app (dist/cli.js) in a real terminal (tmux, 100x30) against a real
 * sshd, vsftpd and HTTP server on a test host (a network namespace); each scene is captured with its
 * colours, turned into HTML and rendered to screenshots/*.png by headless Chromium.
 */
import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {access, constants, mkdir, mkdtemp, readdir, rm, stat, truncate, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startVsftpd, type TestFtpServer} from '../test/helpers/ftp-servers.js';
import {createTestHost, type TestHost} from '../test/helpers/netns.js';
import {startSshd, type TestSshd} from '../test/helpers/sshd.js';
import {openTerminal, type Terminal} from '../test/helpers/tmux.js';
import {TUNNELS_BIN} from '../test/helpers/tunnels-process.js';
import {quitAttached} from '../test/service/service-home.js';
import {screenToPage} from './ansi-to-html.js';

const run = promisify(execFile);

const OUT = path.dirname(fileURLToPath(import.meta.url));
const COLUMNS = 100;
const ROWS = 30;
const HTTP_PORT = 8080;
const FILE_SIZE = 4 * 1024 * 1024;
const CHROMIUM = '/usr/bin/chromium';
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';

/** Where tmux keeps its sockets. */
const tmuxDir = () => path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`);

/** The tmux socket openTerminal made for this terminal: the one whose pane runs the program's parent shell. */
async function tmuxSocket(terminal: Terminal): Promise<string> {
  const stat = readFileSync(`/proc/${terminal.pid}/stat`, 'utf8');
  const parent = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
  for (const name of await readdir(tmuxDir())) {
    if (!name.startsWith('tunnels-test-')) continue;
    const panes = await run('tmux', ['-L', name, 'list-panes', '-a', '-F', '#{pane_pid}']).catch(() => ({
      stdout: '',
    }));
    if (panes.stdout.split('\n').includes(parent!)) return name;
  }
  throw new Error(`no tmux server runs the terminal of PID ${terminal.pid}`);
}

/** Saves the terminal's screen, colours and all, as screenshots/<name>.png. */
async function snapshot(terminal: Terminal, name: string, scratch: string, title: string): Promise<void> {
  const socket = await tmuxSocket(terminal);
  const {stdout: ansi} = await run('tmux', ['-L', socket, 'capture-pane', '-e', '-p', '-t', 'main']);
  // A grey picture would go into the README unnoticed: the UI always styles something (bold titles).
  if (!ansi.includes('\u001b[')) {
    throw new Error(
      `the ${name} screen has no colours or styles at all (chalk draws none when "CI" is in the app's environment, even CI=false):\n${ansi}`,
    );
  }
  const page = screenToPage(ansi, {columns: COLUMNS, rows: ROWS, title});
  const html = path.join(scratch, `${name}.html`);
  await writeFile(html, page.html);
  await writeFile(path.join(scratch, `${name}.ansi`), ansi);
  const png = path.join(OUT, `${name}.png`);
  await rm(png, {force: true});
  const profile = await mkdtemp(path.join(scratch, 'chromium-'));
  await run(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--hide-scrollbars',
      '--force-device-scale-factor=1',
      `--window-size=${page.width},${page.height}`,
      `--screenshot=${png}`,
      `file://${html}`,
    ],
    {timeout: 60_000},
  );
  await rm(profile, {recursive: true, force: true});
  expect((await stat(png)).size).toBeGreaterThan(10_000);
}

/** Waits until something answers on the port inside the test host. */
async function waitInHost(host: TestHost, port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server on port ${port} exited (${child.exitCode})`);
    const [program, args] = host.command('/usr/bin/python3', [
      '-c',
      `import socket\nsocket.create_connection(('127.0.0.1',${port}),1).close()`,
    ]);
    const ok = await run(program, args).then(
      () => true,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} in the test host`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** curl's body size: the download went through. */
async function curl(args: string[]): Promise<number> {
  const {stdout} = await run('curl', [
    '-sS',
    '--max-time',
    '30',
    '-o',
    '/dev/null',
    '-w',
    '%{size_download}',
    ...args,
  ]);
  return Number(stdout);
}

function port(screen: string, pattern: RegExp): number {
  const match = pattern.exec(screen);
  if (!match) throw new Error(`no ${pattern} on screen:\n${screen}`);
  return Number(match[1]);
}

describe('screenshots of the full-screen UI', () => {
  let host: TestHost;
  let sshd: TestSshd;
  let ftp: TestFtpServer;
  let http: ChildProcess | undefined;
  let scratch: string;
  const terminals: Terminal[] = [];
  /** The tmux sockets of those terminals: tmux leaves the socket file behind when its server ends. */
  const sockets: string[] = [];

  /** A HOME whose ~/.ssh/config has Host staging, trusting the given known_hosts file. */
  async function makeHome(name: string, knownHosts: string, forwards: string[]): Promise<string> {
    const home = path.join(scratch, name);
    await mkdir(path.join(home, '.ssh'), {recursive: true, mode: 0o700});
    await writeFile(
      path.join(home, '.ssh', 'config'),
      [
        'Host staging',
        `  HostName ${sshd.host}`,
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  IdentityFile ${sshd.clientKey}`,
        `  UserKnownHostsFile ${knownHosts}`,
        ...forwards.map((line) => `  ${line}`),
        '',
      ].join('\n'),
      {mode: 0o600},
    );
    return home;
  }

  async function start(home: string): Promise<Terminal> {
    const terminal = await openTerminal([process.execPath, TUNNELS_BIN, 'staging'], {
      width: COLUMNS,
      height: ROWS,
      env: {HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), SSH_AUTH_SOCK: ''},
    });
    terminals.push(terminal);
    sockets.push(await tmuxSocket(terminal));
    return terminal;
  }

  beforeAll(async () => {
    for (const [file, pkg] of [
      [CHROMIUM, 'chromium'],
      [FONT, 'fonts-dejavu-core'],
      [TUNNELS_BIN, '(run "npm run build")'],
    ] as const) {
      await access(file, constants.R_OK).catch(() => {
        throw new Error(`${file} is missing: apt-get install -y ${pkg}`);
      });
    }
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tunnels-screenshots-'));
    host = await createTestHost();
    sshd = await startSshd({host});
    ftp = await startVsftpd(host);
    await writeFile(path.join(ftp.root, 'release.tar.gz'), randomBytes(FILE_SIZE), {mode: 0o644});
    const [program, args] = host.command('/usr/bin/python3', [
      '-m',
      'http.server',
      '--bind',
      '127.0.0.1',
      '--directory',
      ftp.root,
      String(HTTP_PORT),
    ]);
    http = spawn(program, args, {stdio: 'ignore'});
    await waitInHost(host, HTTP_PORT, http);
  });

  afterAll(async () => {
    for (const terminal of terminals) await terminal.close();
    for (const socket of sockets) await rm(path.join(tmuxDir(), socket), {force: true});
    if (http?.pid && http.exitCode === null && http.signalCode === null) {
      const exited = new Promise((resolve) => http!.once('exit', resolve));
      process.kill(http.pid, 'SIGTERM');
      await exited;
    }
    await ftp?.stop();
    await sshd?.stop();
    await host?.remove();
    if (scratch) await rm(scratch, {recursive: true, force: true});
  });

  it('main, add-forward and help: a connected session with L, D and FTP forwards after traffic', async () => {
    const home = await makeHome('home', sshd.knownHosts, [
      'LocalForward 0 127.0.0.1:21',
      `LocalForward 0 127.0.0.1:${HTTP_PORT}`,
    ]);
    const terminal = await start(home);
    await terminal.waitForScreen(/● connected/);
    await terminal.waitForScreen(new RegExp(`L\\s+\\d+:127\\.0\\.0\\.1:${HTTP_PORT}\\s+listening`));

    await terminal.type('a');
    await terminal.waitForScreen(/Add a forward/);
    await terminal.type('D 0');
    await terminal.keys('Enter');
    await terminal.waitForScreen(/\bD\s+(?:\S+:)?[1-9]\d*\s+listening/);

    await terminal.type('a');
    await terminal.waitForScreen(/Add a forward/);
    await terminal.type('ftp/0:127.0.0.1:21');
    await terminal.keys('Enter');
    const screen = await terminal.waitForScreen(/FTP\s+ftp\/[1-9]\d*:127\.0\.0\.1:21\s+listening/);

    const ftpPort = port(screen, /FTP\s+ftp\/(\d+):127\.0\.0\.1:21/);
    const controlPort = port(screen, /\bL\s+(\d+):127\.0\.0\.1:21\s/);
    const httpPort = port(screen, new RegExp(`\\bL\\s+(\\d+):127\\.0\\.0\\.1:${HTTP_PORT}\\s`));
    const socksPort = port(screen, /\bD\s+(?:\S+:)?(\d+)\s/);

    const file = `${ftp.directory}/release.tar.gz`;
    // An HTTP download through the L forward, one through the SOCKS proxy; FTP's control channel alone
    // (no data channel: SIZE and MDTM) through the plain L forward to port 21.
    expect(await curl([`http://127.0.0.1:${httpPort}/release.tar.gz`])).toBe(FILE_SIZE);
    expect(
      await curl([
        '--socks5-hostname',
        `127.0.0.1:${socksPort}`,
        `http://127.0.0.1:${HTTP_PORT}/release.tar.gz`,
      ]),
    ).toBe(FILE_SIZE);
    await run('curl', ['-sS', '--max-time', '30', '-I', `ftp://127.0.0.1:${controlPort}${file}`]);
    // FTP downloads through the ftp/ forward, passive then active: data channels in the log.
    expect(await curl(['--ftp-pasv', `ftp://127.0.0.1:${ftpPort}${file}`])).toBe(FILE_SIZE);
    expect(await curl(['--ftp-port', '-', `ftp://127.0.0.1:${ftpPort}${file}`])).toBe(FILE_SIZE);

    await terminal.waitForScreen(/data channel #2 closed/);
    // The last control connection closed, and no forward shows an open connection.
    await terminal.waitForScreen(
      /^(?![\s\S]*listening\s+[1-9]\d*\/)[\s\S]*data channel #2 closed[\s\S]*ftp\/\d+:127\.0\.0\.1:21: connection from [\d.:]+ closed/,
    );
    await snapshot(terminal, 'main', scratch, 'tunnels staging');

    // A slow passive download held open: its data channel is listed under the FTP forward while it runs.
    const slow = spawn(
      'curl',
      ['-sS', '--limit-rate', '64K', '--ftp-pasv', '-o', '/dev/null', `ftp://127.0.0.1:${ftpPort}${file}`],
      {stdio: 'ignore'},
    );
    try {
      await terminal.waitForScreen(/↳ data #\d+ passive/);
      await snapshot(terminal, 'ftp-data-channels', scratch, 'tunnels staging');
    } finally {
      const exited = new Promise((resolve) => slow.once('exit', resolve));
      if (slow.pid !== undefined && slow.exitCode === null) process.kill(slow.pid, 'SIGKILL');
      await exited;
    }

    // The add dialog, with a half-typed spec and its inline error.
    await terminal.type('a');
    await terminal.waitForScreen(/Add a forward/);
    await terminal.type('L 8080:db.internal:54x');
    await terminal.waitForScreen(/54x/);
    await snapshot(terminal, 'add-forward', scratch, 'tunnels staging');
    await terminal.keys('Escape');
    await terminal.waitForScreen(/Log/);

    await terminal.type('?');
    await terminal.waitForScreen(/Keys/);
    await snapshot(terminal, 'help', scratch, 'tunnels staging');
    await terminal.keys('Escape');
    await terminal.waitForScreen(/Log/);

    // Favorites: this session saved as one, plus another added from the command line, in the picker.
    await terminal.type('s');
    await terminal.waitForScreen(/Save this session as a favorite/);
    await terminal.keys('Enter');
    await terminal.waitForScreen(/saved favorite staging/);
    await run(
      process.execPath,
      [
        TUNNELS_BIN,
        'favorites',
        'add',
        'db-tunnel',
        '-A',
        '-L',
        '5432:db.internal:5432',
        'deploy@bastion.example',
      ],
      {
        env: {...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config')},
      },
    );
    await terminal.type('f');
    await terminal.waitForScreen(/Favorites[\s\S]*2 \[ \] staging\s+connected/);
    await snapshot(terminal, 'favorites', scratch, 'tunnels staging');
    await terminal.keys('Escape');
    await terminal.waitForScreen(/Log/);

    await quitAttached(terminal, 'stop all');
  });

  it('host-key: the question for a server not in known_hosts', async () => {
    const knownHosts = path.join(scratch, 'empty_known_hosts');
    await writeFile(knownHosts, '');
    const home = await makeHome('home-new', knownHosts, []);
    const terminal = await start(home);
    await terminal.waitForScreen(/authenticity of host/);
    await terminal.type('yes');
    await terminal.waitForScreen(/> yes/);
    await snapshot(terminal, 'host-key', scratch, 'tunnels staging');
    await terminal.keys('Escape');
  });

  it('detail: Enter on a forward during a slow download: its open connection and the rate of the last seconds', async () => {
    const home = await makeHome('home-detail', sshd.knownHosts, [`LocalForward 0 127.0.0.1:${HTTP_PORT}`]);
    const terminal = await start(home);
    const screen = await terminal.waitForScreen(
      new RegExp(`L\\s+\\d+:127\\.0\\.0\\.1:${HTTP_PORT}\\s+listening`),
    );
    const httpPort = port(screen, new RegExp(`\\bL\\s+(\\d+):127\\.0\\.0\\.1:${HTTP_PORT}\\s`));
    // Large enough that the socket buffers fill and the download then runs at curl's pace while on screen.
    const image = path.join(ftp.root, 'image.iso');
    await writeFile(image, '', {mode: 0o644});
    await truncate(image, 256 * 1024 * 1024);
    const slow = spawn(
      'curl',
      ['-sS', '--limit-rate', '1M', '-o', '/dev/null', `http://127.0.0.1:${httpPort}/image.iso`],
      {stdio: 'ignore'},
    );
    try {
      await terminal.waitForScreen(/listening\s+1\/1/);
      await terminal.keys('Tab');
      await terminal.keys('Enter');
      await terminal.waitForScreen(/Open connections \(1\)[\s\S]*127\.0\.0\.1:\d+ -> 127\.0\.0\.1:8080/);
      // Some seconds of the download in the sparkline.
      await terminal.waitForScreen(/Last minute +▁*(?:[▂-█]▁*){15}/, 40_000);
      await snapshot(terminal, 'detail', scratch, 'tunnels staging');
    } finally {
      // It may have finished already: then there is no exit to wait for.
      if (slow.pid !== undefined && slow.exitCode === null && slow.signalCode === null) {
        const exited = new Promise((resolve) => slow.once('exit', resolve));
        process.kill(slow.pid, 'SIGKILL');
        await exited;
      }
    }
    await terminal.keys('Escape');
    await terminal.waitForScreen(/listening\s+0\/1/);
    await quitAttached(terminal, 'stop all');
  });

  it('reconnecting: the server went away; the countdown, the waiting remote forward, then back', async () => {
    const home = await makeHome('home-reconnect', sshd.knownHosts, [
      `LocalForward 0 127.0.0.1:${HTTP_PORT}`,
      `RemoteForward 0 127.0.0.1:${HTTP_PORT}`,
    ]);
    const terminal = await start(home);
    await terminal.waitForScreen(/R\s+\d+:127\.0\.0\.1:8080\s+listening/);
    await sshd.kill();
    await terminal.waitForScreen(/reconnecting in \d+s/);
    await snapshot(terminal, 'reconnecting', scratch, 'tunnels staging');
    await sshd.restart();
    await terminal.waitForScreen(/● connected\s+<1m ↻1/, 30_000);
    await quitAttached(terminal, 'stop all');
  });
});
