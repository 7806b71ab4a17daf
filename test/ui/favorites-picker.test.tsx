import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {render} from 'ink-testing-library';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {destinationOnly} from '../../source/config/command-line.js';
import {openFavorites} from '../../source/config/favorites/favorites-file.js';
import type {ResolvedInvocation} from '../../source/config/session-options.js';
import {setFavoritesFile} from '../../source/store/favorites-actions.js';
import {handles} from '../../source/store/session-handles.js';
import {type Dialog, type FavoriteRow, initialState, store} from '../../source/store/state.js';
import {App} from '../../source/ui/app.js';
import {frameMatching} from '../helpers/ink-frames.js';
import {forwardRow, sessionRow} from '../helpers/rows.js';

const DOWN = '\u001b[B';
const CTRL_U = '\u0015';

/** Types keys one at a time, each once the one before has changed the store. */
async function press(stdin: {write(data: string): void}, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    const before = store.getState();
    stdin.write(key);
    const deadline = Date.now() + 2000;
    while (store.getState() === before) {
      if (Date.now() > deadline) throw new Error(`the key ${JSON.stringify(key)} changed nothing`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

const favoriteRow = (name: string): FavoriteRow => ({
  name,
  address: `deploy@${name}1`,
  summary: '-L 8080:db:5432',
  args: `-L 8080:db:5432 deploy@${name}1`,
});

const picker: Dialog = {
  kind: 'favorites',
  text: '',
  selected: 0,
  favorites: ['api', 'db', 'web'].map(favoriteRow),
};

describe('the favorites picker, the overwrite question and e, as frames', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => {
    vi.restoreAllMocks();
    store.setState(initialState());
  });

  it('marks the favorites whose sessions are live; Space chooses, and the chosen are marked and counted', async () => {
    store.setState({
      sessions: [
        sessionRow(1, [], {name: 'db'}),
        sessionRow(2, [], {name: 'web', state: 'reconnecting'}),
        sessionRow(3, [], {name: 'api', state: 'failed'}),
      ],
      dialog: picker,
    });
    const {lastFrame, stdin, unmount} = render(<App />);
    const marked = await frameMatching(lastFrame, /Favorites/);
    expect(marked).toMatch(/1 \[ \] api {14}\s{13}deploy@api1/);
    expect(marked).toMatch(/2 \[ \] db {15}connected {4}deploy@db1/);
    expect(marked).toMatch(/3 \[ \] web {14}reconnecting deploy@web1/);
    expect(marked).toContain('Space choose · Enter/1-9 connect · ^N again · ^E edit · ^D delete · Esc');
    await press(stdin, ' ', DOWN, DOWN, ' ');
    const chosen = await frameMatching(lastFrame, /2 chosen: Enter connects them/);
    expect(chosen).toMatch(/1 \[x\] api/);
    expect(chosen).toMatch(/2 \[ \] db/);
    expect(chosen).toMatch(/3 \[x\] web/);
    await press(stdin, ' ');
    expect(await frameMatching(lastFrame, /1 chosen: Enter connects it/)).toMatch(/3 \[ \] web/);
    unmount();
  });

  it('keeps the highlighted favorite on screen in a long list, with how many more there are', async () => {
    const names = Array.from({length: 14}, (_, index) => `host${String(index + 1).padStart(2, '0')}`);
    store.setState({dialog: {...picker, favorites: names.map(favoriteRow)}});
    const {lastFrame, stdin, unmount} = render(<App />);
    const top = await frameMatching(lastFrame, /Favorites/);
    expect(top).toMatch(/↓ \d+ more/);
    expect(top).not.toContain('host14');
    await press(stdin, ...Array.from({length: 13}, () => DOWN));
    const bottom = await frameMatching(lastFrame, /host14/);
    expect(bottom).toMatch(/↑ \d+ more/);
    expect(bottom).not.toContain('host01');
    unmount();
  });

  it('a digit on a connected favorite selects its session: the picker closes and the status line says so', async () => {
    store.setState({
      sessions: [sessionRow(1, [], {name: 'api'}), sessionRow(2, [forwardRow(8080)], {name: 'db'})],
      dialog: picker,
    });
    const {lastFrame, stdin, unmount} = render(<App />);
    await frameMatching(lastFrame, /Favorites/);
    stdin.write('2');
    const frame = await frameMatching(lastFrame, /is already connected/);
    expect(frame).toContain(
      'db (deploy@10.0.0.2:22) is already connected: selected it; Ctrl-N connects a second',
    );
    expect(frame).toContain('Forwards of db');
    expect(frame).toContain(' 2 sessions');
    unmount();
  });

  it('saving under a taken name asks in a dialog; a bad name is refused while typing, in words', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnels-picker-frames-'));
    const id = handles.add({session: {}} as ResolvedInvocation, destinationOnly('deploy@db1', undefined));
    try {
      const file = openFavorites({cwd: directory});
      file.save({name: 'db', host: 'old-db', identityFiles: [], options: {}, forwards: ['-D 1080']});
      setFavoritesFile(file);
      store.setState({sessions: [sessionRow(id, [forwardRow(8080)], {name: 'deploy@db1'})]});
      const {lastFrame, stdin, unmount} = render(<App />);
      await frameMatching(lastFrame, /deploy@db1/);
      await press(stdin, 's');
      await frameMatching(lastFrame, /Save this session as a favorite/);
      await press(stdin, CTRL_U, 'my db');
      const refused = await frameMatching(lastFrame, /not a space/);
      expect(refused).toContain('a name may only hold letters, digits, ".", "_" and "-", not a space');
      expect(refused).not.toContain('favorite.name');
      await press(stdin, CTRL_U, 'db');
      await frameMatching(lastFrame, /> db/);
      stdin.write('\r');
      const asked = await frameMatching(lastFrame, /Replace favorite db\?/);
      expect(asked).toContain(
        'db is old-db  -D 1080. It will be replaced by this session, with its 1 forward.',
      );
      expect(asked).toContain('Enter or y to confirm · Esc or n to cancel');
      stdin.write('n');
      await frameMatching(lastFrame, /Log/);
      expect(openFavorites({cwd: directory}).get('db')?.host).toBe('old-db');
      unmount();
    } finally {
      handles.remove(id);
      setFavoritesFile(undefined);
      fs.rmSync(directory, {recursive: true, force: true});
    }
  });

  it('e opens the add dialog on the selected forward; a port another forward holds, or a privileged one, is refused while typing', async () => {
    // As a user who is not root, whatever runs the tests.
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    store.setState({
      sessions: [
        sessionRow(1, [forwardRow(8080), forwardRow(9090)], {name: 'db'}),
        sessionRow(2, [forwardRow(5432)], {name: 'web'}),
      ],
      focus: 'forwards',
      selectedForward: 1,
    });
    const {lastFrame, stdin, unmount} = render(<App />);
    await frameMatching(lastFrame, /Forwards of db/);
    await press(stdin, 'e');
    const editing = await frameMatching(lastFrame, /Edit forward/);
    expect(editing).toContain('Edit forward -L 9090:db:5432: Enter replaces it');
    expect(editing).toContain('> L 9090:db:5432');
    await press(stdin, CTRL_U, 'L 5432:db:1');
    expect(await frameMatching(lastFrame, /already used/)).toContain(
      "port 5432 is already used here by web's L 5432:db:5432; pick another port",
    );
    await press(stdin, CTRL_U, 'D 80');
    expect(await frameMatching(lastFrame, /privileged/)).toContain(
      'port 80 is privileged (below 1024): only root can listen on it, as ssh says; pick a port of 1024',
    );
    unmount();
  });
});
