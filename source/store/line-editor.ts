import {graphemesOf} from '../text/graphemes.js';

/**
 * One line of text being typed, with a cursor: a pure reducer, so the line can live in the store (a dialog's
 * text) and tests drive it without a terminal. The cursor is an index into the string that always sits between two
 * graphemes (a flag, an accented letter or a wide character moves and deletes as one).
 */
export type LineState = {text: string; cursor: number};

export type LineEdit =
  /** Typed or pasted text; Backspace, Ctrl-U and Ctrl-W inside a burst act, other control characters are dropped. */
  | {kind: 'insert'; text: string}
  | {kind: 'backspace'}
  | {kind: 'delete'}
  | {kind: 'left'}
  | {kind: 'right'}
  | {kind: 'home'}
  | {kind: 'end'}
  | {kind: 'word-left'}
  | {kind: 'word-right'}
  /** Ctrl-W: back to the previous blank, as in a shell (a whole forward spec goes at once). */
  | {kind: 'delete-blank-word'}
  /** Alt-Backspace: back to the start of the word (letters and digits). */
  | {kind: 'delete-word'}
  | {kind: 'delete-to-start'}
  | {kind: 'delete-to-end'}
  /** A new value (a pre-filled field, a Tab completion), the cursor at its end. */
  | {kind: 'set'; text: string};

export const lineOf = (text = ''): LineState => ({text, cursor: text.length});

/** The grapheme boundaries of a text, from 0 to its length. */
function boundaries(text: string): number[] {
  return [...graphemesOf(text).map(({index}) => index), text.length];
}

function previousBoundary(text: string, cursor: number): number {
  let previous = 0;
  for (const boundary of boundaries(text)) {
    if (boundary >= cursor) return previous;
    previous = boundary;
  }
  return previous;
}

function nextBoundary(text: string, cursor: number): number {
  for (const boundary of boundaries(text)) if (boundary > cursor) return boundary;
  return text.length;
}

const isWordCharacter = (segment: string) => /[\p{L}\p{N}_]/u.test(segment);
const isBlank = (segment: string) => /^\s+$/u.test(segment);

/** Start of the word before the cursor: skip what is not `inWord`, then what is. */
function wordStartBefore(text: string, cursor: number, inWord: (segment: string) => boolean): number {
  const before = graphemesOf(text).filter(({index}) => index < cursor);
  let at = before.length;
  while (at > 0 && !inWord(before[at - 1]!.segment)) at--;
  while (at > 0 && inWord(before[at - 1]!.segment)) at--;
  return before[at]?.index ?? cursor;
}

/** End of the word after the cursor. */
function wordEndAfter(text: string, cursor: number): number {
  const after = graphemesOf(text).filter(({index}) => index >= cursor);
  let at = 0;
  while (at < after.length && !isWordCharacter(after[at]!.segment)) at++;
  while (at < after.length && isWordCharacter(after[at]!.segment)) at++;
  return after[at]?.index ?? text.length;
}

const cut = (state: LineState, from: number, to: number): LineState => ({
  text: state.text.slice(0, from) + state.text.slice(to),
  cursor: from,
});

/** A burst of typed or pasted characters, one by one: the control characters a terminal sends act. */
function insert(state: LineState, text: string): LineState {
  let result = state;
  let plain = '';
  const flush = () => {
    if (plain === '') return;
    const {text: value, cursor} = result;
    result = {text: value.slice(0, cursor) + plain + value.slice(cursor), cursor: cursor + plain.length};
    plain = '';
  };
  for (const character of text) {
    const edit = burstControls[character];
    if (edit) {
      flush();
      result = editLine(result, edit);
    } else if (
      character >= ' ' &&
      character !== '\u007f' &&
      !(character >= '\u0080' && character < '\u00a0')
    ) {
      plain += character;
    }
  }
  flush();
  return result;
}

const burstControls: Record<string, LineEdit> = {
  '\u007f': {kind: 'backspace'},
  '\b': {kind: 'backspace'},
  '\u0015': {kind: 'delete-to-start'},
  '\u0017': {kind: 'delete-blank-word'},
};

export function editLine(state: LineState, edit: LineEdit): LineState {
  const {text} = state;
  const cursor = Math.max(0, Math.min(text.length, state.cursor));
  const at = {text, cursor};
  switch (edit.kind) {
    case 'insert':
      return insert(at, edit.text);
    case 'backspace':
      return cut(at, previousBoundary(text, cursor), cursor);
    case 'delete':
      return cut(at, cursor, nextBoundary(text, cursor));
    case 'left':
      return {text, cursor: previousBoundary(text, cursor)};
    case 'right':
      return {text, cursor: nextBoundary(text, cursor)};
    case 'home':
      return {text, cursor: 0};
    case 'end':
      return {text, cursor: text.length};
    case 'word-left':
      return {text, cursor: wordStartBefore(text, cursor, isWordCharacter)};
    case 'word-right':
      return {text, cursor: wordEndAfter(text, cursor)};
    case 'delete-blank-word':
      return cut(
        at,
        wordStartBefore(text, cursor, (segment) => !isBlank(segment)),
        cursor,
      );
    case 'delete-word':
      return cut(at, wordStartBefore(text, cursor, isWordCharacter), cursor);
    case 'delete-to-start':
      return cut(at, 0, cursor);
    case 'delete-to-end':
      return cut(at, cursor, text.length);
    case 'set':
      return lineOf(insert(lineOf(), edit.text).text);
  }
}
