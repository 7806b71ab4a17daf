import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {Emitter} from '../../../source/core/emitter.js';
import type {ForwardCounters, TunnelEvent} from '../../../source/core/events.js';
import {sampleTraffic, TRAFFIC_INTERVAL_MS} from '../../../source/core/session/traffic-sampler.js';

describe('forward-traffic: counters sampled while a connection is open', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts with the first connection, reports only forwards with one open, and stops with the last', () => {
    const events = new Emitter<TunnelEvent>();
    const counters: Record<string, ForwardCounters> = {
      L1: {openConnections: 1, totalConnections: 1, failedConnections: 0, bytesIn: 10, bytesOut: 20},
      D2: {openConnections: 0, totalConnections: 0, failedConnections: 0, bytesIn: 0, bytesOut: 0},
    };
    sampleTraffic(events, () =>
      Object.keys(counters).map((id) => ({id, counters: () => ({...counters[id]!})})),
    );
    const samples: TunnelEvent[] = [];
    events.on((event) => {
      if (event.event === 'forward-traffic') samples.push(event);
    });
    // Idle: no connection has opened, nothing is sampled.
    vi.advanceTimersByTime(5 * TRAFFIC_INTERVAL_MS);
    expect(samples).toEqual([]);

    events.emit({event: 'connection-opened', forwardId: 'L1', connectionId: 1, from: 'a:1', to: 'b:2'});
    vi.advanceTimersByTime(TRAFFIC_INTERVAL_MS);
    expect(samples).toEqual([
      {event: 'forward-traffic', forwards: [{forwardId: 'L1', counters: counters.L1}]},
    ]);

    counters.L1 = {...counters.L1!, openConnections: 0, bytesIn: 30};
    vi.advanceTimersByTime(TRAFFIC_INTERVAL_MS);
    // Nothing open: no sample, and the timer is gone.
    expect(samples).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
