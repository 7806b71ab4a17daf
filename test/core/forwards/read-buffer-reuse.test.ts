import net from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Session} from '../../../source/core/session/session.js';
import {COPIED_READ_BYTES} from '../../../source/core/session/ssh-socket.js';
import {useSshdAndEcho} from '../../helpers/fixtures.js';
import {forwardTo, sshSocketOf, until} from '../../helpers/session.js';
import {sha256, startSourceServer, type TestServer} from '../../helpers/targets.js';

const MiB = 1024 * 1024;

/**
 * The SSH connection's read buffer is read into again only when nothing holds any of the last read
 * (ChannelLinks.readFree). What could go wrong is bytes overwritten while something still holds them, so
 * every case checks every byte, with readers that keep up, readers that stall, and ssh2's own channels
 * (which keep what they are given in their streams) on the same connection.
 */
describe('reading the SSH connection into the same buffer again', () => {
  const fixture = useSshdAndEcho({session: true});
  let source: TestServer & {sent: Promise<string>[]};
  beforeAll(async () => {
    source = await startSourceServer(48 * MiB);
  });
  afterAll(async () => {
    await source?.close();
  });

  /** The large reads of the SSH socket from now on, and how many buffers they came in. */
  function watchReads(session: Session): {reads: number; buffers: Set<ArrayBufferLike>; stop: () => void} {
    const socket = sshSocketOf(session);
    const seen = {reads: 0, buffers: new Set<ArrayBufferLike>(), stop: () => {}};
    const onData = (chunk: Buffer) => {
      if (chunk.length <= COPIED_READ_BYTES) return;
      seen.reads++;
      seen.buffers.add(chunk.buffer);
    };
    socket.on('data', onData);
    seen.stop = () => socket.off('data', onData);
    return seen;
  }

  /** Downloads through `port`, reading nothing for `stallMs` first; the hash of what came. */
  function download(port: number, stallMs = 0): Promise<{hash: string; bytes: number}> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({port, host: '127.0.0.1'});
      const chunks: Buffer[] = [];
      socket.pause();
      setTimeout(() => socket.resume(), stallMs);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        const all = Buffer.concat(chunks);
        resolve({hash: sha256(all), bytes: all.length});
      });
      socket.on('error', reject);
    });
  }

  it('reuses it for a reader that keeps up, and every byte arrives as sent', async () => {
    const forward = await forwardTo(fixture.session, 'local', source.port);
    const reads = watchReads(fixture.session);
    const received = await download(forward.listeningOn!.port);
    reads.stop();
    const sent = await source.sent.at(-1)!;
    expect(received).toEqual({hash: sent, bytes: 48 * MiB});
    // 48 MiB came in large reads; most of them went into a buffer an earlier read had used.
    expect(reads.reads).toBeGreaterThan(20);
    expect(reads.buffers.size).toBeLessThan(reads.reads / 2);
    await fixture.session.removeForward(forward.id);
  });

  it('keeps the data of a stalled reader intact while a reader that keeps up shares the connection', async () => {
    const forward = await forwardTo(fixture.session, 'local', source.port);
    const port = forward.listeningOn!.port;
    const sentBefore = source.sent.length;
    const [stalled, fast] = await Promise.all([download(port, 1500), download(port)]);
    const sent = await Promise.all(source.sent.slice(sentBefore));
    expect(sent).toHaveLength(2);
    // Which connection the source served first is not known: each download is one of the two.
    expect([stalled.hash, fast.hash].sort()).toEqual([...sent].sort());
    expect(stalled.bytes).toBe(48 * MiB);
    expect(fast.bytes).toBe(48 * MiB);
    await until(() => forward.counters().openConnections === 0, 5000, 'connections to close');
    await fixture.session.removeForward(forward.id);
  });

  it("keeps what ssh2's own channel holds intact: a command's output read while a download runs", async () => {
    const forward = await forwardTo(fixture.session, 'local', source.port);
    // 16 MiB of zeros on a channel ssh2 carries itself, held unread for a while: any of it overwritten
    // by the download's random bytes would show.
    const {channel} = await fixture.session.exec('head -c 16777216 /dev/zero', {agentForward: false});
    channel.pause();
    const output: Buffer[] = [];
    const outputDone = new Promise<void>((resolve) => channel.once('close', () => resolve()));
    const downloaded = download(forward.listeningOn!.port);
    setTimeout(() => {
      channel.on('data', (chunk: Buffer) => output.push(chunk));
      channel.resume();
    }, 500);
    const received = await downloaded;
    await outputDone;
    expect(received).toEqual({hash: await source.sent.at(-1)!, bytes: 48 * MiB});
    const all = Buffer.concat(output);
    expect(all.length).toBe(16 * MiB);
    expect(all.every((byte) => byte === 0)).toBe(true);
    await fixture.session.removeForward(forward.id);
  });
});
