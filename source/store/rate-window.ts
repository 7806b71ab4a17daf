/**
 * A transfer rate from samples of a byte counter, smoothed over a sliding window. Pure.
 *
 * A reader that takes data in bursts (a slow client reading 4 MiB every 4 s) moves the counter in steps.
 * The rate over one sample interval is then 0, 4 MiB/s, 0: a steady reader looks erratic. Here the rate is
 * the bytes moved between the counter's steps divided by the time between them, over the steps of the last
 * window and the one step before it: 1 MiB/s for that reader, every second. When the steps stop coming, the
 * rate falls as the wait grows longer than the usual gap, and is 0 once no step is left in the window.
 */

export const RATE_WINDOW_MS = 5000;

/** How far back a step before the window is still taken as the start of the current pace. */
const LOOKBACK_WINDOWS = 3;

/** A sample at which the counter had grown since the sample before. */
type Step = {time: number; before: number; after: number};

export type RateWindow = {
  /** When sampling began: the first step's bytes came at most this long before it. */
  since: number | undefined;
  last: {time: number; bytes: number} | undefined;
  steps: Step[];
};

export const emptyRateWindow = (): RateWindow => ({since: undefined, last: undefined, steps: []});

/** The window with a new sample of the counter (its total bytes at `time`). */
export function addSample(
  window: RateWindow,
  time: number,
  bytes: number,
  windowMs = RATE_WINDOW_MS,
): RateWindow {
  const {last} = window;
  // A counter that went back belongs to something new (a forward started again): start over.
  if (!last || bytes < last.bytes || time < last.time) return {since: time, last: {time, bytes}, steps: []};
  const steps =
    bytes > last.bytes ? [...window.steps, {time, before: last.bytes, after: bytes}] : window.steps;
  return {since: window.since, last: {time, bytes}, steps: keptSteps(steps, time, windowMs)};
}

/** The steps in the window, and the last one before it if it is recent enough to set the pace. */
function keptSteps(steps: Step[], now: number, windowMs: number): Step[] {
  const inWindow = steps.findIndex((step) => step.time >= now - windowMs);
  if (inWindow === -1)
    return steps.slice(-1).filter((step) => step.time >= now - LOOKBACK_WINDOWS * windowMs);
  const before = steps[inWindow - 1];
  const kept = steps.slice(inWindow);
  return before && before.time >= now - LOOKBACK_WINDOWS * windowMs ? [before, ...kept] : kept;
}

/** Bytes per second at `now` (the time of the last sample, or later). */
export function rateOf(window: RateWindow, now: number, windowMs = RATE_WINDOW_MS): number {
  const steps = keptSteps(window.steps, now, windowMs);
  const newest = steps.at(-1);
  if (!newest || newest.time < now - windowMs) return 0;
  const oldest = steps[0]!;
  if (steps.length === 1) {
    // One step: its bytes came since the sampling began, or over a window at most.
    const span = Math.min(windowMs, newest.time - (window.since ?? newest.time));
    return ((newest.after - newest.before) * 1000) / Math.max(span, now - newest.time, 1);
  }
  // The bytes of the oldest step came before the span measured; those of the others within it.
  const span = newest.time - oldest.time;
  const gap = span / (steps.length - 1);
  return ((newest.after - oldest.after) * 1000) / Math.max(span, now - oldest.time - gap);
}
