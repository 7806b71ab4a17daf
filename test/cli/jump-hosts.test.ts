import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {createTestHost, type TestHost} from '../helpers/netns.js';
import {socks5Connect} from '../helpers/socks-client.js';
import {generateKey, processTree, startSshd, type TestSshd} from '../helpers/sshd.js';
import {exchange, readToEnd, sha256, startEchoServer} from '../helpers/targets.js';
import {isEvent, startTunnels, type TunnelsProcess} from '../helpers/tunnels-process.js';

/**
 * A bastion reachable from here (an sshd on a test host's address) and an inner host reachable only
 * through it (an sshd on that host's own 127.0.0.1:2223), with an echo server beside them on the host's
 * 127.0.0.1:7007. Each sshd has its own client key and known_hosts, named in a temporary ~/.ssh/config.
 */
const INNER_PORT = 2223;
const ECHO_PORT = 7007;

const ECHO_SERVER = `
import socket, sys, threading
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', ${ECHO_PORT}))
server.listen(64)
print('ready', flush=True)
def echo(connection):
    while True:
        data = connection.recv(65536)
        if not data:
            break
        connection.sendall(data)
    connection.shutdown(socket.SHUT_WR)
    connection.close()
while True:
    connection, _ = server.accept()
    threading.Thread(target=echo, args=(connection,), daemon=True).start()
`;

/** Sends 256 KiB to 127.0.0.1:PORT from inside the test host; prints the sha256 of what went and came back. */
const INSIDE_CLIENT = `
import hashlib, os, socket, sys
data = os.urandom(256 * 1024)
connection = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
connection.sendall(data)
connection.shutdown(socket.SHUT_WR)
received = b''
while True:
    chunk = connection.recv(65536)
    if not chunk:
        break
    received += chunk
print(hashlib.sha256(data).hexdigest(), hashlib.sha256(received).hexdigest())
`;

const run = promisify(execFile);

/** Polls `check` every 50 ms for up to 10 s. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('jump hosts and ProxyCommand, on a bastion and an inner host only it reaches', () => {
  let host: TestHost;
  let bastion: TestSshd;
  let inner: TestSshd;
  let echo: ChildProcess;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let tunnels: TunnelsProcess | undefined;

  beforeEach(async () => {
    host = await createTestHost();
    bastion = await startSshd({host});
    inner = await startSshd({host, listen: {address: '127.0.0.1', port: INNER_PORT}});
    const [program, args] = host.command('/usr/bin/python3', ['-c', ECHO_SERVER]);
    echo = spawn(program, args, {stdio: ['ignore', 'pipe', 'inherit']});
    await new Promise<void>((resolve, reject) => {
      echo.stdout!.once('data', () => resolve());
      echo.once('exit', (code) => reject(new Error(`the echo server exited (${code})`)));
    });
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-jump-home-'));
    await mkdir(path.join(home, '.ssh'), {mode: 0o700});
    const block = (name: string, sshd: TestSshd, extra: string[] = []) =>
      [
        `Host ${name}`,
        `  HostName ${sshd.host}`,
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  IdentityFile ${sshd.clientKey}`,
        `  UserKnownHostsFile ${sshd.knownHosts}`,
        ...extra.map((line) => `  ${line}`),
      ].join('\n');
    const config = path.join(home, '.ssh', 'config');
    await writeFile(
      config,
      `${[
        block('bastion', bastion),
        // -J user@address:port finds its key and known_hosts here, in the hop's own Host block.
        `Host ${bastion.host}\n  IdentityFile ${bastion.clientKey}\n  UserKnownHostsFile ${bastion.knownHosts}`,
        block('inner', inner, ['ProxyJump bastion']),
        block('inner-ssh', inner, [`ProxyCommand ssh -F ${config} -o BatchMode=yes -W %h:%p bastion`]),
        block('bastion-nc', bastion, ['ProxyCommand nc %h %p']),
        block('bastion-talks', bastion, ['ProxyCommand sh -c "echo proxy says hi >&2; exec nc %h %p"']),
        block('bastion-fails', bastion, ['ProxyCommand sh -c "echo no route to %n >&2; exit 3"']),
      ].join('\n')}\n`,
    );
    env = {...process.env, HOME: home};
  });

  afterEach(async () => {
    await tunnels?.stop();
    tunnels = undefined;
    if (echo.pid !== undefined && echo.exitCode === null) process.kill(echo.pid, 'SIGKILL');
    await inner.stop();
    await bastion.stop();
    await host.remove();
    await rm(home, {recursive: true, force: true});
  });

  const carries = async (process: TunnelsProcess) => {
    const listening = await process.waitFor(isEvent('forward-listening'), 20_000);
    const result = await exchange(listening.port, 1024 * 1024);
    expect(result.receivedHash).toBe(result.sentHash);
    expect(result.received).toBe(1024 * 1024);
    return listening;
  };

  it('-J user@host:port: each hop with its own key and known_hosts; a forward to the inner loopback carries data', async () => {
    tunnels = startTunnels(
      [
        '-N',
        '--json',
        '-o',
        'BatchMode=yes',
        '-J',
        `${bastion.user}@${bastion.host}:${bastion.port}`,
        ...inner.sshArgs(),
        '-L',
        `0:127.0.0.1:${ECHO_PORT}`,
        '127.0.0.1',
      ],
      {env},
    );
    await carries(tunnels);
    const connected = await tunnels.waitFor(isEvent('session-connected'));
    expect(connected).toMatchObject({host: '127.0.0.1', port: INNER_PORT});
    expect(await inner.log()).toMatch(/Accepted publickey/);
    expect(await bastion.log()).toMatch(/Accepted publickey/);
    expect((await processTree(bastion.pid)).length).toBeGreaterThan(1);
    expect(await tunnels.stop()).toBe(0);
    // Every hop closes with the session: the bastion's per-connection processes end.
    await until(async () => (await processTree(bastion.pid)).length === 1, 'the bastion connection to end');
    await until(async () => (await processTree(inner.pid)).length === 1, 'the inner connection to end');
  }, 40_000);

  it('-L, -D and -R of a session through the bastion all reach the inner host; the route is shown', async () => {
    const local = await startEchoServer();
    try {
      tunnels = startTunnels(
        [
          '-N',
          '--json',
          '-L',
          `0:127.0.0.1:${ECHO_PORT}`,
          '-D',
          '0',
          '-R',
          `0:127.0.0.1:${local.port}`,
          'inner',
        ],
        {env},
      );
      await carries(tunnels);
      const connected = await tunnels.waitFor(isEvent('session-connected'));
      expect(connected.via).toBe('bastion');
      await tunnels.waitForStderr(/connected to \S+@127\.0\.0\.1:2223 via bastion \(publickey/);
      const dynamic = await tunnels.waitFor(
        isEvent('forward-listening', (event) => event.kind === 'dynamic'),
      );
      const socket = await socks5Connect(dynamic.port, '127.0.0.1', ECHO_PORT, true);
      const payload = randomBytes(200_000);
      const echoed = readToEnd(socket);
      socket.resume();
      socket.end(payload);
      expect(sha256(await echoed)).toBe(sha256(payload));
      const remote = await tunnels.waitFor(isEvent('forward-listening', (event) => event.kind === 'remote'));
      const [program, args] = host.command('/usr/bin/python3', ['-c', INSIDE_CLIENT, String(remote.port)]);
      const {stdout} = await run(program, args, {timeout: 15_000});
      const [sent, received] = stdout.trim().split(' ');
      expect(received).toBe(sent);
      expect(await tunnels.stop()).toBe(0);
    } finally {
      await local.close();
    }
  }, 40_000);

  it('ProxyJump in ~/.ssh/config, by alias, resolved through the hop own Host block', async () => {
    tunnels = startTunnels(['-N', '--json', '-L', `0:127.0.0.1:${ECHO_PORT}`, 'inner'], {env});
    await carries(tunnels);
    expect(await tunnels.stop()).toBe(0);
  }, 40_000);

  it('a wrong host key at the bastion is refused, naming the hop, before anything reaches the inner host', async () => {
    const other = await generateKey(path.join(home, 'other'));
    await writeFile(
      bastion.knownHosts,
      `[${bastion.host}]:${bastion.port} ${other.split(' ').slice(0, 2).join(' ')}\n`,
    );
    tunnels = startTunnels(['-N', '--json', '-L', `0:127.0.0.1:${ECHO_PORT}`, 'inner'], {env});
    const failed = await tunnels.waitFor(isEvent('session-failed'), 20_000);
    expect(failed.reason).toMatch(
      new RegExp(
        `^the jump host bastion \\(${bastion.host.replaceAll('.', '\\.')}:${bastion.port}\\): host key verification failed`,
      ),
    );
    expect(await tunnels.exited).toBe(255);
    expect(await inner.log()).not.toMatch(/Connection from/);
  }, 40_000);

  it('a wrong host key at the inner host is refused as the destination, not the jump host', async () => {
    const other = await generateKey(path.join(home, 'other'));
    await writeFile(
      inner.knownHosts,
      `[127.0.0.1]:${INNER_PORT} ${other.split(' ').slice(0, 2).join(' ')}\n`,
    );
    tunnels = startTunnels(['-N', '--json', '-L', `0:127.0.0.1:${ECHO_PORT}`, 'inner'], {env});
    const failed = await tunnels.waitFor(isEvent('session-failed'), 20_000);
    expect(failed.reason).toMatch(/^host key verification failed/);
    expect(failed.reason).not.toMatch(/jump host/);
    expect(await tunnels.exited).toBe(255);
    expect(await inner.log()).not.toMatch(/Accepted publickey/);
  }, 40_000);

  it('-o Reconnect=yes: the chain comes back after the bastion restarts, and after the inner host does', async () => {
    tunnels = startTunnels(
      ['-N', '--json', '-o', 'Reconnect=yes', '-L', `0:127.0.0.1:${ECHO_PORT}`, 'inner'],
      {env},
    );
    const listening = await carries(tunnels);
    await bastion.kill();
    await tunnels.waitFor(isEvent('session-reconnecting'));
    await bastion.restart();
    await tunnels.waitFor(
      isEvent('session-connected', (event) => event.reconnects === 1),
      30_000,
    );
    let result = await exchange(listening.port, 256 * 1024);
    expect(result.receivedHash).toBe(result.sentHash);
    const before = tunnels.events.length;
    await inner.kill();
    const running = tunnels;
    await running.waitFor(
      isEvent('session-reconnecting', (event) => running.events.indexOf(event) >= before),
    );
    await inner.restart();
    await tunnels.waitFor(
      isEvent('session-connected', (event) => event.reconnects === 2),
      30_000,
    );
    result = await exchange(listening.port, 256 * 1024);
    expect(result.receivedHash).toBe(result.sentHash);
    expect(await tunnels.stop()).toBe(0);
  }, 90_000);

  it('ProxyCommand ssh -W %h:%p bastion: carries the session; its process ends with the session', async () => {
    tunnels = startTunnels(['-N', '--json', '-L', `0:127.0.0.1:${ECHO_PORT}`, 'inner-ssh'], {env});
    await carries(tunnels);
    const children = (await processTree(tunnels.pid)).filter((pid) => pid !== tunnels!.pid);
    expect(children.length).toBeGreaterThan(0);
    expect(await tunnels.stop()).toBe(0);
    const deadline = Date.now() + 5000;
    while (children.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(children.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
  }, 40_000);

  it('ProxyCommand nc %h %p: its stdio is the transport', async () => {
    tunnels = startTunnels(['-N', '--json', '-L', `0:127.0.0.1:${ECHO_PORT}`, 'bastion-nc'], {env});
    await carries(tunnels);
    expect(await tunnels.stop()).toBe(0);
  }, 40_000);

  it('ProxyCommand: its stderr is shown; one that exits says so, with its status', async () => {
    tunnels = startTunnels(['-N', '--json', '-L', `0:127.0.0.1:${ECHO_PORT}`, 'bastion-talks'], {env});
    await carries(tunnels);
    await tunnels.waitFor(isEvent('warning', (event) => event.message === 'ProxyCommand: proxy says hi'));
    expect(await tunnels.stop()).toBe(0);
    tunnels = startTunnels(['-N', '--json', 'bastion-fails'], {env});
    const failed = await tunnels.waitFor(isEvent('session-failed'));
    expect(await tunnels.exited).toBe(255);
    expect(failed.reason).toBe(
      `the ProxyCommand (sh -c "echo no route to bastion-fails >&2; exit 3") exited with status 3, before the SSH handshake with ${bastion.host}:${bastion.port}`,
    );
    expect(tunnels.events).toContainEqual(
      expect.objectContaining({event: 'warning', message: 'ProxyCommand: no route to bastion-fails'}),
    );
  }, 40_000);

  it('a destination the bastion cannot reach: the failure names the jump host and the refusal', async () => {
    tunnels = startTunnels(
      [
        '-N',
        '--json',
        '-o',
        'BatchMode=yes',
        '-J',
        `${bastion.user}@${bastion.host}:${bastion.port}`,
        '-p',
        '2299',
        '127.0.0.1',
      ],
      {env},
    );
    const failed = await tunnels.waitFor(isEvent('session-failed'), 20_000);
    expect(failed.reason).toBe(
      `the jump host ${bastion.host}:${bastion.port}: cannot reach 127.0.0.1:2299 from the server: Connection refused`,
    );
    expect(await tunnels.exited).toBe(255);
  }, 40_000);

  it('ProxyCommand nc -X 5 -x proxy:port %h %p: through a SOCKS proxy (another tunnels, -D on the bastion) to the inner host', async () => {
    const socks = startTunnels(['-N', '--json', '-D', '0', 'bastion'], {env});
    try {
      const proxy = await socks.waitFor(isEvent('forward-listening'), 20_000);
      tunnels = startTunnels(
        [
          '-N',
          '--json',
          '-o',
          `ProxyCommand=nc -X 5 -x 127.0.0.1:${proxy.port} %h %p`,
          '-L',
          `0:127.0.0.1:${ECHO_PORT}`,
          'inner',
        ],
        {env},
      );
      await carries(tunnels);
      const connected = await tunnels.waitFor(isEvent('session-connected'));
      expect(connected.via).toBe('ProxyCommand');
      expect(await tunnels.stop()).toBe(0);
    } finally {
      await socks.stop();
    }
  }, 40_000);
});
