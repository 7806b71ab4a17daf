import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {keyToEdit, textBeforeEnter} from '../../source/ui/edit-keys.js';

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
