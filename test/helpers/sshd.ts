import {type ChildProcess, execFile, spawn} from 'node:child_process';
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
  pid: number;
  /** Options every test client needs: user, key, known_hosts, port. */
  sshArgs(): string[];
  stop(): Promise<void>;
  log(): Promise<string>;
}

export interface TestSshdOptions {
  /** Extra sshd_config lines. */
  config?: string[];
  hostKeyTypes?: Array<'ed25519' | 'ecdsa' | 'rsa'>;
  /** Run inside this test host (network namespace), listening on its address. */
  host?: TestHost;
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

  const address = options.host?.address ?? '127.0.0.1';
  // Inside a fresh namespace every port is free.
  const port = options.host ? 2222 : await freePort();
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
  // `ip netns exec` execs sshd, so the PID is sshd's own.
  const [program, args] = options.host ? options.host.command(SSHD_PATH, sshdArgs) : [SSHD_PATH, sshdArgs];
  const child = spawn(program, args, {stdio: ['ignore', 'ignore', 'pipe']});
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    await waitForPort(address, port, child, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    const log = await readFile(logFile, 'utf8').catch(() => '');
    throw new Error(`${(error as Error).message}\n${stderr}\n${log}`);
  }
  const pid = child.pid!;

  return {
    port,
    host: address,
    user,
    dir,
    clientKey,
    knownHosts,
    hostKeys,
    pid,
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
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(pid, 'SIGTERM');
        await exited;
      }
      await rm(dir, {recursive: true, force: true});
    },
  };
}
