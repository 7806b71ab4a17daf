import type {DynamicForwardSpec} from '../protocols/forward-spec.js';
import {socksConnectReply, socksOutcomeForOpenFailure} from '../protocols/socks-reply.js';
import type {SocksConnectRequest} from '../protocols/socks-types.js';
import {ForwardBase} from './forward.js';
import {ChannelOpenError, type ForwardContext} from './forward-context.js';
import type {LocalSocket} from './handle-socket.js';
import {createListener, formatAddress, type Peer} from './listen.js';
import {
  readSocksRequest,
  refuseSocksClient,
  SOCKS_HANDSHAKE_TIMEOUT_MS,
  SOCKS_SUCCEEDED as SUCCEEDED,
} from './socks-front.js';

export {SOCKS_HANDSHAKE_TIMEOUT_MS};

/** -D: a SOCKS 4/4a/5 server; each CONNECT becomes a direct-tcpip channel, so names resolve on the server. */
export class DynamicForward extends ForwardBase {
  private readonly handshaking = new Set<LocalSocket>();
  /** Clients whose channel is being opened. */
  private readonly opening = new Set<LocalSocket>();

  constructor(
    id: string,
    spec: DynamicForwardSpec,
    private readonly context: ForwardContext,
    private readonly handshakeTimeoutMs = SOCKS_HANDSHAKE_TIMEOUT_MS,
  ) {
    super(id, spec, context.events, true);
  }

  async start(): Promise<void> {
    this.servers =
      (await this.listenLocally(
        () =>
          createListener(
            {allowHalfOpen: true, noDelay: true, handleSockets: true},
            (socket, peer) => this.accept(socket, peer),
            this.refuseClient,
          ),
        this.context.config.addressFamily,
      )) ?? [];
  }

  /**
   * Reads the SOCKS request (socks-front, shared with remote dynamic forwarding), then opens its channel.
   * The client's errors are handled from acceptance on (createListener), and whatever ends it ends this
   * connection only.
   */
  private accept(socket: LocalSocket, peer: Peer): void {
    const from = peer.text;
    this.handshaking.add(socket);
    socket.once('close', () => this.handshaking.delete(socket));
    readSocksRequest(socket, this.handshakeTimeoutMs, {
      request: (request) => {
        this.handshaking.delete(socket);
        this.openChannelFor(socket, peer, request);
      },
      failed: (reason, reply) => {
        this.handshaking.delete(socket);
        this.refuse(socket, from, '?', reason, reply);
      },
    });
  }

  private openChannelFor(socket: LocalSocket, peer: Peer, request: SocksConnectRequest): void {
    const {version, host, port, rest} = request;
    const from = peer.text;
    const to = formatAddress(host, port);
    this.opening.add(socket);
    socket.once('close', () => this.opening.delete(socket));
    this.context.openLink(peer, host, port).then(
      (link) => {
        this.opening.delete(socket);
        if (socket.destroyed || this.state !== 'listening') {
          link.destroy();
          socket.destroy();
          return;
        }
        socket.write(SUCCEEDED[version]);
        const connectionId = this.trackConnection(socket, from, to);
        this.markOverhead(connectionId, rest.length);
        if (rest.length > 0) link.write(rest);
        link.start(socket, (error) => this.untrackConnection(connectionId, error));
      },
      (error: Error) => {
        this.opening.delete(socket);
        const outcome =
          error instanceof ChannelOpenError
            ? socksOutcomeForOpenFailure(error.reasonCode, error.description)
            : 'general-failure';
        this.refuse(socket, from, to, error.message, socksConnectReply(version, outcome));
      },
    );
  }

  /** Counts and reports a refused client, writes its refusal, and closes it soon whatever it does. */
  private refuse(
    socket: LocalSocket,
    from: string,
    to: string,
    reason: string,
    reply: Buffer | undefined,
  ): void {
    this.connectionFailed(from, to, reason);
    refuseSocksClient(socket, reply);
  }

  close(): Promise<void> {
    return this.closeLocally([...this.handshaking, ...this.opening, ...this.openSockets()]);
  }
}
