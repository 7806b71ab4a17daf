/**
 * Writing the favorites file: atomically (a new file renamed into place, never a write through a link),
 * under a lock file so that two tunnels processes saving at once take turns, in a directory only its
 * user can enter, and with a backup of a bad file before it is replaced.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {FavoritesError} from './favorite.js';
import {O_NOFOLLOW} from './file-checks.js';

const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

/**
 * Writes `text` to `file` atomically: a new file (O_EXCL, so never an existing file or a link, mode 0600
 * whatever the umask) in the same directory, synced, then renamed over `file`. rename(2) replaces
 * whatever is at `file`, a link included, and never writes through it. On failure the new file is
 * removed before this returns, and `file` is as it was.
 */
export function writeAtomically(file: string, text: string): void {
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

/** ISO 8601 basic format, which has no ':' (not allowed in Windows file names): 20250102T030405.678Z */
function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '');
}

/** Copies the file to `<file>.corrupt-<timestamp>` (never over an existing one); returns that path. */
export function backUp(file: string, text: string): string {
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
export function withLock<T>(file: string, action: () => T): T {
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
export function ensureDirectory(directory: string): void {
  fs.mkdirSync(directory, {recursive: true, mode: DIRECTORY_MODE});
  try {
    fs.chmodSync(directory, DIRECTORY_MODE);
  } catch {
    // root's, or a read-only file system: writing will say so if it matters.
  }
}
