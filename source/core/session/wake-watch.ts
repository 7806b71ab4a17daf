/** Wall-clock and monotonic readings taken together. */
export interface ClockReading {
  wall: number;
  monotonic: number;
}

/**
 * How long the process was not running between two readings a timer `intervalMs` apart, or undefined
 * when it ran on time. A laptop's sleep stops the monotonic clock but not the wall clock (the wall clock
 * jumps ahead of it); a frozen process or machine (SIGSTOP, a VM paused) runs both, and the timer fires
 * late. Either way a TCP connection may have died meanwhile without a word.
 */
export function pauseBetween(
  before: ClockReading,
  after: ClockReading,
  intervalMs: number,
  thresholdMs: number,
): number | undefined {
  const monotonic = after.monotonic - before.monotonic;
  const wall = after.wall - before.wall;
  const paused = Math.max(wall - monotonic, 0) + Math.max(monotonic - intervalMs, 0);
  return paused >= thresholdMs ? paused : undefined;
}

export const readClocks = (): ClockReading => ({wall: Date.now(), monotonic: performance.now()});

/** Calls `onWake` with the pause's length after each pause (see pauseBetween); stop() ends it. */
export class WakeWatch {
  private timer: NodeJS.Timeout;
  private last: ClockReading;

  constructor(
    onWake: (pausedMs: number) => void,
    intervalMs = 1000,
    thresholdMs = 4000,
    clocks: () => ClockReading = readClocks,
  ) {
    this.last = clocks();
    this.timer = setInterval(() => {
      const now = clocks();
      const paused = pauseBetween(this.last, now, intervalMs, thresholdMs);
      this.last = now;
      if (paused !== undefined) onWake(paused);
    }, intervalMs);
    // It watches a connection; it must not keep the process alive by itself.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
