import {execFile} from 'node:child_process';
import {copyFile, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {exchange, startEchoServer, type TestServer} from '../helpers/targets.js';
import {isEvent, startTunnels} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

/**
 * What `tunnels -G` cannot show, against a real sshd: tokens resolved at connect time, Match, command-line
 * order, a missing -i. Each case is also given to OpenSSH's ssh with the same config, which must connect
 * too (ssh reads ~ from the password file, so its configs here use absolute paths).
 */
describe('ssh config semantics at connect time, against a real sshd and ssh itself', () => {
  const fixture = useSshdAndEcho();
  let home: string;
  let closed: TestServer;

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-ssh-config-'));
    await mkdir(path.join(home, '.ssh'), {mode: 0o700});
    // A port nobody listens on: an echo server, closed.
    closed = await startEchoServer();
    await closed.close();
  });

  afterAll(async () => {
    await rm(home, {recursive: true, force: true});
  });

  const config = async (name: string, lines: string[]) => {
    const file = path.join(home, name);
    await writeFile(
      file,
      [...lines, 'Host *', `  UserKnownHostsFile ${fixture.sshd.knownHosts}`, '  BatchMode yes', ''].join(
        '\n',
      ),
    );
    return file;
  };

  /** tunnels with these arguments carries data through -L; ssh with the same ones runs `true`. */
  async function bothConnect(args: string[], destination: string, options: {ssh?: boolean} = {}) {
    const tunnels = startTunnels(
      ['-N', '--json', ...args, '-L', `0:127.0.0.1:${fixture.echo.port}`, destination],
      {
        env: {...process.env, HOME: home, SSH_AUTH_SOCK: ''},
      },
    );
    try {
      const listening = await tunnels.waitFor(isEvent('forward-listening'), 15_000);
      expect((await exchange(listening.port, 4096)).received).toBe(4096);
    } finally {
      expect(await tunnels.stop()).toBe(0);
    }
    if (options.ssh === false) return tunnels.stderr();
    const ssh = await run('ssh', [...args, destination, 'true'], {
      timeout: 15_000,
      env: {...process.env, SSH_AUTH_SOCK: ''},
    });
    expect(ssh.stderr).not.toMatch(/denied|refused|error/i);
    return tunnels.stderr();
  }

  it('Match host: the port and key of a Match block apply to the host it names', async () => {
    const file = await config('match-host', [
      'Host box',
      '  HostName 127.0.0.1',
      `Match host 127.0.0.1 user root,${fixture.sshd.user}`,
      `  Port ${fixture.sshd.port}`,
      `  IdentityFile ${fixture.sshd.clientKey}`,
      `  User ${fixture.sshd.user}`,
    ]);
    await bothConnect(['-F', file, '-l', fixture.sshd.user], 'box');
  });

  it('Match exec with tokens: the command sees %h and %p', async () => {
    const flag = path.join(home, `flag-127.0.0.1`);
    await writeFile(flag, '');
    const file = await config('match-exec', [
      `Match exec "test -e ${home}/flag-%h"`,
      `  Port ${fixture.sshd.port}`,
      `  IdentityFile ${fixture.sshd.clientKey}`,
      `  User ${fixture.sshd.user}`,
    ]);
    await bothConnect(['-F', file], '127.0.0.1');
  });

  it('IdentityFile with %p and %r reads the key named for the port given with -p', async () => {
    const keyDir = path.join(home, 'keys');
    await mkdir(keyDir, {recursive: true, mode: 0o700});
    await copyFile(fixture.sshd.clientKey, path.join(keyDir, `id_${fixture.sshd.user}_${fixture.sshd.port}`));
    const file = await config('tokens', [
      'Host 127.0.0.1',
      `  IdentityFile ${keyDir}/id_%r_%p`,
      `  User ${fixture.sshd.user}`,
      '  IdentitiesOnly yes',
    ]);
    const stderr = await bothConnect(['-F', file, '-p', String(fixture.sshd.port)], '127.0.0.1');
    expect(stderr).toContain(`publickey (${keyDir}/id_${fixture.sshd.user}_${fixture.sshd.port})`);
  });

  it('-o Port before -p: the first one given wins, as in ssh (the -p port is closed)', async () => {
    const file = await config('order', [
      `Host *`,
      `  IdentityFile ${fixture.sshd.clientKey}`,
      `  User ${fixture.sshd.user}`,
    ]);
    await bothConnect(
      ['-F', file, '-o', `Port=${fixture.sshd.port}`, '-p', String(closed.port)],
      '127.0.0.1',
    );
  });

  it('Include with a glob, relative to ~/.ssh, and a Host block inside it', async () => {
    await mkdir(path.join(home, '.ssh', 'conf.d'), {recursive: true});
    await writeFile(
      path.join(home, '.ssh', 'conf.d', 'box.conf'),
      ['Host included-box', '  HostName 127.0.0.1', `  Port ${fixture.sshd.port}`, ''].join('\n'),
    );
    await writeFile(
      path.join(home, '.ssh', 'config'),
      [
        'Include conf.d/*.conf',
        'Host *',
        `  IdentityFile ${fixture.sshd.clientKey}`,
        `  User ${fixture.sshd.user}`,
        `  UserKnownHostsFile ${fixture.sshd.knownHosts}`,
        '  BatchMode yes',
        '',
      ].join('\n'),
      {mode: 0o600},
    );
    // ssh would read root's own ~/.ssh/config: only tunnels here.
    await bothConnect([], 'included-box', {ssh: false});
  });

  it('a missing -i file is a warning and the default keys are tried, as in ssh', async () => {
    await copyFile(fixture.sshd.clientKey, path.join(home, '.ssh', 'id_ed25519'));
    const file = await config('defaults', [
      `Host *`,
      `  Port ${fixture.sshd.port}`,
      `  User ${fixture.sshd.user}`,
    ]);
    const stderr = await bothConnect(['-F', file, '-i', path.join(home, 'no-such-key')], '127.0.0.1', {
      ssh: false,
    });
    expect(stderr).toContain(`identity file ${path.join(home, 'no-such-key')} not accessible: no such file`);
    expect(stderr).toContain(`publickey (${path.join(home, '.ssh', 'id_ed25519')})`);
    // ssh says the same and goes on.
    const ssh = await run(
      'ssh',
      ['-F', file, '-i', path.join(home, 'no-such-key'), '-i', fixture.sshd.clientKey, '127.0.0.1', 'true'],
      {
        timeout: 15_000,
      },
    );
    expect(ssh.stderr).toContain(`Warning: Identity file ${path.join(home, 'no-such-key')} not accessible`);
  });

  it('-g (GatewayPorts): a forward without a bind address listens on every interface, with the warning', async () => {
    const file = await config('gateway', [
      'Host *',
      `  Port ${fixture.sshd.port}`,
      `  IdentityFile ${fixture.sshd.clientKey}`,
      `  User ${fixture.sshd.user}`,
    ]);
    const tunnels = startTunnels(
      ['-N', '--json', '-F', file, '-g', '-L', `0:127.0.0.1:${fixture.echo.port}`, '127.0.0.1'],
      {
        env: {...process.env, HOME: home, SSH_AUTH_SOCK: ''},
      },
    );
    try {
      const listening = await tunnels.waitFor(isEvent('forward-listening'), 15_000);
      expect(['', '0.0.0.0', '::', '*']).toContain(listening.bindAddress);
      const {stdout} = await run('ss', ['-Hltn', `sport = :${listening.port}`]);
      expect(stdout).toMatch(/(0\.0\.0\.0|\*|\[::\]):\d+/);
      expect(tunnels.stderr()).toMatch(/every interface|other machines/);
    } finally {
      expect(await tunnels.stop()).toBe(0);
    }
  });

  it('a config another user could change is refused, naming the fix', async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), 'tunnels-ssh-config-perm-'));
    try {
      await mkdir(path.join(other, '.ssh'));
      await writeFile(path.join(other, '.ssh', 'config'), 'Host *\n  Port 22\n', {mode: 0o666});
      await run('chmod', ['0666', path.join(other, '.ssh', 'config')]);
      const tunnels = startTunnels(['-N', '--json', '127.0.0.1'], {env: {...process.env, HOME: other}});
      expect(await tunnels.exited).toBe(255);
      expect(tunnels.stderr()).toContain(`Bad owner or permissions on ${path.join(other, '.ssh', 'config')}`);
      expect(tunnels.stderr()).toContain('chmod go-w');
    } finally {
      await rm(other, {recursive: true, force: true});
    }
  });
});
