import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import type {TestHost} from './netns.js';

const run = promisify(execFile);

export const SSHD_PATH = '/usr/sbin/sshd';

export interface TestSshd {
  port: number;
  host: string;
  /** The login user: whoever runs the tests (root in CI). */
  user: string;
  dir: string;
  /** The client's private key (ed25519, no passphrase), authorized on the server. */
  clientKey: string;
  /** A known_hosts file that trusts this server's host keys. */
  knownHosts: string;
  /** The server's host public keys, as "type base64" lines. */
  hostKeys: string[];
  /** The listening sshd's PID (it changes with restart()). */
  pid: number;
  /** Options every test client needs: user, key, known_hosts, port. */
  sshArgs(): string[];
  /** Sends a signal to sshd and every process it forked (the per-connection ones carry sessions). */
  signalAll(signal: NodeJS.Signals): void;
  /** SIGKILLs sshd and its connections, as a crash or a reboot would. */
  kill(): Promise<void>;
  /** Starts sshd again on the same port; `newHostKeys` gives it keys known_hosts does not know. */
  restart(options?: {newHostKeys?: boolean}): Promise<void>;
  stop(): Promise<void>;
  log(): Promise<string>;
}

/**
 * The PIDs of a process and all its descendants, from /proc. Read synchronously: one await per process
 * made a walk of a busy machine's /proc take seconds, and a signal sent after it came too late.
 */
export async function processTree(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat = '';
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      // Gone meanwhile.
    }
    // The parent PID is the second field after the parenthesised command name.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)!.push(Number(entry));
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index]!) ?? []));
  return tree;
}

export interface TestSshdOptions {
  /** Extra sshd_config lines. */
  config?: string[];
  hostKeyTypes?: Array<'ed25519' | 'ecdsa' | 'rsa'>;
  /** Run inside this test host (network namespace), listening on its address. */
  host?: TestHost;
  /**
   * Listen here instead (inside `host`: its own 127.0.0.1, reachable only from inside, e.g. through an sshd
   * beside it). Readiness is then read from sshd's log, since this machine may not reach the address.
   */
  listen?: {address: string; port: number};
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const {port} = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function generateKey(
  file: string,
  type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519',
  passphrase = '',
) {
  await run('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    passphrase,
    '-C',
    'tunnels-test',
    '-f',
    file,
  ]);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

/** Waits until something accepts TCP connections on the port (sshd writes its banner at once). */
async function waitForPort(
  host: string,
  port: number,
  child: ChildProcess,
  deadlineMs: number,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once('data', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`sshd did not start listening on ${port} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until sshd's log has a line matching `pattern`. */
async function waitForLog(
  file: string,
  pattern: RegExp,
  child: ChildProcess,
  deadlineMs: number,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited with code ${child.exitCode}`);
    if (pattern.test(await readFile(file, 'utf8').catch(() => ''))) return;
    if (Date.now() > deadline) throw new Error(`sshd did not log ${pattern} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts a real OpenSSH sshd on 127.0.0.1 with a temporary config, keys and known_hosts. */
export async function startSshd(options: TestSshdOptions = {}): Promise<TestSshd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-sshd-'));
  const user = os.userInfo().username;
  const hostKeyTypes = options.hostKeyTypes ?? ['ed25519'];
  const hostKeys: string[] = [];
  for (const type of hostKeyTypes) {
    const pub = await generateKey(path.join(dir, `ssh_host_${type}_key`), type);
    hostKeys.push(pub.split(' ').slice(0, 2).join(' '));
  }
  const clientKey = path.join(dir, 'id_ed25519');
  const clientPub = await generateKey(clientKey);
  await writeFile(path.join(dir, 'authorized_keys'), `${clientPub}\n`, {mode: 0o600});
  // Privilege separation needs this directory; it exists wherever the openssh-server package has run.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', {recursive: true, mode: 0o755});

  const address = options.listen?.address ?? options.host?.address ?? '127.0.0.1';
  // Inside a fresh namespace every port is free.
  const port = options.listen?.port ?? (options.host ? 2222 : await freePort());
  // sshd keeps the first value of each keyword, so the test's own lines go first.
  const config = [
    ...(options.config ?? []),
    `Port ${port}`,
    `ListenAddress ${address}`,
    ...hostKeyTypes.map((type) => `HostKey ${path.join(dir, `ssh_host_${type}_key`)}`),
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin yes',
    'AllowTcpForwarding yes',
    'AllowAgentForwarding yes',
    'X11Forwarding no',
    'GatewayPorts no',
    'MaxSessions 1000',
    'MaxStartups 1000',
    'LogLevel VERBOSE',
    'PrintMotd no',
  ];
  const configFile = path.join(dir, 'sshd_config');
  await writeFile(configFile, `${config.join('\n')}\n`);
  const knownHosts = path.join(dir, 'known_hosts');
  await writeFile(knownHosts, hostKeys.map((key) => `[${address}]:${port} ${key}\n`).join(''));

  const logFile = path.join(dir, 'sshd.log');
  const sshdArgs = ['-D', '-f', configFile, '-E', logFile];
  const launch = async (): Promise<ChildProcess> => {
    // The readiness line is read from the log: a restart starts it afresh.
    if (options.listen && options.host) await writeFile(logFile, '');
    // `ip netns exec` execs sshd, so the PID is sshd's own.
    const [program, args] = options.host ? options.host.command(SSHD_PATH, sshdArgs) : [SSHD_PATH, sshdArgs];
    const child = spawn(program, args, {stdio: ['ignore', 'ignore', 'pipe']});
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      if (options.listen && options.host) await waitForLog(logFile, /Server listening on/, child, 10_000);
      else await waitForPort(address, port, child, 10_000);
    } catch (error) {
      child.kill('SIGKILL');
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`${(error as Error).message}\n${stderr}\n${log}`);
    }
    return child;
  };
  let child = await launch();
  const exitedChild = (target: ChildProcess) =>
    target.exitCode !== null || target.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => target.once('exit', () => resolve()));
  const signalTree = async (signal: NodeJS.Signals) => {
    for (const pid of await processTree(child.pid!)) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };

  const sshd: TestSshd = {
    port,
    host: address,
    user,
    dir,
    clientKey,
    knownHosts,
    hostKeys,
    pid: child.pid!,
    sshArgs: () => [
      '-p',
      String(port),
      '-l',
      user,
      '-i',
      clientKey,
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
    ],
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    signalAll(signal) {
      void signalTree(signal);
    },
    async kill() {
      const exited = exitedChild(child);
      await signalTree('SIGKILL');
      await exited;
    },
    async restart(restartOptions = {}) {
      if (restartOptions.newHostKeys) {
        for (const type of hostKeyTypes) {
          const file = path.join(dir, `ssh_host_${type}_key`);
          await rm(file, {force: true});
          await rm(`${file}.pub`, {force: true});
          await generateKey(file, type);
        }
      }
      child = await launch();
      sshd.pid = child.pid!;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = exitedChild(child);
        // A stopped sshd (or connection) would not act on SIGTERM.
        await signalTree('SIGCONT');
        process.kill(child.pid!, 'SIGTERM');
        await exited;
      }
      await rm(dir, {recursive: true, force: true});
    },
  };
  return sshd;
}

/** A temporary HOME whose ~/.ssh/config names this sshd as Host `alias` (its key, its known_hosts). */
export async function homeWithHost(sshd: TestSshd, alias = 'box'): Promise<string> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-home-'));
  await mkdir(path.join(home, '.ssh'), {mode: 0o700});
  await writeFile(
    path.join(home, '.ssh', 'config'),
    `Host ${alias}\n  HostName ${sshd.host}\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.clientKey}\n  UserKnownHostsFile ${sshd.knownHosts}\n`,
  );
  return home;
}
