import net from 'node:net';
import {describe, expect, it} from 'vitest';
import {useHomeWithHost, useSshdAndEcho} from '../helpers/fixtures.js';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

describe('RATE in a real terminal (tmux, 80x24)', () => {
  const fixture = useSshdAndEcho();
  const home = useHomeWithHost(fixture);

  it('shows a client that sends 256 KiB every 2 s at a steady rate, not a rate one second and none the next', async () => {
    const terminal = await openTerminal(
      [process.execPath, TUNNELS_BIN, '--no-service', '-L', `0:127.0.0.1:${fixture.echo.port}`, 'box'],
      {width: 80, height: 24, env: {HOME: home(), SSH_AUTH_SOCK: ''}},
    );
    let timer: NodeJS.Timeout | undefined;
    const socket = new net.Socket();
    try {
      const up = await terminal.waitForScreen(
        new RegExp(`L\\s+\\d+:127\\.0\\.0\\.1:${fixture.echo.port}\\s+listening`),
      );
      const port = Number(new RegExp(`L\\s+(\\d+):127\\.0\\.0\\.1:${fixture.echo.port}`).exec(up)![1]);
      await new Promise<void>((resolve, reject) =>
        socket.connect(port, '127.0.0.1', resolve).once('error', reject),
      );
      socket.resume();
      const burst = () => socket.write(Buffer.alloc(256 * 1024));
      burst();
      timer = setInterval(burst, 2000);
      const row = new RegExp(`L\\s+\\d+:127\\.0\\.0\\.1:${fixture.echo.port}\\s+listening\\s+1/1.*$`, 'm');
      await terminal.waitForScreen(/KiB\/s/, 10_000);
      // Over the next 6 s, three bursts: the row always shows a rate.
      const deadline = Date.now() + 6000;
      while (Date.now() < deadline) {
        const line = row.exec(await terminal.screen())?.[0] ?? '';
        expect(line).toMatch(/\d+(\.\d+)? KiB\/s/);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      clearInterval(timer);
      socket.destroy();
      await terminal.waitForScreen(/listening\s+0\/1/);
      await terminal.type('q');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      clearInterval(timer);
      socket.destroy();
      await terminal.close();
    }
  });
});
