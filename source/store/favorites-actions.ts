import {
  commandLineFor,
  favoriteFromArguments,
  favoriteFromCommandLine,
  notKept,
  splitWords,
} from '../config/favorites/favorite-args.js';
import {favoriteNameProblem} from '../config/favorites/favorite-name.js';
import type {Favorite, FavoritesFile} from '../config/favorites/index.js';
import {resolveInvocation} from '../config/session-options.js';
import {connect, sessionOrigin} from './actions.js';
import {handles} from './session-handles.js';
import {alreadyConnectedText, liveSessionLike, liveSessionNamed, selectSession} from './session-match.js';
import {type Dialog, type FavoriteRow, store} from './state.js';
import {closeDialog, openDialog, showMessage} from './ui-actions.js';

/** The favorites code loads when favorites are first used, not before the UI's first frame. */
const favoritesModule = () => import('../config/favorites/index.js');

/** The favorites file, opened once; its recovery notices become a message. */
function favoritesStore(): Promise<FavoritesFile> {
  if (!handles.favorites) {
    const opening = favoritesModule().then(({openFavorites}) => {
      const opened = openFavorites();
      if (opened.notices.length > 0) showMessage('error', opened.notices.join(' '));
      return opened;
    });
    // A file that could not be opened is tried again the next time; the caller reports the error.
    opening.catch(() => {
      if (handles.favorites === opening) handles.favorites = undefined;
    });
    handles.favorites = opening;
  }
  return handles.favorites;
}

/** Tests point the store at a file of their own. */
export function setFavoritesFile(value: FavoritesFile | undefined): void {
  handles.favorites = value && Promise.resolve(value);
}

/** `text`: favorites.ts's functions, which are loaded with the file's code when first used. */
function row(
  favorite: Favorite,
  text: {favoriteSummary(favorite: Favorite): string; tunnelsOptionsFor(favorite: Favorite): string},
): FavoriteRow {
  return {
    name: favorite.name,
    address: `${favorite.user ? `${favorite.user}@` : ''}${favorite.host}${favorite.port ? `:${favorite.port}` : ''}${favorite.jumpHost ? ` via ${favorite.jumpHost}` : ''}`,
    summary: text.favoriteSummary(favorite),
    args: text.tunnelsOptionsFor(favorite),
  };
}

export function filteredFavorites(rows: FavoriteRow[], filter: string): FavoriteRow[] {
  const needle = filter.toLowerCase();
  return rows.filter((favorite) => `${favorite.name} ${favorite.address}`.toLowerCase().includes(needle));
}

export async function openFavoritesPicker(): Promise<void> {
  let rows: FavoriteRow[];
  try {
    const text = await favoritesModule();
    const opened = await favoritesStore();
    rows = opened.list().map((favorite) => row(favorite, text));
    // A refused file (someone else could have written it) shows why, not an empty list.
    if (opened.refusal !== undefined) {
      showMessage('error', opened.refusal);
      return;
    }
  } catch (error) {
    showMessage('error', (error as Error).message);
    return;
  }
  openDialog({kind: 'favorites', text: '', selected: 0, favorites: rows});
}

/** Saves or removes through `change`; returns what it told (a bad file kept as a backup), as a clause. */
async function changeFavorites(change: (opened: FavoritesFile) => void): Promise<string> {
  const opened = await favoritesStore();
  const before = opened.notices.length;
  change(opened);
  return opened.notices
    .slice(before)
    .map((notice) => `; ${notice}`)
    .join('');
}

/**
 * Connects a favorite: its session and every forward; one already live is selected instead, unless
 * `again` (Ctrl-N) asks for a second connection. Returns whether it selected one.
 */
export async function connectFavorite(name: string, options: {again?: boolean} = {}): Promise<boolean> {
  const live = liveSessionNamed(store.getState(), name);
  if (live && !options.again) {
    closeDialog();
    selectSession(live.id);
    showMessage('info', alreadyConnectedText(live));
    return true;
  }
  const favorite = (await favoritesStore()).get(name);
  if (!favorite) {
    showMessage('error', `no favorite named ${name}`);
    return false;
  }
  const commandLine = commandLineFor(favorite);
  try {
    const invocation = await resolveInvocation(commandLine);
    const like = options.again
      ? undefined
      : liveSessionLike(store.getState(), invocation.session, favorite.forwards);
    if (like) {
      closeDialog();
      selectSession(like.id);
      showMessage('info', alreadyConnectedText(like));
      return true;
    }
    closeDialog();
    await connect(name, invocation, {...commandLine, destination: favorite.host});
  } catch (error) {
    closeDialog();
    showMessage('error', (error as Error).message);
  }
  return false;
}

/** The favorites Enter connects: those chosen with Space, in the list's order, or else the highlighted one. */
export function pickedFavorites(dialog: Extract<Dialog, {kind: 'favorites'}>): string[] {
  const chosen = dialog.chosen ?? [];
  if (chosen.length > 0)
    return dialog.favorites.filter((row) => chosen.includes(row.name)).map((row) => row.name);
  const highlighted = filteredFavorites(dialog.favorites, dialog.text)[dialog.selected];
  return highlighted ? [highlighted.name] : [];
}

/**
 * Enter in the picker: each picked favorite connected, those already live selected instead (with
 * `again`, connected a second time). Several at once connect side by side; the status line names the
 * ones that were live.
 */
export async function connectPickedFavorites(
  dialog: Extract<Dialog, {kind: 'favorites'}>,
  options: {again?: boolean} = {},
): Promise<void> {
  const names = pickedFavorites(dialog);
  if (names.length <= 1) {
    if (names[0] !== undefined) await connectFavorite(names[0], options);
    return;
  }
  closeDialog();
  const state = store.getState();
  const live = options.again ? [] : names.filter((name) => liveSessionNamed(state, name));
  const fresh = names.filter((name) => !live.includes(name));
  const connecting = Promise.all(fresh.map((name) => connectFavorite(name, options)));
  if (live.length > 0) {
    const first = liveSessionNamed(state, live[0]!)!;
    if (fresh.length === 0) selectSession(first.id);
    showMessage(
      'info',
      `connecting ${fresh.join(', ') || 'nothing new'}; already connected: ${live.join(', ')} (Ctrl-N connects a second time)`,
    );
  }
  await connecting;
}

/** Space in the picker: the highlighted favorite chosen, or no longer. */
export function toggleChosenFavorite(): void {
  const {dialog} = store.getState();
  if (dialog?.kind !== 'favorites') return;
  const highlighted = filteredFavorites(dialog.favorites, dialog.text)[dialog.selected];
  if (!highlighted) return;
  const chosen = dialog.chosen ?? [];
  store.setState({
    dialog: {
      ...dialog,
      chosen: chosen.includes(highlighted.name)
        ? chosen.filter((name) => name !== highlighted.name)
        : [...chosen, highlighted.name],
    },
  });
}

/**
 * Saves a session, with the forwards it has now, as a favorite. A name already taken asks first (a
 * confirm dialog), unless `overwrite` says it was asked.
 */
export async function saveSessionAsFavorite(
  sessionId: number,
  name: string,
  options: {overwrite?: boolean} = {},
): Promise<void> {
  const {origin, forwards} = sessionOrigin(sessionId);
  const refuse = (error: string) =>
    store.setState({dialog: {kind: 'save-favorite', sessionId, text: name, error}});
  if (!origin) {
    // The service's own sessions (tunnels up, -f, another UI) come with their state, not their command line.
    refuse(
      store.getState().attached
        ? 'this session was opened outside this UI (tunnels up, -f or another UI), which alone knows its options: save it with tunnels favorites add NAME and the same options'
        : 'this session cannot be saved (it did not start from a host)',
    );
    return;
  }
  const nameProblem = favoriteNameProblem(name);
  if (nameProblem) {
    refuse(nameProblem);
    return;
  }
  try {
    const existing = options.overwrite ? undefined : (await favoritesStore()).get(name);
    if (existing) {
      const text = await favoritesModule();
      const summary = text.favoriteSummary(existing);
      openDialog({
        kind: 'confirm',
        title: `Replace favorite ${name}?`,
        message: `${name} is ${text.favoriteAddress(existing)}${summary ? `  ${summary}` : ''}. It will be replaced by this session, with its ${forwards.length} forward${forwards.length === 1 ? '' : 's'}.`,
        action: {kind: 'overwrite-favorite', sessionId, name},
      });
      return;
    }
    const told = await changeFavorites((opened) =>
      opened.save(favoriteFromCommandLine(name, origin, forwards)),
    );
    store.setState({dialog: undefined});
    const warnings = notKept(origin);
    showMessage(
      'info',
      `saved favorite ${name} (${forwards.length} forward${forwards.length === 1 ? '' : 's'}${warnings.map((warning) => `; ${warning}`).join('')})${told}`,
    );
  } catch (error) {
    refuse((error as Error).message);
  }
}

/** Saves an edited favorite, given as the options of `tunnels` itself. */
export async function saveEditedFavorite(name: string, text: string): Promise<void> {
  try {
    const {favorite, warnings} = favoriteFromArguments(name, splitWords(text));
    const told = await changeFavorites((opened) => opened.save(favorite));
    showMessage(
      'info',
      `saved favorite ${name}${warnings.length > 0 ? ` (${warnings.join('; ')})` : ''}${told}`,
    );
  } catch (error) {
    store.setState({dialog: {kind: 'edit-favorite', name, text, error: (error as Error).message}});
    return;
  }
  await openFavoritesPicker();
}

export async function deleteFavorite(name: string): Promise<void> {
  try {
    const told = await changeFavorites((opened) => opened.remove(name));
    showMessage('info', `deleted favorite ${name}${told}`);
  } catch (error) {
    showMessage('error', (error as Error).message);
  }
  await openFavoritesPicker();
}
