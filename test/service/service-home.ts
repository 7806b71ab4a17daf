import {type ChildProcess, execFile, spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, expect} from 'vitest';
import type {TunnelEvent} from '../../source/core/events.js';
import type {SessionSummary} from '../../source/service/protocol.js';
import type {Terminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const jsonLines = <T = TunnelEvent>(stdout: string): T[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);

/**
 * A temporary HOME, runtime, state and config directory for each test, and the built binary run in
 * them; every service a test started (their PIDs are in its log) is killed after it, by PID.
 */
/**
 * `tunnels up` of a session to the test's sshd (as BatchMode: the service asks nothing) named `name`, with
 * one -L: the arguments, for home.run.
 */
export function upArgs(sshd: {sshArgs(): string[]}, forward: string, name: string): string[] {
  return ['up', ...sshd.sshArgs(), '-o', 'BatchMode=yes', '-L', forward, '127.0.0.1', '--name', name];
}

export function useServiceHome() {
  let scratch = '';
  let env: NodeJS.ProcessEnv = {};
  const followers: ChildProcess[] = [];
  const home = {
    get scratch() {
      return scratch;
    },
    get env() {
      return env;
    },
    /** This home's directories as a tmux terminal takes them (no agent). */
    terminalEnv: (): Record<string, string> => ({
      HOME: env.HOME!,
      XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR!,
      XDG_STATE_HOME: env.XDG_STATE_HOME!,
      XDG_CONFIG_HOME: env.XDG_CONFIG_HOME!,
      SSH_AUTH_SOCK: '',
    }),
    logFile: () => path.join(scratch, 'state', 'tunnels', 'service.log'),
    socketFile: () => path.join(scratch, 'run', 'tunnels', 'control.sock'),
    run: (args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string} = {}): Promise<Run> =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          [TUNNELS_BIN, ...args],
          {env: options.env ?? env, cwd: options.cwd, timeout: 30_000},
          (error, stdout, stderr) => {
            const status = error ? (error as {code?: unknown}).code : 0;
            resolve({status: typeof status === 'number' ? status : -1, stdout, stderr});
          },
        );
      }),
    /** A command that runs until stopped (logs -f): stopped by PID after the test. */
    start(args: string[]): ChildProcess & {output(): string} {
      const child = spawn(process.execPath, [TUNNELS_BIN, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
      followers.push(child);
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      return Object.assign(child, {output: () => output});
    },
    /** The PIDs of every service started in this test, from its log. */
    servicePids(): number[] {
      if (!fs.existsSync(home.logFile())) return [];
      const text = fs.readFileSync(home.logFile(), 'utf8');
      return [...text.matchAll(/service (\d+) listening/g)].map((match) => Number(match[1]));
    },
    async sessions(): Promise<SessionSummary[]> {
      const listed = await home.run(['ls', '--json']);
      expect(listed.status, listed.stderr).toBe(0);
      return (JSON.parse(listed.stdout) as {sessions: SessionSummary[]}).sessions;
    },
  };

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnels-service-'));
    fs.mkdirSync(path.join(scratch, 'home'));
    fs.mkdirSync(path.join(scratch, 'run'), {mode: 0o700});
    env = {
      ...process.env,
      HOME: path.join(scratch, 'home'),
      XDG_RUNTIME_DIR: path.join(scratch, 'run'),
      XDG_STATE_HOME: path.join(scratch, 'state'),
      XDG_CONFIG_HOME: path.join(scratch, 'config'),
    };
  });

  afterEach(async () => {
    for (const child of followers.splice(0)) if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
    for (const pid of home.servicePids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await waitUntil(() => home.servicePids().every((pid) => !alive(pid)), 'the services are gone');
    fs.rmSync(scratch, {recursive: true, force: true});
  });

  return home;
}

/**
 * q in a UI attached to the service, then its question answered: Enter detaches (the tunnels stay up), s
 * stops them all; either way the UI exits with status 0.
 */
export async function quitAttached(terminal: Terminal, answer: 'detach' | 'stop all'): Promise<void> {
  await terminal.type('q');
  await terminal.waitForScreen(/Detach from the service\?/);
  if (answer === 'detach') await terminal.keys('Enter');
  else await terminal.type('s');
  expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
}
