import {readFile} from 'node:fs/promises';
import {type CommandLineOptions, ConfigError, destinationOnly} from '../config/command-line.js';
import {commandLineFor, favoriteFromArguments} from '../config/favorite-args.js';
import {
  type Favorite,
  FavoritesError,
  type FavoritesStore,
  favoriteSummary,
  openFavorites,
  sshCommandFor,
  validateFavorite,
} from '../config/favorites.js';
import {resolveOptions} from '../config/resolve-options.js';
import {listHostAliases} from '../config/ssh-config/host-aliases.js';
import {ForwardSpecError, formatForwardFlag} from '../core/protocols/forward-spec.js';
import {expandHome} from '../text/home-path.js';
import {safeJson, safeLines, safeText} from '../text/safe-text.js';

const USAGE = `usage:
  tunnels favorites [list] [--json]              list favorites
  tunnels favorites add NAME [options] [user@]host   save one (the options of tunnels itself: -L -R -D -p -l -i -o -A -X)
  tunnels favorites rm NAME                      delete one
  tunnels favorites ssh NAME                     print the equivalent ssh command
  tunnels favorites export                       all favorites as JSON on stdout
  tunnels favorites import FILE                  add the favorites of an exported file
  tunnels favorites import-ssh-config [-F FILE]  turn ~/.ssh/config Hosts with forwards into favorites
  tunnels @NAME / tunnels -N @NAME               connect a favorite (UI / headless)`;

// Favorites come from files (an import, a ~/.ssh/config) and name hosts: every line is made safe.
const out = (text: string) => process.stdout.write(`${safeLines(text)}\n`);
const err = (text: string) => process.stderr.write(`tunnels: ${safeLines(text)}\n`);

function describe(favorite: Favorite): string {
  const where = `${favorite.user ? `${favorite.user}@` : ''}${favorite.host}${favorite.port ? `:${favorite.port}` : ''}${favorite.jumpHost ? ` via ${favorite.jumpHost}` : ''}`;
  // Escaped before padding, so the columns line up.
  return `${safeText(favorite.name).padEnd(16)} ${safeText(where).padEnd(28)} ${favoriteSummary(favorite)}`;
}

/** `tunnels favorites ...`; returns the exit status. */
export async function runFavoritesCommand(args: string[]): Promise<number> {
  const [verb = 'list', ...rest] = args;
  let store: FavoritesStore;
  try {
    store = openFavorites();
  } catch (error) {
    err((error as Error).message);
    return 1;
  }
  // A file someone else could have written is not used: every verb says why, and fails.
  if (store.refusal !== undefined) {
    err(store.refusal);
    return 1;
  }
  for (const notice of store.notices) err(notice);
  // A save can add one (a bad file kept as a backup, and where).
  const told = store.notices.length;
  try {
    return await runVerb(store, verb, rest);
  } finally {
    for (const notice of store.notices.slice(told)) err(notice);
  }
}

async function runVerb(store: FavoritesStore, verb: string, rest: string[]): Promise<number> {
  try {
    switch (verb) {
      case 'list':
      case '--json': {
        const favorites = store.list();
        if (rest.includes('--json') || verb === '--json') out(safeJson(favorites, 2));
        else if (favorites.length === 0)
          out(
            `No favorites yet (add one with: tunnels favorites add NAME [options] [user@]host). File: ${store.path}`,
          );
        else for (const favorite of favorites) out(describe(favorite));
        return 0;
      }
      case 'add': {
        const [name, ...options] = rest;
        if (!name) throw new ConfigError('favorites add needs a NAME and a host');
        const {favorite, warnings} = favoriteFromArguments(name, options);
        for (const warning of warnings) err(`warning: ${warning}`);
        store.save(favorite);
        out(`saved favorite ${name}: ${describe(favorite).slice(17).trim()}`);
        return 0;
      }
      case 'rm':
      case 'remove': {
        const [name] = rest;
        if (!name) throw new ConfigError('favorites rm needs a NAME');
        if (!store.remove(name)) {
          err(`no favorite named ${name} (see: tunnels favorites)`);
          return 1;
        }
        out(`removed favorite ${name}`);
        return 0;
      }
      case 'ssh': {
        const favorite = rest[0] ? store.get(rest[0]) : undefined;
        if (!favorite) {
          err(`no favorite named ${rest[0] ?? ''} (see: tunnels favorites)`);
          return 1;
        }
        out(sshCommandFor(favorite));
        return 0;
      }
      case 'export':
        out(safeJson({version: 1, favorites: store.list()}, 2));
        return 0;
      case 'import': {
        const [file] = rest;
        if (!file)
          throw new ConfigError('favorites import needs a FILE (as written by: tunnels favorites export)');
        const data = JSON.parse(await readFile(file, 'utf8')) as unknown;
        const entries = Array.isArray(data) ? data : ((data as {favorites?: unknown[]}).favorites ?? []);
        let imported = 0;
        for (const [index, entry] of entries.entries()) {
          const problem = validateFavorite(entry, `${file}: favorites[${index}]`);
          if (problem) {
            err(problem);
            continue;
          }
          store.save(entry as Favorite);
          imported++;
        }
        out(`imported ${imported} of ${entries.length} favorites`);
        return imported === entries.length ? 0 : 1;
      }
      case 'import-ssh-config': {
        const fileIndex = rest.indexOf('-F');
        const configFile = expandHome(fileIndex >= 0 ? (rest[fileIndex + 1] ?? '') : '~/.ssh/config');
        const text = await readFile(configFile, 'utf8');
        let imported = 0;
        let refused = 0;
        for (const alias of listHostAliases(text)) {
          // Each alias as ssh would resolve it with -F: Host and Match blocks, Include, ClearAllForwardings.
          let options: Awaited<ReturnType<typeof resolveOptions>>['options'];
          try {
            ({options} = await resolveOptions(destinationOnly(alias, configFile)));
          } catch (error) {
            // An alias ssh itself would refuse (a space in it, say): the others are still imported.
            if (!(error instanceof ConfigError)) throw error;
            err(`not imported: ${error.message}`);
            refused++;
            continue;
          }
          const forwards = [...options.localForwards, ...options.remoteForwards].map(formatForwardFlag);
          if (forwards.length === 0) continue;
          // The alias stays the host, so User, Port, IdentityFile keep coming from the config.
          const favorite: Favorite = {name: alias, host: alias, identityFiles: [], options: {}, forwards};
          const problem = validateFavorite(favorite);
          if (problem) {
            // An alias that cannot name a favorite (a space in it, say): the others are still imported.
            err(`not imported: ${problem}`);
            refused++;
            continue;
          }
          store.save(favorite);
          out(`imported ${alias}: ${forwards.join('  ')}`);
          imported++;
        }
        out(`imported ${imported} favorite${imported === 1 ? '' : 's'} from ${configFile}`);
        return refused === 0 ? 0 : 1;
      }
      default:
        err(`unknown favorites command "${verb}"\n${USAGE}`);
        return 1;
    }
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof FavoritesError ||
      error instanceof ForwardSpecError ||
      error instanceof SyntaxError
    ) {
      err(error.message);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      err((error as Error).message);
      return 1;
    }
    throw error;
  }
}

/** `@NAME` as a destination: the favorite's command line, with what else was given on this one. */
export function favoriteCommandLine(name: string, given: CommandLineOptions): CommandLineOptions {
  const store = openFavorites();
  if (store.refusal !== undefined) throw new ConfigError(store.refusal);
  for (const notice of store.notices) err(notice);
  const found = store.get(name);
  if (!found) throw new ConfigError(`no favorite named ${name} (see: tunnels favorites)`);
  const favorite = commandLineFor(found);
  // Flags given now win; lists add to the favorite's.
  return {
    ...favorite,
    port: given.port ?? favorite.port,
    user: given.user ?? favorite.user,
    jumpHost: given.jumpHost ?? favorite.jumpHost,
    identityFiles: [...given.identityFiles, ...favorite.identityFiles],
    configFile: given.configFile,
    options: [...given.options, ...favorite.options],
    cipher: given.cipher,
    localForwards: [...favorite.localForwards, ...given.localForwards],
    remoteForwards: [...favorite.remoteForwards, ...given.remoteForwards],
    dynamicForwards: [...favorite.dynamicForwards, ...given.dynamicForwards],
    forwardAgent: given.forwardAgent ?? favorite.forwardAgent,
    forwardX11: given.forwardX11 ?? favorite.forwardX11,
  };
}
