import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import type {TunnelEvent} from '../../source/core/events.js';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {exchange, startEchoServer} from '../helpers/targets.js';
import {alive, jsonLines, useServiceHome, waitUntil} from './service-home.js';

describe('the service commands: favorites, failures, following logs, winding down, help', () => {
  const fixture = useSshdAndEcho();
  const home = useServiceHome();
  const {run} = home;

  it('up @FAVORITE brings up the favorite, named after it', async () => {
    const added = await run([
      'favorites',
      'add',
      'web',
      ...fixture.sshd.sshArgs(),
      '-L',
      `0:127.0.0.1:${fixture.echo.port}`,
      '127.0.0.1',
    ]);
    expect(added.status, added.stderr).toBe(0);
    // The favorite keeps no UserKnownHostsFile: the key is unknown, and the service has nobody to ask.
    const unknown = await run(['up', '@web']);
    expect(unknown.status).toBe(255);
    expect(unknown.stderr).toMatch(
      /no host key is known for .*StrictHostKeyChecking \(BatchMode\) forbids adding it/,
    );
    expect(await home.sessions()).toEqual([]);
    fs.mkdirSync(path.join(home.env.HOME!, '.ssh'));
    fs.copyFileSync(fixture.sshd.knownHosts, path.join(home.env.HOME!, '.ssh', 'known_hosts'));
    const started = await run(['up', '--json', '@web']);
    expect(started.status, started.stderr).toBe(0);
    const listening = jsonLines(started.stdout).find((event) => event.event === 'forward-listening') as
      | Extract<TunnelEvent, {event: 'forward-listening'}>
      | undefined;
    expect(listening?.spec).toBe(`-L 0:127.0.0.1:${fixture.echo.port}`);
    expect((await exchange(listening!.port, 64 * 1024)).received).toBe(64 * 1024);
    expect((await home.sessions()).map((session) => [session.name, session.state])).toEqual([
      ['web', 'connected'],
    ]);
    const again = await run(['up', '@web']);
    expect(again.status).toBe(255);
    expect(again.stderr).toMatch(/^tunnels: a session named web is already up; take it down first/);
    expect((await run(['up', '@nothing'])).stderr).toBe(
      'tunnels: no favorite named nothing (see: tunnels favorites)\n',
    );
  });

  it('a relative -i is the file here, not in the service’s directory', async () => {
    const here = path.join(home.scratch, 'here');
    fs.mkdirSync(here);
    fs.copyFileSync(fixture.sshd.clientKey, path.join(here, 'key'));
    fs.chmodSync(path.join(here, 'key'), 0o600);
    const args = fixture.sshd.sshArgs();
    args[args.indexOf('-i') + 1] = 'key';
    const started = await run(['up', ...args, '-o', 'BatchMode=yes', '127.0.0.1'], {cwd: here});
    expect(started.status, started.stderr).toBe(0);
    expect(started.stderr).toContain(`(publickey (${path.join(here, 'key')}))`);
  });

  it('ExitOnForwardFailure: the headless run’s lines and status 255, and the session is not kept', async () => {
    const busy = await startEchoServer();
    const busy6 = net.createServer();
    await new Promise<void>((resolve) => busy6.listen(busy.port, '::1', resolve));
    try {
      const args = [
        ...fixture.sshd.sshArgs(),
        '-o',
        'BatchMode=yes',
        '-o',
        'ExitOnForwardFailure=yes',
        '-L',
        `${busy.port}:127.0.0.1:${fixture.echo.port}`,
        '127.0.0.1',
      ];
      const headless = await run(['-N', ...args]);
      const started = await run(['up', ...args]);
      expect(headless.status).toBe(255);
      expect(started.status).toBe(255);
      expect(started.stderr).toBe(headless.stderr);
      expect(started.stderr).toContain('ExitOnForwardFailure');
      expect(await home.sessions()).toEqual([]);
    } finally {
      await busy.close();
      await new Promise<void>((resolve) => busy6.close(() => resolve()));
    }
  });

  it('logs -f --json follows every session’s events as they come', async () => {
    // A service first, so that the follower has one to attach to.
    expect(
      (await run(['up', ...fixture.sshd.sshArgs(), '-o', 'BatchMode=yes', '--name', 'a', '127.0.0.1']))
        .status,
    ).toBe(0);
    const follower = home.start(['logs', '-f', '--json']);
    const seen = () => jsonLines<{session: string; event: TunnelEvent}>(follower.output());
    // The recent lines first: a's connection.
    await waitUntil(
      () => seen().some(({session, event}) => session === 'a' && event.event === 'session-connected'),
      'a is replayed',
    );
    const started = await run([
      'up',
      ...fixture.sshd.sshArgs(),
      '-o',
      'BatchMode=yes',
      '--name',
      'b',
      '-L',
      `0:127.0.0.1:${fixture.echo.port}`,
      '127.0.0.1',
    ]);
    expect(started.status).toBe(0);
    await waitUntil(
      () => seen().some(({session, event}) => session === 'b' && event.event === 'forward-listening'),
      'b listens',
    );
    expect((await run(['down', 'b'])).status).toBe(0);
    await waitUntil(
      () => seen().some(({session, event}) => session === 'b' && event.event === 'forward-closed'),
      'b closes',
    );
    expect(follower.exitCode).toBe(null);
    // The service stops: the follower's stream ends, and so does it.
    expect((await run(['stop'])).status).toBe(0);
    await waitUntil(() => follower.exitCode !== null, 'logs -f has exited');
    expect(follower.exitCode).toBe(0);
  });

  it('with nothing held and nobody connected, the service exits after its grace period', async () => {
    const args = fixture.sshd.sshArgs();
    args[args.indexOf('-p') + 1] = '1';
    const failed = await run(['up', ...args, '127.0.0.1'], {
      env: {...home.env, TUNNELS_SERVICE_GRACE_MS: '200'},
    });
    expect(failed.status).toBe(255);
    const [pid] = home.servicePids();
    await waitUntil(() => !alive(pid!), 'the idle service has exited');
    expect(fs.existsSync(home.socketFile())).toBe(false);
    expect(fs.readFileSync(home.logFile(), 'utf8')).toContain(
      'stopping: nothing to hold and nobody connected',
    );
    expect((await run(['stop'])).stderr).toBe('tunnels: no service is running\n');
  });

  it('a host named like a command is reached with -- or user@', async () => {
    fs.mkdirSync(path.join(home.env.HOME!, '.ssh'));
    fs.writeFileSync(
      path.join(home.env.HOME!, '.ssh', 'config'),
      'Host ls\n  HostName 127.0.0.9\n  Port 2222\n',
    );
    for (const words of [['--', 'ls'], ['me@ls']]) {
      const dumped = await run(['-G', ...words]);
      expect(dumped.status, dumped.stderr).toBe(0);
      expect(dumped.stdout).toMatch(/^hostname 127\.0\.0\.9$/m);
      expect(dumped.stdout).toMatch(/^port 2222$/m);
    }
  });

  it('each command has a --help that fits 80 columns', async () => {
    for (const verb of ['ls', 'up', 'down', 'add', 'rm', 'logs', 'stop']) {
      const help = await run([verb, '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: tunnels ${verb}`));
      for (const line of help.stdout.split('\n'))
        expect(line.length, `${verb}: ${line}`).toBeLessThanOrEqual(80);
    }
  });
});
