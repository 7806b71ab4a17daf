/**
 * Favorites: named sessions (host, user, port, identity file paths, a few options and forwards) kept in a
 * local JSON file where conf keeps configuration. The file is `{"version": 1, "favorites": [...]}`, mode
 * 0600 in a 0700 directory. A corrupt or hand-broken file is kept as a backup instead of being wiped;
 * every write re-reads the file under a lock file and merges, so two tunnels processes saving at once
 * lose neither change. It never holds a password, a passphrase or a key's contents: a favorite has no
 * field for them and unknown fields are refused.
 *
 * A favorite can forward the agent (-A) and open ports on a server (-R), so a file someone else could
 * have written is not used, as ssh refuses such a ~/.ssh/config: a link, anything but a regular file, a
 * file or directory owned by another user or writable by others is refused with a sentence saying how to
 * fix it. The file is read and written here, not by conf, whose writer follows a link at the path and
 * whose constructor reads the file (and blocks on a FIFO) and creates its directory: reading never
 * changes anything, and a write is a new file renamed into place, never a write through a link.
 */
import path from 'node:path';
import {configDirectory} from '../paths.js';
import {
  compareNames,
  type Favorite,
  FavoritesError,
  normalizeFavorite,
  validateFavorite,
} from './favorite.js';
import {describeFsError, MAX_FILE_BYTES, sizeText} from './file-checks.js';
import {
  FAVORITES_FILE_VERSION,
  type FavoritesFileContents,
  type FileState,
  readFavoritesFile,
} from './file-read.js';
import {backUp, ensureDirectory, withLock, writeAtomically} from './file-write.js';

const PROJECT_NAME = 'tunnels';
const FILE_NAME = 'favorites.json';

function recoveredText(count: number): string {
  return count === 0 ? 'no favorites' : `the ${count} favorite${count === 1 ? '' : 's'} that could be read`;
}

/**
 * The favorites file, open: what it holds, with this process's changes not written yet. Every change
 * re-reads the file under its lock and merges, so two tunnels processes saving at once lose neither
 * change; a file that cannot be written keeps the change in memory.
 */
export class FavoritesFile {
  /** Messages for the user about recovery or a refused file. Empty normally; a save may add one. */
  readonly notices: string[] = [];
  /** Where the file is (conf's default location for project name "tunnels", which honours XDG_CONFIG_HOME). */
  readonly path: string;
  readonly #directory: string;
  /** The favorites of the file as last read (or recovered). */
  #base = new Map<string, Favorite>();
  /** Changes not written yet: a favorite, or null for a removal. */
  #pending = new Map<string, Favorite | null>();
  /** Why the file must not be written, when it must not: it is from a newer tunnels, unreadable or refused. */
  #blocked: string | undefined;
  /** Whether #blocked is a refusal: the file is not to be trusted at all. */
  #refused = false;

  constructor(file: string) {
    this.path = file;
    this.#directory = path.dirname(file);
    this.#open();
  }

  /**
   * Why the file is refused, when it is (a link, not a regular file, too big, bad owner or permissions):
   * nothing is read from it and nothing is saved to it. As of the last time the file was read.
   */
  get refusal(): string | undefined {
    return this.#refused ? this.#blocked : undefined;
  }

  #setBase(favorites: Favorite[]): void {
    this.#base = new Map(favorites.map((favorite) => [favorite.name, favorite]));
  }

  #view(): Map<string, Favorite> {
    const view = new Map(this.#base);
    for (const [name, favorite] of this.#pending) {
      if (favorite) view.set(name, favorite);
      else view.delete(name);
    }
    return view;
  }

  /** Reads only: a bad file is recovered from in memory and left as it is until a save backs it up. */
  #open(): void {
    const state = readFavoritesFile(this.path);
    if (this.#block(state)) return;
    if (state.kind === 'ok') this.#setBase(state.favorites);
    if (state.kind !== 'bad') return;
    this.#setBase(state.favorites);
    this.notices.push(
      `favorites file ${this.path} ${state.reason}; started with ${recoveredText(state.favorites.length)}; the file is left as it is until favorites are saved, which first keeps it beside it as ${path.basename(this.path)}.corrupt-<time>`,
    );
  }

  #blockReason(state: FileState): string {
    if (state.kind === 'newer') {
      return `favorites file ${this.path} is version ${state.version}, written by a newer tunnels (this one reads version ${FAVORITES_FILE_VERSION}); it is left as it is, and favorites cannot be saved until tunnels is updated`;
    }
    if (state.kind === 'unreadable') {
      return `favorites file ${this.path} cannot be read: ${state.reason}; it is left as it is, and favorites cannot be saved until it can be read`;
    }
    if (state.kind === 'unsafe') {
      // A directory's problem says which file it is about.
      const file = state.reason.includes(this.path) ? '' : ` (${this.path})`;
      return `${state.reason}. Until then tunnels neither reads nor saves favorites${file}`;
    }
    return `favorites file ${this.path} cannot be saved`;
  }

  /** Picks up other processes' changes when the file is readable; otherwise keeps what is known. */
  #refresh(): void {
    const state = readFavoritesFile(this.path);
    // A refusal holds until the file is fixed, and is lifted as soon as it is.
    if (state.kind === 'unsafe' || this.#refused) {
      if (this.#block(state)) return;
    }
    if (state.kind === 'ok' || state.kind === 'newer') this.#setBase(state.favorites);
    else if (state.kind === 'missing' && !this.#blocked) this.#setBase([]);
  }

  /** Blocks writing when the file is from a newer tunnels, cannot be read or is refused; true when blocked. */
  #block(state: FileState): boolean {
    if (state.kind !== 'newer' && state.kind !== 'unreadable' && state.kind !== 'unsafe') {
      this.#blocked = undefined;
      this.#refused = false;
      return false;
    }
    // Nothing of a refused file is shown: what it says may be someone else's.
    this.#setBase(state.kind === 'newer' ? state.favorites : []);
    const reason = this.#blockReason(state);
    if (reason !== this.#blocked) this.notices.push(reason);
    this.#blocked = reason;
    this.#refused = state.kind === 'unsafe';
    return true;
  }

  /**
   * Under the lock: re-reads (and re-checks) the file, backs up a bad one, merges the pending changes and
   * writes. When that fails the change stays in memory, and the error says so.
   */
  #commit(): void {
    const failed = (reason: string, cause?: string) =>
      new FavoritesError(
        `${reason}; the change is kept until tunnels exits`,
        cause === undefined ? undefined : {cause},
      );
    // Before anything is created: the directories above it are checked too.
    if (this.#block(readFavoritesFile(this.path))) throw failed(this.#blocked!);
    try {
      ensureDirectory(this.#directory);
      withLock(this.path, () => {
        const state = readFavoritesFile(this.path);
        if (this.#block(state)) throw failed(this.#blocked!);
        const merged = this.#viewOver(state.kind === 'ok' || state.kind === 'bad' ? state.favorites : []);
        const text = `${JSON.stringify({version: FAVORITES_FILE_VERSION, favorites: merged} satisfies FavoritesFileContents, null, 2)}\n`;
        if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
          throw failed(
            `favorites would take ${sizeText(Buffer.byteLength(text))}, more than a favorites file can be (${sizeText(MAX_FILE_BYTES)}); remove some first`,
          );
        }
        if (state.kind === 'bad') {
          let backup: string;
          try {
            backup = backUp(this.path, state.text);
          } catch (error) {
            const cause = describeFsError(error);
            throw failed(
              `favorites file ${this.path} ${state.reason}, and it could not be backed up (${cause}), so it is left as it is and cannot be saved until it is fixed or moved away`,
              cause,
            );
          }
          this.notices.push(
            `favorites file ${this.path} ${state.reason}; kept it as ${backup}, and saved ${recoveredText(state.favorites.length)} with this change`,
          );
        }
        writeAtomically(this.path, text);
        this.#setBase(merged);
        this.#pending.clear();
      });
    } catch (error) {
      if (error instanceof FavoritesError) throw error;
      const cause = describeFsError(error);
      throw failed(`cannot save favorites to ${this.path}: ${cause}`, cause);
    }
  }

  /** The pending changes over `favorites`, sorted. */
  #viewOver(favorites: Favorite[]): Favorite[] {
    this.#setBase(favorites);
    return [...this.#view().values()].sort(compareNames);
  }

  /** Sorted by name. */
  list(): Favorite[] {
    this.#refresh();
    return [...this.#view().values()].sort(compareNames).map(normalizeFavorite);
  }

  get(name: string): Favorite | undefined {
    this.#refresh();
    const favorite = this.#view().get(name);
    return favorite ? normalizeFavorite(favorite) : undefined;
  }

  /**
   * Adds or replaces by name. Re-reads the file and merges before writing, so another process's changes to
   * other favorites are never lost. Throws FavoritesError naming the field when invalid; when the file
   * cannot be written throws FavoritesError saying so, and keeps the change in memory.
   */
  save(favorite: Favorite): void {
    const problem = validateFavorite(favorite);
    if (problem) throw new FavoritesError(problem);
    this.#pending.set(favorite.name, normalizeFavorite(favorite));
    this.#commit();
  }

  /** Same re-read-and-merge rule as save(). False when there was no such favorite. */
  remove(name: string): boolean {
    this.#refresh();
    if (!this.#view().has(name)) return false;
    this.#pending.set(name, null);
    this.#commit();
    return true;
  }
}

/**
 * Opens the favorites file: reads it, if there is one, and changes nothing. `cwd` overrides the directory
 * (tests); otherwise it is where conf keeps configuration for project "tunnels" (configDirectory).
 */
export function openFavorites(options: {cwd?: string} = {}): FavoritesFile {
  const directory = path.resolve(options.cwd ?? configDirectory(PROJECT_NAME));
  return new FavoritesFile(path.join(directory, FILE_NAME));
}
