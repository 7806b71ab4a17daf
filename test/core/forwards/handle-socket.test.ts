import {createHash} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {
  HandleSocket,
  handleSocketsAvailable,
  type LocalSocket,
} from '../../../source/core/forwards/handle-socket.js';
import {closeServers, createListener, listen} from '../../../source/core/forwards/listen.js';

// A HandleSocket must mean what net.Socket means to a ChannelLink and a forward, on real TCP connections:
// data both ways, each side's half-close, a reset, backpressure and drain, pause and resume, the counts.

const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A listener made as the forwards make theirs, and a client connected to it; resolves with both ends. */
async function pair(
  options: {pauseOnConnect?: boolean; handleSockets?: boolean} = {},
): Promise<{accepted: LocalSocket; client: net.Socket; server: net.Server}> {
  let onAccepted!: (socket: LocalSocket) => void;
  const accepted = new Promise<LocalSocket>((resolve) => {
    onAccepted = resolve;
  });
  const server = createListener(
    {
      allowHalfOpen: true,
      noDelay: true,
      pauseOnConnect: options.pauseOnConnect ?? true,
      handleSockets: options.handleSockets ?? true,
    },
    (socket) => onAccepted(socket),
    () => {},
  );
  const address = await listen(server, '127.0.0.1', 0, () => {});
  const client = net.connect({port: address.port, host: '127.0.0.1', allowHalfOpen: true});
  client.on('error', () => {});
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const socket = await accepted;
  cleanups.push(() => {
    client.destroy();
    socket.destroy();
    void closeServers([server]);
  });
  return {accepted: socket, client, server};
}

function collect(socket: {on(event: 'data', listener: (data: Buffer) => void): unknown}): Buffer[] {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return chunks;
}

const event = (socket: LocalSocket | net.Socket, name: string) =>
  new Promise<unknown[]>((resolve) =>
    (socket as net.Socket).once(name, (...args: unknown[]) => resolve(args)),
  );

/** A stalled client reads again: the 'drain' owed comes once everything is out, then our end reaches it. */
async function readAgainUntilDrainedAndEnded(accepted: LocalSocket, client: net.Socket): Promise<void> {
  const drained = event(accepted, 'drain');
  client.resume();
  await drained;
  expect(accepted.writableLength).toBe(0);
  const clientEnded = event(client, 'end');
  accepted.end();
  await clientEnded;
}

describe.runIf(handleSocketsAvailable)('HandleSocket', () => {
  it('is what a listener that asks for it gives, with the client address; net.Socket otherwise', async () => {
    const {accepted, client} = await pair();
    expect(accepted).toBeInstanceOf(HandleSocket);
    expect(accepted.remoteAddress).toBe('127.0.0.1');
    expect(accepted.remotePort).toBe(client.localPort);
    const plain = await pair({handleSockets: false});
    expect(plain.accepted).toBeInstanceOf(net.Socket);
  });

  it('carries data both ways, counts it, and reads nothing until resumed', async () => {
    const {accepted, client} = await pair();
    const fromClient = collect(accepted);
    client.write('early');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fromClient).toEqual([]);
    accepted.resume();
    await event(accepted, 'data');
    expect(Buffer.concat(fromClient).toString()).toBe('early');
    const fromAccepted = collect(client);
    expect(accepted.write(Buffer.from('reply'))).toBe(true);
    await event(client, 'data');
    expect(Buffer.concat(fromAccepted).toString()).toBe('reply');
    expect(accepted.bytesRead).toBe(5);
    expect(accepted.bytesWritten).toBe(5);
  });

  it("the client's half-close is an 'end'; ours after it goes out with what was written, then both close", async () => {
    const {accepted, client} = await pair();
    accepted.resume();
    const ended = event(accepted, 'end');
    client.end('last words');
    await ended;
    expect(accepted.readableEnded).toBe(true);
    const received = collect(client);
    const clientEnded = event(client, 'end');
    const closed = event(accepted, 'close');
    accepted.write(Buffer.from('answer '));
    accepted.end(Buffer.from('and goodbye'));
    await clientEnded;
    expect(Buffer.concat(received).toString()).toBe('answer and goodbye');
    expect(await closed).toEqual([false]);
    expect(accepted.writableFinished).toBe(true);
  });

  it('our half-close first: the client still sends, and its end then closes the socket', async () => {
    const {accepted, client} = await pair();
    const fromClient = collect(accepted);
    accepted.resume();
    const finished = event(accepted, 'finish');
    accepted.end();
    await Promise.all([finished, event(client, 'end')]);
    expect(accepted.destroyed).toBe(false);
    const closed = event(accepted, 'close');
    client.end('still here');
    await closed;
    expect(Buffer.concat(fromClient).toString()).toBe('still here');
  });

  it("a client's reset is an error, then a close", async () => {
    const {accepted, client} = await pair();
    accepted.resume();
    const errors: Error[] = [];
    accepted.on('error', (error) => errors.push(error));
    const closed = event(accepted, 'close');
    client.resetAndDestroy();
    expect(await closed).toEqual([true]);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(accepted.destroyed).toBe(true);
  });

  it('a reader that stalls makes write() say so, a drain follows when it reads, and every byte arrives in order', async () => {
    const {accepted, client} = await pair();
    client.pause();
    const chunk = Buffer.alloc(256 * 1024);
    const sent = createHash('sha256');
    let writes = 0;
    let taken = true;
    while (taken && writes < 200) {
      chunk.fill(writes % 251);
      const copy = Buffer.from(chunk);
      sent.update(copy);
      taken = accepted.write(copy);
      writes++;
    }
    expect(taken).toBe(false);
    expect(accepted.writableLength).toBeGreaterThanOrEqual(accepted.writableHighWaterMark);
    const received = createHash('sha256');
    let receivedBytes = 0;
    client.on('data', (data: Buffer) => {
      received.update(data);
      receivedBytes += data.length;
    });
    await readAgainUntilDrainedAndEnded(accepted, client);
    expect(receivedBytes).toBe(writes * chunk.length);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
  });

  it('corked writes count as written: past the high-water mark they say so, and a drain follows', async () => {
    // A ChannelLink writes a read's worth of packets corked and waits for a drain when they did not all go.
    const {accepted, client} = await pair();
    client.pause();
    let rounds = 0;
    for (;;) {
      accepted.cork();
      for (let packet = 0; packet < 8; packet++) accepted.write(Buffer.alloc(32 * 1024, rounds));
      expect(accepted.writableLength).toBeGreaterThanOrEqual(8 * 32 * 1024);
      accepted.uncork();
      rounds++;
      if (accepted.writableLength >= accepted.writableHighWaterMark) break;
      expect(rounds).toBeLessThan(1000);
    }
    let received = 0;
    client.on('data', (data: Buffer) => {
      received += data.length;
    });
    await readAgainUntilDrainedAndEnded(accepted, client);
    expect(received).toBe(rounds * 8 * 32 * 1024);
  });

  it('corked writes go out together, in order; pause stops the reading', async () => {
    const {accepted, client} = await pair();
    const received = collect(client);
    accepted.cork();
    for (const word of ['one ', 'two ', 'three']) accepted.write(Buffer.from(word));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(received).toEqual([]);
    accepted.uncork();
    const clientEnded = event(client, 'end');
    accepted.end();
    await clientEnded;
    expect(Buffer.concat(received).toString()).toBe('one two three');

    const fromClient = collect(accepted);
    accepted.resume();
    client.write('a');
    await event(accepted, 'data');
    accepted.pause();
    client.write('b');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Buffer.concat(fromClient).toString()).toBe('a');
    accepted.resume();
    await event(accepted, 'data');
    expect(Buffer.concat(fromClient).toString()).toBe('ab');
  });

  it('destroyed with writes still queued: one close, and the client sees the connection end', async () => {
    const {accepted, client} = await pair();
    client.pause();
    while (accepted.write(Buffer.alloc(256 * 1024)));
    let closes = 0;
    accepted.on('close', () => closes++);
    const clientEnded = event(client, 'end');
    accepted.destroy();
    accepted.destroy();
    client.resume();
    await clientEnded;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closes).toBe(1);
    expect(accepted.write(Buffer.from('late'))).toBe(false);
  });

  it('TUNNELS_NET_SOCKETS=1 gives net.Socket; so does a unix socket listener', async () => {
    process.env.TUNNELS_NET_SOCKETS = '1';
    try {
      const {accepted} = await pair();
      expect(accepted).toBeInstanceOf(net.Socket);
    } finally {
      delete process.env.TUNNELS_NET_SOCKETS;
    }
    const directory = mkdtempSync(path.join(tmpdir(), 'handle-socket-'));
    cleanups.push(() => rmSync(directory, {recursive: true, force: true}));
    const socketPath = path.join(directory, 'listener.sock');
    let onAccepted!: (socket: LocalSocket) => void;
    const accepted = new Promise<LocalSocket>((resolve) => {
      onAccepted = resolve;
    });
    const server = createListener(
      {allowHalfOpen: true, handleSockets: true},
      (socket) => onAccepted(socket),
      () => {},
    );
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const client = net.connect(socketPath);
    cleanups.push(() => {
      client.destroy();
      server.close();
    });
    const socket = await accepted;
    expect(socket).toBeInstanceOf(net.Socket);
    socket.destroy();
  });
});

it('Node gives tunnels the handles it drives directly (else every listener falls back to net.Socket, slower)', () => {
  expect(handleSocketsAvailable).toBe(true);
});
