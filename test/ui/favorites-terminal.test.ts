import {execFile} from 'node:child_process';
import {rm} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {homeWithHost} from '../helpers/sshd.js';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

describe('favorites in a real terminal (tmux, 100x30, a real sshd, favorites in a temporary config dir)', () => {
  const fixture = useSshdAndEcho();
  let home: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    home = await homeWithHost(fixture.sshd);
    env = {HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), SSH_AUTH_SOCK: ''};
    for (const name of ['alpha', 'beta']) {
      await run(
        process.execPath,
        [TUNNELS_BIN, 'favorites', 'add', name, '-L', `0:127.0.0.1:${fixture.echo.port}`, 'box'],
        {env: {...process.env, ...env}, timeout: 20_000},
      );
    }
  });
  afterAll(async () => {
    if (home) await rm(home, {recursive: true, force: true});
  });

  it('Space chooses two favorites, Enter connects both; the first again is selected, not a second row, unless Ctrl-N asks', async () => {
    const terminal = await openTerminal([process.execPath, TUNNELS_BIN, '--no-service'], {
      width: 100,
      height: 30,
      env,
    });
    try {
      await terminal.waitForScreen(/No sessions/);
      await terminal.type('f');
      await terminal.waitForScreen(/1 \[ \] alpha[\s\S]*2 \[ \] beta/);
      await terminal.type(' ');
      await terminal.keys('Down');
      await terminal.type(' ');
      await terminal.waitForScreen(/2 chosen: Enter connects them/);
      await terminal.keys('Enter');
      const both = await terminal.waitForScreen(
        /alpha\s+root@127\.0\.0\.1:\d+\s+● connected[\s\S]*beta\s+root@127\.0\.0\.1:\d+\s+● connected/,
        20_000,
      );
      expect(both).toContain('2 sessions');

      // The picker marks both as connected; 1 selects alpha's row instead of connecting it again.
      await terminal.keys('Down');
      await terminal.waitForScreen(/Forwards of beta/);
      await terminal.type('f');
      await terminal.waitForScreen(/1 \[ \] alpha\s+connected[\s\S]*2 \[ \] beta\s+connected/);
      await terminal.type('1');
      const jumped = await terminal.waitForScreen(
        /alpha \(root@127\.0\.0\.1:\d+\) is already connected: selected it/,
      );
      expect(jumped).toContain('Forwards of alpha');
      expect(jumped).toContain('2 sessions');
      expect(jumped.match(/● connected/g)).toHaveLength(2);

      // Asked for with Ctrl-N, a second connection of alpha is made: a row of its own.
      await terminal.type('f');
      await terminal.waitForScreen(/1 \[ \] alpha\s+connected/);
      await terminal.keys('C-n');
      const again = await terminal.waitForScreen(/3 sessions/, 20_000);
      expect(again.match(/alpha\s+root@127\.0\.0\.1:\d+/g)).toHaveLength(2);

      // c to a Host alias is a session of its own, even to the server alpha's favorite reaches; c to it
      // again selects it; Ctrl-N connects anew.
      await terminal.type('c');
      await terminal.waitForScreen(/Connect to/);
      await terminal.type('box');
      await terminal.keys('Enter');
      await terminal.waitForScreen(/4 sessions[\s\S]*box\s+root@127\.0\.0\.1:\d+\s+● connected/, 20_000);
      await terminal.type('c');
      await terminal.waitForScreen(/Connect to/);
      await terminal.type('box');
      await terminal.keys('Enter');
      expect(
        await terminal.waitForScreen(/box \(root@127\.0\.0\.1:\d+\) is already connected: selected it/),
      ).toContain('4 sessions');
      await terminal.type('c');
      await terminal.waitForScreen(/Connect to/);
      await terminal.type('box');
      await terminal.keys('C-n');
      const twice = await terminal.waitForScreen(/5 sessions/, 20_000);
      expect(twice.match(/box\s+root@127\.0\.0\.1:\d+/g)).toHaveLength(2);

      await terminal.type('q');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      await terminal.close();
    }
  });
});
