import {execFile, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {TunnelEvent} from '../../source/core/events.js';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {createPasswordUser} from '../helpers/password-user.js';
import {processTree} from '../helpers/sshd.js';
import {connectionRefused, exchange} from '../helpers/targets.js';
import {alive, jsonLines, useServiceHome, waitUntil} from './service-home.js';

const MiB = 1024 * 1024;

/** The end to end tests of the background service: the built binary, a real sshd, a temporary home. */
describe('tunnels up/ls/add/rm/logs/down/stop and the background service', () => {
  const fixture = useSshdAndEcho();
  const home = useServiceHome();
  const {run, sessions, servicePids, socketFile} = home;
  const up = (...args: string[]) =>
    run(['up', ...fixture.sshd.sshArgs(), '-o', 'BatchMode=yes', '127.0.0.1', ...args]);

  it('up starts the service and exits, the forward stays; ls, add, rm, logs, down and stop drive it', async () => {
    const started = await up('-L', `0:127.0.0.1:${fixture.echo.port}`, '--name', 'db', '--json');
    expect(started.stderr).toContain(`-L 0:127.0.0.1:${fixture.echo.port}: listening on 127.0.0.1:`);
    expect(started.status).toBe(0);
    // The same JSON lines a headless run prints.
    const listening = jsonLines(started.stdout).find((event) => event.event === 'forward-listening');
    expect(listening).toMatchObject({kind: 'local', spec: `-L 0:127.0.0.1:${fixture.echo.port}`});
    expect(listening).not.toHaveProperty('display');
    const port = (listening as {port: number}).port;
    // The process that asked has exited: the service carries the tunnel.
    const transfer = await exchange(port, 4 * MiB);
    expect(transfer.receivedHash).toBe(transfer.sentHash);

    expect(await sessions()).toMatchObject([
      {
        name: 'db',
        forwards: [{label: `-L 0:127.0.0.1:${fixture.echo.port}`, listening: `127.0.0.1:${port}`}],
      },
    ]);
    const human = await run(['ls']);
    expect(human.stdout).toMatch(/^db +\S+@127\.0\.0\.1:\d+ +connected\n/);

    const extra = `-L 127.0.0.1:0:127.0.0.1:${fixture.echo.port}`;
    const added = await run(['add', 'db', ...extra.split(' '), '-D127.0.0.1:0']);
    expect(added.status, added.stderr).toBe(0);
    // Each forward's line once, as the headless run prints it.
    expect(added.stderr.match(/: listening on /g)).toHaveLength(2);
    expect(added.stderr).toContain(`${extra}: listening on 127.0.0.1:`);
    expect(added.stderr).toContain('-D 127.0.0.1:0: listening on 127.0.0.1:');
    expect((await sessions())[0]!.forwards.map((forward) => forward.label)).toEqual([
      `-L 0:127.0.0.1:${fixture.echo.port}`,
      extra,
      '-D 127.0.0.1:0',
    ]);
    expect((await run(['rm', 'db', extra])).status).toBe(0);
    // The spec alone names it too.
    expect((await run(['rm', 'db', '127.0.0.1:0'])).status).toBe(0);
    expect((await sessions())[0]!.forwards).toHaveLength(1);
    const wrong = await run(['add', 'db', '8080:db:5432']);
    expect(wrong.status).toBe(255);
    expect(wrong.stderr).toMatch(
      /^tunnels: expected -L, -R or -D and a forward, not 8080:db:5432\nusage: tunnels add/,
    );
    const unknown = await run(['rm', 'db', '-L 1:nowhere:1']);
    expect(unknown.status).toBe(255);
    expect(unknown.stderr).toMatch(/^tunnels: session db has no forward -L 1:nowhere:1; it has -L 0:/);

    const logs = await run(['logs']);
    expect(logs.stdout).toContain(`db: connected to ${fixture.sshd.user}@127.0.0.1:${fixture.sshd.port}`);
    expect(logs.stdout).toMatch(/db: -L 0:127\.0\.0\.1:\d+: connection #1 from 127\.0\.0\.1:\d+/);
    const logsJson = await run(['logs', '--json']);
    const tagged = jsonLines<{session: string; event: TunnelEvent}>(logsJson.stdout);
    expect(tagged.every(({session}) => session === 'db')).toBe(true);
    expect(tagged.map(({event}) => event)).toContainEqual(listening);

    const down = await run(['down', 'db']);
    expect(down.status).toBe(0);
    expect(await sessions()).toEqual([]);
    expect(await connectionRefused(port)).toBe(true);
    const again = await run(['down', 'db']);
    expect(again.status).toBe(255);
    expect(again.stderr).toBe('tunnels: no session named db; the service holds none (see tunnels ls)\n');

    const [pid] = servicePids();
    expect(alive(pid!)).toBe(true);
    expect((await run(['stop'])).status).toBe(0);
    await waitUntil(() => !alive(pid!), 'the service has exited');
    expect(fs.existsSync(socketFile())).toBe(false);
    // With the service gone, logs says where what its sessions said is.
    const gone = await run(['logs', 'db']);
    expect(gone.status).toBe(255);
    expect(gone.stderr).toBe(
      `tunnels: no service is running; what its sessions said is in ${home.logFile()}\n`,
    );
  });

  it('a dropped session reconnects by itself; with -o Reconnect=no it ends, and logs still say why', async () => {
    const before = new Set(await processTree(fixture.sshd.pid));
    expect((await up('-L', `0:127.0.0.1:${fixture.echo.port}`, '--name', 'kept')).status).toBe(0);
    const kept = (await processTree(fixture.sshd.pid)).filter((pid) => !before.has(pid));
    const middle = new Set(await processTree(fixture.sshd.pid));
    expect((await up('-o', 'Reconnect=no', '--name', 'once')).status).toBe(0);
    const once = (await processTree(fixture.sshd.pid)).filter((pid) => !middle.has(pid));
    expect(kept.length).toBeGreaterThan(0);
    expect(once.length).toBeGreaterThan(0);
    // sshd's processes for each connection: the drop of a server that went away.
    for (const pid of [...kept, ...once]) process.kill(pid, 'SIGKILL');

    let listed: {name: string; state: string}[] = [];
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      listed = (await sessions()) as unknown as {name: string; state: string}[];
      if (listed.length === 1 && listed[0]!.state === 'connected') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(listed).toMatchObject([{name: 'kept', state: 'connected'}]);
    expect((await run(['logs', 'kept'])).stdout).toMatch(/kept: connection lost: .*reconnecting/);

    const ended = await run(['logs', 'once']);
    expect(ended.status).toBe(0);
    expect(ended.stdout).toMatch(/once: connected to /);
    expect(ended.stdout).toMatch(/once: connection closed: /);
    // Followed too: its kept lines, no error.
    const follower = home.start(['logs', '-f', 'once']);
    await waitUntil(
      () => /once: connection closed: /.test(follower.output()),
      'logs -f replays the ended session',
    );
    const down = await run(['down', 'once']);
    expect(down.status).toBe(255);
    expect(down.stderr).toBe('tunnels: once has ended (tunnels logs once says why)\n');
    expect((await run(['logs', 'nosuch'])).stderr).toMatch(/; ended, their lines kept for logs: once\n$/);

    // ls says why a session is reconnecting, and when it tries again.
    // sshd and its sessions killed: the retries are refused until it is back.
    await fixture.sshd.kill();
    let line = '';
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      line = (await run(['ls'])).stdout.split('\n')[0] ?? '';
      if (/reconnecting in \d+s: /.test(line)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(line).toMatch(/^kept +\S+ +reconnecting in \d+s: \S/);
    const adding = await run(['add', 'kept', '-D', '127.0.0.1:0']);
    expect(adding.status).toBe(255);
    expect(adding.stderr).toMatch(/kept is reconnecting; add forwards once it is connected/);
    await fixture.sshd.restart();
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      if ((await sessions())[0]?.state === 'connected') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await sessions())[0]).toMatchObject({name: 'kept', state: 'connected'});

    // As ssh -O forward: a forward that fails is a failure.
    const taken = (await sessions())[0]!.forwards[0]!.listening!;
    const clash = await run(['add', 'kept', '-L', `${taken}:127.0.0.1:${fixture.echo.port}`]);
    expect(clash.status).toBe(255);
    expect(clash.stderr).toMatch(/failed: /);
    expect((await run(['down', 'kept'])).status).toBe(0);
  });

  it('a session that cannot connect: the headless line and status 255, and nothing is held', async () => {
    // The test server's options, but a port nothing listens on.
    const args = fixture.sshd.sshArgs();
    args[args.indexOf('-p') + 1] = '1';
    const headless = await run(['-N', ...args, '-o', 'BatchMode=yes', '127.0.0.1']);
    const started = await run(['up', ...args, '-o', 'BatchMode=yes', '127.0.0.1']);
    expect(headless.status).toBe(255);
    expect(started.status).toBe(255);
    expect(started.stderr).toBe(headless.stderr);
    expect(await sessions()).toEqual([]);
  });

  it('a service killed with SIGKILL leaves a stale socket: the next command says what was lost, up starts a new service', async () => {
    expect((await up('--name', 'one')).status).toBe(0);
    const [first] = servicePids();
    process.kill(first!, 'SIGKILL');
    await waitUntil(() => !alive(first!), 'the service is dead');
    expect(fs.existsSync(socketFile())).toBe(true);
    const lost = `tunnels: the background service ended without stopping (killed, or see ${home.logFile()}); its sessions were lost: one (${fixture.sshd.user}@127.0.0.1:${fixture.sshd.port})\n`;
    expect((await run(['ls'])).stderr).toBe(
      `${lost}tunnels: no sessions in the background (tunnels up starts one)\n`,
    );
    const started = await up('-L', `0:127.0.0.1:${fixture.echo.port}`, '--name', 'two');
    expect(started.status).toBe(0);
    expect(started.stderr.startsWith(lost)).toBe(true);
    // The new service holds its own list: nothing is said to be lost any more.
    expect((await run(['ls'])).stderr).toBe('');
    const pids = servicePids();
    expect(pids).toHaveLength(2);
    expect(alive(pids[1]!)).toBe(true);
    expect((await sessions()).map((session) => session.name)).toEqual(['two']);
  });

  it('garbage on the socket gets an error sentence and the connection closed; the service serves on', async () => {
    expect((await up('--name', 'db')).status).toBe(0);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(socketFile());
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
      socket.write('GET / HTTP/1.1\r\n\r\n');
    });
    const lines = answer.split('\n').filter(Boolean);
    expect(JSON.parse(lines[0]!)).toEqual({hello: 'tunnels', version: 2});
    expect(JSON.parse(lines[1]!)).toEqual({
      id: 0,
      ok: false,
      error: expect.stringMatching(/not a tunnels message/),
    });
    expect((await sessions()).map((session) => session.name)).toEqual(['db']);
  });

  describe('another user', () => {
    let other: Awaited<ReturnType<typeof createPasswordUser>>;
    let uid: number;
    let gid: number;
    beforeAll(async () => {
      other = await createPasswordUser();
      uid = Number(execFileSync('id', ['-u', other.name], {encoding: 'utf8'}).trim());
      gid = Number(execFileSync('id', ['-g', other.name], {encoding: 'utf8'}).trim());
    });
    afterAll(async () => {
      await other?.remove();
    });

    it('cannot connect to the socket: the directory is 0700 and the socket 0600', async () => {
      expect((await up('--name', 'db')).status).toBe(0);
      expect(fs.statSync(path.dirname(socketFile())).mode & 0o777).toBe(0o700);
      expect(fs.statSync(socketFile()).mode & 0o777).toBe(0o600);
      // Only the service's own directory and socket stand in the way: the ones above can be passed.
      fs.chmodSync(home.scratch, 0o711);
      fs.chmodSync(path.join(home.scratch, 'run'), 0o711);
      const connect = `require('net').connect(${JSON.stringify(socketFile())}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`;
      const outcome = await new Promise<string>((resolve) => {
        execFile(process.execPath, ['-e', connect], {uid, gid, timeout: 10_000}, (_error, stdout) =>
          resolve(stdout.trim()),
        );
      });
      expect(outcome).toBe('EACCES');
      // Even with the directory open to them, the socket's own mode refuses them.
      fs.chmodSync(path.dirname(socketFile()), 0o711);
      const second = await new Promise<string>((resolve) => {
        execFile(process.execPath, ['-e', connect], {uid, gid, timeout: 10_000}, (_error, stdout) =>
          resolve(stdout.trim()),
        );
      });
      expect(second).toBe('EACCES');
      fs.chmodSync(path.dirname(socketFile()), 0o700);
    });
  });
});
