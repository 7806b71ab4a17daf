import net from 'node:net';
import {ForwardBase} from './forward.js';
import {ChannelOpenError, type ForwardContext} from './forward-context.js';
import type {DynamicForwardSpec} from './forward-spec.js';
import {formatAddress} from './listen.js';
import {SocksHandshake, socksConnectReply, socksOutcomeForOpenFailure} from './socks-parser.js';

/** The reply to every successful CONNECT is the same few bytes (bound address 0.0.0.0:0): made once. */
const SUCCEEDED = {4: socksConnectReply(4, 'succeeded'), 5: socksConnectReply(5, 'succeeded')} as const;

/** A client that has not finished its SOCKS request by then is closed. */
export const SOCKS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** -D: a SOCKS 4/4a/5 server; each CONNECT becomes a direct-tcpip channel, so names resolve on the server. */
export class DynamicForward extends ForwardBase {
  private server: net.Server | undefined;
  private readonly handshaking = new Set<net.Socket>();

  constructor(
    id: string,
    spec: DynamicForwardSpec,
    private readonly context: ForwardContext,
    private readonly handshakeTimeoutMs = SOCKS_HANDSHAKE_TIMEOUT_MS,
  ) {
    super(id, spec, context.events, true);
  }

  async start(): Promise<void> {
    const server = net.createServer({allowHalfOpen: true, noDelay: true}, (socket) => this.accept(socket));
    this.server = server;
    if (!(await this.listenLocally(server))) this.server = undefined;
  }

  private accept(socket: net.Socket): void {
    const from = formatAddress(socket.remoteAddress, socket.remotePort);
    const handshake = new SocksHandshake();
    this.handshaking.add(socket);
    const timer = setTimeout(() => {
      this.connectionFailed(from, '?', 'SOCKS client did not finish its request in time');
      socket.destroy();
    }, this.handshakeTimeoutMs);
    const finish = () => {
      clearTimeout(timer);
      this.handshaking.delete(socket);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
    };
    const onError = () => {
      finish();
      socket.destroy();
    };
    // A client that half-closes mid-handshake will never complete it.
    const onEnd = () => onError();
    const onData = (chunk: Buffer) => {
      const step = handshake.push(chunk);
      if (step.reply) socket.write(step.reply);
      if (step.failure) {
        finish();
        this.connectionFailed(from, '?', step.failure);
        socket.end();
        return;
      }
      if (!step.request) return;
      finish();
      // Hold further bytes in the socket until the channel can take them.
      socket.pause();
      const {version, host, port, rest} = step.request;
      const to = formatAddress(host, port);
      this.context
        .openLink({address: socket.remoteAddress ?? '127.0.0.1', port: socket.remotePort ?? 0}, host, port)
        .then(
          (link) => {
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
            const outcome =
              error instanceof ChannelOpenError
                ? socksOutcomeForOpenFailure(error.reasonCode, error.description)
                : 'general-failure';
            this.connectionFailed(from, to, error.message);
            if (!socket.destroyed) socket.end(socksConnectReply(version, outcome));
          },
        );
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onEnd);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.setClosed();
    for (const socket of [...this.handshaking, ...this.openSockets()]) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
