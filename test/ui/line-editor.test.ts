import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {
  editLine,
  keyToEdit,
  type LineEdit,
  type LineState,
  lineOf,
  textBeforeEnter,
} from '../../source/ui/line-editor.js';

/** A line written with | where the cursor is. */
function line(marked: string): LineState {
  const cursor = marked.indexOf('|');
  return {text: marked.slice(0, cursor) + marked.slice(cursor + 1), cursor};
}

const marked = (state: LineState) => `${state.text.slice(0, state.cursor)}|${state.text.slice(state.cursor)}`;

const apply = (start: string, ...edits: LineEdit[]) => marked(edits.reduce(editLine, line(start)));

const noKey: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

describe('editLine', () => {
  it('inserts at the cursor, a paste too', () => {
    expect(apply('|', {kind: 'insert', text: 'a'})).toBe('a|');
    expect(apply('8080:|:5432', {kind: 'insert', text: 'db.internal'})).toBe('8080:db.internal|:5432');
  });

  it('in a burst, acts on Backspace, Ctrl-U and Ctrl-W and drops other control characters', () => {
    expect(apply('|', {kind: 'insert', text: 'abx\u007fc'})).toBe('abc|');
    expect(apply('|', {kind: 'insert', text: 'junk\u0015host'})).toBe('host|');
    expect(apply('|', {kind: 'insert', text: '-L 1:a:1\u0017-L 2:b:2'})).toBe('-L -L 2:b:2|');
    expect(apply('|', {kind: 'insert', text: 'a\tb\u001b[31mc\u0007\u009bd'})).toBe('ab[31mcd|');
  });

  it('erases before and after the cursor', () => {
    expect(apply('ab|c', {kind: 'backspace'})).toBe('a|c');
    expect(apply('|abc', {kind: 'backspace'})).toBe('|abc');
    expect(apply('ab|c', {kind: 'delete'})).toBe('ab|');
    expect(apply('abc|', {kind: 'delete'})).toBe('abc|');
  });

  it('moves left, right, home and end, and stops at the ends', () => {
    expect(apply('ab|c', {kind: 'left'}, {kind: 'left'}, {kind: 'left'})).toBe('|abc');
    expect(apply('a|bc', {kind: 'right'}, {kind: 'right'}, {kind: 'right'})).toBe('abc|');
    expect(apply('ab|c', {kind: 'home'})).toBe('|abc');
    expect(apply('a|bc', {kind: 'end'})).toBe('abc|');
  });

  it('moves and deletes by word: letters and digits', () => {
    expect(apply('-L 8080:db.internal:5432|', {kind: 'word-left'})).toBe('-L 8080:db.internal:|5432');
    expect(apply('-L 8080:db.internal:5432|', {kind: 'word-left'}, {kind: 'word-left'})).toBe(
      '-L 8080:db.|internal:5432',
    );
    expect(apply('|-L 8080:db', {kind: 'word-right'})).toBe('-L| 8080:db');
    expect(apply('-L| 8080:db', {kind: 'word-right'})).toBe('-L 8080|:db');
    expect(apply('-L 8080:db|', {kind: 'delete-word'})).toBe('-L 8080:|');
    expect(apply('|', {kind: 'word-left'})).toBe('|');
    expect(apply('abc|', {kind: 'word-right'})).toBe('abc|');
  });

  it('Ctrl-W deletes back to the previous blank, as a shell does', () => {
    expect(apply('-L 8080:db:5432|', {kind: 'delete-blank-word'})).toBe('-L |');
    expect(apply('-L 8080:db:5432  |', {kind: 'delete-blank-word'})).toBe('-L |');
    expect(apply('one two| three', {kind: 'delete-blank-word'})).toBe('one | three');
    expect(apply('|one', {kind: 'delete-blank-word'})).toBe('|one');
  });

  it('Ctrl-U and Ctrl-K delete to the start and to the end', () => {
    expect(apply('user@|host', {kind: 'delete-to-start'})).toBe('|host');
    expect(apply('user@|host', {kind: 'delete-to-end'})).toBe('user@|');
  });

  it('moves and deletes a wide character, an accented letter and a flag as one', () => {
    expect(apply('a漢|b', {kind: 'backspace'})).toBe('a|b');
    expect(apply('a|漢b', {kind: 'right'})).toBe('a漢|b');
    const accented = 'e\u0301';
    expect(apply(`x${accented}|`, {kind: 'left'})).toBe(`x|${accented}`);
    expect(apply(`x${accented}|`, {kind: 'backspace'})).toBe('x|');
    expect(apply('🇫🇷|', {kind: 'backspace'})).toBe('|');
    expect(apply('|😀x', {kind: 'delete'})).toBe('|x');
  });

  it('takes a new value with the cursor at its end', () => {
    expect(apply('o|ld', {kind: 'set', text: 'staging -L 8080:db:5432'})).toBe('staging -L 8080:db:5432|');
    expect(lineOf('abc')).toEqual({text: 'abc', cursor: 3});
  });

  it('keeps a cursor out of range inside the text', () => {
    expect(marked(editLine({text: 'abc', cursor: 99}, {kind: 'left'}))).toBe('ab|c');
    expect(marked(editLine({text: 'abc', cursor: -4}, {kind: 'insert', text: 'x'}))).toBe('x|abc');
  });
});

describe('keyToEdit', () => {
  const key = (partial: Partial<Key>): Key => ({...noKey, ...partial});

  it('maps the editing keys', () => {
    expect(keyToEdit('', key({leftArrow: true}))).toEqual({kind: 'left'});
    expect(keyToEdit('', key({rightArrow: true}))).toEqual({kind: 'right'});
    expect(keyToEdit('', key({home: true}))).toEqual({kind: 'home'});
    expect(keyToEdit('', key({end: true}))).toEqual({kind: 'end'});
    expect(keyToEdit('', key({backspace: true}))).toEqual({kind: 'backspace'});
    // Ink reports the Backspace key of most terminals (DEL) as delete.
    expect(keyToEdit('', key({delete: true}))).toEqual({kind: 'backspace'});
    expect(keyToEdit('', key({delete: true, meta: true}))).toEqual({kind: 'delete-word'});
  });

  it('maps Ctrl-A/E/W/U/K/D and word moves on Ctrl or Alt arrows and Alt-B/F', () => {
    expect(keyToEdit('a', key({ctrl: true}))).toEqual({kind: 'home'});
    expect(keyToEdit('e', key({ctrl: true}))).toEqual({kind: 'end'});
    expect(keyToEdit('w', key({ctrl: true}))).toEqual({kind: 'delete-blank-word'});
    expect(keyToEdit('u', key({ctrl: true}))).toEqual({kind: 'delete-to-start'});
    expect(keyToEdit('k', key({ctrl: true}))).toEqual({kind: 'delete-to-end'});
    expect(keyToEdit('d', key({ctrl: true}))).toEqual({kind: 'delete'});
    expect(keyToEdit('', key({leftArrow: true, ctrl: true}))).toEqual({kind: 'word-left'});
    expect(keyToEdit('', key({rightArrow: true, meta: true}))).toEqual({kind: 'word-right'});
    expect(keyToEdit('b', key({meta: true}))).toEqual({kind: 'word-left'});
    expect(keyToEdit('f', key({meta: true}))).toEqual({kind: 'word-right'});
  });

  it('types text, pasted text too', () => {
    expect(keyToEdit('x', key({}))).toEqual({kind: 'insert', text: 'x'});
    expect(keyToEdit('X', key({shift: true}))).toEqual({kind: 'insert', text: 'X'});
    expect(keyToEdit('-L 8080:db:5432', key({}))).toEqual({kind: 'insert', text: '-L 8080:db:5432'});
  });

  it("leaves the dialog's keys to the dialog", () => {
    for (const partial of [
      {return: true},
      {escape: true, meta: true},
      {tab: true},
      {upArrow: true},
      {downArrow: true},
      {pageUp: true},
      {pageDown: true},
    ]) {
      expect(keyToEdit('', key(partial))).toBeUndefined();
    }
    expect(keyToEdit('c', key({ctrl: true}))).toBeUndefined();
    expect(keyToEdit('x', key({meta: true}))).toBeUndefined();
    expect(keyToEdit('', key({}))).toBeUndefined();
  });
});

describe('textBeforeEnter', () => {
  it('splits a burst at its first Enter', () => {
    expect(textBeforeEnter('host\rmore')).toEqual({text: 'host', enter: true});
    expect(textBeforeEnter('host\n')).toEqual({text: 'host', enter: true});
    expect(textBeforeEnter('host')).toEqual({text: 'host', enter: false});
  });
});
