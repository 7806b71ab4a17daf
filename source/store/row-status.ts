import type {AppState, ForwardRow, SessionRow} from './state.js';

/**
 * What a row and the status line say as a session drops and comes back, and as a forward's clients are
 * refused: kept true to what is happening now (see reducer.ts, which folds the events).
 */

/**
 * A session that dropped (or stopped trying) replaces the status line: what it said (a forward listening)
 * is no longer true. Said for the drop itself, not for each failed attempt after it.
 */
export function afterDrop(state: AppState, row: SessionRow, reason: string): AppState {
  return {...state, message: {kind: 'error', text: `${row.name}: ${reason}`}};
}

/** Back after a drop: the drop's status line, if still up, says so. */
export function afterReconnect(state: AppState, row: SessionRow, reconnects: number | undefined): AppState {
  if (!reconnects || !state.message?.text.startsWith(`${row.name}: `)) return state;
  return {...state, message: {kind: 'info', text: `${row.name}: reconnected`}};
}

/** Connected again: a forward refused clients while its session was away; new clients get through now. */
export function listeningAgain(forward: ForwardRow): ForwardRow {
  return forward.state === 'refusing' ? {...forward, state: 'listening', failure: undefined} : forward;
}

/**
 * Whether a failed connection says the forward refuses every client: for a SOCKS forward (-D, -R port) only
 * a refusal at its listener (the core reports those as "to" the listener itself), since one unreachable
 * destination says nothing of the others; for the rest, whose clients all go to one target, any failure.
 */
export function refusesAll(forward: ForwardRow, to: string): boolean {
  if (forward.kind !== 'dynamic' && forward.kind !== 'remote-dynamic') return true;
  return to === forward.listeningOn;
}
