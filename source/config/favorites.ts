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
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {parsePermitRemoteOpen} from '../core/forwards/permit-remote-open.js';
import {parseStreamLocalBindMask} from '../core/forwards/unix-socket.js';
import {type ForwardFlag, ForwardSpecError, parseForwardSpec} from '../core/protocols/forward-spec.js';
import {keptOptionTexts} from './favorite-args.js';
import {badOwnerOrPermissions, configDirectory, untrustedDirectory} from './paths.js';

export interface Favorite {
  /** 1-64 chars, [A-Za-z0-9._-], must not start with '-' or '@'. */
  name: string;
  /** A host name, IP, or ~/.ssh/config alias. */
  host: string;
  user?: string;
  /** 1-65535 */
  port?: number;
  /** -J: the jump hosts, "[user@]host[:port][,...]" as given. */
  jumpHost?: string;
  /** Paths only, never key contents. */
  identityFiles: string[];
  options: {
    /** Seconds. */
    serverAliveInterval?: number;
    exitOnForwardFailure?: boolean;
    forwardAgent?: boolean;
    forwardX11?: boolean;
    /** tunnels' own -o Reconnect; unset means yes, as for any session the UI or a favorite starts. */
    reconnect?: boolean;
    /** StreamLocalBindMask, as written (octal, "0177"): the mode of unix sockets made here. */
    streamLocalBindMask?: string;
    /** StreamLocalBindUnlink: replace a socket file in the way. */
    streamLocalBindUnlink?: boolean;
    /** PermitRemoteOpen, as written ("any", "none", "host:port ..."): where -R port connections may go. */
    permitRemoteOpen?: string;
  };
  /** ssh-style forward specs as given to the flags: "-L 8080:db:5432", "-R 9000:localhost:3000", "-D 1080", "-L ftp/2121:ftp:21" */
  forwards: string[];
}

export class FavoritesError extends Error {
  override name = 'FavoritesError';
}

export interface FavoritesStore {
  /** Where the file is (conf's default location for project name "tunnels", which honours XDG_CONFIG_HOME). */
  readonly path: string;
  /** Sorted by name. */
  list(): Favorite[];
  get(name: string): Favorite | undefined;
  /**
   * Adds or replaces by name. Re-reads the file and merges before writing, so another process's changes to
   * other favorites are never lost. Throws FavoritesError naming the field when invalid; when the file
   * cannot be written throws FavoritesError saying so, and keeps the change in memory.
   */
  save(favorite: Favorite): void;
  /** Same re-read-and-merge rule as save(). False when there was no such favorite. */
  remove(name: string): boolean;
  /** Messages for the user about recovery or a refused file. Empty normally; a save may add one. */
  readonly notices: string[];
  /**
   * Why the file is refused, when it is (a link, not a regular file, too big, bad owner or permissions):
   * nothing is read from it and nothing is saved to it. As of the last time the file was read.
   */
  readonly refusal: string | undefined;
}

/** The version of the file format this code reads and writes. */
export const FAVORITES_FILE_VERSION = 1;

interface FavoritesFile {
  version: number;
  favorites: Favorite[];
}

const PROJECT_NAME = 'tunnels';
const FILE_NAME = 'favorites.json';
const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;
/** Thousands of favorites; more is not a favorites file (and /dev/zero-like input must end somewhere). */
export const MAX_FILE_BYTES = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Validation

const FIELDS = ['name', 'host', 'user', 'port', 'jumpHost', 'identityFiles', 'options', 'forwards'];
const OPTION_FIELDS = [
  'serverAliveInterval',
  'exitOnForwardFailure',
  'forwardAgent',
  'forwardX11',
  'reconnect',
  'streamLocalBindMask',
  'streamLocalBindUnlink',
  'permitRemoteOpen',
];
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const FORWARD_PATTERN = /^-([LRD])\s+(.+)$/s;
const CONTROL = /\p{Cc}/u;
const WHITESPACE = /\s/;
const KEY_CONTENTS = /-----BEGIN |PRIVATE KEY|^(?:ssh|ecdsa-sha2|sk-ssh|sk-ecdsa)-[a-z0-9-]+ AAAA/i;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** A value as shown in a message: JSON, cut short. */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${show(value)} (${typeof value})`;
}

function checkWord(value: unknown, what: string, maxLength: number): string | undefined {
  if (typeof value !== 'string') return `must be ${what}, not ${kindOf(value)}`;
  if (value === '') return 'is empty';
  if (value.length > maxLength) return `is longer than ${maxLength} characters`;
  if (CONTROL.test(value)) return `${show(value)} contains a control character`;
  if (WHITESPACE.test(value)) return `${show(value)} contains whitespace`;
  if (value.startsWith('-')) return `${show(value)} must not start with "-"`;
  return undefined;
}

function validateOptions(value: unknown, where: string): string | undefined {
  if (!isPlainObject(value)) {
    return `${where}: must be an object (${OPTION_FIELDS.join(', ')}; all optional), not ${kindOf(value)}`;
  }
  for (const key of Object.keys(value)) {
    if (!OPTION_FIELDS.includes(key)) {
      return `${where}.${key}: is not a favorite option (the options are ${OPTION_FIELDS.join(', ')})`;
    }
  }
  const interval = value.serverAliveInterval;
  if (
    interval !== undefined &&
    (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 0 || interval > 2_147_483_647)
  ) {
    return `${where}.serverAliveInterval: ${show(interval)} is not a number of seconds (a whole number, 0 or more)`;
  }
  const checks: Array<[string, (text: string) => unknown]> = [
    ['streamLocalBindMask', parseStreamLocalBindMask],
    ['permitRemoteOpen', parsePermitRemoteOpen],
  ];
  for (const [key, parse] of checks) {
    const text = value[key];
    if (text === undefined) continue;
    if (typeof text !== 'string' || CONTROL.test(text)) return `${where}.${key}: ${show(text)} is not text`;
    try {
      parse(text);
    } catch (error) {
      return `${where}.${key}: ${(error as Error).message}`;
    }
  }
  for (const key of [
    'exitOnForwardFailure',
    'forwardAgent',
    'forwardX11',
    'reconnect',
    'streamLocalBindUnlink',
  ]) {
    const flag = value[key];
    if (flag !== undefined && typeof flag !== 'boolean') {
      return `${where}.${key}: ${show(flag)} is not true or false`;
    }
  }
  return undefined;
}

function validateForward(value: unknown, where: string): string | undefined {
  if (typeof value !== 'string')
    return `${where}: must be a string such as "-L 8080:db:5432", not ${kindOf(value)}`;
  if (CONTROL.test(value)) return `${where}: ${show(value)} contains a control character`;
  const match = FORWARD_PATTERN.exec(value);
  if (!match) {
    return `${where}: ${show(value)} does not start with -L, -R or -D and a space (e.g. "-L 8080:db:5432", "-D 1080")`;
  }
  try {
    parseForwardSpec(match[1] as ForwardFlag, match[2]!);
  } catch (error) {
    if (error instanceof ForwardSpecError) return `${where}: ${error.message}`;
    throw error;
  }
  return undefined;
}

/**
 * Validates one favorite; returns the first problem as a sentence naming the field
 * ("favorites[2].port: 70000 is not a port (1-65535)") or undefined.
 */
export function validateFavorite(value: unknown, where = 'favorite'): string | undefined {
  if (!isPlainObject(value)) {
    return `${where}: a favorite must be an object with name, host, identityFiles, options and forwards, not ${kindOf(value)}`;
  }
  for (const key of Object.keys(value)) {
    if (!FIELDS.includes(key)) {
      // The value is not shown: it could be the very secret that must not be kept.
      return `${where}.${key}: is not a favorite field (a favorite has ${FIELDS.join(', ')}; it never keeps passwords, passphrases or key contents)`;
    }
  }

  const {name} = value;
  if (typeof name !== 'string') return `${where}.name: must be a string, not ${kindOf(name)}`;
  if (name === '') return `${where}.name: is empty (1-64 characters: letters, digits, ".", "_", "-")`;
  if (name.length > 64) return `${where}.name: ${show(name)} is longer than 64 characters`;
  if (!NAME_PATTERN.test(name)) {
    return `${where}.name: ${show(name)} may only contain letters, digits, ".", "_" and "-"`;
  }
  if (name.startsWith('-')) return `${where}.name: ${show(name)} must not start with "-"`;

  const hostProblem = checkWord(value.host, 'a host name, an IP address or a ~/.ssh/config Host', 1024);
  if (hostProblem) return `${where}.host: ${hostProblem}`;
  if ((value.host as string).includes('@')) {
    return `${where}.host: ${show(value.host)} contains "@" (put the user name in user)`;
  }

  if (value.user !== undefined) {
    const userProblem = checkWord(value.user, 'a user name', 256);
    if (userProblem) return `${where}.user: ${userProblem}`;
  }

  const {port} = value;
  if (
    port !== undefined &&
    (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
  ) {
    return `${where}.port: ${show(port)} is not a port (1-65535)`;
  }

  if (value.jumpHost !== undefined) {
    const jumpProblem = checkWord(value.jumpHost, 'jump hosts ([user@]host[:port][,...])', 4096);
    if (jumpProblem) return `${where}.jumpHost: ${jumpProblem}`;
  }

  const {identityFiles} = value;
  if (!Array.isArray(identityFiles)) {
    return `${where}.identityFiles: must be a list of key file paths (may be empty), not ${kindOf(identityFiles)}`;
  }
  for (const [index, file] of identityFiles.entries()) {
    const at = `${where}.identityFiles[${index}]`;
    if (typeof file !== 'string') return `${at}: must be a file path, not ${kindOf(file)}`;
    if (KEY_CONTENTS.test(file)) {
      return `${at}: looks like a key's contents, not a file path (a favorite keeps only the path of a key file)`;
    }
    if (file === '') return `${at}: is empty (a key file path)`;
    if (file.length > 4096) return `${at}: is longer than 4096 characters`;
    if (CONTROL.test(file)) return `${at}: ${show(file)} contains a control character`;
  }

  const optionsProblem = validateOptions(value.options, `${where}.options`);
  if (optionsProblem) return optionsProblem;

  const {forwards} = value;
  if (!Array.isArray(forwards)) {
    return `${where}.forwards: must be a list of forwards such as "-L 8080:db:5432" (may be empty), not ${kindOf(forwards)}`;
  }
  for (const [index, forward] of forwards.entries()) {
    const problem = validateForward(forward, `${where}.forwards[${index}]`);
    if (problem) return problem;
  }
  return undefined;
}

/** A copy with exactly the fields of a Favorite, in a fixed order; `favorite` must be valid. */
function normalize(favorite: Favorite): Favorite {
  const options: Favorite['options'] = {};
  const source = favorite.options;
  if (source.serverAliveInterval !== undefined) options.serverAliveInterval = source.serverAliveInterval;
  if (source.exitOnForwardFailure !== undefined) options.exitOnForwardFailure = source.exitOnForwardFailure;
  if (source.forwardAgent !== undefined) options.forwardAgent = source.forwardAgent;
  if (source.forwardX11 !== undefined) options.forwardX11 = source.forwardX11;
  if (source.reconnect !== undefined) options.reconnect = source.reconnect;
  if (source.streamLocalBindMask !== undefined) options.streamLocalBindMask = source.streamLocalBindMask;
  if (source.streamLocalBindUnlink !== undefined)
    options.streamLocalBindUnlink = source.streamLocalBindUnlink;
  if (source.permitRemoteOpen !== undefined) options.permitRemoteOpen = source.permitRemoteOpen;
  return {
    name: favorite.name,
    host: favorite.host,
    ...(favorite.user !== undefined ? {user: favorite.user} : {}),
    ...(favorite.port !== undefined ? {port: favorite.port} : {}),
    ...(favorite.jumpHost !== undefined ? {jumpHost: favorite.jumpHost} : {}),
    identityFiles: [...favorite.identityFiles],
    options,
    forwards: [...favorite.forwards],
  };
}

const compareNames = (a: Favorite, b: Favorite): number =>
  a.name.localeCompare(b.name, 'en', {numeric: true}) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

// ---------------------------------------------------------------------------------------------------
// ssh command

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One shell word: as is when safe, otherwise in single quotes. A leading "~/" stays unquoted. */
function shellQuote(word: string): string {
  if (SHELL_SAFE.test(word)) return word;
  if (word.startsWith('~/') && (word.length === 2 || SHELL_SAFE.test(word.slice(2)))) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** What a favorite brings up, in a line: its flags, a Reconnect=no, its forwards ("-A  -L 8080:db:5432"). */
export function favoriteSummary(favorite: Favorite): string {
  const {options} = favorite;
  return [
    options.forwardAgent ? '-A' : '',
    options.forwardX11 ? '-X' : '',
    options.reconnect === false ? '-o Reconnect=no' : '',
    ...favorite.forwards,
  ]
    .filter(Boolean)
    .join('  ');
}

/**
 * The equivalent ssh command line ("Copy as ssh command"): ssh [-p PORT] [-l USER] [-i FILE]...
 * [-o ServerAliveInterval=N] [-o ExitOnForwardFailure=yes|no] [-A|-a] [-X|-x] [-N] [-L ...]... host,
 * with shell quoting where needed. -a, -x and ExitOnForwardFailure=no appear only when the favorite says
 * false explicitly. Reconnect is left out: it is tunnels' own, and ssh would refuse it.
 */
export function sshCommandFor(favorite: Favorite): string {
  return ['ssh', ...optionWords(favorite, 'ssh')].join(' ');
}

/** The favorite as the options of tunnels itself, as its editor shows them: all it holds, Reconnect too. */
export function tunnelsOptionsFor(favorite: Favorite): string {
  return optionWords(favorite, 'tunnels').join(' ');
}

function optionWords(favorite: Favorite, tool: 'ssh' | 'tunnels'): string[] {
  const words: string[] = [];
  if (favorite.port !== undefined) words.push('-p', String(favorite.port));
  if (favorite.user !== undefined) words.push('-l', shellQuote(favorite.user));
  if (favorite.jumpHost !== undefined) words.push('-J', shellQuote(favorite.jumpHost));
  for (const file of favorite.identityFiles) words.push('-i', shellQuote(file));
  const {options} = favorite;
  for (const text of keptOptionTexts(options, {reconnect: tool === 'tunnels'}))
    words.push('-o', shellQuote(text));
  if (options.forwardAgent !== undefined) words.push(options.forwardAgent ? '-A' : '-a');
  if (options.forwardX11 !== undefined) words.push(options.forwardX11 ? '-X' : '-x');
  const forwards: string[] = [];
  for (const forward of favorite.forwards) {
    const match = FORWARD_PATTERN.exec(forward.trim());
    if (match) forwards.push(`-${match[1]}`, shellQuote(match[2]!.trim()));
    else forwards.push(shellQuote(forward));
  }
  // ssh needs -N to hold forwards without a shell; a favorite's editor has no use for it.
  if (forwards.length > 0) words.push(...(tool === 'ssh' ? ['-N'] : []), ...forwards);
  words.push(shellQuote(favorite.host));
  return words;
}

// ---------------------------------------------------------------------------------------------------
// The file

type FileState =
  | {kind: 'missing'}
  | {kind: 'ok'; favorites: Favorite[]; text: string}
  /** Written by a newer tunnels: shown as far as it can be read, never overwritten. */
  | {kind: 'newer'; version: number; favorites: Favorite[]}
  /** Corrupt, empty or schema-invalid: `favorites` are the ones that could be recovered. */
  | {kind: 'bad'; reason: string; favorites: Favorite[]; text: string}
  | {kind: 'unreadable'; reason: string}
  /** Refused before reading: someone else could have written it, or it is not a favorites file at all. */
  | {kind: 'unsafe'; reason: string};

/** What could be recovered from a list of entries, and the first problem with the others. */
function recover(entries: unknown[], label: string): {favorites: Favorite[]; problems: string[]} {
  const favorites: Favorite[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const [index, entry] of entries.entries()) {
    const where = `${label}[${index}]`;
    const problem = validateFavorite(entry, where);
    if (problem) {
      problems.push(problem);
      continue;
    }
    const favorite = entry as Favorite;
    const first = seen.get(favorite.name);
    if (first !== undefined) {
      problems.push(`${where}.name: ${show(favorite.name)} is already used by ${label}[${first}]`);
      continue;
    }
    seen.set(favorite.name, index);
    favorites.push(normalize(favorite));
  }
  return {favorites, problems};
}

function describeProblems(problems: string[]): string {
  const [first] = problems;
  if (first === undefined) return '';
  return problems.length === 1 ? first : `${first}; and ${problems.length - 1} more`;
}

const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;
const O_NOCTTY = fs.constants.O_NOCTTY ?? 0;

function sizeText(bytes: number): string {
  const mebibytes = bytes / 1024 / 1024;
  return mebibytes >= 1 ? `${Number(mebibytes.toFixed(1))} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

function kindOfNode(stats: fs.Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Following a link would let it choose the file favorites are read from, and a save replace any file. */
function linkRefusal(file: string): string {
  let target: string | undefined;
  try {
    target = fs.readlinkSync(file);
  } catch {
    // Gone or unreadable: the link is refused all the same.
  }
  const fix =
    target === undefined
      ? `remove the link (rm ${file})`
      : `put the file itself there if it is yours (mv ${target} ${file}), or remove the link (rm ${file})`;
  return `favorites file ${file} is a symbolic link${target === undefined ? '' : ` (to ${target})`}, which tunnels does not follow; ${fix}`;
}

function tooBig(file: string, size: number | undefined): string {
  const what = size === undefined ? 'larger' : `${sizeText(size)}, larger`;
  return `favorites file ${file} is ${what} than a favorites file can be (${sizeText(MAX_FILE_BYTES)}); it is not read; move it away (mv ${file} ${file}.big), and tunnels starts a new one`;
}

/** Why the file found at `file` (lstat'ed, or fstat'ed once open) must not be used, or undefined. */
function unsafeFile(file: string, stats: fs.Stats): string | undefined {
  if (stats.isSymbolicLink()) return linkRefusal(file);
  if (stats.isDirectory()) {
    return `favorites file ${file} is a directory, not a file; move it away (mv ${file} ${file}.old), and tunnels starts a new favorites file`;
  }
  if (!stats.isFile()) {
    return `favorites file ${file} is ${kindOfNode(stats)}, not a regular file; remove it (rm ${file})`;
  }
  const uid = process.getuid?.();
  const problem = uid === undefined ? undefined : badOwnerOrPermissions(file, stats, {uid});
  if (problem) return problem;
  if (stats.size > MAX_FILE_BYTES) return tooBig(file, stats.size);
  return undefined;
}

/**
 * The file's text, or why there is none; never throws, never changes anything. The directories are
 * checked first, then the file by lstat (a link or a FIFO is never opened), then what was opened by
 * fstat: a link put there in between makes the open fail (O_NOFOLLOW), and a FIFO cannot block it.
 */
function readText(file: string): FileState | {kind: 'text'; text: string} {
  const directoryProblem = untrustedDirectory(path.dirname(file));
  if (directoryProblem) return {kind: 'unsafe', reason: directoryProblem};
  let fd: number;
  try {
    const problem = unsafeFile(file, fs.lstatSync(file));
    if (problem) return {kind: 'unsafe', reason: problem};
    fd = fs.openSync(file, fs.constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {kind: 'missing'};
    // O_NOFOLLOW: a link was put there after the lstat.
    if (code === 'ELOOP') return {kind: 'unsafe', reason: linkRefusal(file)};
    return {kind: 'unreadable', reason: describeFsError(error)};
  }
  try {
    const problem = unsafeFile(file, fs.fstatSync(fd));
    if (problem) return {kind: 'unsafe', reason: problem};
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_FILE_BYTES) return {kind: 'unsafe', reason: tooBig(file, undefined)};
    }
    return {kind: 'text', text: buffer.toString('utf8', 0, length)};
  } catch (error) {
    return {kind: 'unreadable', reason: describeFsError(error)};
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads and checks the file; never throws. */
function readFavoritesFile(file: string): FileState {
  const read = readText(file);
  if (read.kind !== 'text') return read;
  const {text} = read;
  if (text.trim() === '') return {kind: 'bad', reason: 'was empty', favorites: [], text};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return {kind: 'bad', reason: `was corrupt (not JSON: ${(error as Error).message})`, favorites: [], text};
  }
  if (Array.isArray(data)) {
    const {favorites, problems} = recover(data, 'favorites');
    const detail = problems.length > 0 ? `; ${describeProblems(problems)}` : '';
    return {
      kind: 'bad',
      reason: `was a bare list, not {"version": 1, "favorites": [...]}${detail}`,
      favorites,
      text,
    };
  }
  if (!isPlainObject(data)) {
    return {
      kind: 'bad',
      reason: `was ${kindOf(data)}, not {"version": 1, "favorites": [...]}`,
      favorites: [],
      text,
    };
  }
  const {version} = data;
  const entries = Array.isArray(data.favorites) ? data.favorites : [];
  if (typeof version === 'number' && Number.isInteger(version) && version > FAVORITES_FILE_VERSION) {
    return {kind: 'newer', version, favorites: recover(entries, 'favorites').favorites};
  }
  const problems: string[] = [];
  if (version !== FAVORITES_FILE_VERSION) {
    problems.push(
      version === undefined
        ? `version: is missing (expected ${FAVORITES_FILE_VERSION})`
        : `version: ${show(version)} is not a version this tunnels knows (${FAVORITES_FILE_VERSION})`,
    );
  }
  if (!Array.isArray(data.favorites)) {
    problems.push(`favorites: must be a list, not ${kindOf(data.favorites)}`);
  }
  for (const key of Object.keys(data)) {
    if (key !== 'version' && key !== 'favorites')
      problems.push(`${key}: is not a field of the favorites file`);
  }
  const recovered = recover(entries, 'favorites');
  problems.push(...recovered.problems);
  if (problems.length > 0) {
    return {
      kind: 'bad',
      reason: `was invalid (${describeProblems(problems)})`,
      favorites: recovered.favorites,
      text,
    };
  }
  return {kind: 'ok', favorites: recovered.favorites, text};
}

/**
 * Writes `text` to `file` atomically: a new file (O_EXCL, so never an existing file or a link, mode 0600
 * whatever the umask) in the same directory, synced, then renamed over `file`. rename(2) replaces
 * whatever is at `file`, a link included, and never writes through it. On failure the new file is
 * removed before this returns, and `file` is as it was.
 */
function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  const fd = fs.openSync(
    temporary,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW,
    FILE_MODE,
  );
  let renamed = false;
  try {
    try {
      fs.fchmodSync(fd, FILE_MODE);
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
    renamed = true;
  } finally {
    if (!renamed) fs.rmSync(temporary, {force: true});
  }
  try {
    // The rename itself survives a crash only once the directory is synced.
    const directory = fs.openSync(path.dirname(file), fs.constants.O_RDONLY);
    try {
      fs.fsyncSync(directory);
    } finally {
      fs.closeSync(directory);
    }
  } catch {
    // Not possible everywhere (Windows); the data itself is synced.
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message ?? String(error);
  switch (code) {
    case 'EROFS':
      return `the file system is read-only (${message})`;
    case 'ENOSPC':
      return `the disk is full (${message})`;
    case 'EDQUOT':
      return `the disk quota is exceeded (${message})`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${message})`;
    default:
      return message;
  }
}

/** ISO 8601 basic format, which has no ':' (not allowed in Windows file names): 20250102T030405.678Z */
function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '');
}

/** Copies the file to `<file>.corrupt-<timestamp>` (never over an existing one); returns that path. */
function backUp(file: string, text: string): string {
  const base = `${file}.corrupt-${timestamp()}`;
  for (let attempt = 1; ; attempt++) {
    const backup = attempt === 1 ? base : `${base}-${attempt}`;
    try {
      // The text read, not a fresh copy: it is what was judged, and what the next write replaces.
      fs.writeFileSync(backup, text, {mode: FILE_MODE, flag: 'wx'});
      return backup;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
    }
  }
}

function recoveredText(count: number): string {
  return count === 0 ? 'no favorites' : `the ${count} favorite${count === 1 ? '' : 's'} that could be read`;
}

function sleep(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const LOCK_TIMEOUT_MS = 15_000;
const LOCK_STALE_MS = 30_000;

/** Holds `<file>.lock` (O_EXCL) while `action` runs; a lock of a dead process or a very old one is taken over. */
function withLock<T>(file: string, action: () => T): T {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      const fd = fs.openSync(lock, 'wx', FILE_MODE);
      try {
        fs.writeSync(fd, `${process.pid}\n`);
      } catch {
        // A full disk: the empty lock still works (it is judged by its age).
      }
      fs.closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      const pid = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
      const age = Date.now() - fs.statSync(lock).mtimeMs;
      if ((pid > 0 && pid !== process.pid && processIsGone(pid)) || age > LOCK_STALE_MS) {
        fs.rmSync(lock, {force: true});
        continue;
      }
    } catch {
      // Gone in the meantime: try again.
      continue;
    }
    if (Date.now() > deadline) {
      throw new FavoritesError(
        `another tunnels process is saving favorites (lock file ${lock}); try again, or delete the lock file if no tunnels is running`,
      );
    }
    sleep(5 + Math.random() * 20);
  }
  try {
    return action();
  } finally {
    fs.rmSync(lock, {force: true});
  }
}

/** Creates the directory 0700 (and any missing parent), and tightens an existing one of the user's. */
function ensureDirectory(directory: string): void {
  fs.mkdirSync(directory, {recursive: true, mode: DIRECTORY_MODE});
  try {
    fs.chmodSync(directory, DIRECTORY_MODE);
  } catch {
    // root's, or a read-only file system: writing will say so if it matters.
  }
}

class Store implements FavoritesStore {
  readonly notices: string[] = [];
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
        const text = `${JSON.stringify({version: FAVORITES_FILE_VERSION, favorites: merged} satisfies FavoritesFile, null, 2)}\n`;
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

  list(): Favorite[] {
    this.#refresh();
    return [...this.#view().values()].sort(compareNames).map(normalize);
  }

  get(name: string): Favorite | undefined {
    this.#refresh();
    const favorite = this.#view().get(name);
    return favorite ? normalize(favorite) : undefined;
  }

  save(favorite: Favorite): void {
    const problem = validateFavorite(favorite);
    if (problem) throw new FavoritesError(problem);
    this.#pending.set(favorite.name, normalize(favorite));
    this.#commit();
  }

  remove(name: string): boolean {
    this.#refresh();
    if (!this.#view().has(name)) return false;
    this.#pending.set(name, null);
    this.#commit();
    return true;
  }
}

/**
 * Opens the store: reads the file, if there is one, and changes nothing. `cwd` overrides the directory
 * (tests); otherwise it is where conf keeps configuration for project "tunnels" (configDirectory).
 */
export function openFavorites(options: {cwd?: string} = {}): FavoritesStore {
  const directory = path.resolve(options.cwd ?? configDirectory(PROJECT_NAME));
  return new Store(path.join(directory, FILE_NAME));
}
