/** A forward's rates from the traffic samples (see rate-window.ts), in the store's fold. Pure. */
import type {ForwardCounters, TunnelEvent} from '../core/events.js';
import {withRatePoint} from './connections.js';
import {addSample, emptyRateWindow, rateOf} from './rate-window.js';
import {sameCounters, withCounters, withForward} from './rows.js';
import type {AppState, TrafficSamples} from './state.js';

/**
 * Counters sampled each second while connections are open: rates over a window of samples, so a reader
 * that takes its data in bursts shows its steady pace (see rate-window.ts).
 */
export function applyTraffic(
  state: AppState,
  sessionId: number,
  sampled: {forwardId: string; counters: ForwardCounters}[],
  time: number,
): AppState {
  let next = state;
  const samples: Record<string, TrafficSamples> = {...state.fold.samples};
  for (const {forwardId, counters} of sampled) {
    const key = `${sessionId} ${forwardId}`;
    const last = samples[key] ?? {in: emptyRateWindow(), out: emptyRateWindow()};
    const windows = {
      in: addSample(last.in, time, counters.bytesIn),
      out: addSample(last.out, time, counters.bytesOut),
    };
    samples[key] = windows;
    const rateIn = rateOf(windows.in, time);
    const rateOut = rateOf(windows.out, time);
    next = withForward(next, sessionId, forwardId, (forward) =>
      sameCounters(forward.counters, counters) && forward.rateIn === rateIn && forward.rateOut === rateOut
        ? forward
        : withRatePoint({...withCounters(forward, counters), rateIn, rateOut}, time),
    );
  }
  return {...next, fold: {...next.fold, samples}};
}

/**
 * The counters when the first connection of a quiet forward opened start its rate windows, so the bytes of
 * the first second count as a step (a download whose first megabytes fill the socket buffers at once).
 */
export function withRateStart(
  state: AppState,
  sessionId: number,
  event: Extract<TunnelEvent, {event: 'connection-opened'}>,
  time: number,
): AppState {
  const key = `${sessionId} ${event.forwardId}`;
  if (state.fold.samples[key] || !event.counters) return state;
  const windows = {
    in: addSample(emptyRateWindow(), time, event.counters.bytesIn),
    out: addSample(emptyRateWindow(), time, event.counters.bytesOut),
  };
  return {...state, fold: {...state.fold, samples: {...state.fold.samples, [key]: windows}}};
}
