import {createHash, randomBytes} from 'node:crypto';
import type net from 'node:net';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {
  MAX_WINDOW_BYTES,
  WINDOW_BUDGET_BYTES,
  windowBudgetInUse,
} from '../../../source/core/forwards/channel-link.js';
import type {Session} from '../../../source/core/session/session.js';
import {startDelayLine} from '../../helpers/delay-line.js';
import {connectedSession, until} from '../../helpers/session.js';
import {startSshd, type TestSshd} from '../../helpers/sshd.js';
import {
  readToEnd,
  serve,
  sha256,
  socketPair,
  startHashServer,
  startSourceServer,
  type TestServer,
} from '../../helpers/targets.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A ChannelLink carries a socket over a channel at the level of SSH messages (channel-link.ts); these
// drive it through a real sshd to real targets, at the edges the stream version handled for free.
describe('ChannelLink against a real sshd', () => {
  let sshd: TestSshd;
  let session: Session;
  const cleanups: Array<() => void> = [];
  const servers: TestServer[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    session = await connectedSession(sshd);
  });
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  afterAll(async () => {
    await session?.close();
    for (const server of servers) await server.close();
    await sshd?.stop();
  });

  async function target(server: Promise<TestServer>): Promise<number> {
    const started = await server;
    servers.push(started);
    return started.port;
  }
  async function pair(): Promise<[net.Socket, net.Socket]> {
    const [ours, client, stop] = await socketPair();
    cleanups.push(() => {
      ours.destroy();
      client.destroy();
      stop();
    });
    return [ours, client];
  }
  const source = {address: '127.0.0.1', port: 40000};

  it('delivers what the server sent, its EOF and its close, all before the socket was joined', async () => {
    const port = await target(
      serve((socket) => {
        socket.end('220 hello, and goodbye\r\n');
      }),
    );
    const link = await session.openLink(source, '127.0.0.1', port);
    // sshd sends the banner, EOF and CLOSE while nothing is joined yet.
    await sleep(300);
    const [ours, client] = await pair();
    const closed = new Promise<Error | undefined>((resolve) => link.start(ours, resolve));
    expect((await readToEnd(client)).toString()).toBe('220 hello, and goodbye\r\n');
    client.end();
    expect(await closed).toBeUndefined();
    await until(() => session.openChannelCount() === 0, 5000, 'the channel to be freed');
  });

  it('carries an upload many windows long, in order, and the half-close after it', async () => {
    const port = await target(startHashServer());
    const link = await session.openLink(source, '127.0.0.1', port);
    const [ours, client] = await pair();
    link.start(ours, () => {});
    const data = randomBytes(9 * 1024 * 1024);
    const reply = readToEnd(client);
    client.end(data);
    expect((await reply).toString()).toBe(sha256(data));
  });

  /** Downloads `size` bytes through `count` links of `over` at once; the peak window budget in use. */
  async function bulkDownloads(over: Session, count: number, size: number): Promise<number> {
    const sourceServer = await startSourceServer(size);
    servers.push(sourceServer);
    const links = await Promise.all(
      Array.from({length: count}, () => over.openLink(source, '127.0.0.1', sourceServer.port)),
    );
    let peak = 0;
    await Promise.all(
      links.map(async (link) => {
        const [ours, client] = await pair();
        const closed = new Promise((resolve) => link.start(ours, resolve));
        let received = 0;
        client.on('data', (chunk: Buffer) => {
          received += chunk.length;
          peak = Math.max(peak, windowBudgetInUse());
        });
        await new Promise((resolve) => client.once('end', resolve));
        expect(received).toBe(size);
        client.end();
        await closed;
      }),
    );
    return peak;
  }

  it('on loopback a bulk download keeps the base window: the round trip is too short for a window to limit it', async () => {
    expect(windowBudgetInUse()).toBe(0);
    await until(() => session.roundTripMs !== undefined, 5000, 'the round trip to be timed');
    // Timed on loopback: short, though a busy machine delays sshd's answers some milliseconds...
    expect(session.roundTripMs).toBeLessThan(20);
    // ...which is not what this test is about: the policy, with loopback's true round trip.
    (session as unknown as {links: {roundTripMs: number}}).links.roundTripMs = 0.1;
    expect(await bulkDownloads(session, 2, 64 * 1024 * 1024)).toBe(0);
  });

  it('over a 100 ms round trip the windows grow, within the process budget, and the budget comes back at close', async () => {
    // 100 ms: a window grows once a link moves half of it per round trip, 10 MiB/s here, which six links
    // reach on a busy two-core machine too (at 40 ms each would need 25 MiB/s through the delay line).
    const delay = await startDelayLine(sshd.port, 50);
    const far = await connectedSession(sshd, [], {
      port: delay.port,
      hostKeyAlias: `[127.0.0.1]:${sshd.port}`,
    });
    try {
      // A timing made while this process is busy is not kept (it would measure the process, not the
      // link), and from here on this test's own readers keep the process busy: the link is timed first.
      await until(() => far.roundTripMs !== undefined, 5000, 'the round trip to be timed');
      expect(far.roundTripMs).toBeGreaterThanOrEqual(100);
      const peak = await bulkDownloads(far, 6, 48 * 1024 * 1024);
      expect(peak).toBeGreaterThan(0);
      // Six links could each want MAX_WINDOW_BYTES; together they never hold more than the budget.
      expect(6 * (MAX_WINDOW_BYTES - 2 * 1024 * 1024)).toBeGreaterThan(WINDOW_BUDGET_BYTES);
      expect(peak).toBeLessThanOrEqual(WINDOW_BUDGET_BYTES);
      await until(() => windowBudgetInUse() === 0, 5000, 'the window budget to come back');
    } finally {
      await far.close();
      await delay.close();
    }
  });

  it('holds the window while the client does not read, and asks for more once it reads', async () => {
    const size = 16 * 1024 * 1024;
    const sourceServer = await startSourceServer(size);
    servers.push(sourceServer);
    const link = await session.openLink(source, '127.0.0.1', sourceServer.port);
    const [ours, client] = await pair();
    link.start(ours, () => {});
    client.pause();
    await sleep(500);
    // The server may send one window ahead, which waits in the kernel's buffers and ours. The window may
    // have grown while the kernel's buffers still took everything (at most MAX_WINDOW_BYTES); the rest
    // waits at the server, not in our memory.
    const written = ours.bytesWritten;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(size / 2);
    expect(ours.writableLength).toBeLessThanOrEqual(MAX_WINDOW_BYTES);
    await sleep(300);
    expect(ours.bytesWritten).toBe(written);
    const hash = createHash('sha256');
    let received = 0;
    client.on('data', (chunk: Buffer) => {
      received += chunk.length;
      hash.update(chunk);
    });
    client.resume();
    await new Promise((resolve) => client.once('end', resolve));
    expect(received).toBe(size);
    expect(hash.digest('hex')).toBe(await sourceServer.sent[0]);
  });

  it('closes the channel at once when the client goes away abruptly', async () => {
    let targetEnded = false;
    const port = await target(
      serve((socket) => {
        socket.resume();
        socket.on('end', () => {
          targetEnded = true;
        });
      }),
    );
    const link = await session.openLink(source, '127.0.0.1', port);
    const [ours, client] = await pair();
    const closed = new Promise<Error | undefined>((resolve) => link.start(ours, resolve));
    client.write('something');
    await sleep(100);
    client.resetAndDestroy();
    await closed;
    // Not waiting for an EOF that will never come: the channel closes, and sshd closes the target.
    await until(() => targetEnded, 5000, 'sshd to close the target connection');
    await until(() => session.openChannelCount() === 0, 5000, 'the channel to be freed');
    expect(link.open).toBe(false);
  });

  it('sends data given before start ahead of the socket’s own (SOCKS: the bytes after the request)', async () => {
    const port = await target(startHashServer());
    const link = await session.openLink(source, '127.0.0.1', port);
    link.write(Buffer.from('first '));
    const [ours, client] = await pair();
    link.start(ours, () => {});
    const reply = readToEnd(client);
    client.end('second');
    expect((await reply).toString()).toBe(sha256('first second'));
  });
});

describe('ChannelLink when the SSH connection drops', () => {
  it('closes the socket, after what had arrived is written', async () => {
    const sshd = await startSshd();
    const session = await connectedSession(sshd, ['ServerAliveInterval=0']);
    const server = await serve((socket) => socket.write('before the drop\r\n'));
    try {
      const link = await session.openLink({address: '127.0.0.1', port: 40000}, '127.0.0.1', server.port);
      const [ours, client, stop] = await socketPair();
      const closed = new Promise<Error | undefined>((resolve) => link.start(ours, resolve));
      const received = readToEnd(client);
      await sleep(200);
      // The server side of the connection dies; no CLOSE ever comes for the channel.
      await sshd.kill();
      expect((await received).toString()).toBe('before the drop\r\n');
      expect(await closed).toBeUndefined();
      expect(link.open).toBe(false);
      stop();
    } finally {
      await session.close();
      await server.close();
      await sshd.stop();
    }
  });
});
