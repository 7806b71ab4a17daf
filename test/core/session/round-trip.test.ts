import {EventEmitter} from 'node:events';
import {performance as loopClock} from 'node:perf_hooks';
import type {Client} from 'ssh2';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {ChannelLinks} from '../../../source/core/forwards/channel-links.js';

/** Just enough of an ssh2 client for ChannelLinks: its handler table, channel table and reply queue. */
function fakeClient() {
  const callbacks: Array<() => void> = [];
  const handlers: Record<string, () => void> = {};
  for (const name of [
    'CHANNEL_DATA',
    'CHANNEL_WINDOW_ADJUST',
    'CHANNEL_EOF',
    'CHANNEL_CLOSE',
    'CHANNEL_REQUEST',
  ])
    handlers[name] = () => {};
  let pings = 0;
  const client = Object.assign(new EventEmitter(), {
    _callbacks: callbacks,
    _chanMgr: {update() {}, remove() {}},
    _protocol: {
      _handlers: handlers,
      ping: () => {
        pings++;
      },
    },
  });
  return {client, callbacks, handlers, pings: () => pings};
}

/**
 * The event loop's work during each timing, as the links read it (eventLoopUtilization): `busyMs` from
 * now on. Stubbed so that what this test process happens to be doing (a busy machine) does not count.
 */
function loopAtWork(busyMs: () => number): void {
  const start = {idle: 0, active: 0, utilization: 0};
  vi.spyOn(loopClock, 'eventLoopUtilization').mockImplementation(((since?: unknown) =>
    since ? {idle: 0, active: busyMs(), utilization: 0} : start) as typeof loopClock.eventLoopUtilization);
}

describe('the round trip a window is weighed against', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('is the shortest of the samples: three when new, then one now and then when no data moves', () => {
    vi.useFakeTimers({toFake: ['setTimeout', 'setInterval', 'performance']});
    loopAtWork(() => 0);
    const fake = fakeClient();
    const links = new ChannelLinks(fake.client as unknown as Client);
    // Three at once-ish, each answered after 12 ms (a slow server; this process idle meanwhile).
    for (let sample = 0; sample < 3; sample++) {
      expect(fake.pings()).toBe(sample + 1);
      vi.advanceTimersByTime(12);
      fake.callbacks.shift()!();
      vi.advanceTimersByTime(20);
    }
    expect(links.roundTripMs).toBeCloseTo(12, 0);
    // Quiet later: another sample (the 30 s tick, then 200 ms without data), answered in 1 ms, lowers it.
    vi.advanceTimersToNextTimer();
    expect(fake.pings()).toBe(3);
    vi.advanceTimersToNextTimer();
    expect(fake.pings()).toBe(4);
    vi.advanceTimersByTime(1);
    fake.callbacks.shift()!();
    expect(links.roundTripMs).toBeCloseTo(1, 0);
    // Data moving during the quiet check: no sample then.
    vi.advanceTimersToNextTimer();
    fake.handlers.CHANNEL_DATA!();
    vi.advanceTimersToNextTimer();
    expect(fake.pings()).toBe(4);
    // Closed: no more samples.
    fake.client.emit('close');
    vi.advanceTimersByTime(120_000);
    expect(fake.pings()).toBe(4);
  });

  it('is timed again while links weigh their windows, at most once a second, and the shortest is kept', () => {
    vi.useFakeTimers({toFake: ['setTimeout', 'setInterval', 'performance']});
    let busy = 0;
    loopAtWork(() => busy);
    const fake = fakeClient();
    const links = new ChannelLinks(fake.client as unknown as Client);
    // Asked while the first timings are still under way: those go on as they are.
    links.roundTripWanted();
    expect(fake.pings()).toBe(1);
    // The first three come out long (sshd busy as the connection starts, say).
    for (let sample = 0; sample < 3; sample++) {
      vi.advanceTimersByTime(60);
      fake.callbacks.shift()!();
      vi.advanceTimersByTime(20);
    }
    expect(fake.pings()).toBe(3);
    expect(links.roundTripMs).toBeCloseTo(60, 0);
    // A link weighs its window: timed again, and the shorter timing is kept.
    links.roundTripWanted();
    expect(fake.pings()).toBe(4);
    vi.advanceTimersByTime(10);
    fake.callbacks.shift()!();
    expect(links.roundTripMs).toBeCloseTo(10, 0);
    // Asked again within the second: not timed.
    links.roundTripWanted();
    expect(fake.pings()).toBe(4);
    // A second later, timed; one that was not kept (this loop at work) is not retried by itself, and a
    // longer one never replaces the shorter.
    vi.advanceTimersByTime(1000);
    links.roundTripWanted();
    expect(fake.pings()).toBe(5);
    vi.advanceTimersByTime(8);
    busy = 8;
    fake.callbacks.shift()!();
    busy = 0;
    vi.advanceTimersByTime(500);
    expect(fake.pings()).toBe(5);
    expect(links.roundTripMs).toBeCloseTo(10, 0);
    vi.advanceTimersByTime(1000);
    links.roundTripWanted();
    vi.advanceTimersByTime(30);
    fake.callbacks.shift()!();
    expect(fake.pings()).toBe(6);
    expect(links.roundTripMs).toBeCloseTo(10, 0);
    fake.client.emit('close');
  });

  it('keeps no timing during which this process was at work (it measured the process): it times again', () => {
    vi.useFakeTimers({toFake: ['setTimeout', 'setInterval', 'performance']});
    let busy = 0;
    loopAtWork(() => busy);
    const fake = fakeClient();
    const links = new ChannelLinks(fake.client as unknown as Client);
    expect(fake.pings()).toBe(1);
    // The reply waits 6 ms, 5 of them on this event loop's own work (starting up, say).
    vi.advanceTimersByTime(6);
    busy = 5;
    fake.callbacks.shift()!();
    expect(links.roundTripMs).toBeUndefined();
    // Timed again shortly, with the loop idle: that one is kept.
    busy = 0;
    vi.advanceTimersByTime(20);
    expect(fake.pings()).toBe(2);
    vi.advanceTimersByTime(1);
    fake.callbacks.shift()!();
    expect(links.roundTripMs).toBeCloseTo(1, 0);
    fake.client.emit('close');
  });
});
