import type net from 'node:net';
import type {Emitter} from '../emitter.js';
import type {ForwardCounters, ForwardState, TunnelEvent} from '../events.js';
import {
  type ForwardKind,
  type ForwardSpec,
  targetText,
  tcpListenerOf,
  withListenPort,
} from '../protocols/forward-spec.js';
import {formatForwardFlag, formatForwardSpec} from '../protocols/forward-spec-format.js';
import type {LocalSocket} from './handle-socket.js';
import {
  closeServers,
  describeBind,
  formatAddress,
  isLoopbackAddress,
  isWildcardAddress,
  listenAll,
  localBindHosts,
  type Peer,
} from './listen.js';

/** What every forward kind offers the session and the store. */
export interface Forward {
  readonly id: string;
  readonly spec: ForwardSpec;
  readonly kind: ForwardKind;
  /** "-L 8080:db:5432" */
  readonly label: string;
  readonly state: ForwardState;
  readonly failure: string | undefined;
  /**
   * Where it listens, once listening (and, while waiting, where it listened and will again). A unix
   * socket: its path as address, port 0, and path set.
   */
  readonly listeningOn: {address: string; port: number; path?: string} | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
  counters(): ForwardCounters;
  /** The session's connection dropped and it is reconnecting. */
  sessionLost(): void;
  /** The session is connected again. */
  sessionRestored(): void;
}

interface Tallied {
  socket: LocalSocket;
  /** Bytes of protocol overhead (a SOCKS handshake) that are not the user's traffic. */
  overheadIn: number;
  overheadOut: number;
}

/**
 * The state, counters and events every forward kind shares. Byte counts come from the sockets' own
 * bytesRead/bytesWritten when a connection closes or counters() is asked, so the data path does no
 * per-chunk accounting.
 */
export abstract class ForwardBase implements Forward {
  state: ForwardState = 'starting';
  failure: string | undefined;
  listeningOn: {address: string; port: number; path?: string} | undefined;
  readonly kind: ForwardKind;
  readonly label: string;

  private readonly open = new Map<number, Tallied>();
  private nextConnectionId = 1;
  private closedBytesIn = 0;
  private closedBytesOut = 0;
  private total = 0;
  private failed = 0;

  constructor(
    readonly id: string,
    readonly spec: ForwardSpec,
    protected readonly events: Emitter<TunnelEvent>,
    /** True when the tracked socket is the side that opened the connection (-L, -D); false for -R. */
    private readonly socketIsOrigin: boolean,
  ) {
    this.kind = spec.kind;
    this.label = formatForwardFlag(spec);
  }

  abstract start(): Promise<void>;
  abstract close(): Promise<void>;

  /** A local listener stays bound; its connections went with the SSH connection, and say so. */
  sessionLost(): void {
    const dropped = new Error('the SSH connection dropped');
    for (const socket of this.openSockets()) socket.destroy(dropped);
  }

  sessionRestored(): void {}

  counters(): ForwardCounters {
    const counters = this.eventCounters();
    for (const tallied of this.open.values()) {
      const [inBytes, outBytes] = this.bytesOf(tallied);
      counters.bytesIn += inBytes;
      counters.bytesOut += outBytes;
    }
    return counters;
  }

  /**
   * The counters a connection's event carries: the counts, and the bytes of the closed connections only.
   * Summing the open ones' bytes for every event made a flood of connections quadratic (16,000 clients
   * held the event loop for seconds, long enough to look like a sleep); forward-traffic carries every
   * byte each second while connections are open, and the store keeps the larger of the two.
   */
  protected eventCounters(): ForwardCounters {
    return {
      openConnections: this.open.size,
      totalConnections: this.total,
      failedConnections: this.failed,
      bytesIn: this.closedBytesIn,
      bytesOut: this.closedBytesOut,
    };
  }

  /** A client the listener could not take (see createListener), reported against where it listens. */
  protected readonly refuseClient = (peer: Peer, reason: string): void =>
    this.connectionFailed(
      peer.text,
      formatAddress(this.listeningOn?.address, this.listeningOn?.port),
      reason,
    );

  /** Listeners on this machine, for the kinds that listen here: one per bound address. */
  protected servers: net.Server[] = [];

  /** Closed: stops listening here, ends `sockets`, and waits until the listeners have closed. */
  protected async closeLocally(sockets: Iterable<LocalSocket>): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    this.setClosed();
    for (const socket of sockets) socket.destroy();
    // A unix-socket listener's file goes with it (libuv unlinks it).
    await closeServers(servers);
  }

  /**
   * Listens on this machine at the spec's bind address (loopback unless told otherwise: 127.0.0.1 and ::1,
   * as ssh, or the one of `family`), one server from `makeServer` per address; returns them, or undefined
   * when the forward failed. `at`: the TCP listener, for a spec that has it elsewhere (a unix forward's).
   */
  protected async listenLocally(
    makeServer: () => net.Server,
    family?: 4 | 6 | undefined,
    at: {bindAddress: string | undefined; port: number} | undefined = tcpListenerOf(this.spec),
  ): Promise<net.Server[] | undefined> {
    if (!at) throw new Error(`${this.label}: no TCP listener to listen on`);
    try {
      const listeners = await listenAll(
        makeServer,
        localBindHosts(at.bindAddress, family),
        at.port,
        (reason) =>
          this.connectionFailed(
            'a new client',
            formatAddress(this.listeningOn?.address, this.listeningOn?.port),
            reason,
          ),
      );
      const {address, port} = listeners.address;
      this.setListening(address, port, listeners.addresses);
      const only = listeners.addresses.map((bound) => formatAddress(bound, port)).join(' and ');
      for (const warning of listeners.warnings)
        this.events.emit({
          event: 'warning',
          message: `${this.label}: listening on ${only} only: ${warning}`,
          forwardId: this.id,
        });
      // Once: a local listener stays bound through reconnects, and start() runs once.
      const exposure = exposureWarning(this.label, this.spec, address, port);
      if (exposure) this.events.emit({event: 'warning', message: exposure, forwardId: this.id});
      return listeners.servers;
    } catch (error) {
      this.setFailed((error as Error).message);
      return undefined;
    }
  }

  /** `addresses`: every local address listened on, when there are several (127.0.0.1 and ::1). */
  protected setListening(address: string, port: number, addresses?: string[]): void {
    this.state = 'listening';
    this.failure = undefined;
    this.listeningOn = {address, port};
    this.events.emit({
      event: 'forward-listening',
      forwardId: this.id,
      kind: this.kind,
      spec: this.label,
      bindAddress: address,
      port,
      ...(addresses && addresses.length > 1 ? {bindAddresses: addresses} : {}),
      display: formatForwardSpec(withListenPort(this.spec, port)),
    });
  }

  /** Listening on a unix socket (here, or on the server for a remote one). */
  protected setListeningOnPath(path: string): void {
    this.state = 'listening';
    this.failure = undefined;
    this.listeningOn = {address: path, port: 0, path};
    this.events.emit({
      event: 'forward-listening',
      forwardId: this.id,
      kind: this.kind,
      spec: this.label,
      bindAddress: path,
      port: 0,
      path,
      display: formatForwardSpec(withListenPort(this.spec, 0)),
    });
  }

  protected setWaiting(reason: string, retryInMs?: number): void {
    // listeningOn stays: where it listened, and will again (a remote forward asks for the same port).
    this.state = 'waiting';
    this.failure = reason;
    this.events.emit({
      event: 'forward-waiting',
      forwardId: this.id,
      kind: this.kind,
      spec: this.label,
      reason,
      ...(retryInMs !== undefined ? {retryInMs} : {}),
    });
  }

  protected setFailed(reason: string): void {
    this.state = 'failed';
    this.failure = reason;
    this.events.emit({
      event: 'forward-failed',
      forwardId: this.id,
      kind: this.kind,
      spec: this.label,
      reason,
    });
  }

  protected setClosed(): void {
    if (this.state === 'closed') return;
    const wasFailed = this.state === 'failed';
    this.state = 'closed';
    this.events.emit({
      event: wasFailed ? 'forward-closed-after-failure' : 'forward-closed',
      forwardId: this.id,
      kind: this.kind,
      spec: this.label,
    });
  }

  /**
   * Registers a connection whose bytes are tallied from this socket; returns its id. `announce: false`
   * counts it without connection events (FTP data channels have events of their own).
   */
  protected trackConnection(socket: LocalSocket, from: string, to: string, announce = true): number {
    const connectionId = this.nextConnectionId++;
    const tallied: Tallied = {socket, overheadIn: 0, overheadOut: 0};
    this.open.set(connectionId, tallied);
    this.total++;
    if (announce)
      this.events.emit({
        event: 'connection-opened',
        forwardId: this.id,
        label: this.label,
        counters: this.eventCounters(),
        connectionId,
        from,
        to,
      });
    return connectionId;
  }

  /** Marks handshake bytes already on the socket as overhead (not user traffic), less `carried` bytes read
   * with the handshake that are the user's and go on through the channel. */
  protected markOverhead(connectionId: number, carried: number): void {
    const tallied = this.open.get(connectionId);
    if (!tallied) return;
    tallied.overheadIn = tallied.socket.bytesRead - carried;
    tallied.overheadOut = tallied.socket.bytesWritten;
  }

  /** Ends a connection's tally; returns its bytes in and out. */
  protected untrackConnection(
    connectionId: number,
    error: Error | undefined,
    announce = true,
  ): [number, number] {
    const tallied = this.open.get(connectionId);
    if (!tallied) return [0, 0];
    this.open.delete(connectionId);
    const [bytesIn, bytesOut] = this.bytesOf(tallied);
    this.closedBytesIn += bytesIn;
    this.closedBytesOut += bytesOut;
    if (!announce) return [bytesIn, bytesOut];
    this.events.emit({
      event: 'connection-closed',
      forwardId: this.id,
      label: this.label,
      counters: this.eventCounters(),
      connectionId,
      bytesIn,
      bytesOut,
      ...(error ? {error: error.message} : {}),
    });
    return [bytesIn, bytesOut];
  }

  protected connectionFailed(from: string, to: string, reason: string): void {
    this.failed++;
    this.events.emit({
      event: 'connection-failed',
      forwardId: this.id,
      label: this.label,
      counters: this.eventCounters(),
      from,
      to,
      reason,
    });
  }

  /** Every socket still open, for closing them all. */
  protected openSockets(): LocalSocket[] {
    return [...this.open.values()].map((tallied) => tallied.socket);
  }

  private bytesOf({socket, overheadIn, overheadOut}: Tallied): [number, number] {
    const read = socket.bytesRead - overheadIn;
    const written = socket.bytesWritten - overheadOut;
    return this.socketIsOrigin ? [read, written] : [written, read];
  }
}

/**
 * What a local listener on an address other machines can reach lets them do, or undefined on loopback. ssh
 * binds such an address without a word; here the exposure is said once, when the forward starts.
 */
function exposureWarning(
  label: string,
  spec: ForwardSpec,
  address: string,
  port: number,
): string | undefined {
  if (isLoopbackAddress(address)) return undefined;
  const everywhere = isWildcardAddress(address);
  const where = describeBind(everywhere ? undefined : address, port);
  const who = everywhere ? 'this machine' : 'that address';
  const what =
    spec.kind === 'dynamic'
      ? 'as a SOCKS proxy to whatever the server can reach'
      : `to reach ${targetText(spec)} from the server`;
  return `${label} listens on ${where}: anyone who can reach ${who} can use it ${what}`;
}
