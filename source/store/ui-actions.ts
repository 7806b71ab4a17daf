import {favoriteNameProblem} from '../config/favorites/favorite-name.js';
import {addForwardProblem} from './forward-entry-check.js';
import {editLine, type LineEdit, type LineState, lineOf} from './line-editor.js';
import {type AppState, type Dialog, type Field, fieldLine, selectedSession, store} from './state.js';
import {cancelPrompt} from './ui-prompter.js';

// Navigation, dialogs and messages: plain state changes, which every other action may use.

const set = (partial: Partial<AppState>) => store.setState(partial);

/** `untilConnected`: the message is gone once a session connects (it says one is on its way). */
export function showMessage(
  kind: 'info' | 'error',
  text: string,
  options: {untilConnected?: boolean} = {},
): void {
  set({message: {kind, text, ...(options.untilConnected ? {untilConnected: true} : {})}});
}

/** A key was pressed on the main screen: the last message has been read. */
export function clearMessage(): void {
  if (store.getState().message) set({message: undefined});
}

/** Host aliases for the connect dialog's completion. */
export function setHosts(hosts: string[]): void {
  set({hosts});
}

export function moveSelection(delta: number): void {
  store.setState((state) => {
    if (state.focus === 'sessions') {
      const selected = clamp(state.selectedSession + delta, state.sessions.length);
      if (selected === state.selectedSession) return {selectedSession: selected, selectedForward: 0};
      // The log shows the newly selected session's lines: from their newest, not from where the other's were.
      return {selectedSession: selected, selectedForward: 0, logView: {...state.logView, anchor: undefined}};
    }
    return {
      selectedForward: clamp(state.selectedForward + delta, selectedSession(state)?.forwards.length ?? 0),
    };
  });
}

function clamp(value: number, length: number): number {
  return Math.max(0, Math.min(value, length - 1));
}

export function switchFocus(): void {
  store.setState((state) => ({focus: state.focus === 'sessions' ? 'forwards' : 'sessions'}));
}

export function openDialog(dialog: Dialog): void {
  set({dialog, message: undefined});
}

export function closeDialog(): void {
  const {dialog} = store.getState();
  if (dialog?.kind === 'prompt') cancelPrompt();
  else set({dialog: undefined});
}

/** The favorites picker's highlighted row (of those its filter shows). */
export function selectFavorite(selected: number): void {
  const {dialog} = store.getState();
  if (dialog?.kind === 'favorites') set({dialog: {...dialog, selected}});
}

/** Replaces the open dialog's text (the cursor goes to its end). */
export function editDialogText(update: (text: string) => string): void {
  const {dialog} = store.getState();
  if (!dialog || !('text' in dialog)) return;
  setDialogLine(dialog, lineOf(update(dialog.text)));
}

/** A line-editor edit (a key typed, moved, deleted) of the open dialog's field. */
export function editDialogLine(edit: LineEdit): void {
  const {dialog} = store.getState();
  if (!dialog || !('text' in dialog)) return;
  setDialogLine(dialog, editLine(fieldLine(dialog), edit));
}

function setDialogLine(dialog: Extract<Dialog, Field>, line: LineState): void {
  const {text, cursor} = line;
  if (text === dialog.text && cursor === fieldLine(dialog).cursor) return;
  // A move of the cursor alone checks nothing again and keeps the picker's highlighted row.
  if (text === dialog.text) {
    set({dialog: {...dialog, cursor}});
    return;
  }
  // Inline validation: the spec's problem shows while typing.
  if (dialog.kind === 'add-forward') {
    const error =
      text.trim().length > 0 ? addForwardProblem(dialog, text, store.getState().sessions) : undefined;
    set({dialog: {...dialog, text, cursor, ...(error ? {error} : {error: undefined})}});
    return;
  }
  // A favorite's name is checked as it is typed (favorite-name.ts), not first on Enter.
  if (dialog.kind === 'save-favorite') {
    const error = text.trim() === '' ? undefined : favoriteNameProblem(text.trim());
    set({dialog: {...dialog, text, cursor, ...(error ? {error} : {error: undefined})}});
    return;
  }
  // Typing in the favorites picker filters it, from the top.
  set({
    dialog: dialog.kind === 'favorites' ? {...dialog, text, cursor, selected: 0} : {...dialog, text, cursor},
  });
}
