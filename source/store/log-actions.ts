import {editLine, type LineEdit} from './line-editor.js';
import {fieldLine, type LogAnchor, type LogEntry, type LogView, store} from './state.js';

// The log pane's scroll position and filter: plain state changes. Which line is where on screen depends on
// the pane's width (lines wrap), so the view works out the anchor and passes it here.

function setLogView(partial: Partial<LogView>): void {
  store.setState((state) => ({logView: {...state.logView, ...partial}}));
}

/** Keep the pane on this line (undefined: follow the newest entries again). */
export function setLogAnchor(anchor: LogAnchor | undefined): void {
  const {logView} = store.getState();
  if (logView.anchor?.id === anchor?.id && logView.anchor?.line === anchor?.line) return;
  setLogView({anchor});
}

/** `/`: type a filter (what was typed before stays, to be edited). */
export function openLogFilter(): void {
  const {logView} = store.getState();
  setLogView({editingFilter: true, filter: logView.filter ?? {text: ''}});
}

/** A line-editor edit of the filter; the pane follows the newest matching entries. */
export function editLogFilter(edit: LineEdit): void {
  const {logView} = store.getState();
  const line = editLine(fieldLine(logView.filter ?? {text: ''}), edit);
  setLogView({filter: line, anchor: undefined});
}

/** Enter: stop typing, keep the filter (an empty one is none). */
export function keepLogFilter(): void {
  const {logView} = store.getState();
  setLogView({editingFilter: false, filter: logView.filter?.text ? logView.filter : undefined});
}

/** Esc: no filter, following the newest entries. */
export function clearLogFilter(): void {
  setLogView({editingFilter: false, filter: undefined, anchor: undefined});
}

/** Whether an entry is shown under the filter: its text contains the filter's, case ignored. */
export function matchesLogFilter(entry: LogEntry, filter: string | undefined): boolean {
  if (!filter) return true;
  return entry.text.toLowerCase().includes(filter.toLowerCase());
}

/** The help overlay's first line shown. */
export function scrollHelp(top: number): void {
  const {dialog} = store.getState();
  if (dialog?.kind === 'help' && (dialog.top ?? 0) !== top) store.setState({dialog: {...dialog, top}});
}
