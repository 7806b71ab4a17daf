import net from 'node:net';
import type {ClientChannel} from 'ssh2';
import {
  type ForwardTarget,
  isUnixForward,
  type RemoteDynamicForwardSpec,
  type TargetForwardSpec,
  targetText,
  tcpListenerOf,
  type UnixForwardSpec,
} from '../protocols/forward-spec.js';
import {type Backoff, backoffDelay} from '../session/backoff.js';
import type {ChannelLink} from './channel-link.js';
import {ForwardBase} from './forward.js';
import type {
  ForwardContext,
  RemoteConnectionHandler,
  RemoteUnixConnectionHandler,
} from './forward-context.js';
import {describeBind, formatAddress, holdDescriptor, isLoopbackAddress, isWildcardAddress} from './listen.js';

/** What ssh sends as the listen address: "localhost" by default, "" for every interface. */
export function remoteBindAddress(bindAddress: string | undefined): string {
  return bindAddress ?? 'localhost';
}

/**
 * Where a remote forward listens, as far as this side can know: the server's reply carries only the port,
 * and OpenSSH's sshd binds what its GatewayPorts says rather than what was asked (no, its default:
 * loopback whatever was asked; yes: every interface whatever was asked; clientspecified: as asked). What
 * was asked is reported only where the usual setting (no) binds just that; elsewhere "?": unknown.
 */
function remoteListenAddress(requested: string): string {
  return requested === 'localhost' || requested === '127.0.0.1' || requested === '::1' ? requested : '?';
}

/**
 * For a remote forward asked to listen beyond the server's loopback: what the server may have opened,
 * and to whom, since only its GatewayPorts decides (and the reply does not say). Undefined on loopback.
 */
function remoteExposureWarning(
  label: string,
  requested: string,
  port: number,
  target: string,
): string | undefined {
  if (requested === 'localhost' || isLoopbackAddress(requested)) return undefined;
  const everywhere = requested === '' || isWildcardAddress(requested);
  const asked = describeBind(everywhere ? undefined : requested, port);
  const binds = everywhere
    ? 'with yes or clientspecified, on every interface'
    : `with clientspecified, on ${asked} (with yes, on every interface)`;
  return `${label}: the server was asked to listen on ${asked}; its reply does not say where it does, which its GatewayPorts decides: ${binds}, and anyone who can reach it there can use it to reach ${target} here; with no (OpenSSH's default), on its loopback only`;
}

/** How long a refused remote forward waits before asking again after a reconnect, doubling up to this. */
const REBIND_DELAY_MS: Backoff = {initial: 1000, max: 30_000};

/** What a remote forward's server-side listener may be given: -R, -R with a unix socket, -R port alone. */
export type RemoteListenerSpec = TargetForwardSpec | UnixForwardSpec | RemoteDynamicForwardSpec;

/**
 * -R: the server listens; each connection it accepts comes back as a channel and goes to host:hostport
 * here. With a unix socket (kind remote-unix) the server listens on a path (streamlocal-forward) and/or the
 * connections go to a socket here. Remote dynamic forwarding reuses the listener and says itself where
 * each connection goes (see remote-dynamic-forward.ts).
 */
export class RemoteForward extends ForwardBase {
  private readonly pending = new Set<net.Socket>();
  /** Counts connections of the session: an answer that arrives for an older one is ignored. */
  private generation = 0;
  private rebindAttempt = 0;
  private rebindTimer: NodeJS.Timeout | undefined;
  /** The server-side socket path, for a listener on a unix socket. */
  private readonly listenPath: string | undefined;
  private readonly listenPort: number;
  private readonly bindAddress: string | undefined;

  constructor(
    id: string,
    readonly remoteSpec: RemoteListenerSpec,
    protected readonly context: ForwardContext,
  ) {
    super(id, remoteSpec, context.events, false);
    this.listenPath = isUnixForward(remoteSpec) ? remoteSpec.listen.path : undefined;
    const tcp = tcpListenerOf(remoteSpec);
    this.listenPort = tcp?.port ?? 0;
    this.bindAddress = tcp?.bindAddress;
  }

  /** What the server is asked to listen on ("localhost", "" for every interface, or the address given). */
  private get requestAddress(): string {
    return remoteBindAddress(this.bindAddress);
  }

  /** Asks the server to listen (again); resolves with the port it bound (0 for a unix socket). */
  private async requestListener(port: number): Promise<number> {
    if (this.listenPath === undefined)
      return this.context.requestRemoteForward(this.requestAddress, port, this.onConnection);
    await this.context.requestRemoteStreamLocal(this.listenPath, this.onUnixConnection);
    return 0;
  }

  private cancelListener(port: number): Promise<void> {
    if (this.listenPath === undefined) return this.context.cancelRemoteForward(this.requestAddress, port);
    return this.context.cancelRemoteStreamLocal(this.listenPath);
  }

  private listened(port: number): void {
    if (this.listenPath === undefined) this.setListening(remoteListenAddress(this.requestAddress), port);
    else this.setListeningOnPath(this.listenPath);
  }

  async start(): Promise<void> {
    const address = this.requestAddress;
    try {
      const port = await this.requestListener(this.listenPort);
      if (this.state === 'closed') {
        await this.cancelListener(port).catch(() => {});
        return;
      }
      this.listened(port);
      if (this.listenPath !== undefined) return;
      // Once, when first granted: not again on every reconnect.
      const exposure = remoteExposureWarning(this.label, address, port, this.exposedTo());
      if (exposure) this.events.emit({event: 'warning', message: exposure, forwardId: this.id});
    } catch (error) {
      this.setFailed((error as Error).message);
    }
  }

  /** What anyone who reaches the server's listener can reach through it, for the exposure warning. */
  protected exposedTo(): string {
    return targetText(this.remoteSpec);
  }

  override sessionLost(): void {
    if (this.state !== 'listening' && this.state !== 'waiting') return;
    this.generation++;
    clearTimeout(this.rebindTimer);
    this.rebindTimer = undefined;
    // The server forgot the listener with the connection; its channels are gone too.
    super.sessionLost();
    this.dropPending();
    this.setWaiting('the session is reconnecting');
  }

  override sessionRestored(): void {
    if (this.state !== 'waiting') return;
    this.rebindAttempt = 0;
    void this.rebind();
  }

  /** Asks for the same port again; a refusal (the old listener may linger on the server) is retried. */
  private async rebind(): Promise<void> {
    this.rebindTimer = undefined;
    const generation = this.generation;
    // listeningOn stays through the wait: the port the server gave before.
    const port = this.listeningOn?.port ?? this.listenPort;
    try {
      const granted = await this.requestListener(port);
      if (this.state === 'closed') {
        // Closed while the server was answering: take the listener back.
        await this.cancelListener(granted).catch(() => {});
        return;
      }
      if (generation !== this.generation) return; // the answer of a connection that has since dropped
      this.listened(granted);
    } catch (error) {
      if (generation !== this.generation || this.state !== 'waiting') return;
      const delay = backoffDelay(++this.rebindAttempt, REBIND_DELAY_MS, false);
      this.setWaiting((error as Error).message, delay);
      this.rebindTimer = setTimeout(() => void this.rebind(), delay);
    }
  }

  private readonly onConnection: RemoteConnectionHandler = (details, accept, reject) =>
    this.connection(`${formatAddress(details.srcIP, details.srcPort)} (on the server)`, accept, reject);

  private readonly onUnixConnection: RemoteUnixConnectionHandler = (details, accept, reject) =>
    this.connection(`a client of ${details.socketPath} (on the server)`, accept, reject);

  /** A connection the server accepted: refused while the forward cannot take it, else carried. */
  private connection(from: string, accept: () => ClientChannel, reject: () => void): void {
    if (this.state !== 'listening') {
      reject();
      return;
    }
    const refusal = this.context.channelRefusal();
    if (refusal) {
      reject();
      this.connectionFailed(from, this.exposedTo(), refusal);
      return;
    }
    this.carry(from, accept, reject);
  }

  /**
   * Connects to the target here, and only then accepts the channel (a target that cannot be reached is
   * a rejected channel, as ssh does).
   */
  protected carry(from: string, accept: () => ClientChannel, reject: () => void): void {
    const spec = this.remoteSpec;
    const target: ForwardTarget = isUnixForward(spec)
      ? spec.target
      : spec.kind === 'remote'
        ? {host: spec.host, port: spec.hostPort}
        : {host: '?', port: 0};
    const to = targetText(spec);
    const socket = this.connectTarget(
      from,
      to,
      target,
      () => {
        let link: ChannelLink;
        try {
          link = this.context.adoptChannel(accept());
        } catch (error) {
          this.connectionFailed(from, to, (error as Error).message);
          socket?.destroy();
          return;
        }
        const connectionId = this.trackConnection(socket!, from, to);
        link.start(socket!, (error) => this.untrackConnection(connectionId, error));
      },
      reject,
    );
  }

  /**
   * Connects a socket to the target here; `connected` runs once it is, `failed` (after the failure is
   * reported) when it cannot be, or is dropped with the session or the forward. Returns the socket, or
   * undefined when the descriptor budget is spent (reported, and `failed` has run).
   */
  protected connectTarget(
    from: string,
    to: string,
    target: ForwardTarget,
    connected: () => void,
    failed: (error: NodeJS.ErrnoException | undefined) => void,
  ): net.Socket | undefined {
    const socket = new net.Socket({allowHalfOpen: true});
    // Handled from the start: the target's errors end this connection only.
    let connectError: NodeJS.ErrnoException | undefined;
    socket.on('error', (error: NodeJS.ErrnoException) => {
      connectError ??= error;
    });
    const held = holdDescriptor(socket);
    if (held) {
      failed(undefined);
      this.connectionFailed(from, to, held);
      return undefined;
    }
    this.pending.add(socket);
    let reached = false;
    socket.once('close', () => {
      this.pending.delete(socket);
      if (reached) return;
      failed(connectError);
      // Dropped with the session or the forward (dropPending): not this connection's failure.
      if (connectError) this.connectionFailed(from, to, targetErrorMessage(connectError, to));
    });
    socket.once('connect', () => {
      reached = true;
      this.pending.delete(socket);
      if (target.path === undefined) socket.setNoDelay(true);
      connected();
    });
    if (target.path !== undefined) socket.connect({path: target.path});
    else socket.connect({host: target.host, port: target.port});
    return socket;
  }

  /** Target connections still being made for channels not yet accepted. */
  private dropPending(): void {
    for (const socket of this.pending) socket.destroy();
    this.pending.clear();
  }

  async close(): Promise<void> {
    // Only a listener the server holds now needs cancelling; a waiting one died with its connection.
    const listening = this.state === 'listening';
    const port = this.listeningOn?.port ?? 0;
    this.generation++;
    clearTimeout(this.rebindTimer);
    this.rebindTimer = undefined;
    this.setClosed();
    this.dropPending();
    for (const socket of this.openSockets()) socket.destroy();
    if (listening) await this.cancelListener(port).catch(() => {});
  }
}

export function targetErrorMessage(error: NodeJS.ErrnoException, target: string): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `${target} refused the connection (nothing listening there?)`;
    case 'ENOENT':
      return `${target} does not exist (nothing listening there?)`;
    case 'EACCES':
      return `not allowed to connect to ${target} (EACCES)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${target}`;
    case 'ETIMEDOUT':
      return `${target} did not answer (timed out)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${target} is unreachable from here`;
    default:
      return `cannot connect to ${target}: ${error.message}`;
  }
}
