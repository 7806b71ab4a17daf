import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {initialState, store} from '../../source/store/state.js';
import {App} from '../../source/ui/app.js';
import {footerText, mainFooter, unboundKeyHint} from '../../source/ui/footer.js';
import {type Binding, keymap} from '../../source/ui/keymap.js';
import {frameMatching, KEYS, renderAt} from '../helpers/ink-frames.js';
import {forwardRow, sessionRow} from '../helpers/rows.js';

const footerOf = (frame: string) => frame.split('\n').at(-1) ?? '';

describe('the footer, made from the keymap for what has the focus', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  it('with no session offers c, f, ? and q, not a, d or x', async () => {
    const {lastFrame, unmount} = renderAt(<App />, 100, 30);
    const footer = footerOf(await frameMatching(lastFrame, /No sessions/, 100));
    expect(footer).toBe('c connect · f favorites · / filter log · ? help · q quit');
    unmount();
  });

  it('offers the sessions pane’s keys, then the forwards pane’s after Tab', async () => {
    store.setState({sessions: [sessionRow(1, [forwardRow(8001)])]});
    const {lastFrame, stdin, unmount} = renderAt(<App />, 120, 30);
    const sessions = footerOf(await frameMatching(lastFrame, /8001:db/, 120));
    expect(sessions).toBe(
      // Too wide with " · " at 120 columns: two blanks between the keys.
      'c connect  a add  f favorites  s save  r run  x disconnect  Enter detail  Tab switch pane  / filter log  ? help  q quit',
    );
    stdin.write('\t');
    await frameMatching(lastFrame, /d remove/, 120);
    const forwards = footerOf(lastFrame()!);
    expect(forwards).toBe(
      'c connect · a add · f favorites · d remove · e edit · Enter detail · Tab switch pane · / filter log · ? help · q quit',
    );
    unmount();
  });

  it('attached to the service leaves r out: the service’s sessions run no commands', async () => {
    store.setState({sessions: [sessionRow(1, [forwardRow(8001)])], attached: true});
    const {lastFrame, unmount} = renderAt(<App />, 120, 30);
    const sessions = footerOf(await frameMatching(lastFrame, /8001:db/, 120));
    expect(sessions).toBe(
      'c connect  a add  f favorites  s save  x disconnect  Enter detail  Tab switch pane  / filter log  ? help  q quit',
    );
    unmount();
  });

  it('under a dialog shows that dialog’s keys: Tab where it completes, the picker’s keys', async () => {
    store.setState({sessions: [sessionRow(1)], hosts: ['db1', 'web']});
    const {lastFrame, stdin, unmount} = renderAt(<App />, 100, 30);
    await frameMatching(lastFrame, /host-1/, 100);
    stdin.write('c');
    expect(footerOf(await frameMatching(lastFrame, /Connect to/, 100))).toBe(
      'Enter connect · Ctrl-N again · Tab complete · Esc cancel',
    );
    // Nothing left to complete: no Tab.
    stdin.write('x');
    await frameMatching(lastFrame, /> x/, 100);
    expect(footerOf(lastFrame()!)).toBe('Enter connect · Ctrl-N again · Esc cancel');
    stdin.write(KEYS.escape);
    await frameMatching(lastFrame, /Log/, 100);
    stdin.write('f');
    expect(footerOf(await frameMatching(lastFrame, /Favorites/, 100))).toBe(
      // Too wide with " · ": two blanks between keys, and what does not fit is left to the picker's own hint.
      '↑↓ select  Space choose  Enter connect  1-9 connect  Ctrl-N again  Ctrl-E edit  Esc close',
    );
    stdin.write(KEYS.escape);
    await frameMatching(lastFrame, /Log/, 100);
    stdin.write('x');
    expect(footerOf(await frameMatching(lastFrame, /Disconnect host-1\?/, 100))).toBe(
      'y Enter yes · n Esc no',
    );
    stdin.write('n');
    await frameMatching(lastFrame, /Log/, 100);
    stdin.write('?');
    expect(footerOf(await frameMatching(lastFrame, /Keys/, 100))).toBe('↑↓ PgUp PgDn scroll · Esc close');
    unmount();
  });

  it('shows a binding added to the keymap with no more work, while it can act', () => {
    const added: Binding = {
      keys: ['e'],
      label: 'edit',
      description: 'edit the selected forward',
      footer: true,
      pane: 'forwards',
      disabledReason: (state) => (state.sessions.length ? undefined : 'no session'),
      run: () => undefined,
    };
    keymap.splice(3, 0, added);
    try {
      const state = {...initialState(), sessions: [sessionRow(1, [forwardRow(8001)])]};
      expect(mainFooter({...state, focus: 'forwards'})).toContainEqual({key: 'e', label: 'edit'});
      expect(mainFooter({...state, focus: 'sessions'})).not.toContainEqual({key: 'e', label: 'edit'});
      expect(mainFooter({...initialState(), focus: 'forwards'})).not.toContainEqual({
        key: 'e',
        label: 'edit',
      });
    } finally {
      keymap.splice(keymap.indexOf(added), 1);
    }
  });

  it('keeps ? and q when narrow, dropping the keys that do not fit', () => {
    const items = mainFooter({...initialState(), sessions: [sessionRow(1)]});
    const narrow = footerText(items, 60);
    expect(narrow.length).toBeLessThanOrEqual(60);
    expect(narrow).toMatch(/^c connect {2}a add .* {2}\? help {2}q quit$/);
  });

  it('Space and a key the keymap does not bind say so on the status line', async () => {
    const {lastFrame, stdin, unmount} = renderAt(<App />, 100, 30);
    await frameMatching(lastFrame, /No sessions/, 100);
    stdin.write(' ');
    await frameMatching(lastFrame, /Space does nothing here/, 100);
    stdin.write('z');
    await frameMatching(lastFrame, /z is not a key here: \? lists the keys/, 100);
    expect(unboundKeyHint('Z')).toBe('Z is not a key here: ? lists the keys');
    unmount();
  });
});
