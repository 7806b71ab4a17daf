import {readFileSync} from 'node:fs';
import net from 'node:net';
import {hostPort} from '../../text/address.js';
import {acceptHandleSockets, handleSocketsAvailable, type LocalSocket} from './handle-socket.js';

/** What the user asked to bind, turned into what net.Server.listen takes. */
export function localBindHost(bindAddress: string | undefined): string | undefined {
  // No bind address: loopback only, never every interface by accident. '' (or '*'): every interface.
  if (bindAddress === undefined || bindAddress === 'localhost') return '127.0.0.1';
  if (bindAddress === '') return undefined;
  return bindAddress;
}

/**
 * Every address a local listener binds for this bind address. No bind address, or 'localhost': both
 * loopback addresses, 127.0.0.1 then ::1, as ssh does (a client that resolves localhost to ::1 finds the
 * forward too), or the one of `family` (AddressFamily, -4, -6). Every interface with -4: IPv4's only.
 * Otherwise the one address localBindHost gives.
 */
export function localBindHosts(
  bindAddress: string | undefined,
  family?: 4 | 6 | undefined,
): Array<string | undefined> {
  if (bindAddress === undefined || bindAddress === 'localhost')
    return family === 4 ? ['127.0.0.1'] : family === 6 ? ['::1'] : ['127.0.0.1', '::1'];
  if (bindAddress === '' && family === 4) return ['0.0.0.0'];
  return [localBindHost(bindAddress)];
}

/** Errors that mean this machine has no such address family or address (no IPv6): not worth a word. */
const ABSENT_ADDRESS = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT']);

/** Listeners bound for one forward, all on one port. */
export interface Listeners {
  servers: net.Server[];
  /** Where the first of them listens: what the forward reports. */
  address: net.AddressInfo;
  /** Every address listened on, in order ("127.0.0.1", "::1"). */
  addresses: string[];
  /** An address of the pair that could not be bound, in a sentence (ssh goes on with the other too). */
  warnings: string[];
}

/** How often a port picked by the kernel for 127.0.0.1 is tried again when another program holds it on ::1. */
const PAIR_PORT_TRIES = 5;

/**
 * Binds a forward's listeners: one per address of localBindHosts, each a server from `makeServer`, all on
 * the same port (with port 0, the one the kernel picked for the first). As ssh: the forward listens if at
 * least one address bound; an address this machine does not have (no IPv6) is left out silently, one
 * taken or refused is left out with a warning. Rejects with the first address's user-facing message when
 * none bound.
 */
export async function listenAll(
  makeServer: () => net.Server,
  hosts: Array<string | undefined>,
  port: number,
  onAcceptError: (message: string) => void,
): Promise<Listeners> {
  for (let tries = 1; ; tries++) {
    const bound: Array<{server: net.Server; address: net.AddressInfo}> = [];
    const warnings: string[] = [];
    let firstError: Error | undefined;
    let retry = false;
    for (const host of hosts) {
      const server = makeServer();
      const wanted = bound[0]?.address.port ?? port;
      try {
        bound.push({server, address: await listen(server, host, wanted, onAcceptError)});
      } catch (error) {
        const cause = (error as {cause?: NodeJS.ErrnoException}).cause;
        firstError ??= error as Error;
        if (hosts.length === 1) throw error;
        if (cause?.code && ABSENT_ADDRESS.has(cause.code)) continue;
        // The kernel's pick for the first address is held by someone else on the next: pick again.
        if (port === 0 && bound.length > 0 && cause?.code === 'EADDRINUSE' && tries < PAIR_PORT_TRIES) {
          retry = true;
          break;
        }
        warnings.push((error as Error).message);
      }
    }
    if (retry) {
      await closeServers(bound.map(({server}) => server));
      continue;
    }
    const first = bound[0];
    if (!first) throw firstError ?? new Error(`cannot listen on port ${port}`);
    return {
      servers: bound.map(({server}) => server),
      address: first.address,
      addresses: bound.map(({address}) => address.address),
      warnings,
    };
  }
}

/** Closes listeners; resolves when all have. */
export async function closeServers(servers: net.Server[]): Promise<void> {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
}

/** 127.0.0.0/8 and ::1 (IPv4-mapped too): an address no other machine can reach. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.toLowerCase().replace(/^::ffff:(?=\d+\.)/, '');
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

/** Every interface: what a listener bound to '', '*', 0.0.0.0 or :: reports as its address. */
export function isWildcardAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

export function describeBind(host: string | undefined, port: number): string {
  if (host === undefined) return `every interface, port ${port}`;
  return hostPort(host, port);
}

/** Ports this process listens on: a port taken twice is named as ours, not "another program". */
const ownPorts = new Map<number, string[]>();

/** Whether one of our own listeners holds `port` where a listener on `host` would collide with it. */
function ownListenerHolds(host: string | undefined, port: number): boolean {
  const addresses = ownPorts.get(port) ?? [];
  // Every interface collides with any address; the two loopback addresses of a pair do not collide.
  return addresses.some(
    (address) =>
      host === undefined || isWildcardAddress(host) || isWildcardAddress(address) || address === host,
  );
}

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
 * Descriptors this process holds for clients (accepted and outgoing sockets, FTP data listeners), counted
 * against one budget below the open-file limit. Past the limit the kernel's EMFILE would make libuv drop
 * new clients silently, and starve every forward alike; below it each one is refused, counted and explained.
 */
let descriptorsHeld = 0;

/**
 * Takes one descriptor of the budget until `handle` closes; returns why not (a sentence) when the budget
 * is spent, and then takes nothing.
 */
export function holdDescriptor(handle: {
  once(event: 'close', listener: () => void): unknown;
}): string | undefined {
  const limit = openFileLimit();
  if (limit !== undefined) {
    const budget = Math.max(16, limit - FD_RESERVE);
    if (descriptorsHeld >= budget)
      return `refused: ${budget} connections are open, near this process's open-file limit (${limit}); raise it (ulimit -n) to carry more`;
  }
  descriptorsHeld++;
  handle.once('close', () => {
    descriptorsHeld--;
  });
  return undefined;
}

/** A client as it was when accepted: its address is read at once, since a client that resets has none later. */
export interface Peer {
  address: string;
  port: number;
  /** "127.0.0.1:50312", or a sentence when the client was gone before it could be asked. */
  text: string;
}

/** How a listener is made: net.Server's options, and whether its clients may be HandleSockets. */
export type ListenerOptions = net.ServerOpts & {
  /**
   * Clients as HandleSockets (handle-socket.ts), for forwards whose sockets only a ChannelLink carries.
   * Not where Node cannot give them (then net.Socket, as without it) or TUNNELS_NET_SOCKETS=1 asks not to.
   */
  handleSockets?: boolean;
};

/**
 * A listener whose every client has an error handler from the moment it is accepted (any error then ends
 * that client's connection alone: Node destroys the socket, and its 'close' runs the forward's clean-up),
 * its address read at once, and its place in the descriptor budget; a client past the budget is closed at
 * once and reported to `onRefused`.
 */
export function createListener(
  options: ListenerOptions & {handleSockets?: false},
  onClient: (socket: net.Socket, peer: Peer) => void,
  onRefused: (peer: Peer, reason: string) => void,
): net.Server;
export function createListener(
  options: ListenerOptions,
  onClient: (socket: LocalSocket, peer: Peer) => void,
  onRefused: (peer: Peer, reason: string) => void,
): net.Server;
export function createListener(
  options: ListenerOptions,
  onClient: ((socket: net.Socket, peer: Peer) => void) | ((socket: LocalSocket, peer: Peer) => void),
  onRefused: (peer: Peer, reason: string) => void,
): net.Server {
  const {handleSockets, ...serverOptions} = options;
  const take = (socket: LocalSocket) => {
    socket.on('error', ignoreError);
    const peer = peerOf(socket);
    const refusal = holdDescriptor(socket);
    if (refusal) {
      socket.destroy();
      onRefused(peer, refusal);
      return;
    }
    (onClient as (socket: LocalSocket, peer: Peer) => void)(socket, peer);
  };
  const server = net.createServer(serverOptions, take);
  if (handleSockets && handleSocketsAvailable && process.env.TUNNELS_NET_SOCKETS !== '1')
    // The listening handle exists from here on, before any connection can be accepted.
    server.once('listening', () =>
      acceptHandleSockets(
        server,
        (socket) => {
          if (options.noDelay) socket.setNoDelay(true);
          take(socket);
          if (!options.pauseOnConnect && !socket.destroyed) socket.resume();
        },
        (error) => server.emit('error', error),
      ),
    );
  return server;
}

function ignoreError(): void {}

export function peerOf(socket: LocalSocket): Peer {
  const address = socket.remoteAddress;
  const port = socket.remotePort;
  // Node accepts without the peer's address and asks the kernel for it; a client that reset at once
  // (its reset read in the same turn as its connection) has none to give by then.
  const text = address ? formatAddress(address, port) : 'a client that reset at once';
  return {address: address ?? '?', port: port ?? 0, text};
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
      return ownListenerHolds(host, port)
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
      reject(new Error(listenErrorMessage(error, host, port), {cause: error}));
    };
    const onListening = () => {
      server.off('error', onError);
      server.on('error', (error: NodeJS.ErrnoException) => onAcceptError(acceptErrorMessage(error)));
      const address = server.address() as net.AddressInfo;
      ownPorts.set(address.port, [...(ownPorts.get(address.port) ?? []), address.address]);
      server.once('close', () => {
        const held = [...(ownPorts.get(address.port) ?? [])];
        held.splice(held.indexOf(address.address), 1);
        if (held.length > 0) ownPorts.set(address.port, held);
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
  return hostPort(host, port ?? '?');
}
