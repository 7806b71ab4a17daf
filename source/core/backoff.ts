/** How long to wait between attempts: doubling from `initial` up to `max`. */
export interface Backoff {
  initial: number;
  max: number;
}

/**
 * The wait before attempt `attempt` (1, 2, …), in ms. With `jitter`, a random point in the upper half of
 * that wait, so many clients of one restarted server do not come back in step.
 */
export function backoffDelay(attempt: number, {initial, max}: Backoff, jitter: boolean): number {
  const ceiling = Math.min(max, initial * 2 ** (attempt - 1));
  return jitter ? Math.round(ceiling / 2 + (Math.random() * ceiling) / 2) : ceiling;
}
