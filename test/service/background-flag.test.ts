import {writeFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {createPasswordUser} from '../helpers/password-user.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {exchange} from '../helpers/targets.js';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';
import {useServiceHome} from './service-home.js';

const listeningPort = (text: string) => Number(/listening on 127\.0\.0\.1:(\d+)/.exec(text)?.[1]);

/** tunnels -f: up in the foreground (errors and status here), then held by the background service. */
describe('tunnels -f', () => {
  const fixture = useSshdAndEcho();
  const home = useServiceHome();
  const background = (...args: string[]) =>
    home.run(['-f', '-N', ...fixture.sshd.sshArgs(), '-o', 'BatchMode=yes', ...args, '127.0.0.1']);

  it('connects and binds, exits 0, and the forward works after it exited; ls shows it', async () => {
    const started = await background('-L', `0:127.0.0.1:${fixture.echo.port}`);
    expect(started.status, started.stderr).toBe(0);
    expect(started.stderr).toContain(`-L 0:127.0.0.1:${fixture.echo.port}: listening on 127.0.0.1:`);
    const port = listeningPort(started.stderr);
    const transfer = await exchange(port, 1024 * 1024);
    expect(transfer.receivedHash).toBe(transfer.sentHash);
    // A second -f to the same host is another session, named apart.
    const second = await background('-D', '127.0.0.1:0');
    expect(second.status, second.stderr).toBe(0);
    const sessions = await home.sessions();
    expect(sessions.map((session) => session.name)).toEqual(['127.0.0.1', '127.0.0.1-2']);
    expect(sessions[0]!.forwards[0]).toMatchObject({listening: `127.0.0.1:${port}`});
  });

  it('with ExitOnForwardFailure, a forward that fails exits 255 and leaves nothing behind', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const forward = ['-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${port}:127.0.0.1:1`];
      const failed = await background(...forward);
      expect(failed.status).toBe(255);
      expect(failed.stderr).toContain('a forward failed and ExitOnForwardFailure is set');
      // What the foreground headless run says for it, line for line.
      const headless = await home.run([
        '-N',
        ...fixture.sshd.sshArgs(),
        '-o',
        'BatchMode=yes',
        ...forward,
        '127.0.0.1',
      ]);
      expect(headless.status).toBe(255);
      expect(failed.stderr).toBe(headless.stderr);
      expect(await home.sessions()).toEqual([]);
    } finally {
      taken.close();
    }
  });

  it('keeps forwards, not a remote command: one is refused with a sentence', async () => {
    const refused = await home.run(['-f', ...fixture.sshd.sshArgs(), '127.0.0.1', 'uptime']);
    expect(refused.status).toBe(255);
    expect(refused.stderr).toBe(
      'tunnels: -f keeps forwards in the background, not a remote command; run the command without -f, or drop it\n',
    );
  });
});

describe('tunnels -f on a real terminal (tmux): the prompts are answered there', () => {
  const home = useServiceHome();
  let sshd: TestSshd;
  let user: Awaited<ReturnType<typeof createPasswordUser>>;
  const fixture = useSshdAndEcho();
  beforeAll(async () => {
    user = await createPasswordUser();
    sshd = await startSshd({
      config: ['UsePAM yes', 'PasswordAuthentication yes', 'KbdInteractiveAuthentication no'],
    });
  });
  afterAll(async () => {
    await sshd?.stop();
    await user?.remove();
  });

  it('asks the host key and password, goes to the background; the terminal closed, the forward stays', async () => {
    const knownHosts = path.join(home.scratch, 'known_hosts');
    await writeFile(knownHosts, '');
    const env = Object.fromEntries(
      ['HOME', 'XDG_RUNTIME_DIR', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME'].map((key) => [key, home.env[key]!]),
    );
    const terminal = await openTerminal(
      [
        process.execPath,
        TUNNELS_BIN,
        '-fN',
        '-p',
        String(sshd.port),
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'GlobalKnownHostsFile=none',
        '-L',
        `0:127.0.0.1:${fixture.echo.port}`,
        `${user.name}@127.0.0.1`,
      ],
      {env: {...env, SSH_AUTH_SOCK: ''}},
    );
    let screen: string;
    try {
      await terminal.waitForScreen(
        /Are you sure you want to continue connecting \(yes\/no\/\[fingerprint\]\)\?/,
      );
      await terminal.type('yes');
      await terminal.keys('Enter');
      await terminal.waitForScreen(new RegExp(`${user.name}@127\\.0\\.0\\.1's password:`));
      await terminal.type(user.password);
      await terminal.keys('Enter');
      screen = await terminal.waitForScreen(/\[exit status \d+\]/);
    } finally {
      // The terminal goes away with everything in it but the service.
      await terminal.close();
    }
    expect(screen).toContain('[exit status 0]');
    expect(screen).toContain(`connected to ${user.name}@127.0.0.1:${sshd.port} (password)`);
    expect(screen).not.toContain(user.password);
    const port = listeningPort(screen);
    const transfer = await exchange(port, 256 * 1024);
    expect(transfer.receivedHash).toBe(transfer.sentHash);
    const [session] = await home.sessions();
    expect(session).toMatchObject({name: `${user.name}@127.0.0.1`, state: 'connected'});
    // The password reached neither the log nor the service's files.
    expect(await import('node:fs').then((fs) => fs.readFileSync(home.logFile(), 'utf8'))).not.toContain(
      user.password,
    );
  });
});
