/**
 * A destination or favorite that is already connected is selected, not connected again: a second
 * identical row would only fight the first for its ports. A second connection is made when asked for
 * (Ctrl-N in the connect dialog and the favorites picker), or when the user, port or route differ.
 */
import {ConfigError, destinationOnly} from '../config/command-line.js';
import {resolveInvocation} from '../config/session-options.js';
import {connectTo} from './actions.js';
import {sessionAddress} from './bridge.js';
import {type AppState, type SessionRow, store} from './state.js';
import {closeDialog, showMessage} from './ui-actions.js';

/** A session that holds its place: up, on its way up, or coming back. Failed and closed ones do not. */
export function isLive(session: SessionRow): boolean {
  return session.state !== 'failed' && session.state !== 'closed';
}

/** The live session started under this name (a favorite's sessions carry the favorite's name). */
export function liveSessionNamed(state: AppState, name: string): SessionRow | undefined {
  return state.sessions.find((session) => session.name === name && isLive(session));
}

/** The live session to this address (user@host:port, and its route), as the rows show it. */
export function liveSessionAt(state: AppState, address: string): SessionRow | undefined {
  return state.sessions.find((session) => session.address === address && isLive(session));
}

/** Selects a session's row (the Sessions pane in focus). */
export function selectSession(id: number): void {
  store.setState((state) => {
    const index = state.sessions.findIndex((session) => session.id === id);
    return index === -1 ? {} : {selectedSession: index, selectedForward: 0, focus: 'sessions'};
  });
}

/** What the status line says when a connect selected a session instead. */
export function alreadyConnectedText(session: SessionRow): string {
  return `${session.name} (${session.address}) is already ${session.state === 'connected' ? 'connected' : session.state}: selected it; Ctrl-N connects a second time`;
}

/**
 * Enter in the connect dialog: the session to the same user, host, port and route is selected when one
 * is live; otherwise, or with `again` (Ctrl-N), a new connection.
 */
export async function connectOrSelect(destination: string, options: {again?: boolean} = {}): Promise<void> {
  if (!options.again) {
    let address: string | undefined;
    try {
      address = sessionAddress((await resolveInvocation(destinationOnly(destination, undefined))).session);
    } catch (error) {
      // connectTo resolves it again and puts the problem in the dialog.
      if (!(error instanceof ConfigError)) throw error;
    }
    const existing = address === undefined ? undefined : liveSessionAt(store.getState(), address);
    if (existing) {
      closeDialog();
      selectSession(existing.id);
      showMessage('info', alreadyConnectedText(existing));
      return;
    }
  }
  await connectTo(destination);
}
