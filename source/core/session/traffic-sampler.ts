import type {Emitter} from '../emitter.js';
import type {ForwardCounters, TunnelEvent} from '../events.js';

/** How often a session reports its forwards' counters while a connection is open. */
export const TRAFFIC_INTERVAL_MS = 1000;

/**
 * Emits `forward-traffic` about once a second with the counters of each forward that has an open
 * connection, from the first connection opened until none is open: an idle session does no work. The
 * store turns successive samples into rates; counters are read from the sockets' tallies (see ForwardBase).
 */
export function sampleTraffic(
  events: Emitter<TunnelEvent>,
  forwards: () => Iterable<{id: string; counters(): ForwardCounters}>,
): void {
  let timer: NodeJS.Timeout | undefined;
  const sample = () => {
    const open: {forwardId: string; counters: ForwardCounters}[] = [];
    for (const forward of forwards()) {
      const counters = forward.counters();
      if (counters.openConnections > 0) open.push({forwardId: forward.id, counters});
    }
    if (open.length === 0) {
      clearInterval(timer);
      timer = undefined;
      return;
    }
    events.emit({event: 'forward-traffic', forwards: open});
  };
  events.on((event) => {
    if (timer || (event.event !== 'connection-opened' && event.event !== 'ftp-data-opened')) return;
    timer = setInterval(sample, TRAFFIC_INTERVAL_MS);
    // The session's sockets keep the process alive while they are open; this timer need not.
    timer.unref();
  });
}
