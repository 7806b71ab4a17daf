import {rm} from 'node:fs/promises';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {homeWithHost} from '../helpers/sshd.js';
import {serve, type TestServer} from '../helpers/targets.js';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

describe("a forward's failure reason in a real terminal (tmux)", () => {
  const fixture = useSshdAndEcho();
  let home: string;
  let taken: TestServer;
  beforeAll(async () => {
    home = await homeWithHost(fixture.sshd);
    taken = await serve((socket) => socket.destroy());
  });
  afterAll(async () => {
    await taken?.close();
    if (home) await rm(home, {recursive: true, force: true});
  });

  for (const [width, height] of [
    [60, 20],
    [80, 24],
  ] as const) {
    it(`at ${width}x${height}: wraps, readable to its last word, inside the border`, async () => {
      const terminal = await openTerminal(
        [
          process.execPath,
          TUNNELS_BIN,
          '--no-service',
          '-L',
          `127.0.0.1:${taken.port}:127.0.0.1:${fixture.echo.port}`,
          'box',
        ],
        {width, height, env: {HOME: home, SSH_AUTH_SOCK: ''}},
      );
      try {
        await terminal.keys('Tab');
        const screen = await terminal.waitForScreen(/↳ port \d+ is already in use[\s\S]*that program/);
        const reason = screen
          .split('\n')
          .filter((line) => /^│ {5}[↳ ] \S/.test(line))
          .map((line) => line.slice(8, -1).trim())
          .join(' ');
        expect(reason).toBe(
          `port ${taken.port} is already in use on 127.0.0.1:${taken.port} by another program; pick another port or stop that program`,
        );
        for (const line of screen.split('\n')) {
          expect(line.length).toBeLessThanOrEqual(width);
          if (/^[│╭╰]/.test(line)) expect(line).toMatch(/[│╮╯]$/);
        }
        await terminal.type('q');
        expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
      } finally {
        await terminal.close();
      }
    });
  }
});
