import net from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../../helpers/fixtures.js';
import {forwardTo, until} from '../../helpers/session.js';
import {freePort} from '../../helpers/sshd.js';
import {exchange, serve, sha256, startHashServer, type TestServer} from '../../helpers/targets.js';

const MiB = 1024 * 1024;

describe('local forward (-L) through a real sshd', () => {
  const fixture = useSshdAndEcho({session: true});
  let hashServer: TestServer;
  beforeAll(async () => {
    hashServer = await startHashServer();
  });
  afterAll(async () => {
    await hashServer?.close();
  });

  it('carries 64 MiB each way intact and counts the bytes', async () => {
    const forward = await forwardTo(fixture.session, 'local', fixture.echo.port);
    expect(forward.state).toBe('listening');
    expect(forward.listeningOn?.address).toBe('127.0.0.1');
    const result = await exchange(forward.listeningOn!.port, 64 * MiB);
    expect(result.received).toBe(64 * MiB);
    expect(result.receivedHash).toBe(result.sentHash);
    await until(() => forward.counters().openConnections === 0, 5000, 'connection to close');
    expect(forward.counters()).toMatchObject({totalConnections: 1, bytesIn: 64 * MiB, bytesOut: 64 * MiB});
    await fixture.session.removeForward(forward.id);
  });

  it('carries a half-close: the target sees EOF and can still answer', async () => {
    const forward = await forwardTo(fixture.session, 'local', hashServer.port);
    const payload = Buffer.from('half-close test payload '.repeat(1000));
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({port: forward.listeningOn!.port, host: '127.0.0.1', allowHalfOpen: true});
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('end', () => {
        socket.end();
        resolve(text);
      });
      socket.on('error', reject);
      socket.end(payload);
    });
    expect(answer).toBe(sha256(payload));
    await fixture.session.removeForward(forward.id);
  });

  it('delivers the banner and EOF of a server that speaks first and closes at once', async () => {
    // They may arrive in the same read as the channel's open confirmation (channel-link.test.ts makes that certain).
    const banner = Buffer.from('220 ready for you\r\n'.repeat(200));
    const speaker = await serve((socket) => socket.end(banner));
    try {
      const forward = await forwardTo(fixture.session, 'local', speaker.port);
      for (let attempt = 0; attempt < 20; attempt++) {
        const received = await new Promise<Buffer>((resolve, reject) => {
          const socket = net.connect({
            port: forward.listeningOn!.port,
            host: '127.0.0.1',
            allowHalfOpen: true,
          });
          const chunks: Buffer[] = [];
          socket.on('data', (chunk: Buffer) => chunks.push(chunk));
          socket.on('end', () => {
            socket.end();
            resolve(Buffer.concat(chunks));
          });
          socket.on('error', reject);
        });
        expect(received.equals(banner)).toBe(true);
      }
      await until(() => forward.counters().openConnections === 0, 5000, 'connections to close');
      expect(forward.counters()).toMatchObject({totalConnections: 20, bytesOut: 20 * banner.length});
      await fixture.session.removeForward(forward.id);
    } finally {
      await speaker.close();
    }
  });

  it('handles 200 parallel connections through one forward', async () => {
    const forward = await forwardTo(fixture.session, 'local', fixture.echo.port);
    const results = await Promise.all(
      Array.from({length: 200}, () => exchange(forward.listeningOn!.port, 256 * 1024)),
    );
    for (const result of results) expect(result.receivedHash).toBe(result.sentHash);
    await until(() => forward.counters().openConnections === 0, 10_000, 'connections to close');
    expect(forward.counters().totalConnections).toBe(200);
    await fixture.session.removeForward(forward.id);
  });

  it('closes the client promptly and counts a failure when the target refuses', async () => {
    const closedPort = await freePort();
    const forward = await forwardTo(fixture.session, 'local', closedPort);
    const failed = new Promise<string>((resolve) =>
      fixture.session.events.on((event) => {
        if (event.event === 'connection-failed' && event.forwardId === forward.id) resolve(event.reason);
      }),
    );
    const closedAt = await new Promise<number>((resolve) => {
      const socket = net.connect(forward.listeningOn!.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('close', () => resolve(Date.now()));
    });
    expect(closedAt).toBeGreaterThan(0);
    expect(await failed).toMatch(
      new RegExp(`cannot reach 127\\.0\\.0\\.1:${closedPort} from the server: .*refused`, 'i'),
    );
    expect(forward.counters()).toMatchObject({failedConnections: 1, openConnections: 0});
    expect(forward.state).toBe('listening');
    await fixture.session.removeForward(forward.id);
  });

  it('says which port is in use, and listens on loopback only by default', async () => {
    const first = await forwardTo(fixture.session, 'local', fixture.echo.port);
    const port = first.listeningOn!.port;
    const second = await fixture.session.addForward({
      kind: 'local',
      bindAddress: undefined,
      port,
      host: '127.0.0.1',
      hostPort: fixture.echo.port,
    });
    expect(second.state).toBe('failed');
    expect(second.failure).toBe(
      `port ${port} is already used by another forward of tunnels; pick another port`,
    );
    // A port another program holds (on both loopback addresses: on one, the forward takes the other) is
    // named as such.
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as net.AddressInfo).port;
    const squatter6 = net.createServer();
    await new Promise<void>((resolve) => squatter6.listen(taken, '::1', resolve));
    const third = await fixture.session.addForward({
      kind: 'local',
      bindAddress: undefined,
      port: taken,
      host: '127.0.0.1',
      hostPort: fixture.echo.port,
    });
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await new Promise<void>((resolve) => squatter6.close(() => resolve()));
    expect(third.failure).toBe(
      `port ${taken} is already in use on 127.0.0.1:${taken} by another program; pick another port or stop that program`,
    );
    // Nothing answers on another local address of this machine.
    const other = Object.values(await import('node:os').then((os) => os.networkInterfaces()))
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (other) {
      const reached = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, other.address);
        socket.on('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      expect(reached).toBe(false);
    }
    await fixture.session.removeForward(first.id);
    await fixture.session.removeForward(second.id);
  });

  it.each([
    ['localhost', '127.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['', '::'],
  ])('binds %j as %s', async (bindAddress, expected) => {
    const forward = await fixture.session.addForward({
      kind: 'local',
      bindAddress,
      port: 0,
      host: '127.0.0.1',
      hostPort: fixture.echo.port,
    });
    expect(forward.listeningOn?.address).toBe(expected);
    const result = await exchange(forward.listeningOn!.port, 1024);
    expect(result.receivedHash).toBe(result.sentHash);
    await fixture.session.removeForward(forward.id);
  });

  it('binds an IPv6 loopback address given in brackets', async () => {
    const forward = await fixture.session.addForward({
      kind: 'local',
      bindAddress: '::1',
      port: 0,
      host: '127.0.0.1',
      hostPort: fixture.echo.port,
    });
    expect(forward.state, forward.failure).toBe('listening');
    expect(forward.listeningOn?.address).toBe('::1');
    const result = await exchange(forward.listeningOn!.port, 1024, '::1');
    expect(result.receivedHash).toBe(result.sentHash);
    await fixture.session.removeForward(forward.id);
  });

  it('closes the listener when the forward is removed', async () => {
    const forward = await forwardTo(fixture.session, 'local', fixture.echo.port);
    const port = forward.listeningOn!.port;
    await fixture.session.removeForward(forward.id);
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('connect', () => resolve('connected'));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
