import {allocated} from '../garbage-budget.js';
import type {ProtocolInternals} from '../session/ssh2-internals.js';
import type {LocalSocket} from './handle-socket.js';

/**
 * A TCP socket carried over one SSH channel, at the level of SSH messages: channel data goes straight to
 * socket.write and socket reads straight into CHANNEL_DATA packets, with the windows kept here. ssh2's own
 * channel is a Duplex stream piped both ways to the socket; for the forwards (-L, -R, -D) that stream
 * machinery is most of the JS work per connection and per packet (a large share of the CPU of a short
 * connection and of bulk data), and nothing needs the stream.
 *
 * ssh2 still opens and accepts the channel; the link then takes it over: ssh2's table keeps the id
 * reserved (so ssh2 gives it to no other channel until both sides have closed it), and the session's
 * ChannelLinks passes that id's messages here instead of to ssh2's channel object.
 */

const MiB = 1024 * 1024;
/** ssh2's initial window, which it advertised when it opened or accepted the channel: every channel's floor. */
const BASE_WINDOW_BYTES = 2 * MiB;
/** The most one channel's window grows to, on a long link with a reader that keeps up. */
export const MAX_WINDOW_BYTES = 16 * MiB;
/**
 * What all channels of the process together may be granted beyond their base windows: the most a link
 * that grew and then met a slow reader can make tunnels hold, on top of each channel's base window.
 */
export const WINDOW_BUDGET_BYTES = 64 * MiB;
/**
 * The window is topped up once this much of it is used (OpenSSH's channel_check_window: three packets),
 * not half of it: a server on a long link then never waits on a window an adjustment is on its way to fill.
 */
const ADJUST_AFTER_BYTES = 3 * 32 * 1024;
/** A local reader that keeps its socket's buffer full this long is slower than the link. */
const SLOW_READER_MS = 500;
/** A channel this long without data goes back to its base window. */
const IDLE_SHRINK_MS = 10_000;
/**
 * How much socket data may wait for window before the socket is paused (ssh2's channel holds as much):
 * data at hand when the window opens goes out at once, instead of after the socket is read again.
 */
const UNSENT_LIMIT_BYTES = BASE_WINDOW_BYTES;

/** Window granted beyond the base windows, process-wide, as the descriptor budget is. */
let windowBudgetLeft = WINDOW_BUDGET_BYTES;

/** For tests and the benchmark: how much of the window budget is in use now. */
export function windowBudgetInUse(): number {
  return WINDOW_BUDGET_BYTES - windowBudgetLeft;
}
/** How long the peer has to close a channel once both sides have sent EOF. */
const PEER_CLOSE_TIMEOUT_MS = 5000;

/** What a link needs of the connection's ChannelLinks (channel-links.ts), which route its messages to it. */
export interface LinkRouter {
  readonly protocol: ProtocolInternals;
  /** A read from the server is being handled: data for the local socket waits until all of it has been. */
  readonly parsing: boolean;
  /** The link holds data to write once the read has been handled (flushDeliveries). */
  deliveryPending(link: ChannelLink): void;
  /** The shortest round trip to the server measured, in ms. */
  readonly roundTripMs: number | undefined;
  /** A link is weighing its window against the round trip: time it again (at most now and then). */
  roundTripWanted(): void;
  /** Both sides have closed: the id is free for ssh2 to use again. */
  forget(localId: number): void;
}

/**
 * One socket joined to one channel, both ways, with backpressure (a slow reader holds the window; a
 * closed window pauses the socket) and each side's EOF carried over as a half-close. The socket must be
 * created with allowHalfOpen. onClose is called once, when the socket has closed, with the first error.
 */
export class ChannelLink {
  private socket: LocalSocket | undefined;
  private onClose: ((error: Error | undefined) => void) | undefined;
  /** Data from the server before start(). */
  private early: Buffer[] = [];
  /** Data from the server's current read, written to the socket together once the read is handled. */
  private batch: Buffer[] = [];
  /** Socket data waiting for window, oldest first. */
  private unsent: Buffer[] = [];
  private unsentBytes = 0;
  /** Window granted to the server and not yet used. */
  private receiveWindow = BASE_WINDOW_BYTES;
  /** What the window is topped up to: the base, or more after bulk data a reader kept up with. */
  private windowSize = BASE_WINDOW_BYTES;
  /** Bytes delivered since the window last grew. */
  private deliveredSinceGrowth = 0;
  /** Budget this link holds: its window beyond the base, or the credit beyond it the server still has. */
  private budgetHeld = 0;
  private lastDataAt = 0;
  /** When the bytes of deliveredSinceGrowth began. */
  private growthPeriodStart = 0;
  private waitingForDrain = false;
  private drainWaitSince = 0;
  /** The local reader made the link wait since the window was last weighed: it, not the window, held the rate. */
  private readerHeldUp = false;
  private socketEnded = false;
  private eofSent = false;
  private eofReceived = false;
  private closeSent = false;
  private closeReceived = false;
  private firstError: Error | undefined;
  private peerCloseTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly links: LinkRouter,
    private readonly localId: number,
    readonly remoteId: number,
    private sendWindow: number,
    private readonly packetSize: number,
  ) {}

  /** The window ssh2 had left when the link took the channel over. */
  receiveWindowLeft(bytes: number): void {
    this.receiveWindow = bytes;
  }

  get open(): boolean {
    return !this.closeSent && !this.closeReceived;
  }

  /**
   * Sends data as the window allows and holds the rest. Before start: bytes that go ahead of the
   * socket's own (a SOCKS request's bytes after its header).
   */
  write(data: Buffer): void {
    if (!this.open) return;
    if (this.unsentBytes > 0) this.hold(data);
    else this.hold(this.sendAsWindowAllows(data));
  }

  start(socket: LocalSocket, onClose: (error: Error | undefined) => void): void {
    this.socket = socket;
    this.onClose = onClose;
    socket.on('error', (error: Error) => {
      this.firstError ??= error;
      socket.destroy();
    });
    socket.on('data', (data: Buffer) => {
      // Every read is a buffer of its own, garbage once it has gone out.
      allocated(data.length);
      // write() drops it once the channel is closed (unsent is then empty, so nothing pauses).
      this.write(data);
      if (this.unsentBytes >= UNSENT_LIMIT_BYTES) socket.pause();
    });
    socket.on('end', () => {
      this.socketEnded = true;
      if (this.unsentBytes === 0) this.sendEof();
    });
    socket.on('drain', () => {
      // A batch written while corked sets needDrain even when it all went out at once (flushDeliveries).
      if (!this.waitingForDrain) return;
      this.waitingForDrain = false;
      // A socket's buffer fills for a moment at any bulk rate; a reader that held it full this long is
      // slower than the link, and no more than the base window is granted again until it catches up.
      if (Date.now() - this.drainWaitSince > SLOW_READER_MS) this.shrinkWindow();
      this.adjustWindow();
    });
    socket.on('close', () => {
      // After a clean end, what the client sent may still wait for window, and EOF after it; the channel
      // then closes as usual. An abrupt close (or an error) closes the channel at once.
      if (!this.socketEnded || this.firstError) this.destroy();
      this.onClose?.(this.firstError);
    });
    // A socket that read its client's EOF before it was handed over (a SOCKS client that sends its
    // request, its data and FIN at once: the EOF is read while the channel opens) has emitted 'end' already.
    if (socket.readableEnded) {
      this.socketEnded = true;
      if (this.unsentBytes === 0) this.sendEof();
    }
    const early = this.early;
    this.early = [];
    for (const chunk of early) this.deliver(chunk);
    if (this.eofReceived) socket.end();
    if (this.closeReceived) this.endSocket();
    else if (this.unsentBytes >= UNSENT_LIMIT_BYTES) socket.pause();
    else socket.resume();
  }

  /** Closes the channel (CHANNEL_CLOSE) without waiting for anything. */
  destroy(): void {
    this.unsent = [];
    this.unsentBytes = 0;
    clearTimeout(this.peerCloseTimer);
    if (!this.open) return;
    this.closeSent = true;
    this.links.protocol.channelClose(this.remoteId);
  }

  /** Takes in channel data; true when it is kept until the socket is handed over (not written yet). */
  received(data: Buffer): boolean {
    if (this.closeSent || this.receiveWindow === 0) return false;
    this.receiveWindow -= data.length;
    const now = Date.now();
    if (now - this.lastDataAt > IDLE_SHRINK_MS) {
      this.shrinkWindow();
      this.growthPeriodStart = now;
    }
    this.lastDataAt = now;
    if (this.budgetHeld > 0) this.releaseUnneededBudget();
    if (this.socket) {
      this.deliver(data);
      return false;
    }
    this.early.push(data);
    return true;
  }

  /** Whether the socket still holds written data it has not handed to the system. */
  writesQueued(): boolean {
    return this.socket !== undefined && this.socket.writableLength > 0;
  }

  windowGrew(amount: number): void {
    this.sendWindow += amount;
    if (this.unsentBytes === 0 || !this.open) return;
    const wasFull = this.unsentBytes >= UNSENT_LIMIT_BYTES;
    while (this.unsent.length > 0 && this.sendWindow > 0) {
      const data = this.unsent.shift()!;
      this.unsentBytes -= data.length;
      const rest = this.sendAsWindowAllows(data);
      if (rest) {
        this.unsent.unshift(rest);
        this.unsentBytes += rest.length;
      }
    }
    if (!this.socket) return;
    if (this.unsentBytes === 0 && this.socketEnded) this.sendEof();
    else if (wasFull && this.unsentBytes < UNSENT_LIMIT_BYTES) this.socket.resume();
  }

  receivedEof(): void {
    if (this.eofReceived) return;
    this.eofReceived = true;
    this.flushDeliveries();
    this.socket?.end();
    this.startPeerCloseTimer();
  }

  receivedClose(): void {
    this.closed(true);
  }

  /** The SSH connection is gone: as a close from the server, with nothing left to send or answer. */
  connectionLost(): void {
    this.closed(false);
  }

  private closed(answer: boolean): void {
    this.flushDeliveries();
    this.closeReceived = true;
    windowBudgetLeft += this.budgetHeld;
    this.budgetHeld = 0;
    this.windowSize = BASE_WINDOW_BYTES;
    clearTimeout(this.peerCloseTimer);
    if (!this.closeSent) {
      this.closeSent = true;
      if (answer) this.links.protocol.channelClose(this.remoteId);
    }
    this.links.forget(this.localId);
    if (this.socket) this.endSocket();
  }

  private deliver(data: Buffer): void {
    if (this.links.parsing) {
      if (this.batch.push(data) === 1) this.links.deliveryPending(this);
      return;
    }
    const socket = this.socket!;
    if (socket.destroyed || socket.writableEnded) return;
    this.written(socket.write(data));
  }

  /**
   * Writes what the server's latest read brought for this socket in one system call (a writev), as ssh
   * writes what one read gave it; a write per packet cost a call and a pass through the stream each.
   */
  flushDeliveries(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    const socket = this.socket!;
    if (socket.destroyed || socket.writableEnded) return;
    if (batch.length === 1) {
      this.written(socket.write(batch[0]!));
      return;
    }
    socket.cork();
    for (const data of batch) socket.write(data);
    socket.uncork();
    // Corked writes return false; whether the socket took it all is what write() would have said.
    this.written(socket.writableLength < socket.writableHighWaterMark);
  }

  private written(taken: boolean): void {
    if (taken) this.adjustWindow();
    else if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.readerHeldUp = true;
      this.drainWaitSince = Date.now();
    }
  }

  private hold(data: Buffer | undefined): void {
    if (!data) return;
    this.unsent.push(data);
    this.unsentBytes += data.length;
  }

  /** Sends what the window and packet size allow; returns the rest. */
  private sendAsWindowAllows(data: Buffer): Buffer | undefined {
    const length = data.length;
    let offset = 0;
    // A server that gives a packet size of 0 can be sent nothing (OpenSSH sends it nothing either): held.
    while (offset < length && this.sendWindow > 0 && this.packetSize > 0) {
      const size = Math.min(length - offset, this.sendWindow, this.packetSize);
      // ssh2 makes a packet of its own for it.
      allocated(size);
      this.links.protocol.channelData(
        this.remoteId,
        offset === 0 && size === length ? data : data.subarray(offset, offset + size),
      );
      offset += size;
      this.sendWindow -= size;
    }
    return offset < length ? data.subarray(offset) : undefined;
  }

  /**
   * Tops the window up once a little of it is used and the socket is keeping up. After each window's
   * worth delivered, the window is weighed against the link (weighWindow).
   */
  private adjustWindow(): void {
    if (this.waitingForDrain || !this.open) return;
    const used = this.windowSize - this.receiveWindow;
    if (used < ADJUST_AFTER_BYTES) return;
    this.deliveredSinceGrowth += used;
    if (this.deliveredSinceGrowth >= this.windowSize) this.weighWindow();
    this.links.protocol.channelWindowAdjust(this.remoteId, this.windowSize - this.receiveWindow);
    this.receiveWindow = this.windowSize;
  }

  /**
   * The window doubles (up to MAX_WINDOW_BYTES, within the process's budget) if a window's worth went by
   * in about two round trips while the local reader kept up: the window is then smaller than the link's
   * bandwidth-delay product and is what holds the rate down (HPN-SSH grows its windows on the same
   * measure). A reader that made the link wait for it at all in that time set the rate itself, and a
   * larger window would only hold more in our memory. On loopback the round trip is a fraction of a
   * millisecond and the window stays at its base. Each weighing has the round trip timed again, so a
   * first timing that came out long does not make windows grow for the life of the connection.
   */
  private weighWindow(): void {
    const now = Date.now();
    const perRoundTrip =
      (this.deliveredSinceGrowth / Math.max(now - this.growthPeriodStart, 1)) * (this.links.roundTripMs ?? 0);
    if (perRoundTrip >= this.windowSize / 2 && this.windowSize < MAX_WINDOW_BYTES && !this.readerHeldUp) {
      const wanted = Math.min(2 * this.windowSize, MAX_WINDOW_BYTES) - BASE_WINDOW_BYTES - this.budgetHeld;
      const growth = Math.max(0, Math.min(wanted, windowBudgetLeft));
      windowBudgetLeft -= growth;
      this.budgetHeld += growth;
      this.windowSize = BASE_WINDOW_BYTES + this.budgetHeld;
    }
    this.deliveredSinceGrowth = 0;
    this.growthPeriodStart = now;
    this.readerHeldUp = false;
    this.links.roundTripWanted();
  }

  /**
   * Back to the base window for what is granted from now on. Window already granted cannot be taken
   * back, so the budget it holds comes back only as the server uses it up.
   */
  private shrinkWindow(): void {
    this.windowSize = BASE_WINDOW_BYTES;
    this.deliveredSinceGrowth = 0;
    this.releaseUnneededBudget();
  }

  /** Returns the budget neither the window nor the server's unused credit needs any more. */
  private releaseUnneededBudget(): void {
    const needed = Math.max(0, Math.max(this.windowSize, this.receiveWindow) - BASE_WINDOW_BYTES);
    if (this.budgetHeld <= needed) return;
    windowBudgetLeft += this.budgetHeld - needed;
    this.budgetHeld = needed;
  }

  private sendEof(): void {
    if (this.eofSent || !this.open) return;
    this.eofSent = true;
    this.links.protocol.channelEOF(this.remoteId);
    this.startPeerCloseTimer();
  }

  /**
   * Once both EOFs are exchanged the peer closes first (OpenSSH does, at once), so ours answers it and
   * carries the TCP ACK. Closing first leaves the peer's CLOSE unacknowledged until our delayed ACK, and
   * sshd's Nagle then holds its next small packet, the CHANNEL_OPEN of the next -R connection, for 40 ms:
   * 20 connections a second instead of hundreds. A peer that never closes still gets its channel closed.
   */
  private startPeerCloseTimer(): void {
    if (!this.eofSent || !this.eofReceived || !this.open || this.peerCloseTimer) return;
    this.peerCloseTimer = setTimeout(() => this.destroy(), PEER_CLOSE_TIMEOUT_MS);
  }

  /**
   * The channel is closed: what is written goes out, then the socket closes. Nothing the client still
   * sends can be delivered now, so once our writes are out the socket closes even if the client has not
   * finished sending (as ssh does): it never waits on a reader that is gone.
   */
  private endSocket(): void {
    const socket = this.socket!;
    if (!socket.writableEnded) socket.end();
    if (this.socketEnded) return;
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  }
}
