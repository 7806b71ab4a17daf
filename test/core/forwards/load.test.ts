import {readdirSync} from 'node:fs';
import net from 'node:net';
import {describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../../helpers/fixtures.js';
import {forwardTo, until} from '../../helpers/session.js';
import {freePort} from '../../helpers/sshd.js';
import {connectionRefused, exchange} from '../../helpers/targets.js';
import {isEvent, startTunnels} from '../../helpers/tunnels-process.js';

const openFds = () => readdirSync('/proc/self/fd').length;

/** Runs `count` tasks with at most `limit` at once. */
async function pool<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({length: limit}, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

describe('load and faults through one forward (real sshd)', () => {
  const fixture = useSshdAndEcho({session: true});

  it('2,000 concurrent connections through one -L, 256 KiB each, all intact; fds and ssh channels back to the baseline', async () => {
    const forward = await forwardTo(fixture.session, 'local', fixture.echo.port);
    const baseline = openFds();
    const channels = fixture.session.openChannelCount();
    const results = await Promise.all(
      Array.from({length: 2000}, () => exchange(forward.listeningOn!.port, 256 * 1024)),
    );
    expect(forward.counters().failedConnections).toBe(0);
    const bad = results.filter((result) => result.receivedHash !== result.sentHash);
    expect(bad).toHaveLength(0);
    await until(() => forward.counters().openConnections === 0, 20_000, 'every connection to close');
    expect(forward.counters().totalConnections).toBe(2000);
    await until(() => openFds() <= baseline + 2, 10_000, `fds back to ${baseline}`);
    await until(
      () => fixture.session.openChannelCount() === channels,
      10_000,
      `ssh channels back to ${channels}`,
    );
    await fixture.session.removeForward(forward.id);
    // About 30 s on two busy cores; three times that on a machine busier still, rather than a timeout that
    // leaves its connections to the next test.
  }, 180_000);

  it('3,000 connections to a closed target: each client closed promptly, counted, no growth of fds or channels', async () => {
    const closedPort = await freePort();
    const forward = await forwardTo(fixture.session, 'local', closedPort);
    const baseline = openFds();
    const channels = fixture.session.openChannelCount();
    const closedAfter = await pool(3000, 200, async () => {
      const started = Date.now();
      await new Promise<void>((resolve) => {
        const socket = net.connect(forward.listeningOn!.port, '127.0.0.1');
        socket.on('error', () => {});
        socket.on('close', () => resolve());
      });
      return Date.now() - started;
    });
    expect(Math.max(...closedAfter)).toBeLessThan(10_000);
    await until(() => forward.counters().failedConnections === 3000, 10_000, 'every failure to be counted');
    expect(forward.counters()).toMatchObject({
      openConnections: 0,
      totalConnections: 0,
      failedConnections: 3000,
    });
    expect(forward.state).toBe('listening');
    await until(() => openFds() <= baseline + 2, 10_000, `fds back to ${baseline}`);
    expect(fixture.session.openChannelCount()).toBe(channels);
    await fixture.session.removeForward(forward.id);
  });

  it('after SIGTERM no port stays bound: a second start right away binds the same ports', async () => {
    const localPort = await freePort();
    const socksPort = await freePort();
    const args = [
      '-N',
      '--json',
      ...fixture.sshd.sshArgs(),
      '-o',
      'BatchMode=yes',
      '-L',
      `${localPort}:127.0.0.1:${fixture.echo.port}`,
      '-D',
      String(socksPort),
      fixture.sshd.host,
    ];
    const first = startTunnels(args);
    await first.waitFor(isEvent('forward-listening', (event) => event.kind === 'dynamic'));
    // Leave a connection open through the forward while stopping.
    const held = net.connect(localPort, '127.0.0.1');
    await new Promise((resolve) => held.once('connect', resolve));
    expect(await first.stop()).toBe(0);
    held.destroy();
    expect(await connectionRefused(localPort)).toBe(true);
    const second = startTunnels(args);
    const listening = [
      await second.waitFor(isEvent('forward-listening', (event) => event.kind === 'local')),
      await second.waitFor(isEvent('forward-listening', (event) => event.kind === 'dynamic')),
    ];
    expect(listening.map((event) => event.port)).toEqual([localPort, socksPort]);
    expect((await exchange(localPort, 4096)).received).toBe(4096);
    expect(await second.stop()).toBe(0);
  });
});
