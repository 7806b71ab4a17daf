import {describe, expect, it} from 'vitest';
import {useHomeWithHost, useSshdAndEcho} from '../helpers/fixtures.js';
import {hostileClient, runClients, seededRandom} from '../helpers/hostile-client.js';
import {connectTo, socks5Connect} from '../helpers/socks-client.js';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe(`the full-screen UI under hostile SOCKS clients (seed ${SEED})`, () => {
  const fixture = useSshdAndEcho();
  const home = useHomeWithHost(fixture);

  it('survives resets after refused SOCKS requests and a round of 300 hostile clients, and still forwards', async () => {
    const terminal = await openTerminal([process.execPath, TUNNELS_BIN, '--no-service', 'box'], {
      width: 100,
      height: 30,
      env: {HOME: home(), SSH_AUTH_SOCK: ''},
    });
    try {
      await terminal.waitForScreen(/● connected/);
      await terminal.type('a');
      await terminal.waitForScreen(/Add a forward/);
      await terminal.type('D 0');
      await terminal.keys('Enter');
      const screen = await terminal.waitForScreen(/D\s+\d+\s+listening/);
      const port = Number(/D\s+(\d+)\s+listening/.exec(screen)![1]);
      const name = Buffer.from('nonexistent.invalid');
      for (let round = 0; round < 20; round++) {
        const socket = await connectTo(port);
        socket.on('error', () => {});
        socket.write(Buffer.from([5, 1, 0]));
        await new Promise((resolve) => socket.once('data', resolve));
        socket.write(Buffer.from([5, 1, 0, 3, name.length, ...name, 0, 80]));
        socket.resetAndDestroy();
      }
      await runClients(300, 30, (client) => {
        const random = seededRandom(SEED + client);
        const target = random.chance(0.5) ? name : Buffer.from('127.0.0.1');
        const steps = [
          {send: Buffer.from([5, 1, 0]), reply: 2},
          {
            send: Buffer.from([
              5,
              1,
              0,
              3,
              target.length,
              ...target,
              fixture.echo.port >> 8,
              fixture.echo.port & 0xff,
            ]),
            reply: 10,
          },
          {send: random.bytes(1 + random.below(500)), reply: 1},
        ];
        return hostileClient(port, steps, random, 'socks5');
      });
      const socket = await socks5Connect(port, '127.0.0.1', fixture.echo.port);
      socket.resume();
      const echoed = new Promise<string>((resolve) =>
        socket.once('data', (chunk: Buffer) => resolve(chunk.toString())),
      );
      socket.write('still here');
      expect(await echoed).toBe('still here');
      socket.destroy();
      // Every hostile connection is closed soon after its client is gone: none open, all counted.
      const after = await terminal.waitForScreen(/D\s+\d+\s+listening\s+0\/\d+/);
      expect(after).not.toMatch(/\[exit status/);
      expect(after).toMatch(/● connected/);
      await terminal.type('q');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      await terminal.close();
    }
  }, 90_000);
});
