import {existsSync} from 'node:fs';
import {chmod, mkdir} from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {exchange} from '../helpers/targets.js';
import {openTerminal, type Terminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';
import {alive, quitAttached, upArgs, useServiceHome, waitUntil} from '../service/service-home.js';

const listeningPort = (screen: string) => Number(/listening on 127\.0\.0\.1:(\d+)/.exec(screen)?.[1]);

/**
 * Plain `tunnels` is the UI attached to the background service (started when none runs), so the tunnels
 * it opens outlive it; `--no-service` keeps them in its own process. In a real terminal (tmux).
 */
describe('the UI and the background service by default, in a real terminal (tmux)', () => {
  const fixture = useSshdAndEcho();
  const home = useServiceHome();

  const terminalEnv = home.terminalEnv;
  /** `tunnels [args] -L 0:ECHO 127.0.0.1` to the test's sshd, at 80×24. */
  const tunnels = (...args: string[]) =>
    openTerminal(
      [
        process.execPath,
        TUNNELS_BIN,
        ...args,
        ...fixture.sshd.sshArgs(),
        '-L',
        `0:127.0.0.1:${fixture.echo.port}`,
        '127.0.0.1',
      ],
      {width: 80, height: 24, env: terminalEnv()},
    );

  it('tunnels HOST -L opens the session in the service; q detaches and it stays up; the same command again selects it; s stops all', async () => {
    let terminal: Terminal | undefined = await tunnels();
    try {
      const shown = await terminal.waitForScreen(/listening on 127\.0\.0\.1:\d+/);
      expect(shown).toContain('tunnels · service');
      const port = listeningPort(shown);
      await quitAttached(terminal, 'detach');
      await terminal.close();
      terminal = undefined;

      // The UI is gone; the forward is the service's, and carries traffic.
      const transfer = await exchange(port, 200 * 1024);
      expect(transfer.receivedHash).toBe(transfer.sentHash);
      const [held] = await home.sessions();
      expect(held).toMatchObject({name: '127.0.0.1', state: 'connected'});
      expect(held!.forwards[0]).toMatchObject({state: 'listening', totalConnections: 1});

      // The same command line in another terminal: the session is there already, with its counters.
      terminal = await tunnels();
      const again = await terminal.waitForScreen(/is already up in the service: selected it/);
      expect(again).toContain('200 KiB');
      expect((await home.sessions()).map((session) => session.name)).toEqual(['127.0.0.1']);

      // q, then s: every tunnel and the service stop.
      const [service] = home.servicePids();
      await quitAttached(terminal, 'stop all');
      await waitUntil(() => !alive(service!), 'the service has stopped');
    } finally {
      await terminal?.close();
    }
  });

  it('plain tunnels starts the service and shows what it holds; --no-service starts none', async () => {
    const up = await home.run(upArgs(fixture.sshd, `0:127.0.0.1:${fixture.echo.port}`, 'db'));
    expect(up.status, up.stderr).toBe(0);
    const attached = await openTerminal([process.execPath, TUNNELS_BIN], {
      width: 80,
      height: 24,
      env: terminalEnv(),
    });
    try {
      const shown = await attached.waitForScreen(/db\s+\S+@127\.0\.0\.1:\d+\s+● connected/);
      expect(shown).toContain('tunnels · service');
    } finally {
      await attached.close();
    }
    await home.run(['stop']);
    await waitUntil(() => home.servicePids().every((pid) => !alive(pid)), 'the service has stopped');

    const own = await tunnels('--no-service');
    try {
      const shown = await own.waitForScreen(/listening on 127\.0\.0\.1:\d+/);
      expect(shown).not.toContain('tunnels · service');
      expect(existsSync(home.socketFile())).toBe(false);
      // Its tunnels are its own: q (no connection open) ends them with it.
      await own.type('q');
      expect(await own.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
      expect(existsSync(home.socketFile())).toBe(false);
    } finally {
      await own.close();
    }
  });

  it('when the service cannot be reached, the UI runs its sessions itself and says why, whole', async () => {
    // The socket's directory opened to everyone: the service refuses to use it.
    const directory = path.join(home.env.XDG_RUNTIME_DIR!, 'tunnels');
    await mkdir(directory, {mode: 0o700});
    await chmod(directory, 0o777);
    const terminal = await tunnels();
    try {
      // The message wraps over the status lines: read with its line breaks as spaces.
      const shown = (await terminal.waitForScreen(/chmod\s+700/)).replace(/\s+/g, ' ');
      expect(shown).toContain('could not be reached, so these tunnels end with this UI');
      expect(shown).toMatch(/is open to other users \(mode 0777\); fix it with chmod 700 \S+tunnels/);
      expect(shown).not.toContain('tunnels · service');
      await terminal.waitForScreen(/listening on 127\.0\.0\.1:\d+/);
      expect(home.servicePids()).toEqual([]);
    } finally {
      await terminal.close();
    }
  });
});
