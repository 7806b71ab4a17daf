import {readFile} from 'node:fs/promises';
import {type CommandLineOptions, ConfigError, destinationOnly} from '../config/command-line.js';
import {type Favorite, FavoritesError, validateFavorite} from '../config/favorites/favorite.js';
import {commandLineFor, favoriteFromArguments} from '../config/favorites/favorite-args.js';
import {favoriteAddress, favoriteSummary, sshCommandFor} from '../config/favorites/favorite-text.js';
import {type FavoritesFile, openFavorites} from '../config/favorites/favorites-file.js';
import {FAVORITES_FILE_VERSION} from '../config/favorites/file-read.js';
import {resolveOptions} from '../config/resolve-options.js';
import {listHostAliases} from '../config/ssh-config/host-aliases.js';
import {ForwardSpecError} from '../core/protocols/forward-spec.js';
import {formatForwardFlag} from '../core/protocols/forward-spec-format.js';
import {FAVORITE_OPTION_FLAGS} from '../text/examples.js';
import {expandHome} from '../text/home-path.js';
import {safeJson, safeLines, safeText} from '../text/safe-text.js';
import {commandNamed} from './command-table.js';

const USAGE = `usage:
  tunnels favorites [list] [--json]              list favorites
  tunnels favorites add NAME [options] [user@]host   save one (the options of tunnels itself: ${FAVORITE_OPTION_FLAGS})
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
  // Escaped before padding, so the columns line up.
  return `${safeText(favorite.name).padEnd(16)} ${safeText(favoriteAddress(favorite)).padEnd(28)} ${favoriteSummary(favorite)}`;
}

/** A favorite without its name, for a line that has just named it. */
function describeUnnamed(favorite: Favorite): string {
  return `${safeText(favoriteAddress(favorite))} ${favoriteSummary(favorite)}`.trim();
}

/** `tunnels favorites ...`; returns the exit status. */
export async function runFavoritesCommand(args: string[]): Promise<number> {
  const [verb = 'list', ...rest] = args;
  // --help before the file is opened: it needs none.
  if (args.includes('--help') || args.includes('-h')) {
    const favorites = commandNamed('favorites')!;
    const help = favorites.subcommands?.find((sub) => sub.name === (verb === 'remove' ? 'rm' : verb));
    process.stdout.write(`${safeLines((help ?? favorites).help)}\n`);
    return 0;
  }
  let favoritesFile: FavoritesFile;
  try {
    favoritesFile = openFavorites();
  } catch (error) {
    err((error as Error).message);
    return 1;
  }
  // A file someone else could have written is not used: every verb says why, and fails.
  if (favoritesFile.refusal !== undefined) {
    err(favoritesFile.refusal);
    return 1;
  }
  for (const notice of favoritesFile.notices) err(notice);
  // A save can add one (a bad file kept as a backup, and where).
  const told = favoritesFile.notices.length;
  try {
    return await runVerb(favoritesFile, verb, rest);
  } finally {
    for (const notice of favoritesFile.notices.slice(told)) err(notice);
  }
}

/** A verb of `tunnels favorites`: its arguments in, its exit status out (a mistake throws, and is told). */
type Verb = (favoritesFile: FavoritesFile, rest: string[]) => number | Promise<number>;

const VERBS: Record<string, Verb> = {
  list: listFavorites,
  '--json': (favoritesFile, rest) => listFavorites(favoritesFile, ['--json', ...rest]),
  add: addFavorite,
  rm: removeFavorite,
  remove: removeFavorite,
  ssh: printSshCommand,
  export: exportFavorites,
  import: importFavorites,
  'import-ssh-config': importSshConfig,
};

async function runVerb(favoritesFile: FavoritesFile, verb: string, rest: string[]): Promise<number> {
  const run = Object.hasOwn(VERBS, verb) ? VERBS[verb] : undefined;
  if (!run) {
    err(`unknown favorites command "${verb}"\n${USAGE}`);
    return 1;
  }
  try {
    return await run(favoritesFile, rest);
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

function listFavorites(favoritesFile: FavoritesFile, rest: string[]): number {
  const favorites = favoritesFile.list();
  if (rest.includes('--json')) out(safeJson(favorites, 2));
  else if (favorites.length === 0)
    out(
      `No favorites yet (add one with: tunnels favorites add NAME [options] [user@]host). File: ${favoritesFile.path}`,
    );
  else for (const favorite of favorites) out(describe(favorite));
  return 0;
}

function addFavorite(favoritesFile: FavoritesFile, rest: string[]): number {
  const [name, ...options] = rest;
  if (!name) throw new ConfigError('favorites add needs a NAME and a host');
  const {favorite, warnings} = favoriteFromArguments(name, options);
  for (const warning of warnings) err(`warning: ${warning}`);
  favoritesFile.save(favorite);
  out(`saved favorite ${safeText(name)}: ${describeUnnamed(favorite)}`);
  return 0;
}

function removeFavorite(favoritesFile: FavoritesFile, rest: string[]): number {
  const [name] = rest;
  if (!name) throw new ConfigError('favorites rm needs a NAME');
  if (!favoritesFile.remove(name)) {
    err(`no favorite named ${name} (see: tunnels favorites)`);
    return 1;
  }
  out(`removed favorite ${name}`);
  return 0;
}

function printSshCommand(favoritesFile: FavoritesFile, rest: string[]): number {
  const favorite = rest[0] ? favoritesFile.get(rest[0]) : undefined;
  if (!favorite) {
    err(`no favorite named ${rest[0] ?? ''} (see: tunnels favorites)`);
    return 1;
  }
  out(sshCommandFor(favorite));
  return 0;
}

function exportFavorites(favoritesFile: FavoritesFile): number {
  out(safeJson({version: FAVORITES_FILE_VERSION, favorites: favoritesFile.list()}, 2));
  return 0;
}

/** The favorites of an exported file (or a bare list of them); an invalid entry is told and skipped. */
async function importFavorites(favoritesFile: FavoritesFile, rest: string[]): Promise<number> {
  const [file] = rest;
  if (!file) throw new ConfigError('favorites import needs a FILE (as written by: tunnels favorites export)');
  const data = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const entries = Array.isArray(data) ? data : ((data as {favorites?: unknown[]}).favorites ?? []);
  let imported = 0;
  for (const [index, entry] of entries.entries()) {
    const problem = validateFavorite(entry, `${file}: favorites[${index}]`);
    if (problem) {
      err(problem);
      continue;
    }
    favoritesFile.save(entry as Favorite);
    imported++;
  }
  out(`imported ${imported} of ${entries.length} favorites`);
  return imported === entries.length ? 0 : 1;
}

/** Every Host of an ssh_config with forwards becomes a favorite of that name; the others are left out. */
async function importSshConfig(favoritesFile: FavoritesFile, rest: string[]): Promise<number> {
  const fileIndex = rest.indexOf('-F');
  const configFile = expandHome(fileIndex >= 0 ? (rest[fileIndex + 1] ?? '') : '~/.ssh/config');
  const text = await readFile(configFile, 'utf8');
  let imported = 0;
  let refused = 0;
  for (const alias of listHostAliases(text)) {
    const found = await favoriteOfConfigHost(alias, configFile);
    if (found === undefined) continue;
    if (typeof found === 'string') {
      // An alias ssh itself would refuse, or one that cannot name a favorite: the others are still imported.
      err(`not imported: ${found}`);
      refused++;
      continue;
    }
    favoritesFile.save(found);
    out(`imported ${alias}: ${found.forwards.join('  ')}`);
    imported++;
  }
  out(`imported ${imported} favorite${imported === 1 ? '' : 's'} from ${configFile}`);
  return refused === 0 ? 0 : 1;
}

/**
 * A ~/.ssh/config Host as a favorite, resolved as ssh would with -F (Host and Match blocks, Include,
 * ClearAllForwardings): the favorite, why it cannot be one, or undefined when it has no forwards.
 */
async function favoriteOfConfigHost(
  alias: string,
  configFile: string,
): Promise<Favorite | string | undefined> {
  let options: Awaited<ReturnType<typeof resolveOptions>>['options'];
  try {
    ({options} = await resolveOptions(destinationOnly(alias, configFile)));
  } catch (error) {
    // An alias ssh itself would refuse (a space in it, say).
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
  const forwards = [...options.localForwards, ...options.remoteForwards].map(formatForwardFlag);
  if (forwards.length === 0) return undefined;
  // The alias stays the host, so User, Port, IdentityFile keep coming from the config.
  const favorite: Favorite = {name: alias, host: alias, identityFiles: [], options: {}, forwards};
  // An alias that cannot name a favorite (a space in it, say).
  return validateFavorite(favorite) ?? favorite;
}

/** `@NAME` as a destination: the favorite's command line, with what else was given on this one. */
export function favoriteCommandLine(name: string, given: CommandLineOptions): CommandLineOptions {
  const favoritesFile = openFavorites();
  if (favoritesFile.refusal !== undefined) throw new ConfigError(favoritesFile.refusal);
  for (const notice of favoritesFile.notices) err(notice);
  const found = favoritesFile.get(name);
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
    ...(given.remoteCommand !== undefined ? {remoteCommand: given.remoteCommand} : {}),
  };
}
