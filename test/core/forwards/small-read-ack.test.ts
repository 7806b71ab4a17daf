import net from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Session} from '../../../source/core/session/session.js';
import {connectedSession, forwardTo, sshSocketOf, until} from '../../helpers/session.js';
import {startSshd, type TestSshd} from '../../helpers/sshd.js';
import {readAll, serve, startSourceServer, type TestServer} from '../../helpers/targets.js';

/** What the session has written on its SSH connection so far. */
function sshBytesWritten(session: Session): number {
  return sshSocketOf(session).bytesWritten;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// sshd keeps Nagle on for forwarding: after a small packet it holds the next small one until the first
// is ACKed. The session ACKs small reads itself when it has nothing else to send (session.ts,
// acknowledgeSmallReads). Timing is not asserted here; what goes over the SSH connection is.
describe('ACKs for the small packets of the server', () => {
  let sshd: TestSshd;
  let session: Session;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    session = await connectedSession(sshd);
    // The keepalive requests that time the round trip at first are packets of ours too.
    await until(() => !session.timingRoundTrip, 5000, 'the round trip to be timed');
  });
  afterAll(async () => {
    await session?.close();
    for (const server of servers) await server.close();
    await sshd?.stop();
  });

  it('answers a server message that nothing of ours answered with one small packet, then stays quiet', async () => {
    // The server speaks once, a while after the connection opened; the client never writes.
    const speaker = await serve((socket) => {
      const timer = setTimeout(() => socket.write('220 ready\r\n'), 300);
      socket.on('end', () => {
        clearTimeout(timer);
        socket.end();
      });
    });
    servers.push(speaker);
    const forward = await forwardTo(session, 'local', speaker.port);
    const client = net.connect({port: forward.listeningOn!.port, host: '127.0.0.1', allowHalfOpen: true});
    const message = new Promise<void>((resolve) => client.once('data', () => resolve()));
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    // The channel is open (and its confirmation answered) well before the message comes.
    await sleep(150);
    const before = sshBytesWritten(session);
    await message;
    await sleep(100);
    const answered = sshBytesWritten(session) - before;
    expect(answered).toBeGreaterThan(0);
    // One packet: a zero WINDOW_ADJUST is 36 bytes with aes128-gcm.
    expect(answered).toBeLessThanOrEqual(64);
    await sleep(300);
    expect(sshBytesWritten(session) - before).toBe(answered);
    client.end();
    await until(() => forward.counters().openConnections === 0, 5000, 'connection to close');
    await session.removeForward(forward.id);
  });

  it('adds no packets to a bulk download beyond the window adjusts', async () => {
    const size = 64 * 1024 * 1024;
    const source = await startSourceServer(size);
    servers.push(source);
    const forward = await forwardTo(session, 'local', source.port);
    const before = sshBytesWritten(session);
    const received = await readAll(forward.listeningOn!.port);
    expect(received.bytes).toBe(size);
    expect(received.hash).toBe(await source.sent[0]);
    // At most one 36-byte WINDOW_ADJUST per three 32 KiB packets taken (OpenSSH's interval), plus a few
    // packets to open and close the channel; an ACK per packet would be three times as many.
    const written = sshBytesWritten(session) - before;
    expect(written).toBeLessThan((size / (3 * 32 * 1024)) * 36 + 4096);
    await session.removeForward(forward.id);
  });
});
