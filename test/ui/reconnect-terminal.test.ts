import {describe, expect, it} from 'vitest';
import {useHomeWithHost, useSshdAndEcho} from '../helpers/fixtures.js';
import {exchange} from '../helpers/targets.js';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

describe('the UI while a session reconnects (tmux, 80x24, sshd killed and restarted)', () => {
  const fixture = useSshdAndEcho();
  const home = useHomeWithHost(fixture);

  it('shows the countdown and the waiting remote forward, then the session back with its reconnect count', async () => {
    const terminal = await openTerminal(
      [
        process.execPath,
        TUNNELS_BIN,
        '--no-service',
        '-L',
        `0:127.0.0.1:${fixture.echo.port}`,
        '-R',
        `0:127.0.0.1:${fixture.echo.port}`,
        'box',
      ],
      {width: 80, height: 24, env: {HOME: home(), SSH_AUTH_SOCK: ''}},
    );
    try {
      const up = await terminal.waitForScreen(
        new RegExp(`R\\s+\\d+:127\\.0\\.0\\.1:${fixture.echo.port}\\s+listening`),
      );
      const remotePort = Number(new RegExp(`R\\s+(\\d+):127\\.0\\.0\\.1:${fixture.echo.port}`).exec(up)![1]);
      await fixture.sshd.kill();
      const down = await terminal.waitForScreen(/reconnecting (in \d+s|now)/);
      // The log wraps a long reason ("the connection was reset (the server or the network went away)"):
      // its lines joined again.
      expect(down.replace(/\s*│\n│\s*/g, ' ')).toMatch(/connection lost: .*reconnecting in/);
      // The row keeps the port it had: the one it asks for again.
      expect(down).toMatch(new RegExp(`R\\s+${remotePort}:127\\.0\\.0\\.1:${fixture.echo.port}\\s+waiting`));
      expect(down).toMatch(/↳ the session is reconnecting/);
      await fixture.sshd.restart();
      const back = await terminal.waitForScreen(
        new RegExp(`R\\s+${remotePort}:127\\.0\\.0\\.1:${fixture.echo.port}\\s+listening`),
        20_000,
      );
      expect(back).toMatch(/● connected\s+<1m ↻1/);
      expect(back).toMatch(/reconnected to root@127\.0\.0\.1/);
      // Attempts are logged once each ("reconnect attempt N failed", "reconnected"), not with a
      // "connecting to" line apiece.
      expect(back).not.toMatch(/connection lost[\s\S]*connecting to/);
      expect((await exchange(remotePort, 64 * 1024)).received).toBe(64 * 1024);
      await terminal.type('q');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      await terminal.close();
    }
  });
});
