import type {Key} from 'ink';
import {clearLogFilter, editLogFilter, keepLogFilter, openLogFilter} from '../store/log-actions.js';
import {type AppState, store} from '../store/state.js';
import {keyToEdit, textBeforeEnter} from './edit-keys.js';
import {followLog, scrollLogPages, scrollLogToStart} from './log-view.js';

/**
 * The log pane's keys on the main screen, as the keymap's bindings (it takes them in; typed there, as this
 * file may not import it back): none moves a selection, so they work in either pane.
 */
export const logBindings = [
  {
    keys: ['pageup'],
    label: 'log back',
    description: 'scroll the log back a page; it stays there while new lines arrive',
    footer: false,
    run: () => scrollLogPages(-1),
  },
  {
    keys: ['pagedown'],
    label: 'log on',
    description: 'scroll the log on a page; at its end it follows the new lines again',
    footer: false,
    run: () => scrollLogPages(1),
  },
  {
    keys: ['home'],
    label: 'log start',
    description: 'the oldest lines of the log',
    footer: false,
    run: scrollLogToStart,
  },
  {
    keys: ['end', 'G'],
    label: 'follow log',
    description: 'back to the newest lines of the log, following them',
    footer: (state: AppState) => state.logView.anchor !== undefined,
    run: followLog,
  },
  {
    keys: ['/'],
    label: 'filter log',
    description: 'show only the log lines that contain a text (Enter keeps it, Esc clears it)',
    footer: true,
    run: openLogFilter,
  },
  {
    keys: ['escape'],
    label: 'clear filter',
    description: "clear the log's filter",
    footer: (state: AppState) => state.logView.filter !== undefined,
    run: clearLogFilter,
  },
];

/** Keys while the log's filter is being typed: Enter keeps it, Esc clears it, the rest edit it. */
export function logFilterInput(input: string, key: Key): void {
  if (key.escape) {
    clearLogFilter();
    return;
  }
  if (key.return) {
    keepLogFilter();
    return;
  }
  if (key.pageUp || key.pageDown) {
    scrollLogPages(key.pageUp ? -1 : 1);
    return;
  }
  if (input.length > 1 && !key.ctrl && !key.meta) {
    const {text, enter} = textBeforeEnter(input);
    editLogFilter({kind: 'insert', text});
    if (enter) keepLogFilter();
    return;
  }
  const edit = keyToEdit(input, key);
  if (edit) editLogFilter(edit);
}

/** Whether the keys go to the log's filter. */
export const editingLogFilter = () => store.getState().logView.editingFilter;
