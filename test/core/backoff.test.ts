import {describe, expect, it} from 'vitest';
import {backoffDelay} from '../../source/core/backoff.js';

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
