import type net from 'node:net';
import type {Client, ClientChannel} from 'ssh2';

/**
 * Every use of ssh2's private fields, in one place, with one view of them: the message writer and its
 * handlers (_protocol), the channel table (_chanMgr), the replies awaited for global requests
 * (_callbacks), the connection's socket (_sock), and a channel's two halves. A new ssh2 that renames
 * one of these breaks here, and nowhere else.
 */
export interface ProtocolInternals {
  /** Takes in what was read from the server: every whole packet in it is handled before it returns. */
  parse(chunk: Buffer, start: number, end: number): void;
  ping(): void;
  channelData(id: number, data: Buffer): void;
  channelEOF(id: number): void;
  channelClose(id: number): void;
  channelWindowAdjust(id: number, amount: number): void;
  channelFailure(id: number): void;
  /** What decrypts what is read: replaced at each key exchange; counts the packets it has decrypted. */
  _decipher?: DecipherInternals;
  _handlers: Record<
    string,
    (protocol: unknown, recipient: number, first?: unknown, second?: unknown, third?: unknown) => void
  >;
}

export interface DecipherInternals {
  inSeqno: number;
}

/**
 * Whether ssh2's decipher keeps a view into `buffer` (a packet whose tag has not been read yet can lie
 * there undecrypted): its own fields are all it keeps between reads.
 */
export function decipherHolds(decipher: DecipherInternals, buffer: ArrayBufferLike): boolean {
  const fields = decipher as unknown as Record<string, unknown>;
  for (const key in fields) {
    const value = fields[key];
    if (value instanceof Uint8Array && value.buffer === buffer) return true;
  }
  return false;
}

/** ssh2's table of channels: its own channel objects, and `true` for ids that links hold. */
export interface ChannelTableInternals {
  _channels: Record<number, {outgoing?: {id?: number; state?: string}} | true>;
  _count: number;
  update(id: number, value: unknown): void;
  remove(id: number): void;
}

export interface ClientInternals {
  _protocol?: ProtocolInternals;
  _chanMgr?: ChannelTableInternals;
  /** ssh2 answers global requests in order from this list, its own keepalives included. */
  _callbacks?: Array<() => void>;
  _sock?: net.Socket;
}

export interface ChannelInternals {
  incoming: {id: number; window: number; state: string};
  outgoing: {id: number; window: number; packetSize: number; state: string};
}

function clientInternals(client: Client): ClientInternals {
  return client as unknown as ClientInternals;
}

export function channelInternals(channel: ClientChannel): ChannelInternals {
  return channel as unknown as ChannelInternals;
}

/** What ChannelLinks takes over: the message writer with its handlers, the channel table, the replies awaited. */
export function linkInternals(client: Client): {
  protocol: ProtocolInternals;
  handlers: ProtocolInternals['_handlers'];
  table: ChannelTableInternals;
  callbacks: Array<() => void> | undefined;
} {
  const {_protocol, _chanMgr, _callbacks} = clientInternals(client);
  if (!_protocol || !_chanMgr)
    throw new Error(
      'ssh2 has no message writer or channel table: this version of ssh2 is not one tunnels knows',
    );
  return {protocol: _protocol, handlers: _protocol._handlers, table: _chanMgr, callbacks: _callbacks};
}

/** The socket ssh2 runs on (a TCP socket of ours, or a channel of a jump host's connection). */
export function clientSocket(client: Client): net.Socket | undefined {
  return clientInternals(client)._sock;
}

/** SSH channels open on the connection now (ssh2's own count). */
export function openChannelCount(client: Client | undefined): number {
  return (client && clientInternals(client)._chanMgr?._count) ?? 0;
}

/**
 * Sends a keepalive and calls `answered` when the server replies; false when this ssh2 has no way to
 * (then nothing is sent).
 */
export function pingWithReply(client: Client, answered: () => void): boolean {
  const internals = clientInternals(client);
  if (!internals._callbacks || !internals._protocol) return false;
  internals._callbacks.push(answered);
  internals._protocol.ping();
  return true;
}

/** A read from the server this small may end with a small packet that sshd's Nagle is waiting to see ACKed. */
const SMALL_READ_BYTES = 4096;

/**
 * Makes sure the server's small packets are ACKed at once. sshd leaves Nagle on for forwarding, so after
 * a small packet (a channel's open confirmation, a reply on one connection) it holds its next small one
 * (a server's greeting right behind the confirmation, FTP's data behind its 150, another connection's
 * answer) until that is ACKed, and our delayed ACK takes 40 ms: on every such exchange, and OpenSSH's own
 * client stalls the same way. Any packet of ours carries the ACK, so after a small read a zero
 * WINDOW_ADJUST goes only if nothing was sent since the latest one two loop turns later (by then a client
 * that answers at once, or had already written, has had its packet sent). A timer instead (1 ms) sent
 * fewer of these packets but cost more CPU per short connection in wake-ups. Bulk data comes in large
 * reads and is ACKed by TCP itself every other segment. `anyOpenLinkId` names an open link's channel.
 */
export function acknowledgeSmallReads(client: Client, anyOpenLinkId: () => number | undefined): void {
  const internals = clientInternals(client);
  const socket = internals._sock;
  // Over a jump host or a ProxyCommand there is no TCP socket of ours to ACK on.
  if (!socket || typeof socket.bytesWritten !== 'number') return;
  let waiting = false;
  // What we had written when the latest small read came: if it is still all, nothing carried its ACK.
  let writtenAtRead = 0;
  socket.on('data', (chunk: Buffer) => {
    if (chunk.length > SMALL_READ_BYTES) return;
    writtenAtRead = socket.bytesWritten;
    if (waiting) return;
    waiting = true;
    setImmediate(() => setImmediate(afterTwoTurns));
  });
  const afterTwoTurns = () => {
    waiting = false;
    if (socket.bytesWritten !== writtenAtRead || socket.destroyed) return;
    // Any open channel will do: the ACK is for the connection, not for a channel.
    const id = anyOpenLinkId() ?? (internals._chanMgr && openChannelId(internals._chanMgr));
    if (id !== undefined) internals._protocol?.channelWindowAdjust(id, 0);
  };
}

/**
 * The server's id of an open channel that ssh2 itself carries (a remote command, an FTP control
 * connection). Asked only when no link is open; the table then holds ssh2's own channels and links
 * waiting for the server's CLOSE, so the walk is short.
 */
function openChannelId(manager: ChannelTableInternals): number | undefined {
  for (const key in manager._channels) {
    const entry = manager._channels[key as unknown as number];
    const outgoing = typeof entry === 'object' ? entry.outgoing : undefined;
    if (outgoing?.state === 'open') return outgoing.id;
  }
  return undefined;
}
