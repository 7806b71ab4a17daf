/**
 * `e` on a forward: the add dialog pre-filled with its spec, and Enter replaces the forward (the old one
 * removed, then the new one added; when the new one fails, the old spec is offered back in the field).
 */

import {servicePort} from '../config/ssh-config/values.js';
import {parseForwardEntry} from '../core/protocols/forward-entry.js';
import {flush} from './bridge.js';
import {addForwardProblem} from './forward-entry-check.js';
import {handles} from './session-handles.js';
import {
  type Dialog,
  type ForwardRow,
  type ReplacedForward,
  selectedForward,
  selectedSession,
  store,
} from './state.js';
import {openDialog, showMessage} from './ui-actions.js';

type AddDialog = Extract<Dialog, {kind: 'add-forward'}>;

/** A row's spec as the add dialog takes it: "-L 8080:db:5432" is "L 8080:db:5432". */
export function entryOf(row: Pick<ForwardRow, 'label'>): string {
  return row.label.replace(/^-/, '');
}

/** Why `e` cannot edit now, or undefined. */
export function editForwardDisabledReason(state: ReturnType<typeof store.getState>): string | undefined {
  const session = selectedSession(state);
  if (!session) return 'no session yet: press c to connect';
  if (!selectedForward(state)) return 'no forward selected: add one with a';
  if (state.focus !== 'forwards') return 'select a forward first: press tab to move to the forwards';
  if (session.state !== 'connected') return `cannot edit a forward: ${session.name} is ${session.state}`;
  return undefined;
}

/** Opens the add dialog on the selected forward, its spec in the field. */
export function openForwardEdit(): void {
  const state = store.getState();
  const session = selectedSession(state);
  const forward = selectedForward(state);
  if (!session || !forward) return;
  const entry = entryOf(forward);
  openDialog({
    kind: 'add-forward',
    sessionId: session.id,
    text: entry,
    replacing: {forwardId: forward.id, entry},
  });
}

/**
 * Enter in an edit: a bad entry stays in the field with its problem; otherwise the old forward goes and the
 * new one comes. The old one goes first because the new one often wants its port.
 */
export async function replaceForward(
  sessionId: number,
  replacing: ReplacedForward,
  text: string,
): Promise<void> {
  const dialog: AddDialog = {kind: 'add-forward', sessionId, text, replacing};
  const session = handles.control(sessionId);
  if (session?.state !== 'connected') {
    store.setState({dialog: {...dialog, error: 'the session is not connected'}});
    return;
  }
  const problem = addForwardProblem(dialog, text, store.getState().sessions);
  if (problem) {
    store.setState({dialog: {...dialog, error: problem}});
    return;
  }
  store.setState({dialog: undefined});
  const spec = parseForwardEntry(text, servicePort);
  await session.removeForward(replacing.forwardId);
  const forward = await session.addForward(spec);
  flush();
  const row = store.getState().sessions.find((candidate) => candidate.id === sessionId);
  const index = row?.forwards.findIndex((candidate) => candidate.id === forward.id) ?? -1;
  store.setState({selectedForward: Math.max(0, index), focus: 'forwards'});
  if (forward.state !== 'failed') {
    showMessage('info', `-${replacing.entry}: replaced by ${forward.label}, listening`);
    return;
  }
  // The failed one is not kept: the old spec is offered back, and Enter brings it up again.
  const failure = `${forward.label} failed: ${forward.failure}`;
  await session.removeForward(forward.id);
  flush();
  store.setState({
    dialog: {
      kind: 'add-forward',
      sessionId,
      text: replacing.entry,
      // The label is what was just typed; the status line has it with the reason.
      error: `failed: ${forward.failure}. The old spec is back: Enter adds it again, Esc leaves it removed`,
    },
  });
  showMessage('error', failure);
}
