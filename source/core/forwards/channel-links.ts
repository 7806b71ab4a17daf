// The event loop's own clock: tests that fake `performance` (timers) leave this one real.
import {performance as loopClock} from 'node:perf_hooks';
import type {Client, ClientChannel} from 'ssh2';
import {
  type ChannelTableInternals,
  channelInternals,
  type DecipherInternals,
  decipherHolds,
  linkInternals,
  type ProtocolInternals,
} from '../session/ssh2-internals.js';
import {ChannelLink} from './channel-link.js';

/**
 * The ChannelLinks of one SSH connection: ssh2's channel handlers are wrapped so that an adopted channel's
 * messages go to its ChannelLink instead of ssh2's channel object, and the connection's round trip (what
 * each link's window is weighed against) is timed here.
 */

/** Keepalive round trips timed when a connection is made; the shortest is kept. */
const ROUND_TRIP_SAMPLES = 3;
/** While the connection is new, timings follow each other this closely; after this many, less closely. */
const ROUND_TRIP_SPACING_MS = 20;
const ROUND_TRIP_QUICK_ATTEMPTS = 50;
const ROUND_TRIP_SLOW_SPACING_MS = 1000;
/** A timing is kept when the event loop worked at most this long, or this share, of it. */
const BUSY_SAMPLE_MS = 0.5;
const BUSY_SAMPLE_SHARE = 0.25;
/** Another one this often, when the links have been quiet for QUIET_MS. */
const ROUND_TRIP_RESAMPLE_MS = 30_000;
const QUIET_MS = 200;
/** While links weigh their windows (bulk data), a timing at most this often. */
const ROUND_TRIP_FOLLOW_MS = 1000;

/** The links of one ssh2 connection, and the routing of their messages. */
export class ChannelLinks {
  readonly protocol: ProtocolInternals;
  /** The shortest round trip to the server measured, in ms: what a window is weighed against. */
  roundTripMs: number | undefined;
  /** Timings still to be kept (each a keepalive request and its reply on the connection). */
  roundTripTimingsWanted = 0;
  private readonly table: ChannelTableInternals;
  private readonly links = new Map<number, ChannelLink>();
  /** Channel messages so far, any channel's: a quiet moment to time a round trip in is one without. */
  private packets = 0;
  /** One more timing, when a link asks for it (undefined until the connection is timed at all). */
  private timeAgain: (() => void) | undefined;
  private lastAskedAt = Number.NEGATIVE_INFINITY;
  /** ssh2 is handling a read of the SSH socket (its wrapped `parse`): links hold their data until it is done. */
  parsing = false;
  /** Links holding data from the read being handled. */
  private pendingDeliveries: ChannelLink[] = [];
  /**
   * The latest read handled whole (undefined while one is being handled, or when handling it threw), the
   * decipher it began with and that decipher's packet count then: what readFree weighs.
   */
  private lastRead: Buffer | undefined;
  private readDecipher: DecipherInternals | undefined;
  private readSeqno = 0;
  /** Messages of the latest read that links took, and whether any link kept some of its data. */
  private linkPacketsInRead = 0;
  private keptFromRead = false;

  constructor(client: Client) {
    const {protocol, handlers, table, callbacks} = linkInternals(client);
    this.protocol = protocol;
    this.table = table;
    if (callbacks) this.measureRoundTrip(client, callbacks, ROUND_TRIP_SAMPLES);
    // ssh2's channel handlers take at most three arguments after the recipient. Named, not gathered with
    // `...rest`: CHANNEL_DATA runs once per packet, and a rest array would be made for each.
    const route = (name: string, deliver: (link: ChannelLink, first: unknown, second: unknown) => void) => {
      const original = handlers[name];
      if (!original)
        throw new Error(`ssh2 has no ${name} handler: this version of ssh2 is not one tunnels knows`);
      handlers[name] = (protocol, recipient, first, second, third) => {
        this.packets++;
        const link = this.links.get(recipient);
        if (link) {
          this.linkPacketsInRead++;
          deliver(link, first, second);
        } else original(protocol, recipient, first, second, third);
      };
    };
    // Data for local sockets is written once the whole read has been handled, a writev per socket.
    const parse = protocol.parse;
    protocol.parse = (chunk, start, end) => {
      this.parsing = true;
      this.lastRead = undefined;
      this.readDecipher = protocol._decipher;
      this.readSeqno = protocol._decipher?.inSeqno ?? 0;
      this.linkPacketsInRead = 0;
      this.keptFromRead = false;
      try {
        parse.call(protocol, chunk, start, end);
        this.lastRead = chunk;
      } finally {
        this.parsing = false;
        this.flushDeliveries();
      }
    };
    route('CHANNEL_DATA', (link, data) => {
      if (link.received(data as Buffer)) this.keptFromRead = true;
    });
    route('CHANNEL_WINDOW_ADJUST', (link, amount) => link.windowGrew(amount as number));
    route('CHANNEL_EOF', (link) => link.receivedEof());
    route('CHANNEL_CLOSE', (link) => link.receivedClose());
    // No request means anything on a TCP channel; one that wants an answer gets "failure", as ssh2 answers.
    route('CHANNEL_REQUEST', (link, _type, wantReply) => {
      if (wantReply) this.protocol.channelFailure(link.remoteId);
    });
    client.on('close', () => {
      for (const link of [...this.links.values()]) link.connectionLost();
    });
  }

  /**
   * A link weighs its window against the round trip: timed again now and then for as long as links do,
   * so that a first timing that came out long (sshd or this machine busy then) is soon put right.
   */
  roundTripWanted(): void {
    const now = performance.now();
    if (now - this.lastAskedAt < ROUND_TRIP_FOLLOW_MS || this.roundTripTimingsWanted > 0) return;
    this.lastAskedAt = now;
    this.timeAgain?.();
  }

  /**
   * Times keepalive requests (answered in order from ssh2's list, as its own are) while the connection is
   * new, then one now and then when no link has data moving, and while links weigh their windows: a
   * reply that waited behind bulk data would make the link look longer than it is, so the shortest is
   * kept. A reply that waited on this process instead (busy starting up, or on a busy machine) is not
   * kept either: a timing during which the event loop was mostly at work measures the loop, not the link,
   * and on loopback it made windows grow that nothing needed (and memory with them).
   */
  private measureRoundTrip(client: Client, callbacks: Array<() => void>, samples: number): void {
    let closed = false;
    let attempts = 0;
    const resample = setInterval(() => {
      const before = this.packets;
      setTimeout(() => {
        if (this.packets === before) sample(1);
      }, QUIET_MS).unref();
    }, ROUND_TRIP_RESAMPLE_MS);
    resample.unref();
    client.once('close', () => {
      closed = true;
      clearInterval(resample);
    });
    const sample = (left: number, retry = true) => {
      if (closed) return;
      if (retry) this.roundTripTimingsWanted = left;
      attempts++;
      const start = performance.now();
      const loopBefore = loopClock.eventLoopUtilization();
      callbacks.push(() => {
        const elapsed = performance.now() - start;
        const busy = loopClock.eventLoopUtilization(loopBefore).active;
        const kept = busy <= Math.max(BUSY_SAMPLE_MS, elapsed * BUSY_SAMPLE_SHARE);
        if (kept) this.roundTripMs = Math.min(this.roundTripMs ?? Number.POSITIVE_INFINITY, elapsed);
        if (!retry) return;
        const stillWanted = kept ? left - 1 : left;
        this.roundTripTimingsWanted = stillWanted;
        if (stillWanted > 0)
          setTimeout(
            () => sample(stillWanted),
            attempts < ROUND_TRIP_QUICK_ATTEMPTS ? ROUND_TRIP_SPACING_MS : ROUND_TRIP_SLOW_SPACING_MS,
          ).unref();
      });
      this.protocol.ping();
    };
    sample(samples);
    // A timing a link asks for is not tried again when it is not kept: the link asks again.
    this.timeAgain = () => sample(1, false);
  }

  /** Takes over a channel ssh2 has just opened or accepted (before it has seen any of its data). */
  adopt(channel: ClientChannel): ChannelLink {
    const {incoming, outgoing} = channelInternals(channel);
    const link = new ChannelLink(this, incoming.id, outgoing.id, outgoing.window, outgoing.packetSize);
    // What ssh2 took in for it already (nothing, when adopted at once; X11 reads the setup first) is
    // passed on ahead of the rest, and the window is what ssh2 has left of it.
    while (channel.readableLength > 0) link.received(channel.read() as Buffer);
    link.receiveWindowLeft(incoming.window);
    if (incoming.state === 'closed') {
      // ssh2 has answered the server's CLOSE and freed the id already.
      link.connectionLost();
      return link;
    }
    this.links.set(incoming.id, link);
    this.table.update(incoming.id, true);
    if (incoming.state === 'eof') link.receivedEof();
    return link;
  }

  deliveryPending(link: ChannelLink): void {
    this.pendingDeliveries.push(link);
  }

  private flushDeliveries(): void {
    const pending = this.pendingDeliveries;
    if (pending.length === 0) return;
    this.pendingDeliveries = [];
    for (const link of pending) {
      link.flushDeliveries();
      if (link.writesQueued()) this.keptFromRead = true;
    }
  }

  /**
   * Whether nothing holds any of `read` (the latest read of the SSH socket) any more, so that the next
   * read may go into its buffer: every message in it was for a link (ssh2's own channels and requests
   * may keep what they are given), each link wrote its data out whole, the key exchange did not change
   * the decipher, and the decipher kept no packet of it waiting for its tag.
   */
  readFree(read: Buffer): boolean {
    const decipher = this.protocol._decipher;
    return (
      read === this.lastRead &&
      !this.keptFromRead &&
      decipher !== undefined &&
      decipher === this.readDecipher &&
      (decipher.inSeqno - this.readSeqno) >>> 0 === this.linkPacketsInRead &&
      !decipherHolds(decipher, read.buffer)
    );
  }

  /** The server's id of some open link: any channel can carry a connection-level packet. */
  anyOpenRemoteId(): number | undefined {
    for (const link of this.links.values()) if (link.open) return link.remoteId;
    return undefined;
  }

  /** Both sides have closed: the id is free for ssh2 to use again. */
  forget(localId: number): void {
    if (this.links.delete(localId)) this.table.remove(localId);
  }
}
