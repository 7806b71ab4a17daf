import net from 'node:net';
import {targetText, type UnixForwardSpec} from '../protocols/forward-spec.js';
import type {ChannelLink} from './channel-link.js';
import {ForwardBase} from './forward.js';
import type {ForwardContext} from './forward-context.js';
import {createListener, holdDescriptor, type Peer} from './listen.js';
import {listenOnPath, type UnixListenOptions} from './unix-socket.js';

/**
 * -L with a unix socket on either side: `-L /tmp/x.sock:host:80` listens on a socket here and opens a
 * direct-tcpip channel per connection; `-L 5432:/run/postgresql/.s.PGSQL.5432` listens on a port and opens
 * a direct-streamlocal channel to the server's socket; `-L /tmp/a.sock:/run/b.sock` does both.
 */
export class LocalUnixForward extends ForwardBase {
  constructor(
    id: string,
    readonly unix: UnixForwardSpec,
    private readonly context: ForwardContext,
    private readonly socketOptions: UnixListenOptions = {},
  ) {
    super(id, unix, context.events, true);
  }

  async start(): Promise<void> {
    const {listen} = this.unix;
    if (listen.path === undefined) {
      this.servers =
        (await this.listenLocally(
          () =>
            createListener(
              {allowHalfOpen: true, pauseOnConnect: true, noDelay: true},
              (socket, peer) => this.connect(socket, peer),
              this.refuseClient,
            ),
          this.context.config.addressFamily,
          listen,
        )) ?? [];
      return;
    }
    const path = listen.path;
    // A unix client has no address: it is named by the socket it came in on.
    const peer: Peer = {address: '127.0.0.1', port: 0, text: `a client of ${path}`};
    const server = net.createServer({allowHalfOpen: true, pauseOnConnect: true}, (socket) => {
      socket.on('error', () => {});
      const refusal = holdDescriptor(socket);
      if (refusal) {
        socket.destroy();
        this.connectionFailed(peer.text, targetText(this.unix), refusal);
        return;
      }
      this.connect(socket, peer);
    });
    this.servers = [server];
    try {
      await listenOnPath(server, path, this.socketOptions, (reason) =>
        this.connectionFailed(peer.text, targetText(this.unix), reason),
      );
      if (this.state === 'closed') {
        server.close();
        return;
      }
      this.setListeningOnPath(path);
    } catch (error) {
      this.servers = [];
      this.setFailed((error as Error).message);
    }
  }

  /** Opens the connection's channel (to host:port or to the server's socket) and carries it over it. */
  private connect(socket: net.Socket, peer: Peer): void {
    const {target} = this.unix;
    const to = targetText(this.unix);
    const opening: Promise<ChannelLink> =
      target.path !== undefined
        ? this.context.openStreamLocalLink(target.path)
        : this.context.openLink(peer, target.host, target.port);
    opening.then(
      (link) => {
        if (socket.destroyed || this.state !== 'listening') {
          link.destroy();
          socket.destroy();
          return;
        }
        const connectionId = this.trackConnection(socket, peer.text, to);
        link.start(socket, (error) => this.untrackConnection(connectionId, error));
      },
      (error: Error) => {
        this.connectionFailed(peer.text, to, error.message);
        socket.destroy();
      },
    );
  }

  close(): Promise<void> {
    return this.closeLocally(this.openSockets());
  }
}
