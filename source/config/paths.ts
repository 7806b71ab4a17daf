import os from 'node:os';
import path from 'node:path';

/** The user's home: $HOME when set (tests and sudo users rely on it), else the password database's. */
export function homeDirectory(): string {
  return process.env.HOME || os.homedir();
}

/** "~" and "~/..." as ssh expands them in file names. */
export function expandHome(file: string, home = homeDirectory()): string {
  if (file === '~') return home;
  if (file.startsWith('~/')) return path.join(home, file.slice(2));
  return file;
}

/** OpenSSH's match_pattern: '*' matches any run of characters, '?' exactly one. */
export function matchPattern(text: string, pattern: string): boolean {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's').test(text);
}
