import {describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../../helpers/fixtures.js';
import {connectedSession, until} from '../../helpers/session.js';
import {exchange, serve} from '../../helpers/targets.js';

describe('Session.reconnectNow and Session.retryForward', () => {
  const fixture = useSshdAndEcho();

  it('reconnectNow skips the wait of a reconnecting session, and has nothing to skip otherwise', async () => {
    const session = await connectedSession(fixture.sshd, [], {
      reconnect: true,
      reconnectDelayMs: {initial: 30_000, max: 30_000, steadyMs: 60_000},
    });
    try {
      expect(session.reconnectNow()).toBe(false);
      await fixture.sshd.kill();
      await until(
        () => session.state === 'reconnecting' && session.nextAttemptAt !== undefined,
        10_000,
        'drop',
      );
      await fixture.sshd.restart();
      const asked = Date.now();
      expect(session.reconnectNow()).toBe(true);
      // An attempt is under way now: no wait left to skip.
      expect(session.reconnectNow()).toBe(false);
      await until(() => session.state === 'connected', 10_000, 'the reconnect');
      expect(Date.now() - asked).toBeLessThan(10_000);
      expect(session.reconnects).toBe(1);
      expect(session.seen.filter((event) => event.event === 'session-connected')).toHaveLength(2);
    } finally {
      await session.close();
    }
  });

  it('retryForward starts a failed forward again under its id and in its place; others it leaves', async () => {
    const session = await connectedSession(fixture.sshd);
    const squatter = await serve((socket) => socket.destroy());
    try {
      const echo = {host: '127.0.0.1', hostPort: fixture.echo.port};
      const first = await session.addForward({kind: 'local', bindAddress: '127.0.0.1', port: 0, ...echo});
      const taken = await session.addForward({
        kind: 'local',
        bindAddress: '127.0.0.1',
        port: squatter.port,
        ...echo,
      });
      expect([first.state, taken.state]).toEqual(['listening', 'failed']);
      expect(await session.retryForward(first.id)).toBeUndefined();
      expect((await session.retryForward(taken.id))?.state).toBe('failed');
      await squatter.close();
      const retried = await session.retryForward(taken.id);
      expect(retried).toMatchObject({id: taken.id, state: 'listening'});
      expect(session.forwards().map((forward) => forward.id)).toEqual([first.id, taken.id]);
      expect(session.forwards()[1]).toBe(retried);
      expect((await exchange(squatter.port, 4096)).received).toBe(4096);
    } finally {
      await squatter.close();
      await session.close();
    }
  });
});
