import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {destinationOnly} from '../../source/config/command-line.js';
import {openFavorites} from '../../source/config/favorites/favorites-file.js';
import type {ResolvedInvocation} from '../../source/config/session-options.js';
import {loadHostAliases} from '../../source/store/actions.js';
import {submitDialog} from '../../source/store/dialog-actions.js';
import {
  connectFavorite,
  connectPickedFavorites,
  pickedFavorites,
  saveSessionAsFavorite,
  setFavoritesFile,
  toggleChosenFavorite,
} from '../../source/store/favorites-actions.js';
import {handles} from '../../source/store/session-handles.js';
import {connectOrSelect} from '../../source/store/session-match.js';
import {type Dialog, type FavoriteRow, initialState, store} from '../../source/store/state.js';
import {editDialogText} from '../../source/store/ui-actions.js';
import {forwardRow, sessionRow} from '../helpers/rows.js';

const favoriteRow = (name: string): FavoriteRow => ({
  name,
  address: `deploy@${name}1`,
  summary: '-L 8080:db:5432',
  args: `-L 8080:db:5432 deploy@${name}1`,
});

const picker = (partial: Partial<Extract<Dialog, {kind: 'favorites'}>> = {}) =>
  ({
    kind: 'favorites',
    text: '',
    selected: 0,
    favorites: ['api', 'db', 'web'].map(favoriteRow),
    ...partial,
  }) as Extract<Dialog, {kind: 'favorites'}>;

describe('favorites: a connected one is selected, several are chosen at once, a taken name asks', () => {
  let directory: string;
  const savedHome = process.env.HOME;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnels-picker-actions-'));
    // resolveInvocation reads ~/.ssh/config: an empty home of the test's own.
    process.env.HOME = directory;
    setFavoritesFile(openFavorites({cwd: path.join(directory, 'config')}));
    store.setState(initialState());
  });
  afterEach(() => {
    setFavoritesFile(undefined);
    process.env.HOME = savedHome;
    store.setState(initialState());
    fs.rmSync(directory, {recursive: true, force: true});
  });

  it('a favorite whose session is live is selected, with a status line, and no row is added', async () => {
    store.setState({
      sessions: [sessionRow(1, [], {name: 'web'}), sessionRow(2, [forwardRow(8080)], {name: 'db'})],
      selectedSession: 0,
      dialog: picker(),
    });
    expect(await connectFavorite('db')).toBe(true);
    const state = store.getState();
    expect(state.sessions).toHaveLength(2);
    expect(state.selectedSession).toBe(1);
    expect(state.dialog).toBeUndefined();
    expect(state.message).toEqual({
      kind: 'info',
      text: 'db (deploy@10.0.0.2:22) is already connected: selected it; Ctrl-N connects a second time',
    });
  });

  it('a failed or closed session holds no place: its favorite is connected anew', async () => {
    store.setState({sessions: [sessionRow(1, [], {name: 'db', state: 'failed'})], dialog: picker()});
    // Not in this test's (empty) favorites file: the attempt to connect says so.
    expect(await connectFavorite('db')).toBe(false);
    expect(store.getState().message).toEqual({kind: 'error', text: 'no favorite named db'});
    expect(store.getState().sessions).toHaveLength(1);
  });

  it('Space chooses and unchooses the highlighted one; Enter takes the chosen in list order, else the highlighted', () => {
    store.setState({dialog: picker({selected: 2})});
    toggleChosenFavorite();
    store.setState((state) => ({
      dialog: {...(state.dialog as Extract<Dialog, {kind: 'favorites'}>), selected: 0},
    }));
    toggleChosenFavorite();
    let dialog = store.getState().dialog as Extract<Dialog, {kind: 'favorites'}>;
    expect(dialog.chosen).toEqual(['web', 'api']);
    expect(pickedFavorites(dialog)).toEqual(['api', 'web']);
    toggleChosenFavorite();
    dialog = store.getState().dialog as Extract<Dialog, {kind: 'favorites'}>;
    expect(dialog.chosen).toEqual(['web']);
    expect(pickedFavorites({...dialog, chosen: []})).toEqual(['api']);
    // The filter narrows what is highlighted, not what was chosen.
    expect(pickedFavorites({...dialog, chosen: [], text: 'we'})).toEqual(['web']);
    expect(pickedFavorites({...dialog, text: 'zzz'})).toEqual(['web']);
  });

  it('several chosen, all live: the first is selected and the line names them; none is connected again', async () => {
    store.setState({
      sessions: [
        sessionRow(1, [], {name: 'other'}),
        sessionRow(2, [], {name: 'api'}),
        sessionRow(3, [], {name: 'web'}),
      ],
      dialog: picker({chosen: ['web', 'api']}),
    });
    await connectPickedFavorites(store.getState().dialog as Extract<Dialog, {kind: 'favorites'}>);
    const state = store.getState();
    expect(state.sessions).toHaveLength(3);
    expect(state.selectedSession).toBe(1);
    expect(state.dialog).toBeUndefined();
    expect(state.message?.text).toBe(
      'connecting nothing new; already connected: api, web (Ctrl-N connects a second time)',
    );
  });

  it('c to a destination a live session already reaches with the same forwards selects it; other forwards or another user do not', async () => {
    const plain = handles.add({session: {}, forwards: []} as unknown as ResolvedInvocation, undefined);
    const withForward = handles.add(
      {
        session: {},
        forwards: [{kind: 'local', port: 8080, host: 'db', hostPort: 5432}],
      } as unknown as ResolvedInvocation,
      undefined,
    );
    try {
      store.setState({
        sessions: [
          sessionRow(withForward, [], {name: 'a', address: 'deploy@127.0.0.1:22'}),
          sessionRow(plain, [], {name: 'b', address: 'deploy@127.0.0.1:22'}),
        ],
        dialog: {kind: 'connect', text: 'deploy@127.0.0.1'},
      });
      await connectOrSelect('deploy@127.0.0.1');
      expect(store.getState()).toMatchObject({selectedSession: 1, dialog: undefined, focus: 'sessions'});
      expect(store.getState().message?.text).toMatch(
        /^b \(deploy@127\.0\.0\.1:22\) is already connected: selected it/,
      );
      expect(store.getState().sessions).toHaveLength(2);
      // A name a live session has is that session, whatever it resolves to.
      store.setState({selectedSession: 0, dialog: {kind: 'connect', text: 'a'}});
      await connectOrSelect('a');
      expect(store.getState()).toMatchObject({selectedSession: 0, dialog: undefined});
      expect(store.getState().sessions).toHaveLength(2);
    } finally {
      handles.remove(plain);
      handles.remove(withForward);
    }
  });

  it('the connect dialog reads the -F the UI was started with, as it completes its Hosts from it', async () => {
    const config = path.join(directory, 'other-config');
    fs.writeFileSync(config, 'Host only-in-f\n  HostName 127.0.0.1\n  Port nope\n');
    try {
      await loadHostAliases(config);
      expect(store.getState().hosts).toEqual(['only-in-f']);
      store.setState({dialog: {kind: 'connect', text: 'only-in-f'}});
      await connectOrSelect('only-in-f');
      // The file's own line is what stops it: the dialog stays, saying so.
      expect(store.getState().dialog).toMatchObject({
        kind: 'connect',
        text: 'only-in-f',
        error: expect.stringContaining(`${config} line 3: Port nope`),
      });
    } finally {
      await loadHostAliases(undefined);
    }
  });

  it('a favorite saved from a live session (s) is that session: connecting it selects the session', async () => {
    const file = openFavorites({cwd: path.join(directory, 'config')});
    file.save({
      name: 'saved',
      host: '10.0.0.7',
      user: 'deploy',
      identityFiles: [],
      options: {},
      forwards: ['-L 9090:db:5432', '-L 8080:db:5432'],
    });
    store.setState({
      sessions: [
        sessionRow(6, [forwardRow(8080)], {address: 'deploy@10.0.0.7:22'}),
        sessionRow(7, [forwardRow(8080), forwardRow(9090)], {address: 'deploy@10.0.0.7:22'}),
      ],
      selectedSession: 0,
      dialog: picker(),
    });
    expect(await connectFavorite('saved')).toBe(true);
    expect(store.getState()).toMatchObject({selectedSession: 1, dialog: undefined});
    expect(store.getState().message?.text).toMatch(/^host-7 \(deploy@10\.0\.0\.7:22\) is already connected/);
    expect(store.getState().sessions).toHaveLength(2);
  });

  it('saving a session started with -F says that the favorite does not keep it', async () => {
    const id = handles.add({session: {}} as ResolvedInvocation, {
      ...destinationOnly('deploy@db1', path.join(directory, 'cfg')),
      cipher: 'aes128-ctr',
    });
    try {
      store.setState({sessions: [sessionRow(id, [forwardRow(8080)], {name: 'deploy@db1'})]});
      await saveSessionAsFavorite(id, 'fromf');
      expect(store.getState().message?.text).toBe(
        'saved favorite fromf (1 forward; -c is not kept in favorites; -F is not kept in favorites)',
      );
    } finally {
      handles.remove(id);
    }
  });

  it('saving a session under a taken name asks first; yes replaces it, and a bad name is told in words', async () => {
    const origin = destinationOnly('deploy@db1', undefined);
    const id = handles.add({session: {}} as ResolvedInvocation, origin);
    try {
      store.setState({
        sessions: [sessionRow(id, [forwardRow(8080), forwardRow(9090)], {name: 'deploy@db1'})],
      });
      const file = openFavorites({cwd: path.join(directory, 'config')});
      file.save({name: 'db', host: 'old-db', identityFiles: [], options: {}, forwards: ['-D 1080']});

      store.setState({dialog: {kind: 'save-favorite', sessionId: id, text: ''}});
      editDialogText(() => 'my db');
      expect(store.getState().dialog).toMatchObject({
        error: 'a name may only hold letters, digits, ".", "_" and "-", not a space',
      });
      editDialogText(() => 'db');
      expect(store.getState().dialog).toMatchObject({kind: 'save-favorite', text: 'db', error: undefined});

      await submitDialog();
      expect(store.getState().dialog).toEqual({
        kind: 'confirm',
        title: 'Replace favorite db?',
        message: 'db is old-db  -D 1080. It will be replaced by this session, with its 2 forwards.',
        action: {kind: 'overwrite-favorite', sessionId: id, name: 'db'},
      });
      expect(openFavorites({cwd: path.join(directory, 'config')}).get('db')?.host).toBe('old-db');

      await submitDialog();
      expect(store.getState().message?.text).toBe('saved favorite db (2 forwards)');
      expect(openFavorites({cwd: path.join(directory, 'config')}).get('db')).toMatchObject({
        host: 'db1',
        user: 'deploy',
        forwards: ['-L 8080:db:5432', '-L 9090:db:5432'],
      });

      await saveSessionAsFavorite(id, '-x');
      expect(store.getState().dialog).toMatchObject({
        kind: 'save-favorite',
        error: 'a name must not start with "-" (it would read as an option)',
      });
    } finally {
      handles.remove(id);
    }
  });
});
