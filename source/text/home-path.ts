/** The user's home and "~" in file names, which every layer meets (ssh_config, known_hosts, favorites). */
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
