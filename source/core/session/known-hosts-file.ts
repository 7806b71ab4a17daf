// Reading known_hosts files a chunk at a time, refusing what is not one, and appending a host's line.
import {constants, type Stats} from 'node:fs';
import {type FileHandle, mkdir, open, stat} from 'node:fs/promises';
import path from 'node:path';
import {expandHome} from '../../text/home-path.js';
import {type KnownHostEntry, parseLine} from './known-hosts.js';

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

const MIB = 1024 * 1024;
/**
 * More than any known_hosts holds, even one of a great many hashed entries (which is read quickly); a
 * bigger file is taken for a wrong path (a disk image, a log) rather than read for a long time.
 */
export const MAX_KNOWN_HOSTS_BYTES = 256 * MIB;
/** A longer line is skipped as malformed (OpenSSH would fail to parse it too) without being held in memory. */
const MAX_LINE_BYTES = MIB;
const READ_BYTES = MIB;
const NEWLINE = 0x0a;
const LIMIT_TEXT = `${MAX_KNOWN_HOSTS_BYTES / MIB} MiB`;

function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'a special file';
}

/** /dev/null, or another name for it: the usual way to say "no known_hosts". */
async function isNullDevice(rdev: number): Promise<boolean> {
  try {
    const nullDevice = await stat('/dev/null');
    return nullDevice.isCharacterDevice() && nullDevice.rdev === rdev;
  } catch {
    return false;
  }
}

/**
 * Opens a known_hosts file to read; undefined when it is missing or is /dev/null. Anything but a regular file
 * is refused with a sentence: /dev/zero or /dev/urandom would never end (ssh grows a line until it runs out
 * of memory, or reads forever), and a pipe would block (ssh waits for a writer).
 */
async function openKnownHosts(file: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a pipe nobody writes to returns at once, to be refused below, instead of waiting.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    if (isMissing(error)) return undefined;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message;
    throw new Error(
      `cannot read the known_hosts file ${file} (${why}), so the server's host key cannot be checked; make it readable, or name another file with -o UserKnownHostsFile=`,
    );
  }
  try {
    const stats = await handle.stat();
    if (stats.isFile()) {
      if (stats.size > MAX_KNOWN_HOSTS_BYTES) {
        throw new Error(
          `the known_hosts file ${file} is ${(stats.size / MIB).toFixed(1)} MiB, more than tunnels reads (${LIMIT_TEXT}): is it a known_hosts file? Name the right one with -o UserKnownHostsFile= (or GlobalKnownHostsFile=), or remove stale entries with ssh-keygen -R`,
        );
      }
      return handle;
    }
    if (stats.isCharacterDevice() && (await isNullDevice(stats.rdev))) {
      await handle.close();
      return undefined;
    }
    throw new Error(
      `the known_hosts file ${file} is ${fileKind(stats)}, not a regular file, so tunnels does not read it; name a file with -o UserKnownHostsFile= (or GlobalKnownHostsFile=), or /dev/null for none`,
    );
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Calls `onLine` with each line of a file (its 1-based number and its text, without the newline), reading a
 * chunk at a time: a file is never held whole, and a line longer than MAX_LINE_BYTES is passed as '' (so it
 * is skipped) without being kept.
 */
async function forEachLine(
  file: string,
  handle: FileHandle,
  onLine: (text: string, line: number) => void,
): Promise<void> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  let line = 0;
  let total = 0;
  const finishLine = (chunk: Buffer, start: number, end: number) => {
    line++;
    if (overlong || pendingBytes + (end - start) > MAX_LINE_BYTES) {
      onLine('', line);
    } else if (pendingBytes === 0) {
      onLine(chunk.toString('utf8', start, end), line);
    } else {
      pending.push(chunk.subarray(start, end));
      onLine(Buffer.concat(pending).toString('utf8'), line);
    }
    pending = [];
    pendingBytes = 0;
    overlong = false;
  };
  for (;;) {
    const chunk = Buffer.allocUnsafe(READ_BYTES);
    const {bytesRead} = await handle.read(chunk, 0, READ_BYTES, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > MAX_KNOWN_HOSTS_BYTES) {
      throw new Error(
        `the known_hosts file ${file} grew past ${LIMIT_TEXT} while tunnels read it; name the right file with -o UserKnownHostsFile=`,
      );
    }
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1 || end >= bytesRead) break;
      finishLine(chunk, start, end);
      start = end + 1;
    }
    if (start < bytesRead && !overlong) {
      pendingBytes += bytesRead - start;
      if (pendingBytes > MAX_LINE_BYTES) {
        overlong = true;
        pending = [];
      } else {
        pending.push(chunk.subarray(start, bytesRead));
      }
    }
  }
  if (overlong || pendingBytes > 0) finishLine(Buffer.alloc(0), 0, 0);
}

/**
 * Reads several files ("~/" expanded against os.homedir() or the HOME env var) and returns their entries,
 * or, with `names` (see hostKeyNames), only the entries checkHostKey uses for them, as OpenSSH's
 * load_hostkeys keeps only a host's: other lines are matched but never decoded or kept, so a file of
 * 130,000 hosts costs one pass, one HMAC per hashed line.
 * A missing file, or /dev/null, is empty; a file that is not a regular file, or is too big to be a
 * known_hosts, or cannot be read, is an error whose message says what to do.
 */
export async function loadKnownHosts(files: string[], names?: readonly string[]): Promise<KnownHostEntry[]> {
  const entries: KnownHostEntry[] = [];
  for (const file of files) {
    const resolved = expandHome(file);
    const handle = await openKnownHosts(resolved);
    if (!handle) continue;
    try {
      await forEachLine(resolved, handle, (text, line) => {
        const entry = parseLine(text, resolved, line, names);
        if (entry) entries.push(entry);
      });
    } finally {
      await handle.close();
    }
  }
  return entries;
}

/** Appends a line, creating the parent directory (mode 0700) and the file (mode 0600) if missing, and adding a newline first if the file does not end with one. */
export async function appendKnownHost(file: string, line: string): Promise<void> {
  const resolved = expandHome(file);
  await mkdir(path.dirname(resolved), {recursive: true, mode: 0o700});
  const handle = await open(resolved, 'a+', 0o600);
  try {
    const {size} = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.appendFile(`${prefix}${line.replace(/\n+$/, '')}\n`);
  } finally {
    await handle.close();
  }
}
