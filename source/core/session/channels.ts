import type {Client, ClientChannel} from 'ssh2';
import type {ChannelLink} from '../forwards/channel-link.js';
import {
  channelOpenError,
  type RemoteConnectionHandler,
  type RemoteUnixConnectionHandler,
  streamLocalOpenError,
} from '../forwards/forward-context.js';
import {connectionLostMessage, notConnectedMessage} from './messages.js';
import {ReconnectingSession} from './reconnect.js';
import {openChannelCount} from './ssh2-internals.js';

/**
 * OpenSSH's sshd ends the whole connection (fatal "channels_alloc ... too big") once a client holds more
 * than its 16,384 channel slots, its own listeners for -R included; new clients are refused below that,
 * with room left for channels the server is still closing.
 */
export const SERVER_CHANNEL_LIMIT = 16_384;
export const CHANNEL_CAP = SERVER_CHANNEL_LIMIT - 384;

/**
 * The session's part of ForwardContext, the one place forwards reach ssh2: channels opened to a host or a
 * socket (and taken over by a ChannelLink), listeners asked of the server and routed by address, and the
 * cap that keeps the server's channel table from overflowing.
 */
export abstract class SessionChannels extends ReconnectingSession {
  /** SSH channels open on the connection now (ssh2's own count): what a leak would show in. */
  openChannelCount(): number {
    return openChannelCount(this.client);
  }

  openLink(source: {address: string; port: number}, host: string, port: number): Promise<ChannelLink> {
    // Taken over in ssh2's callback, before ssh2 has read anything more for the channel.
    return this.openChannelThen(source, host, port, (channel) => this.adoptChannel(channel));
  }

  adoptChannel(channel: ClientChannel): ChannelLink {
    const links = this.links;
    if (!links) throw new Error(this.notConnectedMessage());
    return links.adopt(channel);
  }

  openChannel(source: {address: string; port: number}, host: string, port: number): Promise<ClientChannel> {
    return this.openChannelThen(source, host, port, (channel) => channel);
  }

  private openChannelThen<T>(
    source: {address: string; port: number},
    host: string,
    port: number,
    take: (channel: ClientChannel) => T,
  ): Promise<T> {
    return this.openWith(
      (client, done) => client.forwardOut(source.address, source.port, host, port, done),
      (error) => channelOpenError(error, host, port),
      take,
    );
  }

  /**
   * Opens a channel the way `open` asks ssh2 to, once the session is up and the server has channels to
   * spare; `take` runs in ssh2's callback, before ssh2 has read anything more for the channel.
   */
  private openWith<T>(
    open: (client: Client, done: (error: Error | undefined, channel: ClientChannel) => void) => void,
    describe: (error: Error) => Error,
    take: (channel: ClientChannel) => T,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const client = this.client;
      if (!client || this.state !== 'connected') {
        reject(new Error(this.notConnectedMessage()));
        return;
      }
      const refusal = this.channelRefusal();
      if (refusal) {
        reject(new Error(refusal));
        return;
      }
      try {
        open(client, (error, channel) => {
          if (!error) resolve(take(channel));
          // The connection ended before the server answered (ssh2 fails the channels it waited for
          // alike): its end is the reason, not the target.
          else if (client !== this.client) reject(new Error(connectionLostMessage(this.failure)));
          else reject(describe(error));
        });
      } catch (error) {
        reject(new Error(`the session is not connected (${(error as Error).message})`));
      }
    });
  }

  requestRemoteForward(bindAddress: string, port: number, handler: RemoteConnectionHandler): Promise<number> {
    return new Promise((resolve, reject) => {
      const client = this.client;
      if (!client || this.state !== 'connected') {
        reject(new Error(this.notConnectedMessage()));
        return;
      }
      const where = `${bindAddress === '' ? '*' : bindAddress}:${port}`;
      client.forwardIn(bindAddress, port, (error, boundPort) => {
        if (error) {
          reject(
            new Error(
              `the server refused to listen on ${where}` +
                (port !== 0 && port < 1024
                  ? ' (ports below 1024 on the server need a root login)'
                  : ' (the port may be in use on the server, or its AllowTcpForwarding/PermitListen forbids it)'),
            ),
          );
          return;
        }
        this.remoteRoutes.set(`${bindAddress}:${boundPort}`, handler);
        resolve(boundPort);
      });
    });
  }

  openStreamLocalLink(path: string): Promise<ChannelLink> {
    return this.openWith(
      (client, done) => client.openssh_forwardOutStreamLocal(path, done),
      (error) => streamLocalOpenError(error, path),
      (channel) => this.adoptChannel(channel),
    );
  }

  requestRemoteStreamLocal(path: string, handler: RemoteUnixConnectionHandler): Promise<void> {
    return new Promise((resolve, reject) => {
      const client = this.client;
      if (!client || this.state !== 'connected') {
        reject(new Error(this.notConnectedMessage()));
        return;
      }
      // Routed before the answer: a client of the new socket may connect as soon as the server has it.
      this.remoteUnixRoutes.set(path, handler);
      try {
        client.openssh_forwardInStreamLocal(path, (error) => {
          if (!error) {
            resolve();
            return;
          }
          if (this.remoteUnixRoutes.get(path) === handler) this.remoteUnixRoutes.delete(path);
          reject(
            new Error(
              /strictVendor/.test(error.message)
                ? `the server cannot listen on ${path}: unix-socket forwarding is an OpenSSH extension, and the server is not OpenSSH`
                : `the server refused to listen on ${path}: the file may exist there already (sshd removes a stale one only with StreamLocalBindUnlink yes in its sshd_config; remove it), its directory may not be writable, or the server's AllowStreamLocalForwarding forbids it`,
            ),
          );
        });
      } catch (error) {
        this.remoteUnixRoutes.delete(path);
        reject(new Error(`the session is not connected (${(error as Error).message})`));
      }
    });
  }

  cancelRemoteStreamLocal(path: string): Promise<void> {
    this.remoteUnixRoutes.delete(path);
    return this.cancelOnServer((client, done) => client.openssh_unforwardInStreamLocal(path, done));
  }

  /** Channels the server holds for this connection now: ssh2's open channels and the -R listeners. */
  channelsInUse(): number {
    return this.openChannelCount() + this.remoteRoutes.size + this.remoteUnixRoutes.size;
  }

  channelRefusal(): string | undefined {
    const inUse = this.channelsInUse();
    if (inUse < CHANNEL_CAP) return undefined;
    return `refused: ${inUse} SSH channels are open on this connection, near the server's limit (OpenSSH's sshd drops the whole connection past ${SERVER_CHANNEL_LIMIT}); close some connections, or spread them over another session`;
  }

  private notConnectedMessage(): string {
    return notConnectedMessage(this.state === 'reconnecting');
  }

  cancelRemoteForward(bindAddress: string, port: number): Promise<void> {
    this.remoteRoutes.delete(`${bindAddress}:${port}`);
    return this.cancelOnServer((client, done) => client.unforwardIn(bindAddress, port, done));
  }

  /**
   * Asks the server to stop a listener and resolves once it answered; at once when not connected (the
   * listener went with the connection) or when ssh2 cannot send it.
   */
  private cancelOnServer(send: (client: Client, done: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const client = this.client;
      if (!client || this.state !== 'connected') {
        resolve();
        return;
      }
      try {
        send(client, () => resolve());
      } catch {
        resolve();
      }
    });
  }
}
