import {describe, expect, it} from 'vitest';
import {useHomeWithHost, useSshdAndEcho} from '../helpers/fixtures.js';
import {exchange, serve} from '../helpers/targets.js';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

describe('R in a real terminal (tmux): a failed session and a failed forward come back', () => {
  const fixture = useSshdAndEcho();
  const home = useHomeWithHost(fixture);

  it('a session that could not connect stays listed with why; R connects it with its forwards', async () => {
    await fixture.sshd.kill();
    let restarted = false;
    const terminal = await openTerminal([process.execPath, TUNNELS_BIN, '--no-service', '-D', '0', 'box'], {
      width: 80,
      height: 24,
      env: {HOME: home(), SSH_AUTH_SOCK: ''},
    });
    try {
      const failed = await terminal.waitForScreen(/● failed: /);
      expect(failed).toMatch(/box\s+root@127\.0\.0\.1:\d+\s+● failed: /);
      await fixture.sshd.restart();
      restarted = true;
      await terminal.type('R');
      const back = await terminal.waitForScreen(/D\s+\d+\s+listening/, 15_000);
      expect(back).toMatch(/box\s+root@127\.0\.0\.1:\d+\s+● connected/);
      // One row: the same session, not a second one.
      expect(back).toContain('1 session ·');
      await terminal.type('q');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      if (!restarted) await fixture.sshd.restart();
      await terminal.close();
    }
  });

  it('a forward whose port was taken says why; once free, R on it makes it listen in its place', async () => {
    const squatter = await serve((socket) => socket.destroy());
    const port = squatter.port;
    let freed = false;
    const terminal = await openTerminal(
      [
        process.execPath,
        TUNNELS_BIN,
        '--no-service',
        '-L',
        `0:127.0.0.1:${fixture.echo.port}`,
        '-L',
        `127.0.0.1:${port}:127.0.0.1:${fixture.echo.port}`,
        'box',
      ],
      // 100 columns: the spec with its bind address fits its column.
      {width: 100, height: 30, env: {HOME: home(), SSH_AUTH_SOCK: ''}},
    );
    try {
      await terminal.waitForScreen(new RegExp(`127\\.0\\.0\\.1:${port}:127\\.0\\.0\\.1:\\d+\\s+failed`));
      await squatter.close();
      freed = true;
      await terminal.keys('Tab');
      await terminal.keys('Down');
      await terminal.type('R');
      const back = await terminal.waitForScreen(
        new RegExp(`127\\.0\\.0\\.1:${port}:127\\.0\\.0\\.1:\\d+\\s+listening`),
        10_000,
      );
      // Still the second row, under the first forward.
      expect(back).toMatch(
        new RegExp(
          `L\\s+\\d+:127\\.0\\.0\\.1:\\d+\\s+listening[^\\n]*\\n[^\\n]*L\\s+127\\.0\\.0\\.1:${port}:`,
        ),
      );
      expect((await exchange(port, 16 * 1024)).received).toBe(16 * 1024);
      await terminal.type('q');
      await terminal.waitForScreen(/Quit tunnels\?|\[exit status \d+\]/);
      await terminal.type('y');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      if (!freed) await squatter.close();
      await terminal.close();
    }
  });
});
