import type {Key} from 'ink';
import type {LineEdit} from '../store/line-editor.js';

// The keys of a text field: what Ink reports, as the edits of the store's line editor.

const ctrlEdits: Record<string, LineEdit> = {
  a: {kind: 'home'},
  e: {kind: 'end'},
  b: {kind: 'left'},
  f: {kind: 'right'},
  h: {kind: 'backspace'},
  w: {kind: 'delete-blank-word'},
  u: {kind: 'delete-to-start'},
  k: {kind: 'delete-to-end'},
};

const metaEdits: Record<string, LineEdit> = {
  b: {kind: 'word-left'},
  f: {kind: 'word-right'},
};

/**
 * The edit an Ink key means in a text field, or undefined for keys the field leaves to its dialog (Enter,
 * Esc, Tab, Up/Down, Page keys, other Ctrl keys). Ink reports the Backspace key of most terminals (DEL,
 * 0x7f) and the Delete key (ESC [3~) alike, as `delete` with no input: both erase before the cursor, as
 * they did before the field had a cursor; Ctrl-D is the delete forward. A burst that holds Enter is the
 * dialog's to split (see textBeforeEnter).
 */
export function keyToEdit(input: string, key: Key): LineEdit | undefined {
  if (key.return || key.escape || key.tab || key.upArrow || key.downArrow || key.pageUp || key.pageDown) {
    return undefined;
  }
  const word = key.ctrl || key.meta;
  if (key.leftArrow) return {kind: word ? 'word-left' : 'left'};
  if (key.rightArrow) return {kind: word ? 'word-right' : 'right'};
  if (key.home) return {kind: 'home'};
  if (key.end) return {kind: 'end'};
  if (key.backspace || key.delete) return {kind: key.meta ? 'delete-word' : 'backspace'};
  if (key.ctrl) return input === 'd' ? {kind: 'delete'} : ctrlEdits[input];
  if (key.meta) return metaEdits[input];
  return input === '' ? undefined : {kind: 'insert', text: input};
}

/** A burst typed or pasted into a field: the text before its first Enter, and whether there was one. */
export function textBeforeEnter(input: string): {text: string; enter: boolean} {
  const at = input.search(/[\r\n]/);
  return at === -1 ? {text: input, enter: false} : {text: input.slice(0, at), enter: true};
}
