import type {TargetForwardSpec} from '../protocols/forward-spec.js';
import {ForwardBase} from './forward.js';
import type {ForwardContext} from './forward-context.js';
import type {LocalSocket} from './handle-socket.js';
import {createListener, formatAddress, type Peer} from './listen.js';

/** -L: a local listener whose every connection becomes a direct-tcpip channel to host:hostport. */
export class LocalForward extends ForwardBase {
  constructor(
    id: string,
    readonly target: TargetForwardSpec,
    protected readonly context: ForwardContext,
  ) {
    super(id, target, context.events, true);
  }

  async start(): Promise<void> {
    // pauseOnConnect: nothing is read (and buffered) before the channel exists to take it.
    this.servers =
      (await this.listenLocally(
        () =>
          createListener(
            {allowHalfOpen: true, pauseOnConnect: true, noDelay: true, handleSockets: this.linksOnly()},
            (socket, peer) => this.accept(socket, peer),
            this.refuseClient,
          ),
        this.context.config.addressFamily,
      )) ?? [];
  }

  /** Whether a ChannelLink is all that ever uses this forward's client sockets (so they can be HandleSockets). */
  protected linksOnly(): boolean {
    return true;
  }

  protected accept(socket: LocalSocket, peer: Peer): void {
    this.connect(socket, peer, formatAddress(this.target.host, this.target.hostPort));
  }

  /** Opens a connection's channel and carries the connection over it: here, as it is, both ways. */
  protected connect(socket: LocalSocket, peer: Peer, to: string): void {
    const opening = this.context.openLink(peer, this.target.host, this.target.hostPort);
    this.whenOpen(socket, opening, peer.text, to, (link) => {
      const connectionId = this.trackConnection(socket, peer.text, to);
      link.start(socket, (error) => this.untrackConnection(connectionId, error));
    });
  }

  /**
   * Carries the connection once its channel is open, unless the client or the forward went away meanwhile
   * (the client's errors meanwhile are handled by its listener: see createListener).
   */
  protected whenOpen<Opened extends {destroy(): void}>(
    socket: LocalSocket,
    opening: Promise<Opened>,
    from: string,
    to: string,
    carry: (opened: Opened) => void,
  ): void {
    opening.then(
      (opened) => {
        if (socket.destroyed || this.state !== 'listening') {
          opened.destroy();
          socket.destroy();
          return;
        }
        try {
          carry(opened);
        } catch (error) {
          // A throw here would be an unhandled rejection, which ends the process: it ends this connection.
          opened.destroy();
          socket.destroy();
          this.connectionFailed(from, to, (error as Error).message);
        }
      },
      (error: Error) => {
        this.connectionFailed(from, to, error.message);
        socket.destroy();
      },
    );
  }

  close(): Promise<void> {
    return this.closeLocally(this.openSockets());
  }
}
