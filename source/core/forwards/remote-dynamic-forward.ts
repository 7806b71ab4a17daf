import type {ClientChannel} from 'ssh2';
import type {RemoteDynamicForwardSpec} from '../protocols/forward-spec.js';
import {socksConnectReply, socksOutcomeForConnectError} from '../protocols/socks-reply.js';
import type {SocksConnectRequest} from '../protocols/socks-types.js';
import type {ChannelLink} from './channel-link.js';
import type {ForwardContext} from './forward-context.js';
import {formatAddress} from './listen.js';
import {formatPermitRemoteOpen, type PermitRemoteOpen, permitsRemoteOpen} from './permit-remote-open.js';
import {RemoteForward} from './remote-forward.js';
import {
  readSocksRequest,
  refuseSocksClient,
  SOCKS_HANDSHAKE_TIMEOUT_MS,
  SOCKS_SUCCEEDED,
} from './socks-front.js';

/**
 * -R [bind_address:]port alone (OpenSSH 7.6+): the server listens, and each connection it accepts is a SOCKS
 * 4/4a/5 client whose request is read here (the same SOCKS handling as -D: socks-front), checked against
 * PermitRemoteOpen, and connected from this machine, names resolved here. Unlike ssh, which answers
 * "succeeded" before it connects, the reply says how the connection went (refused, unreachable, not allowed).
 */
export class RemoteDynamicForward extends RemoteForward {
  /** Channels still in their SOCKS handshake or waiting for their connection here. */
  private readonly handshaking = new Set<ClientChannel>();

  constructor(
    id: string,
    spec: RemoteDynamicForwardSpec,
    context: ForwardContext,
    private readonly permitRemoteOpen: PermitRemoteOpen | undefined,
    private readonly handshakeTimeoutMs = SOCKS_HANDSHAKE_TIMEOUT_MS,
  ) {
    super(id, spec, context);
  }

  protected override exposedTo(): string {
    return 'whatever this machine can reach (it is a SOCKS proxy)';
  }

  /** Accepts the channel at once: the SOCKS request comes over it. */
  protected override carry(from: string, accept: () => ClientChannel, _reject: () => void): void {
    let channel: ClientChannel;
    try {
      channel = accept();
    } catch (error) {
      this.connectionFailed(from, '?', (error as Error).message);
      return;
    }
    // Handled from the start: whatever the channel does ends this connection only.
    channel.on('error', () => {});
    this.handshaking.add(channel);
    channel.once('close', () => this.handshaking.delete(channel));
    readSocksRequest(channel, this.handshakeTimeoutMs, {
      request: (request) => this.openFor(channel, from, request),
      failed: (reason, reply) => {
        this.handshaking.delete(channel);
        this.connectionFailed(from, '?', reason);
        refuseSocksClient(channel, reply);
      },
    });
  }

  /** Checks the request against PermitRemoteOpen, connects from here, then answers and carries it. */
  private openFor(channel: ClientChannel, from: string, request: SocksConnectRequest): void {
    const {version, host, port, rest} = request;
    const to = formatAddress(host, port);
    if (!permitsRemoteOpen(this.permitRemoteOpen, host, port)) {
      this.handshaking.delete(channel);
      this.connectionFailed(
        from,
        to,
        `PermitRemoteOpen does not allow ${to} (it allows ${formatPermitRemoteOpen(this.permitRemoteOpen!)})`,
      );
      refuseSocksClient(channel, socksConnectReply(version, 'not-allowed'));
      return;
    }
    const socket = this.connectTarget(
      from,
      to,
      {host, port},
      () => {
        this.handshaking.delete(channel);
        if (channel.destroyed || this.state !== 'listening') {
          socket?.destroy();
          channel.destroy();
          return;
        }
        let link: ChannelLink;
        try {
          link = this.context.adoptChannel(channel);
        } catch (error) {
          this.connectionFailed(from, to, (error as Error).message);
          socket?.destroy();
          return;
        }
        link.write(SOCKS_SUCCEEDED[version]);
        // What the client sent after its request, ahead of what the channel brings next.
        if (rest.length > 0) socket!.write(rest);
        const connectionId = this.trackConnection(socket!, from, to);
        link.start(socket!, (error) => this.untrackConnection(connectionId, error));
      },
      (error) => {
        this.handshaking.delete(channel);
        if (!error) {
          channel.destroy();
          return;
        }
        refuseSocksClient(channel, socksConnectReply(version, socksOutcomeForConnectError(error.code)));
      },
    );
  }

  override sessionLost(): void {
    for (const channel of this.handshaking) channel.destroy();
    this.handshaking.clear();
    super.sessionLost();
  }

  override async close(): Promise<void> {
    for (const channel of this.handshaking) channel.destroy();
    this.handshaking.clear();
    await super.close();
  }
}
