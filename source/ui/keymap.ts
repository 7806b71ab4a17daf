import {openRunCommand, requestQuit, requestRemoveForward} from '../store/actions.js';
import {copyText, openDetail, selectedTarget} from '../store/detail-actions.js';
import {openFavoritesPicker} from '../store/favorites-actions.js';
import {editForwardDisabledReason, openForwardEdit} from '../store/forward-edit.js';
import {forwardName} from '../store/forward-name.js';
import {reconnectSession, retryForward} from '../store/lifecycle-actions.js';
import {
  type AppState,
  type Dialog,
  type ForwardRow,
  openConnections,
  type SessionRow,
  selectedForward,
  selectedSession,
} from '../store/state.js';
import {moveSelection, openDialog, switchFocus} from '../store/ui-actions.js';
import {FORWARD_EXAMPLES} from '../text/examples.js';
import {copyAddress} from './clipboard.js';
import {logBindings} from './log-keys.js';

/**
 * Every key of the main screen, as data: the footer and the help screen are made from this list, so
 * they cannot drift from what the keys do. A key that cannot act says why instead of doing nothing.
 */
export interface Binding {
  /** Key names: a printable character, or up, down, tab, delete, enter, escape, pageup, pagedown, home, end. */
  keys: string[];
  label: string;
  description: string;
  /**
   * Shown in the footer while it can act (no disabledReason): always (true), never (false: help lists it),
   * or while this says so (see footer.ts).
   */
  footer: boolean | ((state: AppState) => boolean);
  /** The pane it acts on: in the footer only while that pane has the focus. */
  pane?: AppState['focus'];
  disabledReason?: (state: AppState) => string | undefined;
  /** What the key does; the app exits when the store says quitting. */
  run: (state: AppState) => unknown;
}

const noSession = (state: AppState) =>
  selectedSession(state) ? undefined : 'no session yet: press c to connect';

export const keymap: Binding[] = [
  {
    keys: ['c'],
    label: 'connect',
    description: 'connect to a host (a ~/.ssh/config Host, user@host or ssh://...)',
    footer: true,
    run: () => openDialog({kind: 'connect', text: ''}),
  },
  {
    keys: ['a'],
    label: 'add',
    description: `add a forward to the selected session: L ${FORWARD_EXAMPLES.L}, R ${FORWARD_EXAMPLES.R}, D ${FORWARD_EXAMPLES.D}, ${FORWARD_EXAMPLES.ftp}`,
    footer: true,
    disabledReason: (state) => {
      const session = selectedSession(state);
      if (!session) return noSession(state);
      if (session.state !== 'connected') return `cannot add a forward: ${session.name} is ${session.state}`;
      return undefined;
    },
    run: (state) => openDialog({kind: 'add-forward', sessionId: selectedSession(state)!.id, text: ''}),
  },
  {
    keys: ['f'],
    label: 'favorites',
    description: 'favorites: type to filter; the picker lists its keys (Space chooses several)',
    footer: true,
    run: () => openFavoritesPicker(),
  },
  {
    keys: ['s'],
    label: 'save',
    description: 'save the selected session, with its forwards now, as a favorite',
    footer: true,
    pane: 'sessions',
    disabledReason: noSession,
    run: (state) => {
      const session = selectedSession(state)!;
      openDialog({
        kind: 'save-favorite',
        sessionId: session.id,
        text: session.name.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[-@]+/, ''),
      });
    },
  },
  {
    keys: ['r'],
    label: 'run',
    description:
      'run a command on the selected session; its output and exit status go to the log (X11 and agent as the session was started: -X, -A)',
    // The service's sessions run no commands: not offered when attached (the key says why).
    footer: (state) => !state.attached,
    pane: 'sessions',
    disabledReason: (state) => {
      const session = selectedSession(state);
      if (!session) return noSession(state);
      if (session.state !== 'connected') return `cannot run a command: ${session.name} is ${session.state}`;
      return undefined;
    },
    run: (state) => openRunCommand(selectedSession(state)!.id),
  },
  {
    keys: ['d', 'delete'],
    label: 'remove',
    description: 'remove the selected forward (asks first when it has open connections)',
    footer: true,
    pane: 'forwards',
    disabledReason: (state) => {
      if (!selectedSession(state)) return noSession(state);
      if (!selectedForward(state)) return 'no forward selected: add one with a';
      if (state.focus !== 'forwards') return 'select a forward first: press tab to move to the forwards';
      return undefined;
    },
    run: () => requestRemoveForward(),
  },
  {
    keys: ['e'],
    label: 'edit',
    description: 'edit the selected forward in place',
    footer: true,
    pane: 'forwards',
    disabledReason: editForwardDisabledReason,
    run: () => openForwardEdit(),
  },
  {
    keys: ['x'],
    label: 'disconnect',
    description: 'disconnect the selected session, closing its forwards',
    footer: true,
    pane: 'sessions',
    disabledReason: noSession,
    run: (state) => openDialog(disconnectQuestion(selectedSession(state)!)),
  },
  {
    keys: ['R'],
    label: 'reconnect',
    description: 'reconnect now (no wait; a failed session starts again) or retry a failed forward',
    // In the footer only while it can act: a session waiting to reconnect, failed, or a failed forward.
    footer: true,
    disabledReason: (state) => {
      const session = selectedSession(state);
      if (!session) return noSession(state);
      const forward = retryable(state);
      if (forward && session.state !== 'connected')
        return `cannot retry ${forwardName(forward)}: ${session.name} is ${session.state}`;
      if (forward) return undefined;
      if (session.state === 'reconnecting' && session.retryIn === undefined)
        return `${session.name}: a reconnect attempt is under way`;
      if (session.state === 'connected' || session.state === 'connecting' || session.state === 'idle')
        return `nothing to reconnect: ${session.name} is ${session.state}${state.focus === 'forwards' ? ' (R on a failed forward retries it)' : ''}`;
      return undefined;
    },
    run: (state) => {
      const session = selectedSession(state)!;
      const forward = retryable(state);
      return forward ? retryForward(session.id, forward.id) : reconnectSession(session.id);
    },
  },
  {
    keys: ['enter'],
    label: 'detail',
    description:
      'the whole of the selected forward (its reason, addresses, open connections, rate) or session; Esc closes it',
    footer: true,
    disabledReason: noSession,
    run: () => openDetail(),
  },
  {
    keys: ['y'],
    label: 'copy',
    description: "copy the selected forward's listening address, or the session's address (OSC 52)",
    footer: false,
    disabledReason: (state) => {
      const what = copyText(state, selectedTarget(state));
      return 'reason' in what ? what.reason : undefined;
    },
    run: (state) => copyAddress(state, selectedTarget(state)),
  },
  {
    keys: ['tab'],
    label: 'switch pane',
    description: 'move between sessions and forwards',
    footer: (state) => selectedSession(state) !== undefined,
    run: () => switchFocus(),
  },
  {keys: ['up', 'k'], label: 'up', description: 'move up', footer: false, run: () => moveSelection(-1)},
  {keys: ['down', 'j'], label: 'down', description: 'move down', footer: false, run: () => moveSelection(1)},
  ...logBindings,
  {
    keys: ['?'],
    label: 'help',
    description: 'show all keys',
    footer: true,
    run: () => openDialog({kind: 'help'}),
  },
  {
    keys: ['q'],
    label: 'quit',
    description:
      'quit, closing every forward (asks first while connections are open); attached: asks to leave them up',
    footer: true,
    // Attached, q always asks: leave the service's tunnels up, or stop them.
    run: (state) => (openConnections(state) > 0 || state.attached ? requestQuit() : requestQuit(true)),
  },
];

/** The forward R retries: the selected one, in the forwards pane, when it failed. */
function retryable(state: AppState): ForwardRow | undefined {
  const forward = selectedForward(state);
  return state.focus === 'forwards' && forward?.state === 'failed' ? forward : undefined;
}

/** What `x` asks: what will stop, in words that fit the session's state. */
function disconnectQuestion(session: SessionRow): Dialog {
  const action = {kind: 'disconnect', sessionId: session.id} as const;
  if (session.state === 'failed' || session.state === 'closed')
    return {
      kind: 'confirm',
      title: `Remove ${session.name}?`,
      message: `It is not connected (${session.state}); it is taken off the list.`,
      action,
    };
  const open = session.forwards.reduce((n, forward) => n + forward.counters.openConnections, 0);
  const live = session.forwards.filter((forward) => forward.state !== 'failed' && forward.state !== 'closed');
  const message =
    open > 0
      ? `${open} open connection${open === 1 ? '' : 's'} will be closed.`
      : live.length > 0
        ? 'Its forwards will stop.'
        : 'It has no forwards running; its connection will close.';
  return {kind: 'confirm', title: `Disconnect ${session.name}?`, message, action};
}

export function findBinding(key: string): Binding | undefined {
  return keymap.find((binding) => binding.keys.includes(key));
}
