import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);

/** A program running in a real terminal: a private tmux server, one window of a fixed size. */
export interface Terminal {
  pid: number;
  screen(): Promise<string>;
  /** The screen with up to `lines` lines of the scrollback above it. */
  withScrollback(lines: number): Promise<string>;
  /** The screen with its colour and style escape codes. */
  screenWithStyles(): Promise<string>;
  /** The pane's title, as the program's escape sequences (OSC 0 or 2) may have set it. */
  title(): Promise<string>;
  waitForScreen(pattern: RegExp, ms?: number): Promise<string>;
  type(text: string): Promise<void>;
  keys(...keys: string[]): Promise<void>;
  resize(width: number, height: number): Promise<void>;
  /** Runs a tmux command on this terminal's server ("show-buffer", "set-option ..."); its output. */
  tmux(...args: string[]): Promise<string>;
  /** Whether the program's process is still alive. */
  alive(): boolean;
  /** Ends the program by PID, then the tmux server. */
  close(): Promise<void>;
}

export async function openTerminal(
  command: string[],
  options: {width?: number; height?: number; env?: Record<string, string>} = {},
): Promise<Terminal> {
  const socket = `tunnels-test-${randomBytes(4).toString('hex')}`;
  const pidFile = path.join(os.tmpdir(), `${socket}.pid`);
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);
  // A background service the program starts (plain tunnels attaches to one) lives in directories of this
  // terminal's own, and is stopped by its PID when the terminal closes; a test that gives its own
  // directories (test/service/service-home.ts) stops its services itself.
  const serviceScratch = await mkdtemp(path.join(os.tmpdir(), 'tunnels-terminal-'));
  await mkdir(path.join(serviceScratch, 'run'), {mode: 0o700});
  const serviceEnv = {
    XDG_RUNTIME_DIR: path.join(serviceScratch, 'run'),
    XDG_STATE_HOME: path.join(serviceScratch, 'state'),
    ...options.env,
  };
  const env = Object.entries(serviceEnv).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  // A shell runs the program and then prints its exit status and waits, so the last screen and the
  // status stay readable; the trap keeps the shell alive through the program's Ctrl-C.
  const quoted = command.map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(' ');
  // In the foreground (a background job would have SIGINT ignored); the inner shell writes its PID
  // and then becomes the program through exec.
  const script = `trap : INT; sh -c 'echo "pid $$" > ${pidFile}; exec "$@"' sh ${quoted}; echo "[exit status $?]"; sleep 600`;
  await tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    'main',
    '-x',
    String(options.width ?? 100),
    '-y',
    String(options.height ?? 30),
    ...env,
    '--',
    'sh',
    '-c',
    script,
  );
  const pid = await readPid(pidFile);
  // A program that exited but that tmux has not reaped yet is a zombie: it counts as ended.
  const alive = () => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'main')).stdout;
  return {
    pid,
    screen,
    withScrollback: async (lines) =>
      (await tmux('capture-pane', '-p', '-S', String(-lines), '-t', 'main')).stdout,
    screenWithStyles: async () => (await tmux('capture-pane', '-e', '-p', '-t', 'main')).stdout,
    title: async () => (await tmux('display-message', '-p', '-t', 'main', '#{pane_title}')).stdout.trim(),
    alive,
    tmux: async (...args) => (await tmux(...args)).stdout,
    async waitForScreen(pattern, ms = 15_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const text = await screen();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} on screen:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async type(text) {
      await tmux('send-keys', '-t', 'main', '-l', '--', text);
    },
    async resize(width, height) {
      await tmux('resize-window', '-t', 'main', '-x', String(width), '-y', String(height));
    },
    async keys(...keys) {
      await tmux('send-keys', '-t', 'main', ...keys);
    },
    async close() {
      if (alive()) process.kill(pid, 'SIGKILL');
      stopServices(path.join(serviceScratch, 'state', 'tunnels', 'service.log'));
      await rm(serviceScratch, {recursive: true, force: true});
      await tmux('kill-server').catch(() => {});
      await rm(pidFile, {force: true});
      // tmux 3.3 leaves its socket file behind after kill-server.
      await rm(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), {
        force: true,
      });
    },
  };
}

/** Kills, by PID, every background service whose log is `logFile` ("service PID listening"). */
export function stopServices(logFile: string): void {
  if (!existsSync(logFile)) return;
  for (const match of readFileSync(logFile, 'utf8').matchAll(/service (\d+) listening/g)) {
    try {
      process.kill(Number(match[1]), 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

async function readPid(file: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const match = /^pid (\d+)$/m.exec(text);
    if (match) return Number(match[1]);
    if (Date.now() > deadline) throw new Error('the program did not start in the terminal');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A screen that matches and stays the same for 100 ms: a whole frame, not one caught while being drawn. */
export async function settledScreen(terminal: Terminal, pattern: RegExp): Promise<string> {
  let last = await terminal.waitForScreen(pattern);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await terminal.waitForScreen(pattern);
    if (now === last) return now;
    last = now;
  }
}
