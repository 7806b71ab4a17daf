import {type ChildProcess, spawn} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {TunnelEvent} from '../../source/core/events.js';

/** The built program: tests drive what users run, so a bundling mistake cannot pass unseen. */
export const TUNNELS_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

export interface TunnelsProcess {
  child: ChildProcess;
  pid: number;
  events: TunnelEvent[];
  stderr(): string;
  /** Resolves with the first event (seen or to come) that matches; rejects if the process exits first. */
  waitFor<T extends TunnelEvent>(match: (event: TunnelEvent) => event is T, ms?: number): Promise<T>;
  waitForStderr(pattern: RegExp, ms?: number): Promise<string>;
  exited: Promise<number | null>;
  /** SIGTERM by PID, then the exit status. */
  stop(): Promise<number | null>;
}

export function startTunnels(
  args: string[],
  /** `nofile`: its open-file limit (soft and hard), set by prlimit, which execs it (the PID is tunnels'). */
  options: {env?: NodeJS.ProcessEnv; uid?: number; gid?: number; nofile?: number} = {},
): TunnelsProcess {
  const command = [process.execPath, TUNNELS_BIN, ...args];
  if (options.nofile !== undefined)
    command.unshift('prlimit', `--nofile=${options.nofile}:${options.nofile}`);
  const child = spawn(command[0]!, command.slice(1), {
    // A new session: no controlling terminal, so nothing can be prompted for.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.uid !== undefined ? {uid: options.uid, gid: options.gid} : {}),
  });
  const events: TunnelEvent[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let stdoutBuffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdoutBuffer += chunk.toString();
    let newline = stdoutBuffer.indexOf('\n');
    while (newline >= 0) {
      const line = stdoutBuffer.slice(0, newline);
      stdoutBuffer = stdoutBuffer.slice(newline + 1);
      if (line.trim()) events.push(JSON.parse(line) as TunnelEvent);
      newline = stdoutBuffer.indexOf('\n');
    }
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      for (const listener of listeners) listener();
      resolve(code);
    });
  });
  const wait = <T>(check: () => T | undefined, ms: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onChange = () => {
        const found = check();
        if (found !== undefined) {
          cleanup();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(
            new Error(
              `tunnels exited (${child.exitCode ?? child.signalCode}) before ${what}\nstderr:\n${stderr}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}\nstderr:\n${stderr}`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(onChange);
      };
      listeners.add(onChange);
      onChange();
    });
  return {
    child,
    pid: child.pid!,
    events,
    stderr: () => stderr,
    exited,
    waitFor: (match, ms = 15_000) => wait(() => events.find(match), ms, 'an event') as never,
    waitForStderr: (pattern, ms = 15_000) =>
      wait(() => (pattern.test(stderr) ? stderr : undefined), ms, `stderr ${pattern}`),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
      }, 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export const isEvent =
  <Name extends TunnelEvent['event']>(
    name: Name,
    where: (event: Extract<TunnelEvent, {event: Name}>) => boolean = () => true,
  ) =>
  (event: TunnelEvent): event is Extract<TunnelEvent, {event: Name}> =>
    event.event === name && where(event as Extract<TunnelEvent, {event: Name}>);
