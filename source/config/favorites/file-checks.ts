/**
 * Why a favorites file must not be used, as sentences saying how to fix it: a link, anything but a
 * regular file, a file owned by another user or writable by others, or too big. A favorite can forward
 * the agent (-A) and open ports on a server (-R), so a file someone else could have written is refused,
 * as ssh refuses such a ~/.ssh/config.
 */
import fs from 'node:fs';
import {badOwnerOrPermissions} from '../paths.js';

/** Thousands of favorites; more is not a favorites file (and /dev/zero-like input must end somewhere). */
export const MAX_FILE_BYTES = 1024 * 1024;

/** Opens fail on a link instead of following it (0 where the platform has no such flag). */
export const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

export function sizeText(bytes: number): string {
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
export function linkRefusal(file: string): string {
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

export function tooBig(file: string, size: number | undefined): string {
  const what = size === undefined ? 'larger' : `${sizeText(size)}, larger`;
  return `favorites file ${file} is ${what} than a favorites file can be (${sizeText(MAX_FILE_BYTES)}); it is not read; move it away (mv ${file} ${file}.big), and tunnels starts a new one`;
}

/** Why the file found at `file` (lstat'ed, or fstat'ed once open) must not be used, or undefined. */
export function unsafeFile(file: string, stats: fs.Stats): string | undefined {
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

/** A file system error as a user reads it: the cause first (a read-only file system, a full disk). */
export function describeFsError(error: unknown): string {
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
