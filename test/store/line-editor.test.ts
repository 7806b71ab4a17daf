import {describe, expect, it} from 'vitest';
import {editLine, type LineEdit, type LineState, lineOf} from '../../source/store/line-editor.js';

/** A line written with | where the cursor is. */
function line(marked: string): LineState {
  const cursor = marked.indexOf('|');
  return {text: marked.slice(0, cursor) + marked.slice(cursor + 1), cursor};
}

const marked = (state: LineState) => `${state.text.slice(0, state.cursor)}|${state.text.slice(state.cursor)}`;

const apply = (start: string, ...edits: LineEdit[]) => marked(edits.reduce(editLine, line(start)));

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
