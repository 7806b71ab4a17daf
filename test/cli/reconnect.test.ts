import {execFile} from 'node:child_process';
import {copyFile, mkdir, mkdtemp, rm} from 'node:fs/promises';
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
});
