/**
 * Where the service lives: its control socket in a directory only the user can enter, and its log in the
 * user's state directory. Node cannot ask a unix socket who is on the other end (no SO_PEERCRED), so the
 * directory (0700, the user's) and the socket (0600) are what keep other users out: Linux checks write
 * permission on a socket's file when connecting to it, and search permission on every directory above it.
 * On top of that every connection shows a token only the user can read (peer-token.ts).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {badOwnerOrPermissions} from '../config/paths.js';
import {homeDirectory} from '../text/home-path.js';
import {safeText} from '../text/safe-text.js';

export const SOCKET_NAME = 'control.sock';
export const LOG_NAME = 'service.log';
/** The sessions the service holds, kept beside its socket: what was lost if it dies without stopping. */
export const HELD_SESSIONS_NAME = 'sessions.json';
/** The log is moved to service.log.1 (replacing the one before) when it reaches this size. */
export const LOG_ROTATE_BYTES = 1024 * 1024;

export class RuntimeError extends Error {}

function uid(): number {
  return process.getuid?.() ?? 0;
}

/** $XDG_RUNTIME_DIR/tunnels, else /tmp/tunnels-UID: not yet checked or made (see ensurePrivateDirectory). */
export function runtimeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && path.isAbsolute(runtime)) return path.join(runtime, 'tunnels');
  return path.join('/tmp', `tunnels-${uid()}`);
}

export function socketPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(runtimeDirectory(env), SOCKET_NAME);
}

/** $XDG_STATE_HOME/tunnels, else ~/.local/state/tunnels. */
export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME;
  if (state && path.isAbsolute(state)) return path.join(state, 'tunnels');
  return path.join(homeDirectory(), '.local', 'state', 'tunnels');
}

/**
 * Why `directory` (lstat'ed) must not hold the socket: not a directory of its own (a link, a file), not
 * the user's, or open to its group or others. undefined when it is fine.
 */
export function privateDirectoryRefusal(directory: string, stats: fs.Stats, me = uid()): string | undefined {
  if (stats.isSymbolicLink())
    return `${directory} is a symbolic link, which tunnels does not follow for its socket; remove it (rm ${directory})`;
  if (!stats.isDirectory())
    return `${directory} is not a directory; move it away (mv ${directory} ${directory}.old)`;
  if (stats.uid !== me)
    return (
      badOwnerOrPermissions(directory, stats, {uid: me}) ??
      `${directory} is owned by uid ${stats.uid}, not by you (uid ${me}); someone else made it: check it, then remove it (as root)`
    );
  if ((stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o7777).toString(8).padStart(4, '0');
    return `${directory} is open to other users (mode ${mode}); fix it with chmod 700 ${directory}`;
  }
  return undefined;
}

/** Makes the socket's directory (0700) if it is missing, and checks it; throws a RuntimeError if unsafe. */
export function ensurePrivateDirectory(directory: string): void {
  try {
    fs.mkdirSync(directory, {mode: 0o700});
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new RuntimeError(`cannot make ${directory}: ${(error as Error).message}`);
  }
  const refusal = privateDirectoryRefusal(directory, fs.lstatSync(directory));
  if (refusal) throw new RuntimeError(refusal);
}

export interface HeldSession {
  name: string;
  destination: string;
}

const heldSessionsFile = () => path.join(runtimeDirectory(), HELD_SESSIONS_NAME);

/** Writes the list of held sessions (replacing the file at once, 0600). */
export function writeHeldSessions(sessions: HeldSession[]): void {
  const file = heldSessionsFile();
  const temporary = `${file}.${process.pid}`;
  fs.writeFileSync(temporary, `${JSON.stringify(sessions)}\n`, {mode: 0o600});
  fs.renameSync(temporary, file);
}

/** The sessions a service held when it last wrote them; none when it stopped cleanly or never held any. */
export function readHeldSessions(): HeldSession[] {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(heldSessionsFile(), 'utf8'));
    if (!Array.isArray(value)) return [];
    return value.filter(
      (entry): entry is HeldSession =>
        typeof entry?.name === 'string' && typeof entry?.destination === 'string',
    );
  } catch {
    return [];
  }
}

export function removeHeldSessions(): void {
  fs.rmSync(heldSessionsFile(), {force: true});
}

/**
 * The service's log file: appended to (0600), and moved to LOG_NAME.1 (replacing the one before) when it
 * reaches LOG_ROTATE_BYTES, so it never grows without bound.
 */
export class LogFile {
  readonly file: string;
  private fd: number;
  private size = 0;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const directory = stateDirectory(env);
    fs.mkdirSync(directory, {recursive: true, mode: 0o700});
    this.file = path.join(directory, LOG_NAME);
    this.fd = this.open();
  }

  /** The descriptor, for a child's stdout and stderr (what it writes there is not rotated until later). */
  get descriptor(): number {
    return this.fd;
  }

  /** One line, made safe for the terminal it may be read on (it quotes names and hosts given to it). */
  append(line: string): void {
    if (this.size >= LOG_ROTATE_BYTES) {
      fs.closeSync(this.fd);
      this.fd = this.open();
    }
    const text = `${new Date().toISOString()} ${safeText(line)}\n`;
    fs.writeSync(this.fd, text);
    this.size += Buffer.byteLength(text);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private open(): number {
    try {
      if (fs.statSync(this.file).size >= LOG_ROTATE_BYTES) fs.renameSync(this.file, `${this.file}.1`);
    } catch {
      // No log yet.
    }
    const fd = fs.openSync(
      this.file,
      fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT,
      0o600,
    );
    this.size = fs.fstatSync(fd).size;
    return fd;
  }
}

function listen(server: net.Server, file: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    // Made 0600 from the start (and chmod'ed after, in case the umask is not honoured).
    const umask = process.umask(0o177);
    const onError = (error: NodeJS.ErrnoException) => {
      process.umask(umask);
      resolve(error);
    };
    server.once('error', onError);
    server.listen(file, () => {
      process.umask(umask);
      server.off('error', onError);
      fs.chmodSync(file, 0o600);
      resolve(undefined);
    });
  });
}

/** Whether something answers on the socket: a connect that succeeds. */
export function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(file);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `lock` (made with O_EXCL, holding our pid) for one who replaces a stale socket, so that two
 * services starting at once never both remove it and listen. A lock whose pid is gone is taken over.
 */
function takeLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lock, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(fs.readFileSync(lock, 'utf8'));
      if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid)) return false;
      fs.rmSync(lock, {force: true});
    }
  }
  return false;
}

/**
 * Listens on the control socket, unless a service already answers there: then resolves false, and this
 * one should exit (two services never run for one user). A socket that nothing answers on is left by a
 * service that died; it is replaced.
 */
export async function listenExclusively(server: net.Server, file: string): Promise<boolean> {
  const first = await listen(server, file);
  if (first === undefined) return true;
  if (first.code !== 'EADDRINUSE') throw first;
  if (await answers(file)) return false;
  const lock = `${file}.lock`;
  if (!takeLock(lock)) return false;
  try {
    // Checked again under the lock: another service may have replaced it meanwhile.
    if (await answers(file)) return false;
    fs.rmSync(file, {force: true});
    const second = await listen(server, file);
    if (second === undefined) return true;
    if (second.code === 'EADDRINUSE') return false;
    throw second;
  } finally {
    fs.rmSync(lock, {force: true});
  }
}
