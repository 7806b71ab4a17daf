import {EventEmitter} from 'node:events';
import type net from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {ChannelLink, type LinkRouter, windowBudgetInUse} from '../../../source/core/forwards/channel-link.js';

const MiB = 1024 * 1024;
const PACKET = 32 * 1024;
/** A window is weighed at the first top-up (every three packets) past a window's worth delivered. */
const WINDOW_WORTH = 2 * MiB + 3 * PACKET;

/** A router that records the window adjustments a link sends and how often it asks for a timing. */
function recordingRouter(roundTripMs: number) {
  const adjustments: number[] = [];
  const state = {roundTripMs, timingsAsked: 0};
  const router = {
    protocol: {
      channelWindowAdjust: (_id: number, amount: number) => adjustments.push(amount),
      channelClose: () => {},
    },
    get roundTripMs() {
      return state.roundTripMs;
    },
    roundTripWanted: () => {
      state.timingsAsked++;
    },
    forget: () => {},
  } as unknown as LinkRouter;
  return {router, adjustments, state};
}

/** Just enough of a socket for a link: its writes are taken at once unless `full` says the reader is behind. */
class FakeSocket extends EventEmitter {
  full = false;
  destroyed = false;
  writableEnded = false;
  readableEnded = false;
  write(): boolean {
    return !this.full;
  }
  pause(): void {}
  resume(): void {}
  end(): void {}
  destroy(): void {}
}

function startedLink(roundTripMs: number) {
  const recorded = recordingRouter(roundTripMs);
  const link = new ChannelLink(recorded.router, 0, 7, 2 * MiB, PACKET);
  const socket = new FakeSocket();
  link.start(socket as unknown as net.Socket, () => {});
  const deliver = (bytes: number) => {
    for (let sent = 0; sent < bytes; sent += PACKET) link.received(Buffer.alloc(PACKET));
  };
  return {link, socket, deliver, ...recorded};
}

// The window a link grants the server grows with the link's bandwidth-delay product (channel-link.ts,
// weighWindow); these drive that policy without a server, at a round trip long enough that any rate
// makes the base window the limit.
describe('the window a link grants the server', () => {
  const links: ChannelLink[] = [];
  afterEach(() => {
    for (const link of links.splice(0)) link.receivedClose();
    expect(windowBudgetInUse()).toBe(0);
  });

  it('grows after a window’s worth delivered to a reader that kept up, and has the round trip timed again', () => {
    const {link, deliver, adjustments, state} = startedLink(1000);
    links.push(link);
    deliver(WINDOW_WORTH);
    expect(windowBudgetInUse()).toBe(2 * MiB);
    // The adjustment that follows the growth gives the server the new window's room.
    expect(Math.max(...adjustments)).toBeGreaterThan(2 * MiB);
    expect(state.timingsAsked).toBe(1);
  });

  it('does not grow while the local reader holds the link up: the reader, not the window, sets the rate', () => {
    const {link, socket, deliver} = startedLink(1000);
    links.push(link);
    socket.full = true;
    deliver(PACKET);
    socket.full = false;
    // Caught up at once (not long enough to count as a slow reader).
    socket.emit('drain');
    deliver(WINDOW_WORTH);
    expect(windowBudgetInUse()).toBe(0);
    // A window's worth later, with the reader keeping up all along, it grows.
    deliver(WINDOW_WORTH);
    expect(windowBudgetInUse()).toBe(2 * MiB);
  });
});
