import type {ForwardCounters, TunnelEvent} from '../../source/core/events.js';
import {addSessionRow, reduce} from '../../source/store/reducer.js';
import {type AppState, type ForwardRow, initialState, type SessionRow} from '../../source/store/state.js';

export const NO_COUNTERS = {
  openConnections: 0,
  totalConnections: 0,
  failedConnections: 0,
  bytesIn: 0,
  bytesOut: 0,
};

/** A listening -L forward row on `port` (to db:5432), with whatever `partial` changes. */
export function forwardRow(port: number, partial: Partial<ForwardRow> = {}): ForwardRow {
  return {
    id: `L${port}`,
    kind: 'local',
    label: `-L ${port}:db:5432`,
    display: `${port}:db:5432`,
    state: 'listening',
    failure: undefined,
    listeningOn: `127.0.0.1:${port}`,
    counters: NO_COUNTERS,
    rateIn: 0,
    rateOut: 0,
    ...partial,
  };
}

/** A connected session row (host-ID, deploy@10.0.0.ID:22) with these forwards. */
export function sessionRow(
  id: number,
  forwards: ForwardRow[] = [],
  partial: Partial<SessionRow> = {},
): SessionRow {
  return {
    id,
    name: `host-${id}`,
    address: `deploy@10.0.0.${id}:22`,
    state: 'connected',
    failure: undefined,
    connectedAt: Date.now(),
    reconnects: 0,
    retryIn: undefined,
    forwards,
    ...partial,
  };
}

/** Feeds events to session 1 ("db"), one second apart from t=1000, from a state with its starting row. */
export function fold(
  events: TunnelEvent[],
  state = addSessionRow(initialState(), 1, 'db', 'u@h:22'),
): AppState {
  return events.reduce((next, event, index) => reduce(next, 1, event, 1000 * (index + 1)), state);
}

/** A forward's counters: zero but what `partial` says. */
export const counters = (partial: Partial<ForwardCounters>): ForwardCounters => ({
  ...NO_COUNTERS,
  ...partial,
});

/** A session's first two events: connecting, then connected. */
export const connected: TunnelEvent[] = [
  {event: 'session-connecting', host: 'h', port: 22, user: 'u'},
  {event: 'session-connected', host: 'h', port: 22, user: 'u', authMethod: 'publickey'},
];
