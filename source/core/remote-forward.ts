import net from 'node:net';
import {type Backoff, backoffDelay} from './backoff.js';
import type {ChannelLink} from './channel-link.js';
import {ForwardBase} from './forward.js';
import type {ForwardContext, RemoteConnectionHandler} from './forward-context.js';
import type {TargetForwardSpec} from './forward-spec.js';
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

/** -R: the server listens; each connection it accepts comes back as a channel and goes to host:hostport here. */
export class RemoteForward extends ForwardBase {
  private readonly pending = new Set<net.Socket>();
  /** Counts connections of the session: an answer that arrives for an older one is ignored. */
  private generation = 0;
  private rebindAttempt = 0;
  private rebindTimer: NodeJS.Timeout | undefined;

  constructor(
    id: string,
    readonly target: TargetForwardSpec,
    private readonly context: ForwardContext,
  ) {
    super(id, target, context.events, false);
  }

  /** What the server is asked to listen on ("localhost", "" for every interface, or the address given). */
  private get requestAddress(): string {
    return remoteBindAddress(this.target.bindAddress);
  }

  async start(): Promise<void> {
    const address = this.requestAddress;
    try {
      const port = await this.context.requestRemoteForward(address, this.target.port, this.onConnection);
      if (this.state === 'closed') {
        await this.context.cancelRemoteForward(address, port).catch(() => {});
        return;
      }
      this.setListening(remoteListenAddress(address), port);
      // Once, when first granted: not again on every reconnect.
      const target = formatAddress(this.target.host, this.target.hostPort);
      const exposure = remoteExposureWarning(this.label, address, port, target);
      if (exposure) this.events.emit({event: 'warning', message: exposure, forwardId: this.id});
    } catch (error) {
      this.setFailed((error as Error).message);
    }
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
    const address = this.requestAddress;
    // listeningOn stays through the wait: the port the server gave before.
    const port = this.listeningOn?.port ?? this.target.port;
    try {
      const granted = await this.context.requestRemoteForward(address, port, this.onConnection);
      if (this.state === 'closed') {
        // Closed while the server was answering: take the listener back.
        await this.context.cancelRemoteForward(address, granted).catch(() => {});
        return;
      }
      if (generation !== this.generation) return; // the answer of a connection that has since dropped
      this.setListening(remoteListenAddress(address), granted);
    } catch (error) {
      if (generation !== this.generation || this.state !== 'waiting') return;
      const delay = backoffDelay(++this.rebindAttempt, REBIND_DELAY_MS, false);
      this.setWaiting((error as Error).message, delay);
      this.rebindTimer = setTimeout(() => void this.rebind(), delay);
    }
  }

  private readonly onConnection: RemoteConnectionHandler = (details, accept, reject) => {
    const from = `${formatAddress(details.srcIP, details.srcPort)} (on the server)`;
    const {host, hostPort} = this.target;
    const to = formatAddress(host, hostPort);
    if (this.state !== 'listening') {
      reject();
      return;
    }
    const refusal = this.context.channelRefusal();
    if (refusal) {
      reject();
      this.connectionFailed(from, to, refusal);
      return;
    }
    const socket = new net.Socket({allowHalfOpen: true});
    // Handled from the start: the target's errors end this connection only.
    let connectError: NodeJS.ErrnoException | undefined;
    socket.on('error', (error: NodeJS.ErrnoException) => {
      connectError ??= error;
    });
    const held = holdDescriptor(socket);
    if (held) {
      reject();
      this.connectionFailed(from, to, held);
      return;
    }
    this.pending.add(socket);
    let reached = false;
    socket.once('close', () => {
      this.pending.delete(socket);
      if (reached) return;
      reject();
      // Dropped with the session or the forward (dropPending): not this connection's failure.
      if (connectError) this.connectionFailed(from, to, targetErrorMessage(connectError, to));
    });
    socket.once('connect', () => {
      reached = true;
      this.pending.delete(socket);
      socket.setNoDelay(true);
      let link: ChannelLink;
      try {
        link = this.context.adoptChannel(accept());
      } catch (error) {
        this.connectionFailed(from, to, (error as Error).message);
        socket.destroy();
        return;
      }
      const connectionId = this.trackConnection(socket, from, to);
      link.start(socket, (error) => this.untrackConnection(connectionId, error));
    });
    socket.connect({host, port: hostPort});
  };

  /** Target connections still being made for channels not yet accepted. */
  private dropPending(): void {
    for (const socket of this.pending) socket.destroy();
    this.pending.clear();
  }

  async close(): Promise<void> {
    // Only a listener the server holds now needs cancelling; a waiting one died with its connection.
    const port = this.state === 'listening' ? this.listeningOn?.port : undefined;
    this.generation++;
    clearTimeout(this.rebindTimer);
    this.rebindTimer = undefined;
    this.setClosed();
    this.dropPending();
    for (const socket of this.openSockets()) socket.destroy();
    if (port !== undefined) await this.context.cancelRemoteForward(this.requestAddress, port).catch(() => {});
  }
}

export function targetErrorMessage(error: NodeJS.ErrnoException, target: string): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `${target} refused the connection (nothing listening there?)`;
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
