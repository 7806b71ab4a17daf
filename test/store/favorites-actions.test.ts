import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openFavoritesPicker, useFavoritesStore} from '../../source/store/favorites-actions.js';
import {store} from '../../source/store/state.js';

describe('favorites actions: the favorites file', () => {
  const savedXdg = process.env.XDG_CONFIG_HOME;
  const roots: string[] = [];
  afterEach(() => {
    useFavoritesStore(undefined);
    if (savedXdg === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = savedXdg;
    for (const root of roots.splice(0)) fs.rmSync(root, {recursive: true, force: true});
  });

  // The first use of favorites opens the file (loading its code first); two uses at once, say a quick
  // `f` then Enter, must open it once: a corrupt file is backed up, and said so, once.
  it('is opened once by uses that overlap, and a corrupt one is reported once', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnels-favorites-actions-'));
    roots.push(root);
    const directory = path.join(root, 'tunnels-nodejs');
    fs.mkdirSync(directory, {recursive: true, mode: 0o700});
    fs.writeFileSync(path.join(directory, 'favorites.json'), '{"version": 1, "favorites": [', {mode: 0o600});
    process.env.XDG_CONFIG_HOME = root;
    useFavoritesStore(undefined);
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
    expect(fs.readdirSync(directory).filter((name) => name.includes('.corrupt-'))).toHaveLength(1);
    expect(store.getState().dialog?.kind).toBe('favorites');
  });
});
