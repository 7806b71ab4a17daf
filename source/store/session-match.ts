/**
 * A destination or favorite that is already connected is selected, not connected again: a second
 * identical row would only fight the first for its ports. A second connection is made when asked for
 * (Ctrl-N in the connect dialog and the favorites picker), for another Host alias (two aliases for one
 * server are two sessions, as they are two ssh commands), or when the user, port, route or forwards differ.
 */
import {type CommandLineOptions, ConfigError, destinationOnly} from '../config/command-line.js';
import {type ResolvedInvocation, resolveInvocation} from '../config/session-options.js';
import type {ForwardSpec} from '../core/protocols/forward-spec.js';
import {formatForwardFlag} from '../core/protocols/forward-spec-format.js';
import {connect, connectConfigFile, connectTo} from './actions.js';
import {sessionAddress} from './bridge.js';
import {handles} from './session-handles.js';
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

/**
 * A live session that is what a favorite would open: the same user, host, port and route, and the same
 * forwards as it holds them now (a session saved as that favorite with `s`, under its own name).
 */
export function liveSessionLike(
  state: AppState,
  session: Parameters<typeof sessionAddress>[0],
  forwardLabels: string[],
): SessionRow | undefined {
  const address = sessionAddress(session);
  const key = (labels: string[]) => JSON.stringify([...labels].sort());
  return state.sessions.find(
    (row) =>
      row.address === address &&
      isLive(row) &&
      key(row.forwards.map((forward) => forward.label)) === key(forwardLabels),
  );
}

/** The same forwards, in any order. */
function sameForwards(a: ForwardSpec[], b: ForwardSpec[]): boolean {
  const key = (specs: ForwardSpec[]) => specs.map((spec) => JSON.stringify(spec)).sort();
  return JSON.stringify(key(a)) === JSON.stringify(key(b));
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
 * Enter in the connect dialog: a live session of that name, or (for a destination that is not a Host
 * alias) one to the same user, host, port and route with the same forwards, is selected; otherwise, or
 * with `again` (Ctrl-N), a new connection.
 */
export async function connectOrSelect(destination: string, options: {again?: boolean} = {}): Promise<void> {
  if (!options.again) {
    let existing = liveSessionNamed(store.getState(), destination);
    try {
      const invocation = await resolveInvocation(destinationOnly(destination, connectConfigFile()));
      const address = sessionAddress(invocation.session);
      // A Host alias of its own is a session of its own (as two aliases are two ssh commands).
      const alias = store.getState().hosts.includes(destination);
      if (!alias)
        existing ??= store.getState().sessions.find((session) => {
          const forwards = handles.get(session.id)?.invocation.forwards;
          return (
            session.address === address &&
            isLive(session) &&
            forwards &&
            sameForwards(forwards, invocation.forwards)
          );
        });
    } catch (error) {
      // connectTo resolves it again and puts the problem in the dialog.
      if (!(error instanceof ConfigError)) throw error;
    }
    if (existing) {
      closeDialog();
      selectSession(existing.id);
      showMessage('info', alreadyConnectedText(existing));
      return;
    }
  }
  await connectTo(destination);
}

/**
 * The command line's session (`tunnels [options] host`): when the service already holds a live session of
 * that name with every forward the command line asks for (the same `tunnels @db` typed again in another
 * terminal), it is selected; a second one would only fail on the first one's ports. Otherwise connected.
 */
export async function connectOrSelectInitial(
  name: string,
  invocation: ResolvedInvocation,
  origin?: CommandLineOptions,
): Promise<void> {
  const existing = liveSessionNamed(store.getState(), name);
  const labels = new Set(existing?.forwards.map((forward) => forward.label));
  if (existing && invocation.forwards.every((spec) => labels.has(formatForwardFlag(spec)))) {
    selectSession(existing.id);
    showMessage(
      'info',
      `${name} (${existing.address}) is already ${existing.state === 'connected' ? 'up' : existing.state} in the service: selected it`,
    );
    return;
  }
  await connect(name, invocation, origin);
}
