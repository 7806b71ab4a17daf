import net from 'node:net';
import type {ClientChannel} from 'ssh2';
import type {ChannelLink} from './channel-link.js';
import type {ForwardContext} from './forward-context.js';
import type {TargetForwardSpec} from './forward-spec.js';
import {type HostPort, sameAddress} from './ftp-lines.js';
import {type FtpAction, FtpControlRewriter} from './ftp-rewriter.js';
import {formatAddress, listen} from './listen.js';
import {LocalForward} from './local-forward.js';

/** A data channel nobody connects to within this time is torn down. */
export const FTP_DATA_IDLE_TIMEOUT_MS = 60_000;

interface DataChannel {
  close(reason?: string): void;
}

/**
 * -L ftp/...: a local forward for the FTP control channel that reads it through FtpControlRewriter and
 * forwards every data channel through SSH as it is requested: passive replies become local listeners on
 * 127.0.0.1, active PORT/EPRT commands become remote forwards on the SSH server's loopback.
 */
export class FtpForward extends LocalForward {
  private readonly controls = new Set<{socket: net.Socket; channel: ClientChannel}>();
  private readonly dataChannels = new Map<number, DataChannel>();
  private nextDataId = 1;

  constructor(
    id: string,
    target: TargetForwardSpec,
    context: ForwardContext,
    private readonly dataIdleTimeoutMs = FTP_DATA_IDLE_TIMEOUT_MS,
  ) {
    super(id, target, context);
  }

  /** Data channels open right now (listening or transferring). */
  liveDataChannels(): number {
    return this.dataChannels.size;
  }

  /** A control connection: an ssh2 channel stream, proxied line by line through the rewriter. */
  protected override connect(
    socket: net.Socket,
    source: {address: string; port: number},
    from: string,
    to: string,
  ): void {
    const opening = this.context.openChannel(source, this.target.host, this.target.hostPort);
    this.whenOpen(socket, opening, from, to, (channel) => this.control(socket, channel, from, to));
  }

  /** Proxies one control connection line by line, carrying out the rewriter's actions in order. */
  private control(socket: net.Socket, channel: ClientChannel, from: string, to: string): void {
    const entry = {socket, channel};
    this.controls.add(entry);
    const connectionId = this.trackConnection(socket, from, to);
    const rewriter = new FtpControlRewriter({clientAddress: socket.remoteAddress ?? '127.0.0.1'});
    // One queue for both directions: a rewritten reply must not be overtaken by what follows it.
    let queue = Promise.resolve();
    const enqueue = (work: () => Promise<void> | void) => {
      queue = queue.then(work).catch(() => {
        socket.destroy();
      });
    };
    socket.on('data', (chunk: Buffer) =>
      enqueue(() => this.perform(rewriter.fromClient(chunk), socket, channel)),
    );
    // (A reply such as 150 is often followed at once by data on another channel: the session ACKs small
    // reads at once, or sshd's Nagle would hold that data until our delayed ACK.)
    channel.on('data', (chunk: Buffer) => {
      enqueue(() => this.perform(rewriter.fromServer(chunk), socket, channel));
    });
    socket.on('end', () => enqueue(() => void channel.end()));
    channel.on('end', () => enqueue(() => void socket.end()));
    const firstError = destroyBothOnError(socket, channel);
    channel.on('close', () => enqueue(() => void (socket.writableEnded || socket.end())));
    socket.on('close', () => {
      channel.destroy();
      this.controls.delete(entry);
      this.untrackConnection(connectionId, firstError());
    });
    socket.resume();
  }

  private async perform(actions: FtpAction[], socket: net.Socket, channel: ClientChannel): Promise<void> {
    for (const action of actions) {
      switch (action.kind) {
        case 'to-server':
          channel.write(action.data);
          break;
        case 'to-client':
          socket.write(action.data);
          break;
        case 'warning':
          this.events.emit({
            event: 'warning',
            message: `${this.label}: ${action.message}`,
            forwardId: this.id,
          });
          break;
        case 'encrypted':
          break;
        case 'passive': {
          if (
            action.replyHost &&
            net.isIP(this.target.host) &&
            !sameAddress(action.replyHost, this.target.host)
          ) {
            this.events.emit({
              event: 'warning',
              forwardId: this.id,
              message: `${this.label}: the FTP server's passive reply named ${action.replyHost}; connecting to ${this.target.host} (the forward's host) instead`,
            });
          }
          const listening = await this.openPassive(action.serverPort, action.extended, socket).catch(
            (error: Error) => error,
          );
          socket.write(
            listening instanceof Error ? action.refuse(listening.message) : action.accept(listening),
          );
          break;
        }
        case 'active': {
          const listener = await this.openActive(action.client).catch((error: Error) => error);
          if (listener instanceof Error) socket.write(action.refuse(listener.message));
          else channel.write(action.accept(listener));
          break;
        }
      }
    }
  }

  /** A one-connection local listener for a passive data port; resolves with where the client must connect. */
  private async openPassive(serverPort: number, extended: boolean, control: net.Socket): Promise<HostPort> {
    const clientAddress = control.remoteAddress ?? '127.0.0.1';
    // 227 can only carry IPv4; 229 means "the same address as the control connection".
    const localAddress = control.localAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    const bindHost = extended ? localAddress : '127.0.0.1';
    const dataId = this.nextDataId++;
    const remote = formatAddress(this.target.host, serverPort);
    const listener = net.createServer({allowHalfOpen: true, pauseOnConnect: true});
    // An accept error here ends the data channel (close is defined below, before any connection comes).
    const address = await listen(listener, bindHost, 0, (reason) => close(reason));
    const local = formatAddress(address.address, address.port);
    let socketOpen: net.Socket | undefined;
    const timer = setTimeout(() => close('no data connection came in time'), this.dataIdleTimeoutMs);
    const close = this.dataChannelCloser(dataId, () => {
      clearTimeout(timer);
      listener.close();
      socketOpen?.destroy();
    });
    this.dataChannels.set(dataId, {close});
    listener.on('connection', (socket: net.Socket) => {
      // Only the FTP client that asked may take this data connection, and only once.
      if (socketOpen || !socket.remoteAddress || !sameAddress(socket.remoteAddress, clientAddress)) {
        this.events.emit({
          event: 'warning',
          forwardId: this.id,
          message: `${this.label}: refused a data connection to ${local} from ${formatAddress(socket.remoteAddress, socket.remotePort)}, which is not the FTP client`,
        });
        socket.destroy();
        return;
      }
      socketOpen = socket;
      clearTimeout(timer);
      listener.close();
      socket.on('error', () => {});
      this.context
        .openLink({address: socket.remoteAddress, port: socket.remotePort ?? 0}, this.target.host, serverPort)
        .then(
          (link) => this.carryData(socket, link, local, remote, close),
          (error: Error) => close(error.message),
        );
    });
    this.events.emit({event: 'ftp-data-opened', forwardId: this.id, dataId, mode: 'passive', local, remote});
    return {host: address.address, port: address.port};
  }

  /** A one-connection remote forward on the SSH server's loopback, routed to the FTP client's listener. */
  private async openActive(client: HostPort): Promise<HostPort> {
    const dataId = this.nextDataId++;
    const local = formatAddress(client.host, client.port);
    let used = false;
    let closed = false;
    let socketOpen: net.Socket | undefined;
    let boundPort = 0;
    const close = this.dataChannelCloser(dataId, () => {
      closed = true;
      clearTimeout(timer);
      socketOpen?.destroy();
      if (!used) void this.context.cancelRemoteForward('127.0.0.1', boundPort);
    });
    boundPort = await this.context.requestRemoteForward('127.0.0.1', 0, (_details, accept, reject) => {
      if (used || closed) {
        reject();
        return;
      }
      used = true;
      clearTimeout(timer);
      // One connection per data channel: stop listening on the server at once. (Its reply arrives as the
      // data starts; the session ACKs such small reads at once, or the data would wait 40 ms behind it.)
      void this.context.cancelRemoteForward('127.0.0.1', boundPort);
      const socket = net.connect({host: client.host, port: client.port, allowHalfOpen: true});
      socketOpen = socket;
      socket.once('error', (error) => {
        reject();
        close(`the FTP client's data listener ${local}: ${error.message}`);
      });
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        socket.on('error', () => {});
        this.carryData(socket, this.context.adoptChannel(accept()), local, remote, close);
      });
    });
    const remote = `127.0.0.1:${boundPort} on the SSH server`;
    const timer = setTimeout(() => close('the FTP server did not connect in time'), this.dataIdleTimeoutMs);
    this.dataChannels.set(dataId, {close});
    this.events.emit({event: 'ftp-data-opened', forwardId: this.id, dataId, mode: 'active', local, remote});
    return {host: '127.0.0.1', port: boundPort};
  }

  /** Closes a data channel once: its own clean-up, then the bookkeeping and the event. */
  private dataChannelCloser(
    dataId: number,
    cleanUp: () => void,
  ): (reason?: string, bytes?: [number, number]) => void {
    let done = false;
    return (reason, bytes = [0, 0]) => {
      if (done) return;
      done = true;
      cleanUp();
      this.dataChannels.delete(dataId);
      this.events.emit({
        event: 'ftp-data-closed',
        forwardId: this.id,
        dataId,
        bytesIn: bytes[0],
        bytesOut: bytes[1],
        ...(reason ? {reason} : {}),
      });
    };
  }

  private carryData(
    socket: net.Socket,
    link: ChannelLink,
    from: string,
    to: string,
    close: (reason?: string, bytes?: [number, number]) => void,
  ): void {
    // Closed while its channel opened (the data channel timed out, or the forward closed).
    if (socket.destroyed) {
      link.destroy();
      return;
    }
    const connectionId = this.trackConnection(socket, from, to, false);
    link.start(socket, (error) => {
      const bytes = this.untrackConnection(connectionId, error, false);
      close(error?.message, bytes);
    });
  }

  override async close(): Promise<void> {
    for (const channel of [...this.dataChannels.values()]) channel.close('the FTP forward was closed');
    for (const {socket} of this.controls) socket.destroy();
    await super.close();
  }
}

/** An error on either side destroys both; returns the first error seen (for the connection's log line). */
function destroyBothOnError(socket: net.Socket, channel: ClientChannel): () => Error | undefined {
  let firstError: Error | undefined;
  const fail = (error: Error) => {
    firstError ??= error;
    socket.destroy();
    channel.destroy();
  };
  socket.on('error', fail);
  channel.on('error', fail);
  return () => firstError;
}
