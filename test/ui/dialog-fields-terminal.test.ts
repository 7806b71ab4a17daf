import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

describe('a dialog field in a real terminal (tmux)', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-fields-'));
  });
  afterAll(async () => {
    if (home) await rm(home, {recursive: true, force: true});
  });

  for (const [width, height] of [
    [60, 20],
    [80, 24],
  ] as const) {
    it(`at ${width}x${height}: Left, Home and Ctrl-E move the cursor, typing goes where it is, no line over a border`, async () => {
      const terminal = await openTerminal([process.execPath, TUNNELS_BIN, '--no-service'], {
        width,
        height,
        env: {HOME: home},
      });
      try {
        await terminal.waitForScreen(/No sessions/);
        await terminal.type('c');
        await terminal.waitForScreen(/Connect to/);
        await terminal.type('dbhost');
        await terminal.waitForScreen(/> dbhost/);
        await terminal.keys('Left', 'Left', 'Left', 'Left');
        await terminal.type('1');
        await terminal.waitForScreen(/> db1host/);
        await terminal.keys('Home');
        await terminal.type('deploy@');
        await terminal.waitForScreen(/> deploy@db1host/);
        await terminal.keys('C-e');
        await terminal.type('.example');
        const screen = await terminal.waitForScreen(/> deploy@db1host\.example/);
        for (const line of screen.split('\n')) {
          expect(line.length).toBeLessThanOrEqual(width);
          if (/^[│║╭╰╔╚]/.test(line)) expect(line).toMatch(/[│║╮╯╗╝]$/);
        }
        await terminal.keys('C-w');
        await terminal.waitForScreen(/║ > +║/);
        await terminal.keys('Escape');
        await terminal.waitForScreen(/No sessions/);
        await terminal.type('q');
        expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
      } finally {
        await terminal.close();
      }
    });
  }
});
