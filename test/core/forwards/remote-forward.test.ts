import {createHash} from 'node:crypto';
import net from 'node:net';
import {describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../../helpers/fixtures.js';
import {forwardTo, until} from '../../helpers/session.js';
import {freePort} from '../../helpers/sshd.js';
import {exchange, readAll, startEchoServer, startSourceServer} from '../../helpers/targets.js';

const MiB = 1024 * 1024;

describe('remote forward (-R) through a real sshd', () => {
  const fixture = useSshdAndEcho({session: true});

  it('reports the port the server picked and carries 64 MiB each way intact', async () => {
    const forward = await fixture.session.addForward({
      kind: 'remote',
      bindAddress: undefined,
      port: 0,
      host: '127.0.0.1',
      hostPort: fixture.echo.port,
    });
    expect(forward.state).toBe('listening');
    expect(forward.listeningOn).toMatchObject({address: 'localhost'});
    const port = forward.listeningOn!.port;
    expect(port).toBeGreaterThan(0);
    // The server's listener is on this machine's loopback (the sshd runs here), on ::1, 127.0.0.1 or both.
    const result = await exchange(port, 64 * MiB);
    expect(result.received).toBe(64 * MiB);
    expect(result.receivedHash).toBe(result.sentHash);
    await until(() => forward.counters().openConnections === 0, 5000, 'connection to close');
    expect(forward.counters()).toMatchObject({totalConnections: 1, bytesIn: 64 * MiB, bytesOut: 64 * MiB});
    await fixture.session.removeForward(forward.id);
  });

  it('carries a download from a local source to the server side', async () => {
    const source = await startSourceServer(16 * MiB);
    const forward = await forwardTo(fixture.session, 'remote', source.port);
    const got = await readAll(forward.listeningOn!.port);
    expect(got.bytes).toBe(16 * MiB);
    expect(got.hash).toBe(await source.sent[0]);
    await fixture.session.removeForward(forward.id);
    await source.close();
  });

  it('delivers the whole stream when the target finishes while the window is still full (slow reader)', async () => {
    const source = await startSourceServer(8 * MiB);
    const forward = await forwardTo(fixture.session, 'remote', source.port);
    const got = await new Promise<{bytes: number; hash: string}>((resolve, reject) => {
      const socket = net.connect({port: forward.listeningOn!.port, host: '127.0.0.1', allowHalfOpen: true});
      const hash = createHash('sha256');
      let bytes = 0;
      socket.on('error', reject);
      socket.on('connect', () => socket.end());
      // Read in small sips so the ssh window is full when the source closes its end.
      socket.pause();
      const sip = () => {
        let chunk: Buffer | null = socket.read(64 * 1024);
        while (chunk) {
          bytes += chunk.length;
          hash.update(chunk);
          chunk = socket.read(64 * 1024);
        }
        if (!socket.readableEnded) setTimeout(sip, 2);
      };
      socket.on('readable', () => {});
      socket.on('end', () => resolve({bytes, hash: hash.digest('hex')}));
      setTimeout(sip, 200);
    });
    expect(got.bytes).toBe(8 * MiB);
    expect(got.hash).toBe(await source.sent[0]);
    await fixture.session.removeForward(forward.id);
    await source.close();
  });

  it('handles 200 parallel connections and routes two forwards apart', async () => {
    const other = await startSourceServer(1000);
    const a = await forwardTo(fixture.session, 'remote', fixture.echo.port);
    const b = await forwardTo(fixture.session, 'remote', other.port);
    const [echoes, fromB] = await Promise.all([
      Promise.all(Array.from({length: 200}, () => exchange(a.listeningOn!.port, 128 * 1024))),
      readAll(b.listeningOn!.port),
    ]);
    for (const result of echoes) expect(result.receivedHash).toBe(result.sentHash);
    expect(fromB.bytes).toBe(1000);
    await until(() => a.counters().openConnections === 0, 10_000, 'connections to close');
    expect(a.counters().totalConnections).toBe(200);
    expect(b.counters().totalConnections).toBe(1);
    await fixture.session.removeForward(a.id);
    await fixture.session.removeForward(b.id);
    await other.close();
  });

  it('counts a refused local target and keeps listening', async () => {
    const closedPort = await freePort();
    const forward = await forwardTo(fixture.session, 'remote', closedPort);
    const failed = new Promise<string>((resolve) =>
      fixture.session.events.on((event) => {
        if (event.event === 'connection-failed' && event.forwardId === forward.id) resolve(event.reason);
      }),
    );
    await new Promise<void>((resolve) => {
      const socket = net.connect(forward.listeningOn!.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('close', () => resolve());
    });
    expect(await failed).toBe(`127.0.0.1:${closedPort} refused the connection (nothing listening there?)`);
    expect(forward.state).toBe('listening');
    expect(forward.counters().failedConnections).toBe(1);
    await fixture.session.removeForward(forward.id);
  });

  it('reports a forward the server refuses, and the session carries on', async () => {
    const busy = await startEchoServer();
    // The port is taken on the server's host (this machine), so sshd cannot bind it.
    const refused = await fixture.session.addForward({
      kind: 'remote',
      bindAddress: '127.0.0.1',
      port: busy.port,
      host: '127.0.0.1',
      hostPort: fixture.echo.port,
    });
    expect(refused.state).toBe('failed');
    expect(refused.failure).toBe(
      `the server refused to listen on 127.0.0.1:${busy.port} (the port may be in use on the server, or its AllowTcpForwarding/PermitListen forbids it)`,
    );
    const working = await forwardTo(fixture.session, 'remote', fixture.echo.port);
    const result = await exchange(working.listeningOn!.port, 1024);
    expect(result.receivedHash).toBe(result.sentHash);
    await fixture.session.removeForward(refused.id);
    await fixture.session.removeForward(working.id);
    await busy.close();
  });

  it('cancels the forward on the server when removed', async () => {
    const forward = await forwardTo(fixture.session, 'remote', fixture.echo.port);
    const port = forward.listeningOn!.port;
    await fixture.session.removeForward(forward.id);
    // The server stops listening: new connections are refused.
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
