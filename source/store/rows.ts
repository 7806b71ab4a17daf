/** Row updates the fold is made of: one session's row, one forward's, a forward's counters. Pure. */
import type {ForwardCounters} from '../core/events.js';
import type {AppState, ForwardRow, SessionRow} from './state.js';

export function withSession(state: AppState, id: number, update: (row: SessionRow) => SessionRow): AppState {
  return {...state, sessions: state.sessions.map((row) => (row.id === id ? update(row) : row))};
}

export function withForward(
  state: AppState,
  sessionId: number,
  forwardId: string,
  update: (row: ForwardRow) => ForwardRow,
): AppState {
  const session = state.sessions.find((row) => row.id === sessionId);
  const forward = session?.forwards.find((row) => row.id === forwardId);
  if (!forward) return state;
  const updated = update(forward);
  if (updated === forward) return state;
  return withSession(state, sessionId, (row) => ({
    ...row,
    forwards: row.forwards.map((candidate) => (candidate === forward ? updated : candidate)),
  }));
}

/**
 * A connection's counters; with none open, no rate (a rate with nothing open would be stale). Bytes only
 * grow: a connection's event counts the closed connections' bytes alone, a traffic sample every byte, so
 * the larger is the nearer.
 */
export function withCounters(forward: ForwardRow, reported: ForwardCounters | undefined): ForwardRow {
  if (!reported) return forward;
  const counters = {
    ...reported,
    bytesIn: Math.max(reported.bytesIn, forward.counters.bytesIn),
    bytesOut: Math.max(reported.bytesOut, forward.counters.bytesOut),
  };
  const idle = counters.openConnections === 0;
  const rateStays = !idle || (forward.rateIn === 0 && forward.rateOut === 0);
  if (rateStays && sameCounters(forward.counters, counters)) return forward;
  return {...forward, counters, rateIn: idle ? 0 : forward.rateIn, rateOut: idle ? 0 : forward.rateOut};
}

export function sameCounters(a: ForwardCounters, b: ForwardCounters): boolean {
  return (
    a.openConnections === b.openConnections &&
    a.totalConnections === b.totalConnections &&
    a.failedConnections === b.failedConnections &&
    a.bytesIn === b.bytesIn &&
    a.bytesOut === b.bytesOut
  );
}
