import {describe, expect, it} from 'vitest';
import {addSample, emptyRateWindow, RATE_WINDOW_MS, rateOf} from '../../source/store/rate-window.js';
import {formatBytes} from '../../source/text/format.js';

const MiB = 1024 * 1024;

/** Samples a counter once a second, as the store does, and the rate after each sample. */
function rates(
  bytesAt: (time: number) => number,
  seconds: number,
  phase = 0,
): {time: number; rate: number}[] {
  let window = emptyRateWindow();
  const result: {time: number; rate: number}[] = [];
  for (let second = 0; second <= seconds; second++) {
    const time = second * 1000 + phase;
    window = addSample(window, time, bytesAt(time));
    result.push({time, rate: rateOf(window, time)});
  }
  return result;
}

/** A reader that receives 4 MiB every 4 s, from 4 s on, for `until` ms. */
const burstyReader =
  (until = Number.POSITIVE_INFINITY) =>
  (time: number) =>
    Math.floor(Math.min(time, until) / 4000) * 4 * MiB;

describe('rate over a window', () => {
  it('shows a slow reader that takes 4 MiB every 4 s as a steady 1 MiB/s', () => {
    const shown = rates(burstyReader(), 60).filter(({time}) => time >= 4000);
    for (const {rate} of shown) expect(rate).toBeCloseTo(MiB, -3);
    expect(new Set(shown.map(({rate}) => `${formatBytes(Math.round(rate))}/s`))).toEqual(
      new Set(['1.0 MiB/s']),
    );
  });

  it('stays steady whenever the samples fall between the bursts', () => {
    for (const phase of [1, 250, 500, 999]) {
      const shown = rates(burstyReader(), 60, phase).filter(({time}) => time >= 9000);
      for (const {rate} of shown) expect(rate).toBeCloseTo(MiB, -3);
    }
  });

  it('stays near 1 MiB/s when the bursts come a little early or late', () => {
    // Bursts at 4 s, 8 s, ... each up to 0.4 s early or late.
    const offsets = [300, -200, 400, -400, 100, 0, -300, 200, 350, -100, 250, -350, 50, 0];
    const bytesAt = (time: number) =>
      offsets.filter((offset, index) => (index + 1) * 4000 + offset <= time).length * 4 * MiB;
    const shown = rates(bytesAt, 56).filter(({time}) => time >= 12_000);
    for (const {rate} of shown) {
      expect(rate).toBeGreaterThan(0.75 * MiB);
      expect(rate).toBeLessThan(1.34 * MiB);
    }
  });

  it('gives a fast steady reader its rate', () => {
    const shown = rates((time) => time * 10 * 1024, 20).slice(1);
    for (const {rate} of shown) expect(rate).toBeCloseTo(10 * 1024 * 1000, -3);
  });

  it('falls once the reader stops, and is 0 once quiet for longer than the window and twice the usual gap', () => {
    const shown = rates(burstyReader(20_000), 40);
    const at = (second: number) => shown[second]!.rate;
    expect(at(20)).toBeCloseTo(MiB, -3);
    expect(at(24)).toBeCloseTo(MiB, -3);
    expect(at(25)).toBeLessThan(MiB);
    expect(at(25)).toBeGreaterThan(0);
    expect(at(27)).toBeLessThan(at(25));
    expect(at(28)).toBeGreaterThan(0);
    // 8 s quiet: twice the 4 s between the bursts.
    expect(at(29)).toBe(0);
    expect(at(40)).toBe(0);
    // A steady reader that stops: 0 after the window, as before.
    const steady = rates((time) => Math.min(time, 10_000) * 1024, 30);
    expect(steady[15]!.rate).toBeGreaterThan(0);
    expect(steady[16]!.rate).toBe(0);
  });

  it('shows a reader behind full socket buffers, 9 MiB every 9 s, as about 1 MiB/s and never blank', () => {
    // The field case: the buffers take 19 MiB at once, then the client's reads free 9 MiB every 9 s.
    const bytesAt = (time: number) =>
      time < 1000 ? 0 : 19 * MiB + Math.floor((time - 1000) / 9000) * 9 * MiB;
    const shown = rates(bytesAt, 60).filter(({time}) => time >= 11_000);
    for (const {rate} of shown) {
      expect(rate).toBeGreaterThan(0.6 * MiB);
      expect(rate).toBeLessThan(1.7 * MiB);
    }
  });

  it('shows the first burst over the time since sampling began, at most a window', () => {
    const shown = rates(burstyReader(), 5);
    expect(shown.slice(0, 4).map(({rate}) => rate)).toEqual([0, 0, 0, 0]);
    expect(shown[4]!.rate).toBeCloseTo(MiB, -3);
    // A burst after a long idle time: spread over one window.
    let window = addSample(emptyRateWindow(), 0, 0);
    window = addSample(window, 60_000, 0);
    window = addSample(window, 61_000, 5 * MiB);
    expect(rateOf(window, 61_000)).toBeCloseTo((5 * MiB * 1000) / RATE_WINDOW_MS, -3);
  });

  it('starts over when the counter goes back', () => {
    let window = addSample(emptyRateWindow(), 0, 0);
    window = addSample(window, 1000, 10 * MiB);
    window = addSample(window, 2000, 1 * MiB);
    expect(rateOf(window, 2000)).toBe(0);
    window = addSample(window, 3000, 2 * MiB);
    expect(rateOf(window, 3000)).toBeCloseTo(MiB, -3);
  });

  it('is 0 with no samples or a counter that never moves', () => {
    expect(rateOf(emptyRateWindow(), 0)).toBe(0);
    expect(rates(() => 4096, 10).every(({rate}) => rate === 0)).toBe(true);
  });
});
