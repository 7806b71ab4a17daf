import {execFile} from 'node:child_process';
import {lstatSync} from 'node:fs';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {socks5Connect} from '../helpers/socks-client.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {startEchoServer, type TestServer} from '../helpers/targets.js';
import {isEvent, startTunnels, TUNNELS_BIN} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

describe('favorites with unix-socket and remote dynamic forwards (temporary HOME)', () => {
  let sshd: TestSshd;
  let echo: TestServer;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const tunnels = (args: string[]) =>
    run(process.execPath, [TUNNELS_BIN, ...args], {env, timeout: 30_000}).then(
      ({stdout, stderr}) => ({code: 0, stdout, stderr}),
      (error: {code: number; stdout: string; stderr: string}) => ({
        code: error.code,
        stdout: error.stdout,
        stderr: error.stderr,
      }),
    );

  beforeAll(async () => {
    sshd = await startSshd();
    echo = await startEchoServer();
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-fav-unix-'));
    await mkdir(path.join(home, '.ssh'), {mode: 0o700});
    await writeFile(path.join(home, '.ssh', 'config'), `Host *\n  UserKnownHostsFile ${sshd.knownHosts}\n`);
    env = {...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), SSH_AUTH_SOCK: ''};
  });
  afterAll(async () => {
    await echo?.close();
    await sshd?.stop();
    if (home) await rm(home, {recursive: true, force: true});
  });

  it('keeps the forwards and options, prints them as ssh takes them, and brings them up', async () => {
    const socket = path.join(home, 'echo.sock');
    const added = await tunnels([
      'favorites',
      'add',
      'sockets',
      '-p',
      String(sshd.port),
      '-i',
      sshd.clientKey,
      '-L',
      `${socket}:127.0.0.1:${echo.port}`,
      '-R',
      '0',
      '-o',
      'StreamLocalBindMask=0117',
      '-o',
      `PermitRemoteOpen=127.0.0.1:${echo.port}   other:80`,
      `${sshd.user}@127.0.0.1`,
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toBe('');
    expect((await tunnels(['favorites', 'ssh', 'sockets'])).stdout.trim()).toBe(
      `ssh -p ${sshd.port} -l ${sshd.user} -i ${sshd.clientKey} -o StreamLocalBindMask=0117 -o 'PermitRemoteOpen=127.0.0.1:${echo.port} other:80' -N -L ${socket}:127.0.0.1:${echo.port} -R 0 127.0.0.1`,
    );
    const exported = JSON.parse((await tunnels(['favorites', 'export'])).stdout) as {
      favorites: Array<{options: unknown; forwards: string[]}>;
    };
    expect(exported.favorites[0]).toMatchObject({
      options: {streamLocalBindMask: '0117', permitRemoteOpen: `127.0.0.1:${echo.port} other:80`},
      forwards: [`-L ${socket}:127.0.0.1:${echo.port}`, '-R 0'],
    });

    const session = startTunnels(['-N', '--json', '@sockets'], {env});
    try {
      const local = await session.waitFor(
        isEvent('forward-listening', (event) => event.kind === 'local-unix'),
      );
      expect(local.path).toBe(socket);
      expect(lstatSync(socket).mode & 0o777).toBe(0o660);
      const socks = await session.waitFor(
        isEvent('forward-listening', (event) => event.kind === 'remote-dynamic'),
      );
      const through = await socks5Connect(socks.port, '127.0.0.1', echo.port);
      through.resume();
      const echoed = new Promise<string>((resolve) =>
        through.once('data', (chunk) => resolve(String(chunk))),
      );
      through.write('hello through the server');
      expect(await echoed).toBe('hello through the server');
      through.destroy();
      await expect(socks5Connect(socks.port, '127.0.0.2', echo.port)).rejects.toThrow('reply 2');
    } finally {
      expect(await session.stop()).toBe(0);
    }
  });

  it('refuses a favorite option it cannot read', async () => {
    const bad = await tunnels(['favorites', 'add', 'bad', '-o', 'PermitRemoteOpen=nowhere', 'host']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('PermitRemoteOpen: "nowhere" is not host:port');
    const mask = await tunnels(['favorites', 'add', 'bad', '-o', 'StreamLocalBindMask=999', 'host']);
    expect(mask.code).toBe(1);
    expect(mask.stderr).toContain('StreamLocalBindMask=999: expected an octal umask');
  });
});
