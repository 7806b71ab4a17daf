import type net from 'node:net';
import {ForwardBase} from './forward.js';
import {ChannelOpenError, type ForwardContext} from './forward-context.js';
import type {DynamicForwardSpec} from './forward-spec.js';
import {closeServers, createListener, formatAddress, type Peer} from './listen.js';
import {
  type SocksConnectRequest,
  SocksHandshake,
  socksConnectReply,
  socksOutcomeForOpenFailure,
} from './socks-parser.js';

/** The reply to every successful CONNECT is the same few bytes (bound address 0.0.0.0:0): made once. */
const SUCCEEDED = {4: socksConnectReply(4, 'succeeded'), 5: socksConnectReply(5, 'succeeded')} as const;

/** A client that has not finished its SOCKS request by then is closed. */
export const SOCKS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** How long a refused client has to read its refusal and close before it is closed. */
const REFUSAL_LINGER_MS = 2000;

/** -D: a SOCKS 4/4a/5 server; each CONNECT becomes a direct-tcpip channel, so names resolve on the server. */
export class DynamicForward extends ForwardBase {
  /** Its listeners: one per bound address (127.0.0.1 and ::1 when no bind address was given). */
  private servers: net.Server[] = [];
  private readonly handshaking = new Set<net.Socket>();
  /** Clients whose channel is being opened. */
  private readonly opening = new Set<net.Socket>();

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
            {allowHalfOpen: true, noDelay: true},
            (socket, peer) => this.accept(socket, peer),
            this.refuseClient,
          ),
        this.context.config.addressFamily,
      )) ?? [];
  }

  /**
   * Reads the SOCKS request, then opens its channel. The client may reset, half-close or stall at any
   * point of this: its errors are handled from acceptance on (createListener), and whatever ends it ends
   * this connection only. A refusal is written, then the socket is closed soon after whatever the client
   * does, so a client that never closes holds nothing.
   */
  private accept(socket: net.Socket, peer: Peer): void {
    const from = peer.text;
    const handshake = new SocksHandshake();
    this.handshaking.add(socket);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.connectionFailed(from, '?', 'SOCKS client did not finish its request in time');
      socket.destroy();
    }, this.handshakeTimeoutMs);
    const onClose = () => {
      clearTimeout(timer);
      this.handshaking.delete(socket);
      // A client that sent part of a request and left; one that sent nothing (a browser's preconnect) is
      // not a failure, as ssh does not count it either.
      if (!timedOut && socket.bytesRead > 0)
        this.connectionFailed(from, '?', 'the client left before finishing its SOCKS request');
    };
    socket.on('close', onClose);
    // A client that half-closes mid-handshake will never complete it.
    const onEnd = () => socket.destroy();
    socket.on('end', onEnd);
    const onData = (chunk: Buffer) => {
      const step = handshake.push(chunk);
      if (step.reply && !step.failure) socket.write(step.reply);
      if (!step.failure && !step.request) return;
      clearTimeout(timer);
      this.handshaking.delete(socket);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      if (step.failure) {
        this.refuse(socket, from, '?', step.failure, step.reply);
        return;
      }
      const request = step.request!;
      // Hold further bytes in the socket until the channel can take them.
      socket.pause();
      this.openChannelFor(socket, peer, request);
    };
    socket.on('data', onData);
  }

  private openChannelFor(socket: net.Socket, peer: Peer, request: SocksConnectRequest): void {
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
    socket: net.Socket,
    from: string,
    to: string,
    reason: string,
    reply: Buffer | undefined,
  ): void {
    this.connectionFailed(from, to, reason);
    if (socket.destroyed) return;
    if (reply) socket.end(reply);
    else socket.end();
    // Read and drop whatever else comes; close when the client does, or after a moment in any case.
    socket.resume();
    const closer = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
    socket.once('close', () => clearTimeout(closer));
  }

  async close(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    this.setClosed();
    for (const socket of [...this.handshaking, ...this.opening, ...this.openSockets()]) socket.destroy();
    await closeServers(servers);
  }
}
