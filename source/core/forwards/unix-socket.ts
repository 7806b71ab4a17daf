import {chmodSync, lstatSync, unlinkSync} from 'node:fs';
import net from 'node:net';
import {acceptErrorMessage} from './listen.js';

/** ssh's StreamLocalBindMask default: a socket only its owner can connect to (mode 0600). */
export const DEFAULT_STREAM_LOCAL_BIND_MASK = 0o177;

/** How long a socket file in the way has to answer before it is taken for stale. */
const STALE_PROBE_TIMEOUT_MS = 1000;

export interface UnixListenOptions {
  /** StreamLocalBindMask: the umask the socket is made with. */
  mask?: number | undefined;
  /** StreamLocalBindUnlink: remove the file in the way whatever it is (as ssh), not only a stale socket. */
  unlink?: boolean | undefined;
}

/** What a path already there is: nothing, a socket something listens on, a stale socket, another file. */
type PathState = 'absent' | 'live' | 'stale' | 'other';

async function pathState(path: string): Promise<PathState> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  if (!isSocket) return 'other';
  // A socket file outlives the process that listened on it (a crash, a kill -9): it is stale when a
  // connection to it is refused. One that answers, or does not say in time, belongs to someone.
  return new Promise((resolve) => {
    const probe = net.connect({path});
    const done = (state: PathState) => {
      clearTimeout(timer);
      probe.destroy();
      resolve(state);
    };
    const timer = setTimeout(() => done('live'), STALE_PROBE_TIMEOUT_MS);
    probe.once('connect', () => done('live'));
    probe.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'stale' : 'live'),
    );
  });
}

/** Turns a listen error on a socket path into a sentence naming the cause and the next step. */
export function unixListenErrorMessage(error: NodeJS.ErrnoException, path: string): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `${path} is in use (another socket was made there meanwhile); pick another path`;
    case 'EACCES':
    case 'EPERM':
      return `not allowed to make a socket at ${path} (${error.code}); pick a path in a directory you can write to`;
    case 'ENOENT':
      return `cannot make a socket at ${path}: its directory does not exist`;
    case 'ENOTDIR':
      return `cannot make a socket at ${path}: a part of the path is not a directory`;
    case 'ENAMETOOLONG':
      return `cannot make a socket at ${path}: the path is too long for a unix socket`;
    default:
      return `cannot listen on ${path}: ${error.message}`;
  }
}

/**
 * Listens on a unix socket at `path`, made with the mask (0177 by default: mode 0600) as ssh makes it. A
 * file in the way is handled as ssh does with StreamLocalBindUnlink, except that without it a stale socket
 * (nothing listens on it: left by a crash) is removed too, and a live one or another kind of file never is.
 * Rejects with a user-facing sentence. The socket file is removed when the server closes.
 */
export async function listenOnPath(
  server: net.Server,
  path: string,
  options: UnixListenOptions,
  onAcceptError: (message: string) => void,
): Promise<void> {
  const mask = options.mask ?? DEFAULT_STREAM_LOCAL_BIND_MASK;
  let state: PathState;
  try {
    state = await pathState(path);
  } catch (error) {
    throw new Error(unixListenErrorMessage(error as NodeJS.ErrnoException, path));
  }
  if (state === 'other') {
    throw new Error(
      `${path} exists and is not a socket; tunnels does not remove it (even with StreamLocalBindUnlink): remove it or pick another path`,
    );
  }
  if (state === 'live' && !options.unlink) {
    throw new Error(
      `${path} is in use: something listens on it; stop it or pick another path (StreamLocalBindUnlink yes replaces it anyway, as ssh does)`,
    );
  }
  if (state !== 'absent') {
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(`cannot remove the old socket ${path}: ${(error as Error).message}`);
    }
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new Error(unixListenErrorMessage(error, path)));
    };
    const onListening = () => {
      server.off('error', onError);
      server.on('error', (error: NodeJS.ErrnoException) => onAcceptError(acceptErrorMessage(error)));
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // Node binds a pipe synchronously inside listen(), so the umask applies to this socket alone; it is
    // set back before anything else runs. The mode is made sure of after, for a system that ignores it.
    const previous = process.umask(mask);
    try {
      server.listen({path, backlog: 4096});
    } finally {
      process.umask(previous);
    }
  });
  try {
    chmodSync(path, 0o777 & ~mask);
  } catch {
    // Removed meanwhile: its server's clients will say so.
  }
  // Node unlinks the socket file itself when the server closes; a file already replaced is not ours.
}

/** Reads a StreamLocalBindMask value as ssh does (octal, 0 to 0777); throws an Error with a sentence. */
export function parseStreamLocalBindMask(value: string): number {
  if (!/^[0-7]{1,4}$/.test(value.trim()) || Number.parseInt(value, 8) > 0o777)
    throw new Error(`StreamLocalBindMask=${value}: expected an octal umask from 0 to 0777, e.g. 0177`);
  return Number.parseInt(value, 8);
}
