/** How long to wait between attempts: doubling from `initial` up to `max`. */
export interface Backoff {
  initial: number;
  max: number;
  /**
   * For this long after the first failure, every wait is between `initial` and twice that (jittered),
   * so a server that comes back is found within about that; only then do the waits grow.
   */
  steadyMs?: number;
}

/**
 * The wait before attempt `attempt` (1, 2, …), in ms. With `jitter`, a random point in the upper half of
 * that wait, so many clients of one restarted server do not come back in step.
 */
export function backoffDelay(attempt: number, {initial, max}: Backoff, jitter: boolean): number {
  const ceiling = Math.min(max, initial * 2 ** (attempt - 1));
  return jitter ? Math.round(ceiling / 2 + (Math.random() * ceiling) / 2) : ceiling;
}

/**
 * The waits between the attempts of one outage: steady at first (see Backoff.steadyMs), then doubling
 * up to `max`, always with jitter. reset() when the outage is over.
 */
export class RetrySchedule {
  private startedAt: number | undefined;
  private grown = 0;

  constructor(
    private readonly backoff: Backoff,
    private readonly now: () => number = () => performance.now(),
  ) {}

  next(): number {
    const {initial, max, steadyMs = 0} = this.backoff;
    this.startedAt ??= this.now();
    if (this.now() - this.startedAt < steadyMs) return backoffDelay(2, {initial, max}, true);
    this.grown++;
    return backoffDelay(this.grown + (steadyMs > 0 ? 1 : 0), {initial, max}, true);
  }

  reset(): void {
    this.startedAt = undefined;
    this.grown = 0;
  }
}
