import {execFile} from 'node:child_process';
import {copyFile, mkdir, mkdtemp, rm} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterEach, describe, expect, it} from 'vitest';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {exchange, startEchoServer, type TestServer} from '../helpers/targets.js';
import {isEvent, startTunnels, TUNNELS_BIN, type TunnelsProcess} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

/** Headless, JSON events, the test sshd's user, key and known_hosts, nobody asked anything. */
const base = (sshd: TestSshd) => ['-N', '--json', ...sshd.sshArgs(), '-o', 'BatchMode=yes'];

describe('headless reconnect (-o Reconnect) through the built binary', () => {
  let sshd: TestSshd | undefined;
  let echo: TestServer | undefined;
  let tunnels: TunnelsProcess | undefined;
  let home: string | undefined;

  afterEach(async () => {
    await tunnels?.stop();
    await echo?.close();
    await sshd?.stop();
    if (home) await rm(home, {recursive: true, force: true});
    tunnels = undefined;
    echo = undefined;
    sshd = undefined;
    home = undefined;
  });

  it('Reconnect=yes: comes back after sshd restarts, re-requests -R on the same port, says so on stderr', async () => {
    sshd = await startSshd();
    echo = await startEchoServer();
    tunnels = startTunnels([
      ...base(sshd),
      '-o',
      'Reconnect=yes',
      '-L',
      `0:127.0.0.1:${echo.port}`,
      '-R',
      `0:127.0.0.1:${echo.port}`,
      '127.0.0.1',
    ]);
    const local = await tunnels.waitFor(isEvent('forward-listening', (event) => event.kind === 'local'));
    const remote = await tunnels.waitFor(isEvent('forward-listening', (event) => event.kind === 'remote'));
    await sshd.kill();
    const lost = await tunnels.waitFor(isEvent('session-reconnecting'));
    expect(lost).toMatchObject({attempt: 1});
    await sshd.restart();
    const back = await tunnels.waitFor(
      isEvent('session-connected', (event) => event.reconnects === 1),
      20_000,
    );
    expect(back.authMethod).toMatch(/^publickey/);
    const again = await tunnels.waitFor(
      isEvent('forward-listening', (event) => event.kind === 'remote' && event !== remote),
    );
    expect(again.port).toBe(remote.port);
    for (const port of [local.port, remote.port]) {
      const result = await exchange(port, 1024 * 1024);
      expect(result.receivedHash).toBe(result.sentHash);
    }
    const stderr = await tunnels.waitForStderr(/reconnected to/);
    expect(stderr).toMatch(/tunnels: connection lost: .*; reconnecting in \d\.\d s/);
    expect(stderr).toContain(`-R 0:127.0.0.1:${echo.port}: waiting: the session is reconnecting`);
    expect(stderr).toMatch(/tunnels: reconnected to .* \(publickey .*; reconnect 1\)/);
    expect(await tunnels.stop()).toBe(0);
  });

  it('without it (the default on a command line, as ssh), a drop ends the run with status 255', async () => {
    sshd = await startSshd();
    echo = await startEchoServer();
    tunnels = startTunnels([...base(sshd), '-L', `0:127.0.0.1:${echo.port}`, '127.0.0.1']);
    await tunnels.waitFor(isEvent('forward-listening'));
    await sshd.kill();
    expect(await tunnels.exited).toBe(255);
    expect(tunnels.events.some((event) => event.event === 'session-reconnecting')).toBe(false);
    expect(tunnels.stderr()).toMatch(/tunnels: connection closed: /);
  });

  it('a favorite reconnects by default, and stops with status 255 when the host key changes', async () => {
    sshd = await startSshd();
    echo = await startEchoServer();
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-reconnect-home-'));
    const env = {...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), SSH_AUTH_SOCK: ''};
    // A favorite keeps no UserKnownHostsFile: the server's key goes where ssh would look.
    await mkdir(path.join(home, '.ssh'), {mode: 0o700});
    await copyFile(sshd.knownHosts, path.join(home, '.ssh', 'known_hosts'));
    await run(
      process.execPath,
      [
        TUNNELS_BIN,
        'favorites',
        'add',
        'steady',
        ...sshd.sshArgs(),
        '-o',
        'BatchMode=yes',
        '-L',
        `0:127.0.0.1:${echo.port}`,
        '127.0.0.1',
      ],
      {env},
    );
    tunnels = startTunnels(['-N', '--json', '@steady'], {env});
    await tunnels.waitFor(isEvent('forward-listening'));
    await sshd.kill();
    await tunnels.waitFor(isEvent('session-reconnecting'));
    await sshd.restart({newHostKeys: true});
    const failed = await tunnels.waitFor(isEvent('session-failed'), 20_000);
    expect(failed.level).toBe('host-key');
    expect(await tunnels.exited).toBe(255);
    expect(tunnels.stderr()).toMatch(
      /tunnels: stopped reconnecting: host key verification failed: .*CHANGED/,
    );
  });

  it('while the server is away, tries every 1 to 2 s in the first minute, so it is back within ~2 s of the server', async () => {
    sshd = await startSshd();
    tunnels = startTunnels([...base(sshd), '-o', 'Reconnect=yes', '127.0.0.1']);
    await tunnels.waitFor(isEvent('session-connected'));
    await sshd.kill();
    const running = tunnels;
    await until(() => running.events.filter((event) => event.event === 'session-reconnecting').length >= 5);
    const delays = running.events.flatMap((event) =>
      event.event === 'session-reconnecting' ? [event.delayMs] : [],
    );
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBeLessThanOrEqual(2000);
    }
    await sshd.restart();
    await tunnels.waitFor(
      isEvent('session-connected', (event) => event.reconnects === 1),
      5000,
    );
  }, 30_000);

  it('after a pause (a sleep, a freeze) it tests the connection at once: a dead one that looks alive is reconnected', async () => {
    sshd = await startSshd();
    echo = await startEchoServer();
    const relay = await startRelay(sshd.port);
    try {
      // The keepalives (15 s x 3 by default) would take about a minute; the check after the pause, seconds.
      tunnels = startTunnels([
        ...base(sshd).map((arg) => (arg === String(sshd!.port) ? String(relay.port) : arg)),
        '-o',
        'Reconnect=yes',
        '-o',
        `HostKeyAlias=[127.0.0.1]:${sshd.port}`,
        '-L',
        `0:127.0.0.1:${echo.port}`,
        '127.0.0.1',
      ]);
      const local = await tunnels.waitFor(isEvent('forward-listening'));
      // The network goes away while the machine is stopped: the connection's packets now go nowhere.
      relay.blackhole();
      process.kill(tunnels.pid, 'SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, 6000));
      process.kill(tunnels.pid, 'SIGCONT');
      const lost = await tunnels.waitFor(isEvent('session-reconnecting'), 12_000);
      expect(lost.reason).toMatch(/did not answer after this machine was paused or asleep for \d+ s/);
      await tunnels.waitFor(
        isEvent('session-connected', (event) => event.reconnects === 1),
        10_000,
      );
      const result = await exchange(local.port, 64 * 1024);
      expect(result.receivedHash).toBe(result.sentHash);
    } finally {
      await relay.close();
    }
  }, 40_000);
});

/** Waits until `check` holds (polled), for up to `ms`. */
async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A TCP relay to 127.0.0.1:`port`. blackhole() makes the connections it carries go silent both ways,
 * still open (a network that went away without a reset); new connections are carried as before.
 */
async function startRelay(port: number): Promise<{port: number; blackhole(): void; close(): Promise<void>}> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    for (const socket of pair) {
      socket.on('error', () => {});
      socket.on('close', () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    blackhole() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close: () =>
      new Promise((resolve) => {
        for (const pair of pairs) for (const socket of pair) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
