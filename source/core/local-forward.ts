import net from 'node:net';
import type {ClientChannel} from 'ssh2';
import {ForwardBase} from './forward.js';
import type {ForwardContext} from './forward-context.js';
import type {TargetForwardSpec} from './forward-spec.js';
import {formatAddress} from './listen.js';
import {joinSocketAndChannel} from './pipe.js';

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
    const {host, hostPort} = this.target;
    const to = formatAddress(host, hostPort);
    // The client may give up while the channel opens; its error must not go unhandled.
    const onEarlyError = () => {};
    socket.on('error', onEarlyError);
    this.context
      .openChannel(
        {address: socket.remoteAddress ?? '127.0.0.1', port: socket.remotePort ?? 0},
        host,
        hostPort,
      )
      .then(
        (channel) => {
          socket.off('error', onEarlyError);
          if (socket.destroyed || this.state !== 'listening') {
            channel.destroy();
            socket.destroy();
            return;
          }
          this.carry(socket, channel, from, to);
        },
        (error: Error) => {
          this.connectionFailed(from, to, error.message);
          socket.destroy();
        },
      );
  }

  /** What a connection does once its channel is open: here, a plain pipe both ways. */
  protected carry(socket: net.Socket, channel: ClientChannel, from: string, to: string): void {
    const connectionId = this.trackConnection(socket, from, to);
    joinSocketAndChannel(socket, channel, (error) => this.untrackConnection(connectionId, error));
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.setClosed();
    for (const socket of this.openSockets()) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
