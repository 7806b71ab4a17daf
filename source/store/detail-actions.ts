import {type AppState, type DetailTarget, type ForwardRow, type SessionRow, store} from './state.js';

// The detail view (Enter): what it shows, and what `y` copies from it or from the main screen.

/** Opens the detail of the selected forward (focus on the forwards) or of the selected session. */
export function openDetail(): void {
  store.setState((state) => {
    const target = selectedTarget(state);
    return target ? {detail: target, message: undefined} : {};
  });
}

export function closeDetail(): void {
  store.setState({detail: undefined});
}

/** What the main screen has selected: a forward while the forwards pane has the focus, else the session. */
export function selectedTarget(state: AppState): DetailTarget | undefined {
  const session = state.sessions[state.selectedSession];
  if (!session) return undefined;
  const forward = state.focus === 'forwards' ? session.forwards[state.selectedForward] : undefined;
  return forward ? {sessionId: session.id, forwardId: forward.id} : {sessionId: session.id};
}

export type TargetRows = {session: SessionRow; forward: ForwardRow | undefined} | undefined;

/** The rows a target names, as they are now: undefined once its session (or forward) is gone. */
export function targetRows(state: AppState, target: DetailTarget): TargetRows {
  const session = state.sessions.find((row) => row.id === target.sessionId);
  if (!session) return undefined;
  if (target.forwardId === undefined) return {session, forward: undefined};
  const forward = session.forwards.find((row) => row.id === target.forwardId);
  return forward ? {session, forward} : undefined;
}

/** The text `y` copies for a target (the forward's listening address, or the session's), or why none. */
export function copyText(
  state: AppState,
  target: DetailTarget | undefined,
): {text: string} | {reason: string} {
  if (!target) return {reason: 'nothing to copy: no session yet (press c to connect)'};
  const rows = targetRows(state, target);
  if (!rows) return {reason: 'nothing to copy: it is gone'};
  const {session, forward} = rows;
  if (!forward) return {text: session.address};
  if (forward.listeningOn) return {text: forward.listeningOn};
  const why =
    forward.state === 'starting'
      ? 'is not listening yet'
      : forward.state === 'failed'
        ? 'failed'
        : 'is closed';
  return {reason: `nothing to copy: this forward ${why}`};
}
