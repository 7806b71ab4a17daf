import fs from 'node:fs';
import path from 'node:path';
import {homeDirectory} from '../text/home-path.js';

/**
 * The directory conf keeps a project's configuration in (env-paths' `config` with conf's "-nodejs" suffix):
 * `$XDG_CONFIG_HOME/NAME-nodejs`, by default `~/.config/NAME-nodejs`. Computed here, from the environment
 * as it is now, so a file can be checked before anything opens it.
 */
export function configDirectory(projectName: string): string {
  const name = `${projectName}-nodejs`;
  const home = homeDirectory();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Preferences', name);
  if (process.platform === 'win32') {
    return path.join(process.env.APPDATA || path.join(home, 'AppData', 'Roaming'), name, 'Config');
  }
  return path.join(process.env.XDG_CONFIG_HOME || path.join(home, '.config'), name);
}

/** A user's name from the password file, for messages; undefined when it cannot be told. */
function userName(uid: number): string | undefined {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[2] === String(uid)) return fields[0];
    }
  } catch {
    // No password file: the number alone is shown.
  }
  return undefined;
}

/**
 * Debian's ssh (its user-group-modes patch) takes a group-writable config file when that group has
 * exactly one member, the user, and the file is the user's: a user private group, as with umask 002.
 * Members are those whose primary group it is (passwd) and those listed in it (group). Pure: the two
 * files' texts are given.
 */
export function groupIsUserAlone(
  files: {passwd: string; group: string},
  gid: number,
  uid: number,
  ownerUid: number,
): boolean {
  const entries = (text: string) =>
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split(':'));
  const passwd = entries(files.passwd);
  const group = entries(files.group).find((fields) => fields[2] === String(gid));
  if (!group) return false;
  let members = 0;
  for (const fields of passwd) {
    if (fields[3] !== String(gid)) continue;
    members++;
    if (fields[2] !== String(uid)) return false;
  }
  const owner = passwd.find((fields) => fields[2] === String(ownerUid));
  if (!owner) return false;
  const listed = (group[3] ?? '').split(',').filter(Boolean);
  if (listed.length > 0) {
    members++;
    if (listed.length > 1 || listed[0] !== owner[0]) return false;
  }
  return members > 0;
}

/** groupIsUserAlone on this machine's /etc/passwd and /etc/group; false when they cannot be read. */
export function systemGroupIsUserAlone(gid: number, uid: number, ownerUid: number): boolean {
  try {
    const passwd = fs.readFileSync('/etc/passwd', 'utf8');
    const group = fs.readFileSync('/etc/group', 'utf8');
    return groupIsUserAlone({passwd, group}, gid, uid, ownerUid);
  } catch {
    return false;
  }
}

function ownerText(uid: number): string {
  const name = userName(uid);
  return name === undefined ? `uid ${uid}` : `${name} (uid ${uid})`;
}

/**
 * ssh's rule for ~/.ssh/config ("Bad owner or permissions on ..."), for a file or a directory already
 * stat'ed: it must be owned by the user or root, and not writable by its group or others. `sticky`
 * accepts a directory writable by others that has the sticky bit and is owned by the user or root (like
 * /tmp): there, nobody else can rename or remove what the user put in it.
 * Returns the sentence, with the command that fixes it, or undefined.
 */
export function badOwnerOrPermissions(
  file: string,
  stats: fs.Stats,
  options: {uid: number; sticky?: boolean},
): string | undefined {
  const {uid} = options;
  if (stats.uid !== uid && stats.uid !== 0) {
    const me = uid === 0 ? 'you (root)' : `you (${userName(uid) ?? `uid ${uid}`}) or root`;
    return `Bad owner or permissions on ${file}: owned by ${ownerText(stats.uid)}, not by ${me}; check what it holds, then remove it or make it yours (chown ${userName(uid) ?? uid} ${file}, as root)`;
  }
  const group = (stats.mode & 0o020) !== 0;
  const others = (stats.mode & 0o002) !== 0;
  if (!group && !others) return undefined;
  if (options.sticky && stats.isDirectory() && (stats.mode & 0o1000) !== 0) return undefined;
  const who = group && others ? 'its group and others' : group ? 'its group' : 'others';
  const mode = (stats.mode & 0o7777).toString(8).padStart(4, '0');
  return `Bad owner or permissions on ${file}: writable by ${who} (mode ${mode}); fix it with chmod go-w ${file}`;
}

/**
 * Whether anyone but the user (and root) could change what is found at `directory`: that is, replace a
 * file in it, or the directory itself. Checks, as sshd does for authorized_keys, every directory from
 * `directory` up to the user's home (or up to / when it is not under home), both as written and with
 * symbolic links resolved, so that neither the directory holding a link nor the one it leads to can be
 * changed by others. Above `directory`, a sticky directory (like /tmp) is accepted. A part of `directory`
 * that does not exist yet is skipped: whoever creates it (the writer, mode 0700) owns it.
 * Returns the first problem as a sentence, or undefined; never throws. Without user ids (Windows): undefined.
 */
export function untrustedDirectory(directory: string): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const target = path.resolve(directory);
  let existing = target;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  const home = path.resolve(homeDirectory());
  const realOrSame = (file: string): string => {
    try {
      return fs.realpathSync(file);
    } catch {
      return file;
    }
  };
  const seen = new Set<string>();
  for (const [start, stop] of [
    [existing, home],
    [realOrSame(existing), realOrSame(home)],
  ] as const) {
    for (let current = start; ; current = path.dirname(current)) {
      let stats: fs.Stats;
      try {
        stats = fs.statSync(current);
      } catch (error) {
        return `cannot check ${current}: ${(error as Error).message}`;
      }
      const key = `${stats.dev}:${stats.ino}`;
      if (!seen.has(key)) {
        seen.add(key);
        if (!stats.isDirectory()) return `${current} is not a directory`;
        // The file's own directory may not be sticky-and-open: others could put a file in before us.
        const problem = badOwnerOrPermissions(current, stats, {uid, sticky: current !== target});
        if (problem) return problem;
      }
      if (current === stop || path.dirname(current) === current) break;
    }
  }
  return undefined;
}
