import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {
  openFavoritesPicker,
  saveEditedFavorite,
  setFavoritesFile,
} from '../../source/store/favorites-actions.js';
import {store} from '../../source/store/state.js';

describe('favorites actions: the favorites file', () => {
  const savedXdg = process.env.XDG_CONFIG_HOME;
  const roots: string[] = [];
  afterEach(() => {
    setFavoritesFile(undefined);
    if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = savedXdg;
    for (const root of roots.splice(0)) fs.rmSync(root, {recursive: true, force: true});
  });

  // The first use of favorites opens the file (loading its code first); two uses at once, say a quick
  // `f` then Enter, must open it once: a corrupt file is said so once (and left as it is until a save).
  it('is opened once by uses that overlap, and a corrupt one is reported once', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnels-favorites-actions-'));
    roots.push(root);
    const directory = path.join(root, 'tunnels-nodejs');
    fs.mkdirSync(directory, {recursive: true, mode: 0o700});
    fs.writeFileSync(path.join(directory, 'favorites.json'), '{"version": 1, "favorites": [', {mode: 0o600});
    process.env.XDG_CONFIG_HOME = root;
    setFavoritesFile(undefined);
    const notices: string[] = [];
    const stop = store.subscribe((state, previous) => {
      if (state.message !== previous.message && state.message?.text.includes('corrupt'))
        notices.push(state.message.text);
    });
    try {
      await Promise.all([openFavoritesPicker(), openFavoritesPicker()]);
    } finally {
      stop();
    }
    expect(notices).toHaveLength(1);
    expect(fs.readdirSync(directory)).toEqual(['favorites.json']);
    expect(store.getState().dialog?.kind).toBe('favorites');

    // The first save keeps it as a backup, and the message says where.
    const messages: string[] = [];
    const watch = store.subscribe((state) => {
      if (state.message) messages.push(state.message.text);
    });
    try {
      await saveEditedFavorite('web', 'deploy@web1');
    } finally {
      watch();
    }
    const backups = fs.readdirSync(directory).filter((name) => name.includes('.corrupt-'));
    expect(backups).toHaveLength(1);
    expect(messages.join('\n')).toContain('saved favorite web; favorites file');
    expect(messages.join('\n')).toContain(`kept it as ${path.join(directory, backups[0]!)}`);
  });

  it('a refused file (a link at its path) shows why instead of an empty picker, and is left alone', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnels-favorites-actions-'));
    roots.push(root);
    const directory = path.join(root, 'tunnels-nodejs');
    fs.mkdirSync(directory, {recursive: true, mode: 0o700});
    const target = path.join(root, 'elsewhere.json');
    fs.writeFileSync(target, '{"version": 1, "favorites": []}\n', {mode: 0o644});
    fs.symlinkSync(target, path.join(directory, 'favorites.json'));
    process.env.XDG_CONFIG_HOME = root;
    setFavoritesFile(undefined);
    store.setState({dialog: undefined});
    await openFavoritesPicker();
    expect(store.getState().dialog).toBeUndefined();
    expect(store.getState().message).toMatchObject({kind: 'error'});
    expect(store.getState().message?.text).toMatch(/is a symbolic link .*which tunnels does not follow/);
    await saveEditedFavorite('web', 'deploy@web1');
    expect(store.getState().dialog).toMatchObject({
      kind: 'edit-favorite',
      error: expect.stringMatching(/symbolic link/),
    });
    expect(fs.readFileSync(target, 'utf8')).toBe('{"version": 1, "favorites": []}\n');
    expect(fs.statSync(target).mode & 0o777).toBe(0o644);
  });

  // The editor is a dialog of the full-screen UI: its mistakes are shown in it, never printed under it.
  it('an edit with a typo stays open, naming the typo, and prints nothing', async () => {
    const written: string[] = [];
    const capture = (text: string | Uint8Array) => {
      written.push(String(text));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await saveEditedFavorite('web', '-Z web1');
      expect(store.getState().dialog).toMatchObject({kind: 'edit-favorite', error: "unknown option '-Z'"});
      await saveEditedFavorite('docs', '--help');
    } finally {
      vi.restoreAllMocks();
    }
    expect(written).toEqual([]);
    expect(store.getState().dialog).toEqual({
      kind: 'edit-favorite',
      name: 'docs',
      text: '--help',
      error: '--help and --version are not options to keep',
    });
  });
});
