import net from 'node:net';
import {ForwardBase} from './forward.js';
import type {ForwardContext} from './forward-context.js';
import type {TargetForwardSpec} from './forward-spec.js';
import {formatAddress} from './listen.js';

/** -L: a local listener whose every connection becomes a direct-tcpip channel to host:hostport. */
export class LocalForward extends ForwardBase {
  protected server: net.Server | undefined;

  constructor(
    id: string,
    readonly target: TargetForwardSpec,
    protected readonly context: ForwardContext,
  ) {
    super(id, target, context.events, true);
  }

  async start(): Promise<void> {
    // pauseOnConnect: nothing is read (and buffered) before the channel exists to take it.
    const server = net.createServer({allowHalfOpen: true, pauseOnConnect: true, noDelay: true}, (socket) =>
      this.accept(socket),
    );
    this.server = server;
    if (!(await this.listenLocally(server))) this.server = undefined;
  }

  protected accept(socket: net.Socket): void {
    const from = formatAddress(socket.remoteAddress, socket.remotePort);
    const to = formatAddress(this.target.host, this.target.hostPort);
    this.connect(
      socket,
      {address: socket.remoteAddress ?? '127.0.0.1', port: socket.remotePort ?? 0},
      from,
      to,
    );
  }

  /** Opens a connection's channel and carries the connection over it: here, as it is, both ways. */
  protected connect(
    socket: net.Socket,
    source: {address: string; port: number},
    from: string,
    to: string,
  ): void {
    const opening = this.context.openLink(source, this.target.host, this.target.hostPort);
    this.whenOpen(socket, opening, from, to, (link) => {
      const connectionId = this.trackConnection(socket, from, to);
      link.start(socket, (error) => this.untrackConnection(connectionId, error));
    });
  }

  /** Carries the connection once its channel is open, unless the client or the forward went away meanwhile. */
  protected whenOpen<Opened extends {destroy(): void}>(
    socket: net.Socket,
    opening: Promise<Opened>,
    from: string,
    to: string,
    carry: (opened: Opened) => void,
  ): void {
    // The client may give up while the channel opens; its error must not go unhandled.
    const onEarlyError = () => {};
    socket.on('error', onEarlyError);
    opening.then(
      (opened) => {
        socket.off('error', onEarlyError);
        if (socket.destroyed || this.state !== 'listening') {
          opened.destroy();
          socket.destroy();
          return;
        }
        carry(opened);
      },
      (error: Error) => {
        this.connectionFailed(from, to, error.message);
        socket.destroy();
      },
    );
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.setClosed();
    for (const socket of this.openSockets()) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
