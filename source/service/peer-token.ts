/**
 * Who may drive the service: a process of the user who runs it. Node cannot ask the kernel for a unix
 * socket peer's uid (SO_PEERCRED), so the service proves it another way on every connection: when it
 * starts it writes a random token to a file only its user can read (0600, in the private 0700 runtime
 * directory beside the socket), and a client must show that token in its hello. A process of another uid
 * cannot read the file, so it cannot show the token, even where the socket's own modes were loosened or
 * are not enforced. (root can read it, as root can read the user's keys.)
 */
import {randomBytes, timingSafeEqual} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const TOKEN_NAME = 'control.token';

export function tokenFile(directory: string): string {
  return path.join(directory, TOKEN_NAME);
}

/** A new token, written to `file` (0600, replacing an old one at once); the token. */
export function writeToken(file: string): string {
  const token = randomBytes(32).toString('hex');
  const temporary = `${file}.${process.pid}`;
  fs.rmSync(temporary, {force: true});
  const fd = fs.openSync(
    temporary,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL,
    0o600,
  );
  try {
    fs.writeSync(fd, `${token}\n`);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
  return token;
}

/** The token the service in `file`'s directory wrote, or a sentence that says why it cannot be read. */
export function readToken(file: string, me = process.getuid?.() ?? 0): string | {error: string} {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES') {
      const owner = ownerOf(file);
      return {
        error: `the service at ${path.dirname(file)} is not yours (${owner === undefined ? 'its token is not readable by you' : `it runs as uid ${owner}, you are uid ${me}`}); each user runs their own tunnels service`,
      };
    }
    if (code === 'ENOENT')
      return {
        error: `the service did not write its token (${file}); stop it (tunnels stop) and start it again`,
      };
    return {error: `cannot read the service's token ${file}: ${(error as Error).message}`};
  }
}

function ownerOf(file: string): number | undefined {
  try {
    return fs.statSync(file).uid;
  } catch {
    return undefined;
  }
}

/** Whether `shown` is the token (compared in constant time). */
export function tokenMatches(token: string, shown: unknown): boolean {
  if (typeof shown !== 'string') return false;
  const expected = Buffer.from(token);
  const given = Buffer.from(shown);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
