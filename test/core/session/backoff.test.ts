import {describe, expect, it} from 'vitest';
import {backoffDelay, RetrySchedule} from '../../../source/core/session/backoff.js';

describe('backoffDelay', () => {
  const steps = {initial: 1000, max: 30_000};

  it('doubles from the first wait up to the ceiling', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((attempt) => backoffDelay(attempt, steps, false))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('with jitter, stays in the upper half of that wait', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = backoffDelay(attempt, steps, false);
      for (let sample = 0; sample < 50; sample++) {
        const delay = backoffDelay(attempt, steps, true);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });
});

describe('RetrySchedule: the waits of one outage', () => {
  it('steady within twice the first wait for the steady period, then doubling up to the ceiling', () => {
    let now = 0;
    const schedule = new RetrySchedule({initial: 1000, max: 30_000, steadyMs: 60_000}, () => now);
    const steady: number[] = [];
    while (now < 60_000) {
      const delay = schedule.next();
      steady.push(delay);
      now += delay + 50;
    }
    // About 40 tries in the first minute, each 1 to 2 s after the one before: a server that comes back
    // is found within ~2 s.
    expect(steady.length).toBeGreaterThan(25);
    for (const delay of steady) {
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBeLessThanOrEqual(2000);
    }
    const after = Array.from({length: 6}, () => schedule.next());
    const ceilings = [2000, 4000, 8000, 16_000, 30_000, 30_000];
    after.forEach((delay, index) => {
      expect(delay).toBeGreaterThanOrEqual(ceilings[index]! / 2);
      expect(delay).toBeLessThanOrEqual(ceilings[index]!);
    });
  });

  it('without a steady period, doubles from the first wait; reset() starts a new outage', () => {
    const schedule = new RetrySchedule({initial: 200, max: 1000}, () => 0);
    const ceilings = [200, 400, 800, 1000];
    for (const ceiling of ceilings) {
      const delay = schedule.next();
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
    schedule.reset();
    expect(schedule.next()).toBeLessThanOrEqual(200);
  });
});
