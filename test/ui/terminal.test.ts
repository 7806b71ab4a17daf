import {describe, expect, it} from 'vitest';
import {useHomeWithHost, useSshdAndEcho} from '../helpers/fixtures.js';
import {connectionRefused, exchange} from '../helpers/targets.js';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

describe('the full-screen UI in a real terminal (tmux, 80x24)', () => {
  const fixture = useSshdAndEcho();
  const home = useHomeWithHost(fixture);

  it('connects, adds a forward by keys, shows its traffic, removes it (port closed), quits cleanly', async () => {
    // CI=true, as on a CI machine: with a real terminal the UI must still draw, and in colour.
    const terminal = await openTerminal([process.execPath, TUNNELS_BIN, '--no-service', 'box'], {
      width: 80,
      height: 24,
      env: {HOME: home(), SSH_AUTH_SOCK: '', CI: 'true'},
    });
    try {
      await terminal.waitForScreen(/● connected/);
      const esc = String.fromCharCode(27);
      expect(await terminal.screenWithStyles()).toMatch(new RegExp(`${esc}\\[[0-9;]*3[0-7]m● connected`));
      await terminal.type('r');
      await terminal.waitForScreen(/Run a command on the server/);
      await terminal.type('echo from-$((6*7))-the-server');
      await terminal.keys('Enter');
      await terminal.waitForScreen(/from-42-the-server[\s\S]*exit status 0/);

      await terminal.type('a');
      await terminal.waitForScreen(/Add a forward/);
      await terminal.type(`L 0:127.0.0.1:${fixture.echo.port}`);
      await terminal.keys('Enter');
      const screen = await terminal.waitForScreen(
        new RegExp(`L\\s+\\d+:127\\.0\\.0\\.1:${fixture.echo.port}\\s+listening`),
      );
      const port = Number(new RegExp(`L\\s+(\\d+):127\\.0\\.0\\.1:${fixture.echo.port}`).exec(screen)![1]);
      expect((await exchange(port, 64 * 1024)).received).toBe(64 * 1024);
      await terminal.waitForScreen(/listening\s+0\/1\s+64 KiB\s+64 KiB/);
      // Named by its row and its client, the whole line (wrapped in the log pane: its lines joined again).
      const closed = new RegExp(
        `L \\d+:127\\.0\\.0\\.1:${fixture.echo.port}: connection from 127\\.0\\.0\\.1:\\d+ closed \\(64 KiB in, 64 KiB out\\)`,
      );
      await expect.poll(async () => (await terminal.screen()).replace(/\s*│\n│\s*/g, ' ')).toMatch(closed);

      // Adding a forward put the focus on the forwards; Tab goes to the sessions and back.
      await terminal.keys('Tab');
      await terminal.type('d');
      await terminal.waitForScreen(/select a forward first: press tab/);
      await terminal.keys('Tab');
      await terminal.type('d');
      await terminal.waitForScreen(/removed/);
      expect(await connectionRefused(port)).toBe(true);

      await terminal.type('q');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      await terminal.close();
    }
  });

  it('follows a resize', async () => {
    const terminal = await openTerminal([process.execPath, TUNNELS_BIN, '--no-service'], {
      width: 80,
      height: 24,
      env: {HOME: home()},
    });
    try {
      await terminal.waitForScreen(/No sessions/);
      await terminal.resize(120, 30);
      const wide = await terminal.waitForScreen(/─{110}/);
      expect(wide.split('\n')[1]!.length).toBeGreaterThanOrEqual(118);
      await terminal.keys('C-c');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      await terminal.close();
    }
  });
});
