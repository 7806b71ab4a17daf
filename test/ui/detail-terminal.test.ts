import net from 'node:net';
import {describe, expect, it} from 'vitest';
import {useHomeWithHost, useSshdAndEcho} from '../helpers/fixtures.js';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

/** Every line of the detail view's box is inside its border: nothing drawn over it or past the width. */
function expectBoxIntact(screen: string, width: number): void {
  const lines = screen.split('\n');
  const top = lines.findIndex((line) => line.startsWith('╭'));
  const bottom = lines.findIndex((line, index) => index > top && line.startsWith('╰'));
  expect(top).toBeGreaterThan(-1);
  expect(bottom).toBeGreaterThan(top);
  for (const line of lines.slice(top, bottom + 1)) {
    expect([...line]).toHaveLength(width);
    expect(line.at(-1)).toMatch(/[│╮╯]/);
  }
}

describe('the detail view in a real terminal (tmux)', () => {
  const fixture = useSshdAndEcho();
  const home = useHomeWithHost(fixture);

  for (const [width, height] of [
    [80, 24],
    [60, 20],
  ] as const) {
    it(`at ${width}x${height}: Enter shows a forward's open connection, y copies its address (tmux buffer), Esc goes back`, async () => {
      const terminal = await openTerminal(
        [process.execPath, TUNNELS_BIN, '--no-service', '-L', `0:127.0.0.1:${fixture.echo.port}`, 'box'],
        {width, height, env: {HOME: home(), SSH_AUTH_SOCK: ''}},
      );
      const socket = new net.Socket();
      try {
        // tmux keeps what OSC 52 sets as a paste buffer when set-clipboard is on.
        await terminal.tmux('set-option', '-g', 'set-clipboard', 'on');
        const up = await terminal.waitForScreen(/L\s+\d+:127\S*\s+listening/);
        const port = Number(/L\s+(\d+):127/.exec(up)![1]);
        await new Promise<void>((resolve, reject) =>
          socket.connect(port, '127.0.0.1', resolve).once('error', reject),
        );
        socket.resume();
        socket.write('hello');
        await terminal.waitForScreen(/listening\s+1\/1/);
        await terminal.keys('Tab');
        await terminal.keys('Enter');
        const detail = await terminal.waitForScreen(/Open connections|↓ \d+ more/);
        expect(detail).toContain(`-L 0:127.0.0.1:${fixture.echo.port}`);
        expect(detail).toMatch(new RegExp(`Listening\\s+127\\.0\\.0\\.1:${port}`));
        expect(detail).toMatch(/1 open · 1 total/);
        expectBoxIntact(detail, width);
        // The connection's row, scrolled to when the view is taller than the screen.
        await terminal.keys('NPage');
        const row = await terminal.waitForScreen(
          new RegExp(`127\\.0\\.0\\.1:${socket.localPort} -> 127\\.0\\.0\\.1:${fixture.echo.port}\\s+\\d+s`),
        );
        expect(row).toContain('Open connections (1)');
        expectBoxIntact(row, width);
        await terminal.type('y');
        await terminal.waitForScreen(new RegExp(`copied 127\\.0\\.0\\.1:${port}`));
        expect(await terminal.tmux('show-buffer')).toBe(`127.0.0.1:${port}`);
        await terminal.keys('Escape');
        await terminal.waitForScreen(/Forwards of box/);
        socket.destroy();
        await terminal.waitForScreen(/listening\s+0\/1/);
        await terminal.type('q');
        expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
      } finally {
        socket.destroy();
        await terminal.close();
      }
    });
  }
});
