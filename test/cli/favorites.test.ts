import {execFile} from 'node:child_process';
import {mkdir, mkdtemp, readdir, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {exchange, startEchoServer, type TestServer} from '../helpers/targets.js';
import {openTerminal} from '../helpers/tmux.js';
import {isEvent, startTunnels, TUNNELS_BIN} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

async function findFile(dir: string, name: string): Promise<string | undefined> {
  for (const entry of await readdir(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile() && entry.name === name) return path.join(entry.parentPath, entry.name);
  }
  return undefined;
}

describe('favorites through the built binary (temporary HOME and XDG_CONFIG_HOME)', () => {
  let sshd: TestSshd;
  let echo: TestServer;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const tunnels = (args: string[]) =>
    run(process.execPath, [TUNNELS_BIN, ...args], {env}).then(
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
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-fav-home-'));
    await mkdir(path.join(home, '.ssh'), {mode: 0o700});
    await writeFile(
      path.join(home, '.ssh', 'config'),
      [
        'Host box',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  IdentityFile ${sshd.clientKey}`,
        `  LocalForward 0 127.0.0.1:${echo.port}`,
        'Host plain',
        '  HostName 127.0.0.1',
        'Host *',
        `  UserKnownHostsFile ${sshd.knownHosts}`,
        '',
      ].join('\n'),
    );
    env = {...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), SSH_AUTH_SOCK: ''};
  });
  afterAll(async () => {
    await echo?.close();
    await sshd?.stop();
    if (home) await rm(home, {recursive: true, force: true});
  });

  it('imports Hosts with forwards from ~/.ssh/config, in a 0600 file in a 0700 directory', async () => {
    const imported = await tunnels(['favorites', 'import-ssh-config']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`imported box: -L 0:127.0.0.1:${echo.port}`);
    expect(imported.stdout).toContain('imported 1 favorite from');
    const listed = JSON.parse((await tunnels(['favorites', '--json'])).stdout) as Array<{
      name: string;
      forwards: string[];
    }>;
    expect(listed).toEqual([
      expect.objectContaining({name: 'box', host: 'box', forwards: [`-L 0:127.0.0.1:${echo.port}`]}),
    ]);
    const file = await findFile(path.join(home, '.config'), 'favorites.json');
    expect(file).toBeDefined();
    expect((await stat(file!)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file!))).mode & 0o777).toBe(0o700);
  });

  it('quick-connects the imported favorite headless: its forwards once, not twice', async () => {
    const process_ = startTunnels(['-N', '--json', '@box'], {env});
    const listening = await process_.waitFor(isEvent('forward-listening'));
    expect(listening.spec).toBe(`-L 0:127.0.0.1:${echo.port}`);
    expect((await exchange(listening.port, 128 * 1024)).received).toBe(128 * 1024);
    expect(await process_.stop()).toBe(0);
    expect(process_.events.filter((event) => event.event === 'forward-listening')).toHaveLength(1);
  });

  it('adds, prints as an ssh command, exports, and removes a favorite', async () => {
    const added = await tunnels([
      'favorites',
      'add',
      'web',
      '-p',
      String(sshd.port),
      '-i',
      sshd.clientKey,
      '-A',
      '-L',
      '8080:db:5432',
      '-D',
      '1080',
      `${sshd.user}@127.0.0.1`,
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect((await tunnels(['favorites', 'ssh', 'web'])).stdout.trim()).toBe(
      `ssh -p ${sshd.port} -l ${sshd.user} -i ${sshd.clientKey} -A -N -L 8080:db:5432 -D 1080 127.0.0.1`,
    );
    const exported = JSON.parse((await tunnels(['favorites', 'export'])).stdout) as {
      version: number;
      favorites: Array<{name: string}>;
    };
    expect(exported.version).toBe(1);
    expect(exported.favorites.map((favorite) => favorite.name)).toEqual(['box', 'web']);
    expect((await tunnels(['favorites', 'rm', 'web'])).code).toBe(0);
    const again = await tunnels(['favorites', 'rm', 'web']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no favorite named web');
    const bad = await tunnels(['favorites', 'add', 'broken', '-L', '8o80:db:5432', 'host']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"8o80" is not a port number');
    // A typo is named, once (commander no longer prints it as well).
    const typo = await tunnels(['favorites', 'add', 'typo', '-Z', 'host']);
    expect(typo.code).toBe(1);
    expect(typo.stderr.match(/unknown option '-Z'/g)).toHaveLength(1);
    // A name longer than the list's column is said once, and the host after it whole.
    const long = 'favorite-number-14-with-a-rather-long-descriptive-name';
    const host = 'cache-cluster-redis-node-7.eu-west-3.cache.internal-example.com';
    const saved = await tunnels(['favorites', 'add', long, '-L', '19014:127.0.0.1:18080', host]);
    expect(saved.stdout.trim()).toBe(`saved favorite ${long}: ${host} -L 19014:127.0.0.1:18080`);
    expect((await tunnels(['favorites', 'rm', long])).code).toBe(0);
  });

  it('quick-connects from the UI: f, then 1', async () => {
    const terminal = await openTerminal([process.execPath, TUNNELS_BIN], {
      width: 100,
      height: 30,
      env: {HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), SSH_AUTH_SOCK: ''},
    });
    try {
      await terminal.waitForScreen(/No sessions/);
      await terminal.type('f');
      await terminal.waitForScreen(/Favorites[\s\S]*1 \[ \] box/);
      await terminal.type('1');
      const screen = await terminal.waitForScreen(
        new RegExp(`L\\s+\\d+:127\\.0\\.0\\.1:${echo.port}\\s+listening`),
      );
      expect(screen).toMatch(/box\s+\S+@127\.0\.0\.1:\d+\s+● connected/);
      await terminal.keys('C-c');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      await terminal.close();
    }
  });
});
