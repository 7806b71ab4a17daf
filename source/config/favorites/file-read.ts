/**
 * Reading the favorites file, `{"version": 1, "favorites": [...]}`: its text, checked before and after it
 * is opened, then its favorites, with what can be recovered from a corrupt or hand-broken file. Reading
 * never throws and never changes anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import {untrustedDirectory} from '../paths.js';
import {type Favorite, isPlainObject, kindOf, normalizeFavorite, show, validateFavorite} from './favorite.js';
import {describeFsError, linkRefusal, MAX_FILE_BYTES, O_NOFOLLOW, tooBig, unsafeFile} from './file-checks.js';

/** The version of the file format this code reads and writes. */
export const FAVORITES_FILE_VERSION = 1;

/** The file's contents as written. */
export interface FavoritesFileContents {
  version: number;
  favorites: Favorite[];
}

export type FileState =
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
    favorites.push(normalizeFavorite(favorite));
  }
  return {favorites, problems};
}

function describeProblems(problems: string[]): string {
  const [first] = problems;
  if (first === undefined) return '';
  return problems.length === 1 ? first : `${first}; and ${problems.length - 1} more`;
}

const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;
const O_NOCTTY = fs.constants.O_NOCTTY ?? 0;

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
export function readFavoritesFile(file: string): FileState {
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
