/**
 * A transfer rate from samples of a byte counter, smoothed over a sliding window. Pure.
 *
 * A reader that takes data in bursts (a slow client reading 4 MiB every 4 s) moves the counter in steps.
 * The rate over one sample interval is then 0, 4 MiB/s, 0: a steady reader looks erratic. Here the rate is
 * the bytes moved between the counter's steps divided by the time between them, over the steps of the last
 * window and the two steps before it: 1 MiB/s for that reader, every second, even when its steps come
 * further apart than the window. When the steps stop coming, the rate falls as the wait grows longer than
 * the usual gap, and is 0 once the wait is longer than the window and twice that gap.
 */

export const RATE_WINDOW_MS = 5000;

/** How far back steps before the window are still taken as the current pace (a reader's bursts may be
 * further apart than the window: a slow client behind full socket buffers). */
const LOOKBACK_WINDOWS = 6;

/** Steps before the window kept to set the pace: two give the gap between bursts. */
const STEPS_BEFORE = 2;

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

/** The steps in the window, and the last ones before it that are recent enough to set the pace. */
function keptSteps(steps: Step[], now: number, windowMs: number): Step[] {
  let inWindow = steps.findIndex((step) => step.time >= now - windowMs);
  if (inWindow === -1) inWindow = steps.length;
  const before = steps
    .slice(Math.max(0, inWindow - STEPS_BEFORE), inWindow)
    .filter((step) => step.time >= now - LOOKBACK_WINDOWS * windowMs);
  return [...before, ...steps.slice(inWindow)];
}

/** Bytes per second at `now` (the time of the last sample, or later). */
export function rateOf(window: RateWindow, now: number, windowMs = RATE_WINDOW_MS): number {
  const steps = keptSteps(window.steps, now, windowMs);
  const newest = steps.at(-1);
  if (!newest) return 0;
  const oldest = steps[0]!;
  // Quiet for longer than the window and than twice the usual gap between steps: stopped.
  const usualGap = steps.length > 1 ? (newest.time - oldest.time) / (steps.length - 1) : 0;
  if (newest.time < now - Math.max(windowMs, 2 * usualGap)) return 0;
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
