import {Duplex} from 'node:stream';
import {describe, expect, it} from 'vitest';
import {joinSocketAndChannel} from '../../source/core/pipe.js';
import {readToEnd, socketPair} from '../helpers/targets.js';

/** A stand-in for an ssh2 channel: what it "received" is pushed by the test; what is written is kept. */
class FakeChannel extends Duplex {
  readonly written: Buffer[] = [];
  readCalls = 0;
  constructor() {
    super({allowHalfOpen: true, highWaterMark: 2 * 1024 * 1024});
  }
  override _read(): void {
    this.readCalls++;
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.written.push(chunk);
    callback();
  }
}

describe('joinSocketAndChannel', () => {
  // With a real sshd this happens only when the server's first data shares a read with the open
  // confirmation; here it is made certain.
  it('delivers data and EOF the channel received before it was joined', async () => {
    const [ours, client, stop] = await socketPair();
    const channel = new FakeChannel();
    channel.push(Buffer.from('220 hello\r\n'));
    channel.push(Buffer.from('more before the join\r\n'));
    channel.push(null);
    const closed = new Promise<Error | undefined>((resolve) => joinSocketAndChannel(ours, channel, resolve));
    const received = await readToEnd(client);
    expect(received.toString()).toBe('220 hello\r\nmore before the join\r\n');
    client.end('bye');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Buffer.concat(channel.written).toString()).toBe('bye');
    channel.destroy();
    expect(await closed).toBeUndefined();
    stop();
  });

  it('holds the window (push answers false) while the client is not reading, and asks for more once it reads', async () => {
    const [ours, client, stop] = await socketPair();
    const channel = new FakeChannel();
    joinSocketAndChannel(ours, channel, () => {});
    client.pause();
    const packet = Buffer.alloc(32 * 1024, 7);
    let accepted = 0;
    // Until the kernel buffers and the socket's own buffer are full.
    while (channel.push(packet) && accepted < 10_000) accepted++;
    expect(accepted).toBeLessThan(10_000);
    const readsBefore = channel.readCalls;
    let received = 0;
    const total = (accepted + 1) * packet.length;
    await new Promise<void>((resolve) => {
      client.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received === total) resolve();
      });
      client.resume();
    });
    expect(channel.readCalls).toBeGreaterThan(readsBefore);
    channel.destroy();
    client.destroy();
    stop();
  });
});
