import net from 'node:net';
import {describe, expect, it} from 'vitest';
import type {TunnelEvent} from '../../../source/core/events.js';
import type {ForwardSpec} from '../../../source/core/protocols/forward-spec.js';
import {useSshdAndEcho} from '../../helpers/fixtures.js';
import {connectedSession} from '../../helpers/session.js';
import {socks5Connect} from '../../helpers/socks-client.js';
import {connectionRefused, exchange} from '../../helpers/targets.js';

/** Listens on host:port (0: any), for a port another program holds. */
async function squat(host: string, port = 0): Promise<net.Server> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({host, port, exclusive: true}, resolve);
  });
  return server;
}

/**
 * Whether a client on host:port is not served by the forward: refused, or taken by another program (tests
 * run in parallel, and a port free on one address may be another test's on the other).
 */
async function notServedBy(
  session: Awaited<ReturnType<typeof connectedSession>>,
  forwardId: string,
  port: number,
  host: string,
): Promise<boolean> {
  const ours: TunnelEvent[] = [];
  const off = session.events.on((event) => {
    if ('forwardId' in event && event.forwardId === forwardId && event.event.startsWith('connection-'))
      ours.push(event);
  });
  try {
    if (await connectionRefused(port, host)) return true;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return ours.length === 0;
  } finally {
    off();
  }
}

const closeServer = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('a forward with no bind address listens on 127.0.0.1 and ::1, as ssh does', () => {
  const fixture = useSshdAndEcho({session: true});

  /** Adds a forward and returns it with the events it emitted while starting. */
  async function add(spec: ForwardSpec) {
    const events: TunnelEvent[] = [];
    const off = fixture.session.events.on((event) => events.push(event));
    const forward = await fixture.session.addForward(spec).finally(off);
    const mine = events.filter((event) => 'forwardId' in event && event.forwardId === forward.id);
    return {forward, events: mine};
  }

  const local = (port: number, bindAddress?: string): ForwardSpec => ({
    kind: 'local',
    bindAddress,
    port,
    host: '127.0.0.1',
    hostPort: fixture.echo.port,
  });

  it('-L 0: one port on both addresses; a client on each reaches the target', async () => {
    const {forward, events} = await add(local(0));
    const port = forward.listeningOn!.port;
    expect(forward.listeningOn).toEqual({address: '127.0.0.1', port});
    expect(events).toContainEqual(
      expect.objectContaining({
        event: 'forward-listening',
        bindAddress: '127.0.0.1',
        bindAddresses: ['127.0.0.1', '::1'],
        port,
      }),
    );
    expect(events.filter((event) => event.event === 'warning')).toEqual([]);
    for (const host of ['127.0.0.1', '::1']) {
      const result = await exchange(port, 256 * 1024, host);
      expect(result.receivedHash).toBe(result.sentHash);
    }
    await fixture.session.removeForward(forward.id);
    expect(await connectionRefused(port, '127.0.0.1')).toBe(true);
    expect(await connectionRefused(port, '::1')).toBe(true);
  });

  it('-L localhost:PORT is the same pair; -L 127.0.0.1:PORT and -L [::1]:PORT bind only the one named', async () => {
    const pair = await add(local(0, 'localhost'));
    const port = pair.forward.listeningOn!.port;
    expect((await exchange(port, 1024, '::1')).received).toBe(1024);
    expect((await exchange(port, 1024, '127.0.0.1')).received).toBe(1024);
    await fixture.session.removeForward(pair.forward.id);

    const v4 = await add(local(0, '127.0.0.1'));
    const v4port = v4.forward.listeningOn!.port;
    expect(v4.events).toContainEqual(
      expect.objectContaining({event: 'forward-listening', bindAddress: '127.0.0.1'}),
    );
    expect(v4.events.find((event) => event.event === 'forward-listening')).not.toHaveProperty(
      'bindAddresses',
    );
    expect(await notServedBy(fixture.session, v4.forward.id, v4port, '::1')).toBe(true);
    await fixture.session.removeForward(v4.forward.id);

    const v6 = await add(local(0, '::1'));
    expect(v6.forward.listeningOn?.address).toBe('::1');
    expect(await notServedBy(fixture.session, v6.forward.id, v6.forward.listeningOn!.port, '127.0.0.1')).toBe(
      true,
    );
    await fixture.session.removeForward(v6.forward.id);
  });

  it('-D 0: a SOCKS client on either address is served on the same port', async () => {
    const {forward} = await add({kind: 'dynamic', bindAddress: undefined, port: 0});
    const port = forward.listeningOn!.port;
    for (const host of ['127.0.0.1', '::1']) {
      const socket = await socks5Connect(port, '127.0.0.1', fixture.echo.port, false, host);
      const echoed = await new Promise<string>((resolve) => {
        socket.once('data', (chunk) => resolve(chunk.toString()));
        socket.resume();
        socket.write(`hello over ${host}`);
      });
      expect(echoed).toBe(`hello over ${host}`);
      socket.destroy();
    }
    await fixture.session.removeForward(forward.id);
  });

  it('a port another program holds on one address: listens on the other, with a warning naming the one taken', async () => {
    const taken4 = await squat('127.0.0.1');
    const port4 = (taken4.address() as net.AddressInfo).port;
    const onV6 = await add(local(port4));
    await closeServer(taken4);
    expect(onV6.forward.state).toBe('listening');
    expect(onV6.forward.listeningOn).toEqual({address: '::1', port: port4});
    expect(onV6.events).toContainEqual({
      event: 'warning',
      forwardId: onV6.forward.id,
      message: `-L ${port4}:127.0.0.1:${fixture.echo.port}: listening on [::1]:${port4} only: port ${port4} is already in use on 127.0.0.1:${port4} by another program; pick another port or stop that program`,
    });
    expect((await exchange(port4, 1024, '::1')).received).toBe(1024);
    await fixture.session.removeForward(onV6.forward.id);

    const taken6 = await squat('::1');
    const port6 = (taken6.address() as net.AddressInfo).port;
    const onV4 = await add(local(port6));
    await closeServer(taken6);
    expect(onV4.forward.listeningOn).toEqual({address: '127.0.0.1', port: port6});
    expect(onV4.events).toContainEqual(
      expect.objectContaining({
        event: 'warning',
        message: expect.stringContaining(
          `listening on 127.0.0.1:${port6} only: port ${port6} is already in use on [::1]:${port6} by another program`,
        ),
      }),
    );
    await fixture.session.removeForward(onV4.forward.id);
  });

  it('AddressFamily (-4, -6): the loopback address of that family only, as ssh', async () => {
    for (const [family, bound, other] of [
      [4, '127.0.0.1', '::1'],
      [6, '::1', '127.0.0.1'],
    ] as const) {
      const session = await connectedSession(fixture.sshd, [], {addressFamily: family});
      try {
        const forward = await session.addForward(local(0));
        expect(forward.listeningOn?.address).toBe(bound);
        const port = forward.listeningOn!.port;
        expect((await exchange(port, 1024, bound)).received).toBe(1024);
        expect(await notServedBy(session, forward.id, port, other)).toBe(true);
      } finally {
        await session.close();
      }
    }
  });

  it('a port held on both addresses fails the forward with the first address named', async () => {
    const taken4 = await squat('127.0.0.1');
    const port = (taken4.address() as net.AddressInfo).port;
    const taken6 = await squat('::1', port);
    const {forward} = await add(local(port));
    await closeServer(taken4);
    await closeServer(taken6);
    expect(forward.state).toBe('failed');
    expect(forward.failure).toBe(
      `port ${port} is already in use on 127.0.0.1:${port} by another program; pick another port or stop that program`,
    );
  });
});
