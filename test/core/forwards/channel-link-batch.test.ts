import net from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {ChannelLink, type LinkRouter} from '../../../source/core/forwards/channel-link.js';

const PACKET = 32 * 1024;

/** A router in the middle of handling one read from the server, as ChannelLinks is while ssh2 parses it. */
function parsingRouter() {
  const adjustments: number[] = [];
  const pending: ChannelLink[] = [];
  const router = {
    parsing: true,
    deliveryPending: (link: ChannelLink) => pending.push(link),
    protocol: {
      channelWindowAdjust: (_id: number, amount: number) => adjustments.push(amount),
      channelClose: () => {},
      channelEOF: () => {},
    },
    roundTripMs: undefined,
    roundTripWanted: () => {},
    forget: () => {},
  };
  /** The read has been handled: what it brought is written. */
  const readHandled = () => {
    router.parsing = false;
    for (const link of pending.splice(0)) link.flushDeliveries();
    router.parsing = true;
  };
  return {router: router as unknown as LinkRouter, adjustments, pending, readHandled};
}

/** A connected pair on loopback: the link writes to `local`, `client` reads. */
async function socketPair(): Promise<{local: net.Socket; client: net.Socket; close: () => void}> {
  const server = net.createServer({allowHalfOpen: true});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect({port: (server.address() as net.AddressInfo).port, host: '127.0.0.1'});
  const local = await accepted;
  return {
    local,
    client,
    close: () => {
      client.destroy();
      local.destroy();
      server.close();
    },
  };
}

function readAll(client: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.on('end', () => resolve(Buffer.concat(chunks)));
    client.on('error', reject);
  });
}

// The packets of one read from the server are written to the local socket together, once the whole read
// has been handled (channel-link.ts, flushDeliveries): a writev instead of a write per packet.
describe('data from one read of the server', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it('is written once the read is handled, whole and in order, with one window adjustment', async () => {
    const {router, adjustments, pending, readHandled} = parsingRouter();
    const {local, client, close} = await socketPair();
    closers.push(close);
    const link = new ChannelLink(router, 0, 7, 2 * 1024 * 1024, PACKET);
    link.start(local, () => {});
    const packets = [0, 1, 2, 3].map((index) => Buffer.alloc(PACKET, index + 1));
    for (const packet of packets) link.received(packet);
    expect(local.bytesWritten).toBe(0);
    expect(pending).toEqual([link]);
    readHandled();
    expect(local.bytesWritten).toBe(4 * PACKET);
    // Four packets used 128 KiB of the window: one adjustment gives it all back.
    expect(adjustments).toEqual([4 * PACKET]);
    const received = readAll(client);
    link.receivedEof();
    expect((await received).equals(Buffer.concat(packets))).toBe(true);
  });

  it('goes out ahead of an EOF or CLOSE that came in the same read', async () => {
    const {router, readHandled} = parsingRouter();
    const {local, client, close} = await socketPair();
    closers.push(close);
    const link = new ChannelLink(router, 0, 7, 2 * 1024 * 1024, PACKET);
    link.start(local, () => {});
    const received = readAll(client);
    link.received(Buffer.from('last words'));
    link.receivedEof();
    link.receivedClose();
    readHandled();
    expect((await received).toString()).toBe('last words');
  });

  it('is written at once outside a read (data taken over with the channel)', async () => {
    const {router} = parsingRouter();
    (router as {parsing: boolean}).parsing = false;
    const {local, close} = await socketPair();
    closers.push(close);
    const link = new ChannelLink(router, 0, 7, 2 * 1024 * 1024, PACKET);
    link.start(local, () => {});
    link.received(Buffer.from('at once'));
    expect(local.bytesWritten).toBe(7);
  });
});
