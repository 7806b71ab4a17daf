import {readFileSync} from 'node:fs';
import type net from 'node:net';

/** What the user asked to bind, turned into what net.Server.listen takes. */
export function localBindHost(bindAddress: string | undefined): string | undefined {
  // No bind address: loopback only, never every interface by accident. '' (or '*'): every interface.
  if (bindAddress === undefined || bindAddress === 'localhost') return '127.0.0.1';
  if (bindAddress === '') return undefined;
  return bindAddress;
}

export function describeBind(host: string | undefined, port: number): string {
  if (host === undefined) return `every interface, port ${port}`;
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Ports this process listens on: a port taken twice is named as ours, not "another program". */
const ownPorts = new Map<number, number>();

/** File descriptors kept back from connections for the process itself (its ssh connection, listeners). */
const FD_RESERVE = 64;

/** The soft open-file limit (Node raises it to the hard one at start), or undefined when unknown. */
let limitRead: {limit: number | undefined} | undefined;
function openFileLimit(): number | undefined {
  // Read once: every listener (each passive FTP data channel too) would otherwise read it again.
  if (!limitRead) {
    try {
      const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
      limitRead = {limit: match ? Number(match[1]) : undefined};
    } catch {
      limitRead = {limit: undefined};
    }
  }
  return limitRead.limit;
}

/**
 * Caps a listener's connections below the open-file limit. Past the limit the kernel's EMFILE would make
 * libuv drop new clients silently; below it Node refuses them itself and says so ('drop'), so each one is
 * counted and explained.
 */
function capConnections(server: net.Server, onRefused: (message: string) => void): void {
  const limit = openFileLimit();
  if (limit === undefined) return;
  server.maxConnections = Math.max(16, limit - FD_RESERVE);
  server.on('drop', () =>
    onRefused(
      `refused: ${server.maxConnections} connections are open, near this process's open-file limit (${limit}); raise it (ulimit -n) to carry more`,
    ),
  );
}

/** A connection the listener could not take (it stays listening). EMFILE is the one that happens. */
export function acceptErrorMessage(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EMFILE':
    case 'ENFILE':
      return `could not accept a connection: too many open files (${error.code}); raise the limit (ulimit -n) or close some connections`;
    default:
      return `could not accept a connection: ${error.message}`;
  }
}

/** Turns a listen error into a sentence that names the cause and the next step. */
export function listenErrorMessage(
  error: NodeJS.ErrnoException,
  host: string | undefined,
  port: number,
): string {
  const where = describeBind(host, port);
  switch (error.code) {
    case 'EADDRINUSE':
      return ownPorts.has(port)
        ? `port ${port} is already used by another forward of tunnels; pick another port`
        : `port ${port} is already in use on ${where} by another program; pick another port or stop that program`;
    case 'EACCES':
      return port < 1024
        ? `port ${port} is privileged (below 1024) and only root can listen on it; run tunnels as root or pick a port of 1024 or above`
        : `not allowed to listen on ${where} (${error.code}); pick another port`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine; use 127.0.0.1, another local address, or '*' for every interface`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the bind address ${host}; use an IP address of this machine`;
    default:
      return `cannot listen on ${where}: ${error.message}`;
  }
}

/**
 * Starts listening; rejects with a user-facing message. Once listening, a connection that cannot be
 * accepted (EMFILE) goes to `onAcceptError` and the listener carries on: Node would otherwise throw.
 */
export function listen(
  server: net.Server,
  host: string | undefined,
  port: number,
  onAcceptError: (message: string) => void,
): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new Error(listenErrorMessage(error, host, port)));
    };
    const onListening = () => {
      server.off('error', onError);
      server.on('error', (error: NodeJS.ErrnoException) => onAcceptError(acceptErrorMessage(error)));
      capConnections(server, onAcceptError);
      const address = server.address() as net.AddressInfo;
      ownPorts.set(address.port, (ownPorts.get(address.port) ?? 0) + 1);
      server.once('close', () => {
        const count = (ownPorts.get(address.port) ?? 1) - 1;
        if (count > 0) ownPorts.set(address.port, count);
        else ownPorts.delete(address.port);
      });
      resolve(address);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // A burst of clients (a browser, a load test) must not overflow Node's default backlog of 511.
    server.listen({host, port, exclusive: true, backlog: 4096});
  });
}

export function formatAddress(address: string | undefined, port: number | undefined): string {
  const host = address ?? '?';
  return `${host.includes(':') ? `[${host}]` : host}:${port ?? '?'}`;
}
