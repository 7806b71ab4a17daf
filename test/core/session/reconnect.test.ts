import {randomBytes} from 'node:crypto';
import {rm} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {EventOf, TunnelEvent} from '../../../source/core/events.js';
import type {Forward} from '../../../source/core/forwards/forward.js';
import type {Session} from '../../../source/core/session/session.js';
import {connectedSession, forwardTo, nextEvent, until} from '../../helpers/session.js';
import {readExactly, socks5Connect} from '../../helpers/socks-client.js';
import {startSshd, type TestSshd} from '../../helpers/sshd.js';
import {
  connectionRefused,
  exchange,
  sha256,
  startEchoServer,
  startSourceServer,
  type TestServer,
} from '../../helpers/targets.js';

const MiB = 1024 * 1024;
/** Short waits so a test sees several attempts in a second or two. */
const FAST = {reconnect: true, reconnectDelayMs: {initial: 200, max: 1000}};

const is =
  <Name extends TunnelEvent['event']>(name: Name, extra: (event: EventOf<Name>) => boolean = () => true) =>
  (event: TunnelEvent): event is EventOf<Name> =>
    event.event === name && extra(event as EventOf<Name>);

/** SOCKS5 CONNECT to 127.0.0.1:port through the proxy, then `size` bytes echoed back; returns both hashes. */
async function socksEcho(proxyPort: number, port: number, size: number): Promise<[string, string]> {
  const socket = await socks5Connect(proxyPort, '127.0.0.1', port);
  const payload = randomBytes(size);
  socket.write(payload);
  const echoed = await readExactly(socket, size);
  socket.destroy();
  return [sha256(payload), sha256(echoed)];
}

/** Starts a long upload through the port and resolves with how it ended once the connection drops. */
function longTransfer(port: number): {
  received: () => number;
  ended: Promise<{received: number; error: string | undefined}>;
} {
  let received = 0;
  const socket = net.connect({port, host: '127.0.0.1'});
  const block = randomBytes(MiB);
  const pump = () => {
    while (socket.write(block)) {
      if (socket.destroyed) return;
    }
    socket.once('drain', pump);
  };
  socket.on('connect', pump);
  socket.on('data', (chunk) => {
    received += chunk.length;
  });
  const ended = new Promise<{received: number; error: string | undefined}>((resolve) => {
    let error: string | undefined;
    socket.on('error', (failure) => {
      error = failure.message;
    });
    socket.on('close', () => resolve({received, error}));
  });
  return {received: () => received, ended};
}

describe('reconnecting a session whose connection drops (real sshd, killed and restarted)', () => {
  let sshd: TestSshd | undefined;
  let echo: TestServer | undefined;
  let session: (Session & {seen: TunnelEvent[]}) | undefined;

  afterEach(async () => {
    await session?.close();
    await echo?.close();
    await sshd?.stop();
    session = undefined;
    echo = undefined;
    sshd = undefined;
  });

  async function setUp(options: string[] = []) {
    sshd = await startSshd();
    echo = await startEchoServer();
    session = await connectedSession(sshd, options, FAST);
    return {sshd, echo, session};
  }

  const listening = (forward: Forward) => forward.state === 'listening';

  it('comes back after sshd is killed mid-transfer: same ports, intact traffic, counters continued', async () => {
    const {sshd, echo, session} = await setUp(['ServerAliveInterval=1']);
    const local = await forwardTo(session, 'local', echo.port);
    const remote = await forwardTo(session, 'remote', echo.port);
    const dynamic = await session.addForward({kind: 'dynamic', bindAddress: undefined, port: 0});
    expect([local, remote, dynamic].every(listening)).toBe(true);
    const ports = [local, remote, dynamic].map((forward) => forward.listeningOn!.port);

    const first = await exchange(ports[0]!, MiB);
    expect(first.receivedHash).toBe(first.sentHash);
    await until(() => local.counters().openConnections === 0, 5000, 'first connection to close');
    const before = local.counters();

    const transfer = longTransfer(ports[0]!);
    await until(() => transfer.received() > 4 * MiB, 10_000, 'the transfer to be under way');
    const dropped = nextEvent(
      session,
      is('connection-closed', (event) => event.forwardId === local.id),
    );
    const reconnecting = nextEvent(session, is('session-reconnecting'));
    await sshd.kill();
    const lost = await reconnecting;
    expect(lost.attempt).toBe(1);
    expect(lost.reason).toMatch(/closed the connection|connection was reset/);
    expect((await dropped).error).toBe('the SSH connection dropped');
    // The transfer fails visibly: its connection ends, short of what was sent.
    const ended = await transfer.ended;
    expect(ended.received).toBeGreaterThan(4 * MiB);
    expect(session.state).toBe('reconnecting');
    // While reconnecting the local listeners stay bound; the remote one waits.
    expect(local.state).toBe('listening');
    expect(dynamic.state).toBe('listening');
    expect(remote.state).toBe('waiting');
    expect(await connectionRefused(ports[0]!)).toBe(false);

    const back = nextEvent(session, is('session-connected'), 15_000);
    await sshd.restart();
    expect((await back).reconnects).toBe(1);
    expect(session.reconnects).toBe(1);
    await until(() => listening(remote), 10_000, 'the remote forward to be granted again');
    expect([local, remote, dynamic].map((forward) => forward.listeningOn!.port)).toEqual(ports);

    for (const port of ports.slice(0, 2)) {
      const result = await exchange(port, 4 * MiB);
      expect(result.received).toBe(4 * MiB);
      expect(result.receivedHash).toBe(result.sentHash);
    }
    const [sent, echoed] = await socksEcho(ports[2]!, echo.port, 256 * 1024);
    expect(echoed).toBe(sent);

    await until(() => local.counters().openConnections === 0, 5000, 'connections to close');
    const after = local.counters();
    // The first exchange, the killed transfer and the new one: nothing was reset.
    expect(after.totalConnections).toBe(before.totalConnections + 2);
    expect(after.bytesIn).toBeGreaterThanOrEqual(before.bytesIn + ended.received + 4 * MiB);
    expect(remote.counters().totalConnections).toBe(1);
  });

  it('detects a frozen sshd (SIGSTOP) within interval × count plus one interval, then reconnects', async () => {
    const {sshd, echo, session} = await setUp([
      'ServerAliveInterval=1',
      'ServerAliveCountMax=2',
      'ConnectTimeout=2',
    ]);
    const local = await forwardTo(session, 'local', echo.port);
    const frozenAt = Date.now();
    sshd.signalAll('SIGSTOP');
    try {
      const lost = await nextEvent(session, is('session-reconnecting'), 10_000);
      const detectedAfter = Date.now() - frozenAt;
      // ssh's rule: CountMax unanswered keepalives, one interval apart, then one more interval.
      expect(detectedAfter).toBeLessThanOrEqual((2 + 1) * 1000 + 1500);
      expect(lost.reason).toMatch(/stopped answering \(2 keepalives unanswered, every 1 s\)/);

      // A client that arrives meanwhile is refused cleanly: closed at once, counted, said why.
      const failed = nextEvent(session, is('connection-failed'));
      const refused = await new Promise<number>((resolve) => {
        const started = Date.now();
        const socket = net.connect(local.listeningOn!.port, '127.0.0.1');
        socket.on('error', () => {});
        socket.on('close', () => resolve(Date.now() - started));
      });
      expect(refused).toBeLessThan(2000);
      expect((await failed).reason).toMatch(/reconnecting/);
      expect(local.counters().failedConnections).toBe(1);
    } finally {
      sshd.signalAll('SIGCONT');
    }
    const back = await nextEvent(session, is('session-connected'), 20_000);
    expect(back.reconnects).toBe(1);
    const result = await exchange(local.listeningOn!.port, MiB);
    expect(result.receivedHash).toBe(result.sentHash);
  });

  it('asks again for a remote port the server still refuses after the reconnect, until it is free', async () => {
    const {sshd, echo, session} = await setUp();
    const remote = await session.addForward({
      kind: 'remote',
      bindAddress: '127.0.0.1',
      port: 0,
      host: '127.0.0.1',
      hostPort: echo.port,
    });
    const port = remote.listeningOn!.port;
    const lost = nextEvent(session, is('session-reconnecting'));
    await sshd.kill();
    await lost;
    // Another program takes the port on the server (this machine) before the session is back.
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    const refused = nextEvent(
      session,
      is('forward-waiting', (event) => event.retryInMs !== undefined),
      15_000,
    );
    await sshd.restart();
    const waiting = await refused;
    expect(waiting.reason).toMatch(new RegExp(`refused to listen on 127\\.0\\.0\\.1:${port}`));
    expect(remote.state).toBe('waiting');
    // Still waiting after a second refusal: retried, not abandoned.
    await nextEvent(
      session,
      is('forward-waiting', (event) => (event.retryInMs ?? 0) >= 2000),
      10_000,
    );
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await until(() => remote.state === 'listening', 10_000, 'the remote forward to come back');
    expect(remote.listeningOn!.port).toBe(port);
    const result = await exchange(port, MiB);
    expect(result.receivedHash).toBe(result.sentHash);
  });

  it('stops reconnecting when the host key has changed, says so, and releases the ports', async () => {
    const {sshd, echo, session} = await setUp();
    const local = await forwardTo(session, 'local', echo.port);
    const port = local.listeningOn!.port;
    const lost = nextEvent(session, is('session-reconnecting'));
    await sshd.kill();
    await lost;
    const failed = nextEvent(session, is('session-failed'), 15_000);
    await sshd.restart({newHostKeys: true});
    const failure = await failed;
    expect(failure.level).toBe('host-key');
    expect(failure.reason).toMatch(/^stopped reconnecting: host key verification failed: .*CHANGED/);
    expect(session.state).toBe('failed');
    expect(local.state).toBe('closed');
    expect(await connectionRefused(port)).toBe(true);
    // No more attempts: the loop has stopped.
    const attempts = session.seen.filter((event) => event.event === 'session-connecting').length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(session.seen.filter((event) => event.event === 'session-connecting').length).toBe(attempts);
  });

  it('stops when the server no longer accepts the key, instead of hammering it', async () => {
    const {sshd, session} = await setUp();
    const lost = nextEvent(session, is('session-reconnecting'));
    await sshd.kill();
    await lost;
    await rm(path.join(sshd.dir, 'authorized_keys'));
    const failed = nextEvent(session, is('session-failed'), 15_000);
    await sshd.restart();
    const failure = await failed;
    expect(failure.level).toBe('authentication');
    expect(failure.reason).toMatch(/^stopped reconnecting: /);
    const attempts = session.seen.filter((event) => event.event === 'session-connecting').length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(session.seen.filter((event) => event.event === 'session-connecting').length).toBe(attempts);
  });

  it('backs off while the server stays down, and close() ends the loop and frees every port', async () => {
    const {sshd, echo, session} = await setUp();
    const local = await forwardTo(session, 'local', echo.port);
    const port = local.listeningOn!.port;
    await sshd.kill();
    const reconnecting = () => session.seen.filter(is('session-reconnecting'));
    await until(() => reconnecting().length >= 3, 10_000, 'three attempts');
    const delays = reconnecting().map((event) => event.delayMs);
    expect(reconnecting().map((event) => event.attempt)).toEqual([1, 2, 3]);
    expect(reconnecting()[1]!.reason).toMatch(/connection refused/);
    // Half of each ceiling is fixed and the ceiling doubles: 200 → 400 → 800 ms, with jitter.
    expect(delays[0]).toBeGreaterThanOrEqual(100);
    expect(delays[0]).toBeLessThanOrEqual(200);
    expect(delays[1]).toBeGreaterThanOrEqual(200);
    expect(delays[2]).toBeGreaterThanOrEqual(400);
    expect(session.nextAttemptAt).toBeGreaterThan(Date.now() - 100);
    await session.close();
    expect(session.state).toBe('closed');
    expect(await connectionRefused(port)).toBe(true);
    const closedEvents = session.seen.filter((event) => event.event === 'session-closed');
    expect(closedEvents).toHaveLength(1);
  });

  it('keepalives raise no false alarm while a bulk transfer fills the window and its reader stalls', async () => {
    ({sshd, echo, session} = await setUp(['ServerAliveInterval=1', 'ServerAliveCountMax=1']));
    const source = await startSourceServer(256 * MiB);
    const local = await forwardTo(session, 'local', source.port);
    // Dead after 2 s without an answer: the reader sits on a full window for 3 s, then takes the rest.
    const bytes = await new Promise<number>((resolve, reject) => {
      const socket = net.connect(local.listeningOn!.port, '127.0.0.1');
      let count = 0;
      socket.pause();
      setTimeout(() => socket.resume(), 3000);
      socket.on('data', (chunk: Buffer) => {
        count += chunk.length;
      });
      socket.on('error', reject);
      socket.on('end', () => resolve(count));
    });
    expect(bytes).toBe(256 * MiB);
    expect(session.state).toBe('connected');
    expect(session.seen.some((event) => event.event === 'session-reconnecting')).toBe(false);
    await source.close();
  });

  it('a re-key by the server mid-transfer (same host key) is accepted, and the data arrives intact', async () => {
    sshd = await startSshd({config: ['RekeyLimit 1M']});
    echo = await startEchoServer();
    session = await connectedSession(sshd, [], FAST);
    const local = await forwardTo(session, 'local', echo.port);
    const result = await exchange(local.listeningOn!.port, 16 * MiB);
    expect(result.received).toBe(16 * MiB);
    expect(result.receivedHash).toBe(result.sentHash);
    expect(session.state).toBe('connected');
    expect(session.seen.some((event) => event.event === 'session-reconnecting')).toBe(false);
  });

  it('without Reconnect, a drop ends the session and closes its forwards (as ssh)', async () => {
    sshd = await startSshd();
    echo = await startEchoServer();
    session = await connectedSession(sshd);
    const local = await forwardTo(session, 'local', echo.port);
    const closed = nextEvent(session, is('session-closed'));
    await sshd.kill();
    expect((await closed).reason).toMatch(/closed the connection|connection was reset/);
    expect(session.state).toBe('closed');
    await until(() => local.state === 'closed', 5000, 'the forward to close');
    expect(await connectionRefused(local.listeningOn!.port)).toBe(true);
  });
});
