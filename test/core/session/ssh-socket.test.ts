import crypto from 'node:crypto';
import net from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {
  COPIED_READ_BYTES,
  coalesceWrites,
  connectSshSocket,
} from '../../../source/core/session/ssh-socket.js';

// The SSH connection's socket reads into its own buffers: what matters is that every byte arrives once,
// in order, and stays as it was while later reads come in (ssh2 decrypts in place and may hold a payload
// in a channel until it is written).
describe('the SSH connection socket', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  /** A server that writes `chunks` to whoever connects, `gapMs` apart (0: all at once), then ends. */
  async function sendingServer(chunks: Buffer[], gapMs: number): Promise<number> {
    const server = net.createServer((socket) => {
      const queue = [...chunks];
      const writeNext = () => {
        const chunk = queue.shift();
        if (!chunk) {
          socket.end();
          return;
        }
        const flushed = socket.write(chunk);
        if (gapMs > 0) setTimeout(writeNext, gapMs);
        else if (flushed) writeNext();
        else socket.once('drain', writeNext);
      };
      writeNext();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    return (server.address() as net.AddressInfo).port;
  }

  /** Connects as ssh2 does (paused until connected, then listening on 'data' and resumed); keeps every chunk. */
  function receiveAll(port: number): Promise<Buffer[]> {
    const socket = connectSshSocket('127.0.0.1', port);
    cleanups.push(() => socket.destroy());
    socket.pause();
    const chunks: Buffer[] = [];
    return new Promise((resolve, reject) => {
      socket.on('error', reject);
      socket.on('connect', () => {
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.resume();
      });
      socket.on('end', () => resolve(chunks));
    });
  }

  it('delivers a bulk transfer whole and in order, in reads larger than a plain socket makes', async () => {
    const sent = crypto.randomBytes(32 * 1024 * 1024);
    const pieces = Array.from({length: 32}, (_, index) =>
      sent.subarray(index * 1048576, (index + 1) * 1048576),
    );
    const chunks = await receiveAll(await sendingServer(pieces, 0));
    // Compared only at the end: a read buffer used again would have changed the chunks kept before it.
    expect(Buffer.concat(chunks).equals(sent)).toBe(true);
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeGreaterThan(64 * 1024);
  });

  it('copies small reads out, so the buffer read into again leaves them as they were', async () => {
    const messages = Array.from({length: 20}, (_, index) =>
      Buffer.from(`message ${index} `.repeat(index + 1)),
    );
    const chunks = await receiveAll(await sendingServer(messages, 5));
    expect(Buffer.concat(chunks).toString()).toBe(Buffer.concat(messages).toString());
    expect(chunks.every((chunk) => chunk.length <= COPIED_READ_BYTES)).toBe(true);
    // Each in a buffer of its own size, not a view of the 256 KiB read buffer.
    expect(chunks.every((chunk) => chunk.buffer.byteLength < 64 * 1024)).toBe(true);
  });

  it('reports a refused connection as an error, as a plain socket does', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const {port} = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const socket = connectSshSocket('127.0.0.1', port);
    cleanups.push(() => socket.destroy());
    const error = await new Promise<Error & {code?: string}>((resolve) => socket.once('error', resolve));
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('writes made in one turn of the event loop go out together when the turn ends, in order', async () => {
    const received: Buffer[] = [];
    const server = net.createServer((peer) => peer.on('data', (chunk: Buffer) => received.push(chunk)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    const socket = connectSshSocket('127.0.0.1', (server.address() as net.AddressInfo).port);
    cleanups.push(() => socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    const expected = Array.from({length: 50}, (_, index) => `packet ${index};`).join('');
    for (let index = 0; index < 50; index++) socket.write(`packet ${index};`);
    // Corked once for the whole turn, not once per write; nothing has been handed to the kernel yet.
    expect(socket.writableCorked).toBe(1);
    expect(socket.writableLength).toBe(Buffer.byteLength(expected));
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.writableCorked).toBe(0);
    expect(socket.writableLength).toBe(0);
    while (Buffer.concat(received).length < expected.length)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(Buffer.concat(received).toString()).toBe(expected);
    // A later turn corks again.
    socket.write('more');
    expect(socket.writableCorked).toBe(1);
  });

  it('coalesceWrites works on any socket', async () => {
    const [ours] = await new Promise<[net.Socket]>((resolve) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => {
        const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1', () =>
          resolve([socket]),
        );
        cleanups.push(() => {
          socket.destroy();
          server.close();
        });
      });
      server.on('connection', (peer) => cleanups.push(() => peer.destroy()));
    });
    coalesceWrites(ours);
    ours.write('a');
    ours.write('b');
    expect(ours.writableCorked).toBe(1);
  });
});
