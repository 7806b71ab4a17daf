import type {ForwardRow, SessionRow} from '../../source/store/state.js';

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
