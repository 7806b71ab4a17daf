import {execFile} from 'node:child_process';
import {chmod, chown, copyFile, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {generateKey} from '../helpers/sshd.js';
import {connectionRefused, exchange, startEchoServer} from '../helpers/targets.js';
import {isEvent, startTunnels, TUNNELS_BIN} from '../helpers/tunnels-process.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

describe('the built tunnels binary, headless, against a real sshd', () => {
  const fixture = useSshdAndEcho();

  const base = () => ['-N', '--json', ...fixture.sshd.sshArgs(), '-o', 'BatchMode=yes', '127.0.0.1'];

  it('prints its version', async () => {
    const {stdout} = await run(process.execPath, [TUNNELS_BIN, '--version']);
    expect(stdout.trim()).toMatch(/^tunnels \d+\.\d+\.\d+$/);
  });

  it('the launcher and the application it loads give the same version', async () => {
    const launcher = await run(process.execPath, [TUNNELS_BIN, '-V']);
    const application = await run(process.execPath, [
      path.join(path.dirname(TUNNELS_BIN), 'main.mjs'),
      '--version',
    ]);
    expect(application.stdout.trim()).toBe(launcher.stdout.trim());
  });

  it('the built bin runs by itself, as npm link installs it (executable, with its shebang)', async () => {
    const {stdout} = await run(TUNNELS_BIN, ['--version']);
    expect(stdout.trim()).toMatch(/^tunnels \d+\.\d+\.\d+$/);
  });

  it('-L: reports where it listens, carries data, logs the connection, exits 0 on SIGTERM and frees the port', async () => {
    const tunnels = startTunnels([...base(), '-L', `0:127.0.0.1:${fixture.echo.port}`]);
    const listening = await tunnels.waitFor(isEvent('forward-listening'));
    expect(listening).toMatchObject({
      kind: 'local',
      bindAddress: '127.0.0.1',
      spec: `-L 0:127.0.0.1:${fixture.echo.port}`,
    });
    const result = await exchange(listening.port, 8 * MiB);
    expect(result.receivedHash).toBe(result.sentHash);
    const closed = await tunnels.waitFor(isEvent('connection-closed'));
    expect(closed).toMatchObject({forwardId: listening.forwardId, bytesIn: 8 * MiB, bytesOut: 8 * MiB});
    // stderr is its own pipe: wait for the human line rather than assume it came with the JSON.
    const stderr = await tunnels.waitForStderr(/connection #1 closed/);
    expect(stderr).toContain(
      `tunnels: connected to ${fixture.sshd.user}@127.0.0.1:${fixture.sshd.port} (publickey (${fixture.sshd.clientKey}))`,
    );
    expect(stderr).toContain(`-L 0:127.0.0.1:${fixture.echo.port}: listening on 127.0.0.1:${listening.port}`);
    expect(stderr).toMatch(/connection #1 closed \(8\.0 MiB in, 8\.0 MiB out\)/);
    expect(await tunnels.stop()).toBe(0);
    expect(await connectionRefused(listening.port)).toBe(true);
  });

  it('connection lines wait a moment to go out together, and none is lost when it exits at once', async () => {
    const tunnels = startTunnels([...base(), '-L', `0:127.0.0.1:${fixture.echo.port}`]);
    const listening = await tunnels.waitFor(isEvent('forward-listening'));
    // Clients still open when SIGTERM comes: their connection-closed lines are written at exit.
    const clients = await Promise.all(
      Array.from(
        {length: 5},
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect(listening.port, '127.0.0.1', () => resolve(socket));
            socket.on('error', () => {});
            socket.once('error', reject);
          }),
      ),
    );
    await tunnels.waitForStderr(/connection #5 from/);
    expect(await tunnels.stop()).toBe(0);
    for (let id = 1; id <= 5; id++) expect(tunnels.stderr()).toMatch(new RegExp(`connection #${id} closed`));
    for (const client of clients) client.destroy();
  });

  it('-R: the server listens and connections come back', async () => {
    const tunnels = startTunnels([...base(), '-R', `0:127.0.0.1:${fixture.echo.port}`]);
    const listening = await tunnels.waitFor(isEvent('forward-listening'));
    expect(listening).toMatchObject({kind: 'remote', bindAddress: 'localhost'});
    const result = await exchange(listening.port, 8 * MiB);
    expect(result.receivedHash).toBe(result.sentHash);
    expect(tunnels.stderr()).toContain(`listening on the server at localhost:${listening.port}`);
    expect(await tunnels.stop()).toBe(0);
  });

  it('-D: a SOCKS5 proxy that curl can use', async () => {
    const web = net.createServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'),
    );
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const webPort = (web.address() as net.AddressInfo).port;
    const tunnels = startTunnels([...base(), '-D', '0']);
    try {
      const listening = await tunnels.waitFor(isEvent('forward-listening'));
      const {stdout} = await run('curl', [
        '-s',
        '--max-time',
        '10',
        '--socks5-hostname',
        `127.0.0.1:${listening.port}`,
        `http://localhost:${webPort}/`,
      ]);
      expect(stdout).toBe('ok');
      await tunnels.waitFor(isEvent('connection-opened', (event) => event.to === `localhost:${webPort}`));
    } finally {
      expect(await tunnels.stop()).toBe(0);
      web.close();
    }
  });

  it('runs the same without -N (headless until the UI lands)', async () => {
    const tunnels = startTunnels([
      ...base().filter((arg) => arg !== '-N'),
      '-L',
      `0:127.0.0.1:${fixture.echo.port}`,
    ]);
    const listening = await tunnels.waitFor(isEvent('forward-listening'));
    const result = await exchange(listening.port, 1024);
    expect(result.receivedHash).toBe(result.sentHash);
    expect(await tunnels.stop()).toBe(0);
  });

  it('rejects a bad forward before connecting, pointing at the bad part, with status 255', async () => {
    const logBefore = (await fixture.sshd.log()).length;
    const tunnels = startTunnels([...base(), '-L', '8o80:db:5432']);
    expect(await tunnels.exited).toBe(255);
    expect(tunnels.stderr()).toContain('tunnels: -L 8o80:db:5432: "8o80" is not a port number');
    expect(tunnels.events).toEqual([]);
    expect((await fixture.sshd.log()).slice(logBefore)).not.toContain('Connection from');
  });

  it('exits 255 when authentication fails, saying why', async () => {
    const stranger = path.join(fixture.sshd.dir, 'stranger-cli');
    await generateKey(stranger);
    const tunnels = startTunnels([
      '-N',
      '-p',
      String(fixture.sshd.port),
      '-l',
      fixture.sshd.user,
      '-i',
      stranger,
      '-o',
      `UserKnownHostsFile=${fixture.sshd.knownHosts}`,
      '-o',
      'BatchMode=yes',
      '127.0.0.1',
    ]);
    expect(await tunnels.exited).toBe(255);
    expect(tunnels.stderr()).toContain(
      `permission denied for ${fixture.sshd.user}@127.0.0.1 (the server accepts: publickey): the server refused the key ${stranger}.`,
    );
  });

  it('exits 255 on an unknown host key in BatchMode, showing the fingerprint', async () => {
    const empty = path.join(fixture.sshd.dir, 'empty_known_hosts');
    await writeFile(empty, '');
    const tunnels = startTunnels([
      '-N',
      '-p',
      String(fixture.sshd.port),
      '-l',
      fixture.sshd.user,
      '-i',
      fixture.sshd.clientKey,
      '-o',
      `UserKnownHostsFile=${empty}`,
      '-o',
      'GlobalKnownHostsFile=none',
      '-o',
      'BatchMode=yes',
      '127.0.0.1',
    ]);
    expect(await tunnels.exited).toBe(255);
    expect(tunnels.stderr()).toMatch(
      /host key verification failed: no host key is known for \[127\.0\.0\.1\]:\d+; its ED25519 key fingerprint is SHA256:/,
    );
  });

  it('keeps running when one forward fails, and exits 255 with ExitOnForwardFailure=yes', async () => {
    // Busy on both loopback addresses: a forward with no bind address listens on whichever is free.
    const busy = await startEchoServer();
    const busy6 = net.createServer();
    await new Promise<void>((resolve) => busy6.listen(busy.port, '::1', resolve));
    const tunnels = startTunnels([
      ...base(),
      '-L',
      `${busy.port}:127.0.0.1:${fixture.echo.port}`,
      '-L',
      `0:127.0.0.1:${fixture.echo.port}`,
    ]);
    const failed = await tunnels.waitFor(isEvent('forward-failed'));
    expect(failed.reason).toBe(
      `port ${busy.port} is already in use on 127.0.0.1:${busy.port} by another program; pick another port or stop that program`,
    );
    const listening = await tunnels.waitFor(isEvent('forward-listening'));
    expect((await exchange(listening.port, 1024)).received).toBe(1024);
    expect(await tunnels.stop()).toBe(0);

    const strict = startTunnels([
      ...base(),
      '-o',
      'ExitOnForwardFailure=yes',
      '-L',
      `${busy.port}:127.0.0.1:${fixture.echo.port}`,
    ]);
    expect(await strict.exited).toBe(255);
    expect(strict.stderr()).toContain('ExitOnForwardFailure');
    await busy.close();
    await new Promise<void>((resolve) => busy6.close(() => resolve()));
  });

  it('warns about an unknown -o option and carries on', async () => {
    const tunnels = startTunnels([
      ...base(),
      '-o',
      'FrobnicateLevel=9',
      '-L',
      `0:127.0.0.1:${fixture.echo.port}`,
    ]);
    await tunnels.waitFor(isEvent('forward-listening'));
    expect(tunnels.stderr()).toContain(
      'tunnels: warning: -o FrobnicateLevel=9: unknown or unsupported option; ignored',
    );
    expect(await tunnels.stop()).toBe(0);
  });

  it('takes a host, its user, port, key and forwards from ~/.ssh/config', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-home-'));
    try {
      await mkdir(path.join(home, '.ssh'), {mode: 0o700});
      await writeFile(
        path.join(home, '.ssh', 'config'),
        [
          'Host testbox',
          '  HostName 127.0.0.1',
          `  Port ${fixture.sshd.port}`,
          `  User ${fixture.sshd.user}`,
          `  IdentityFile ${fixture.sshd.clientKey}`,
          `  LocalForward 0 127.0.0.1:${fixture.echo.port}`,
          'Host *',
          `  UserKnownHostsFile ${fixture.sshd.knownHosts}`,
          '  BatchMode yes',
          '',
        ].join('\n'),
      );
      const tunnels = startTunnels(['-N', '--json', 'testbox'], {
        env: {...process.env, HOME: home, SSH_AUTH_SOCK: ''},
      });
      const listening = await tunnels.waitFor(isEvent('forward-listening'));
      expect(listening.spec).toBe(`-L 0:127.0.0.1:${fixture.echo.port}`);
      expect((await exchange(listening.port, 4096)).received).toBe(4096);
      expect(await tunnels.stop()).toBe(0);
    } finally {
      await rm(home, {recursive: true, force: true});
    }
  });

  it('says a port under 1024 needs root, when not root', async () => {
    // Run as an unprivileged user when we are root; otherwise we already are one.
    const asNobody = process.getuid?.() === 0;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-nobody-'));
    try {
      const key = path.join(dir, 'id_ed25519');
      const knownHosts = path.join(dir, 'known_hosts');
      await copyFile(fixture.sshd.clientKey, key);
      await copyFile(fixture.sshd.knownHosts, knownHosts);
      if (asNobody) {
        await chmod(dir, 0o755);
        await chown(key, 65534, 65534);
      }
      const tunnels = startTunnels(
        [
          '-N',
          '--json',
          '-p',
          String(fixture.sshd.port),
          '-l',
          fixture.sshd.user,
          '-i',
          key,
          '-o',
          `UserKnownHostsFile=${knownHosts}`,
          '-o',
          'BatchMode=yes',
          '-L',
          `81:127.0.0.1:${fixture.echo.port}`,
          '127.0.0.1',
        ],
        {env: {...process.env, HOME: dir, SSH_AUTH_SOCK: ''}, ...(asNobody ? {uid: 65534, gid: 65534} : {})},
      );
      const failed = await tunnels.waitFor(isEvent('forward-failed'));
      expect(failed.reason).toBe(
        'port 81 is privileged (below 1024) and only root can listen on it; run tunnels as root or pick a port of 1024 or above',
      );
      expect(await tunnels.stop()).toBe(0);
    } finally {
      await rm(dir, {recursive: true, force: true});
    }
  });
});
