import {describe, expect, it} from 'vitest';
import {pauseBetween} from '../../../source/core/session/wake-watch.js';

describe('pauseBetween: noticing that the machine slept or the process was frozen', () => {
  const at = (wall: number, monotonic: number) => ({wall, monotonic});

  it('a timer on time (a little late, as timers are) is no pause', () => {
    expect(pauseBetween(at(0, 0), at(1030, 1030), 1000, 4000)).toBeUndefined();
    expect(pauseBetween(at(0, 0), at(3900, 3900), 1000, 4000)).toBeUndefined();
  });

  it('a sleep: the wall clock jumps ahead of the monotonic one, which stood still', () => {
    expect(pauseBetween(at(0, 0), at(601_000, 1000), 1000, 4000)).toBe(600_000);
  });

  it('a freeze (SIGSTOP, a paused VM): both clocks ran, and the timer came late', () => {
    expect(pauseBetween(at(0, 0), at(9000, 9000), 1000, 4000)).toBe(8000);
  });

  it('the wall clock set back (NTP) is no pause', () => {
    expect(pauseBetween(at(10_000, 0), at(5000, 1000), 1000, 4000)).toBeUndefined();
  });
});
