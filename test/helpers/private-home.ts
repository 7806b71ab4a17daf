import {execFile} from 'node:child_process';
import {chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Files of a private home, by the path a program sees: `~/...` (the home, /root) or `/etc/ssh/...`
 * (the system-wide ssh config). Nothing else can be given: the real /root and /etc/ssh are never touched.
 */
export type PrivateFiles = Record<string, string>;

export interface PrivateRun {
  /** The exit status; null if the program was killed (by the timeout, or a signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface PrivateRunOptions {
  /** Added to a small clean environment (PATH, HOME=/root, USER, LOGNAME, LANG). */
  env?: NodeJS.ProcessEnv;
  /** SIGKILL after this long; 10 s unless told. */
  timeoutMs?: number;
  /** The working directory inside the namespace; the private home unless told. */
  cwd?: string;
}

/** Where the private home is mounted: root's home in the password file, which ssh takes ~ from. */
export const PRIVATE_HOME = '/root';

/**
 * Runs in a mount namespace of its own (`unshare --mount --propagation private`, so nothing leaks out
 * to the machine), binds the case's home over /root and its /etc/ssh over /etc/ssh, then execs the
 * program: the namespace holds no process but the program (and its children), and is gone when they exit.
 * $1 home, $2 etc/ssh, $3 working directory, then the command.
 */
const WRAPPER = [
  'set -e',
  'mount --bind "$1" /root',
  'mount --bind "$2" /etc/ssh',
  'cd "$3"',
  'shift 3',
  'exec "$@"',
].join('\n');

/**
 * Runs `program args` with `files` as its whole world of ssh configuration: ssh reads ~ from the password
 * file, so the private home is mounted over /root rather than named by $HOME (which is set too, for
 * programs such as node that read it). Needs root.
 */
export async function runInPrivateHome(
  files: PrivateFiles,
  program: string,
  args: string[],
  options: PrivateRunOptions = {},
): Promise<PrivateRun> {
  if (process.getuid?.() !== 0) {
    throw new Error('this test mounts a private /root and /etc/ssh and needs root: run "npm test" as root');
  }
  const base = await mkdtemp(path.join(os.tmpdir(), 'tunnels-private-home-'));
  try {
    const home = path.join(base, 'home');
    const etcSsh = path.join(base, 'etc-ssh');
    await mkdir(home, {mode: 0o700});
    await mkdir(etcSsh, {mode: 0o755});
    await mkdir(path.join(home, '.ssh'), {mode: 0o700});
    for (const [name, text] of Object.entries(files)) {
      const target = privatePath(name, home, etcSsh);
      await mkdir(path.dirname(target), {recursive: true, mode: 0o700});
      // ssh refuses a ~/.ssh/config that others can write; 0600 is what people have.
      await writeFile(target, text, {mode: 0o600});
      await chmod(target, 0o600);
    }
    const env: NodeJS.ProcessEnv = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: PRIVATE_HOME,
      USER: 'root',
      LOGNAME: 'root',
      LANG: 'C.UTF-8',
      ...options.env,
    };
    const timeoutMs = options.timeoutMs ?? 10_000;
    return await new Promise<PrivateRun>((resolve) => {
      execFile(
        'unshare',
        [
          '--mount',
          '--propagation',
          'private',
          'sh',
          '-c',
          WRAPPER,
          'private-home',
          home,
          etcSsh,
          options.cwd ?? PRIVATE_HOME,
          program,
          ...args,
        ],
        {env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024},
        (error, stdout, stderr) => {
          const failure = error as
            | (NodeJS.ErrnoException & {code?: number | string; killed?: boolean})
            | null;
          const code = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null;
          const signal = (failure as {signal?: NodeJS.Signals} | null)?.signal ?? null;
          resolve({
            code,
            signal,
            stdout: String(stdout),
            stderr: String(stderr),
            timedOut: failure?.killed === true && signal === 'SIGKILL',
          });
        },
      );
    });
  } finally {
    await rm(base, {recursive: true, force: true});
  }
}

/** The path under the temporary directory for a path the program sees. */
function privatePath(name: string, home: string, etcSsh: string): string {
  let target: string;
  let root: string;
  if (name.startsWith('~/')) {
    root = home;
    target = path.join(home, name.slice(2));
  } else if (name.startsWith('/etc/ssh/')) {
    root = etcSsh;
    target = path.join(etcSsh, name.slice('/etc/ssh/'.length));
  } else {
    throw new Error(`${name}: a private file is under ~/ or /etc/ssh/`);
  }
  if (!target.startsWith(`${root}${path.sep}`)) throw new Error(`${name}: leaves its directory`);
  return target;
}
