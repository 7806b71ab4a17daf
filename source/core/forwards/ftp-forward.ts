import net from 'node:net';
import type {ClientChannel} from 'ssh2';
import type {TargetForwardSpec} from '../protocols/forward-spec.js';
import type {FtpAction} from '../protocols/ftp-actions.js';
import {sameAddress} from '../protocols/ftp-lines.js';
import {FtpControlRewriter} from '../protocols/ftp-rewriter.js';
import type {ChannelLink} from './channel-link.js';
import type {ForwardContext} from './forward-context.js';
import {ftpServerAddresses, openActive} from './ftp-active.js';
import type {CloseData, Control, DataChannel, DataChannelForward} from './ftp-data-channel.js';
import {openPassive} from './ftp-passive.js';
import {formatAddress, type Peer} from './listen.js';
import {LocalForward} from './local-forward.js';

/** A data channel nobody connects to within this time is torn down. */
export const FTP_DATA_IDLE_TIMEOUT_MS = 60_000;
/** Data channels one control connection may hold at once (a client uses one at a time). */
export const FTP_DATA_CHANNELS_PER_CONTROL = 8;
/** Data channels one FTP forward may hold at once, over all its control connections. */
export const FTP_DATA_CHANNELS_PER_FORWARD = 512;

/**
 * -L ftp/...: a local forward for the FTP control channel that reads it through FtpControlRewriter and
 * forwards every data channel through SSH as it is requested: passive replies become local listeners on
 * the control connection's address (ftp-passive.ts), active PORT/EPRT commands become remote forwards on the
 * SSH server's loopback (ftp-active.ts).
 */
export class FtpForward extends LocalForward {
  private readonly controls = new Set<Control>();
  private readonly dataChannels = new Map<number, DataChannel>();
  private nextDataId = 1;
  /** This forward as the data channels see it. */
  private readonly dataForward: DataChannelForward;
  /** Said once: the FTP server's address is not known, so active data connections are taken from any. */
  private unknownServerWarned = false;

  constructor(
    id: string,
    target: TargetForwardSpec,
    context: ForwardContext,
    dataIdleTimeoutMs = FTP_DATA_IDLE_TIMEOUT_MS,
  ) {
    super(id, target, context);
    this.dataForward = {
      target,
      serverAddresses: ftpServerAddresses(target.host),
      context,
      dataIdleTimeoutMs,
      nextDataId: () => this.nextDataId++,
      dataChannelCloser: (dataId, control, cleanUp) => this.dataChannelCloser(dataId, control, cleanUp),
      addDataChannel: (dataId, control, close) => this.addDataChannel(dataId, control, close),
      carryData: (socket, link, from, to, close) => this.carryData(socket, link, from, to, close),
      warn: (message) =>
        this.events.emit({event: 'warning', forwardId: this.id, message: `${this.label}: ${message}`}),
      opened: (dataId, mode, local, remote) =>
        this.events.emit({
          event: 'ftp-data-opened',
          forwardId: this.id,
          label: this.label,
          dataId,
          mode,
          local,
          remote,
        }),
    };
  }

  /** Data channels open right now (listening or transferring). */
  liveDataChannels(): number {
    return this.dataChannels.size;
  }

  /** Control connections are read and rewritten here, on net.Socket. */
  protected override linksOnly(): boolean {
    return false;
  }

  /** A control connection: an ssh2 channel stream, proxied line by line through the rewriter. */
  protected override connect(socket: net.Socket, peer: Peer, to: string): void {
    const opening = this.context.openChannel(peer, this.target.host, this.target.hostPort);
    this.whenOpen(socket, opening, peer.text, to, (channel) => this.control(socket, channel, peer, to));
  }

  /** Proxies one control connection line by line, carrying out the rewriter's actions in order. */
  private control(socket: net.Socket, channel: ClientChannel, peer: Peer, to: string): void {
    const control: Control = {socket, channel, peer, dataChannels: new Set(), closed: false};
    this.controls.add(control);
    const connectionId = this.trackConnection(socket, peer.text, to);
    const rewriter = new FtpControlRewriter({clientAddress: peer.address});
    // One queue for both directions: a rewritten reply must not be overtaken by what follows it.
    let queue = Promise.resolve();
    const enqueue = (work: () => Promise<void> | void) => {
      queue = queue.then(work).catch(() => {
        socket.destroy();
      });
    };
    socket.on('data', (chunk: Buffer) => enqueue(() => this.perform(rewriter.fromClient(chunk), control)));
    // (A reply such as 150 is often followed at once by data on another channel: the session ACKs small
    // reads at once, or sshd's Nagle would hold that data until our delayed ACK.)
    channel.on('data', (chunk: Buffer) => {
      enqueue(() => this.perform(rewriter.fromServer(chunk), control));
    });
    socket.on('end', () => enqueue(() => void channel.end()));
    channel.on('end', () => enqueue(() => void socket.end()));
    const firstError = destroyBothOnError(socket, channel);
    channel.on('close', () => enqueue(() => void (socket.writableEnded || socket.end())));
    socket.on('close', () => {
      channel.destroy();
      this.controls.delete(control);
      control.closed = true;
      // Data channels nobody has connected to yet die with the control connection that asked for them.
      for (const data of [...control.dataChannels])
        if (!data.connected) data.close('its control connection closed');
      this.untrackConnection(connectionId, firstError());
    });
    socket.resume();
  }

  /** Why a control connection may not have another data channel now, or undefined when it may. */
  private dataChannelRefusal(control: Control): string | undefined {
    if (control.dataChannels.size >= FTP_DATA_CHANNELS_PER_CONTROL)
      return `refused a data channel: this FTP client already holds ${FTP_DATA_CHANNELS_PER_CONTROL} (a client uses one at a time; it may be misbehaving)`;
    if (this.dataChannels.size >= FTP_DATA_CHANNELS_PER_FORWARD)
      return `refused a data channel: ${FTP_DATA_CHANNELS_PER_FORWARD} are open on this forward; wait for transfers to finish`;
    return undefined;
  }

  private async perform(actions: FtpAction[], control: Control): Promise<void> {
    const {socket, channel} = control;
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
          const refusal = this.dataChannelRefusal(control);
          const listening = refusal
            ? new Error(refusal)
            : await openPassive(this.dataForward, action.serverPort, action.extended, control).catch(
                (error: Error) => error,
              );
          if (listening instanceof Error) {
            this.connectionFailed(
              control.peer.text,
              formatAddress(this.target.host, action.serverPort),
              listening.message,
            );
            socket.write(action.refuse(listening.message));
          } else socket.write(action.accept(listening));
          break;
        }
        case 'active': {
          if (!this.dataForward.serverAddresses && !this.unknownServerWarned) {
            this.unknownServerWarned = true;
            this.dataForward.warn(
              `active data connections are taken from any address on the SSH server: ${this.target.host} is a name, resolved there, so the FTP server's address is not known here; give it as an address (127.0.0.1 for a server on the SSH server's loopback) to have it checked`,
            );
          }
          const refusal = this.dataChannelRefusal(control);
          const listener = refusal
            ? new Error(refusal)
            : await openActive(this.dataForward, action.client, control).catch((error: Error) => error);
          if (listener instanceof Error) {
            this.connectionFailed(
              control.peer.text,
              formatAddress(action.client.host, action.client.port),
              listener.message,
            );
            socket.write(action.refuse(listener.message));
          } else channel.write(action.accept(listener));
          break;
        }
      }
    }
  }

  /** Registers a data channel with its forward and its control connection; returns it. */
  private addDataChannel(dataId: number, control: Control, close: CloseData): DataChannel {
    const data: DataChannel = {close, connected: false};
    this.dataChannels.set(dataId, data);
    control.dataChannels.add(data);
    // Its control connection closed while the listener was being set up: nobody will come for it.
    if (control.closed) close('its control connection closed');
    return data;
  }

  /** Closes a data channel once: its own clean-up, then the bookkeeping and the event. */
  private dataChannelCloser(
    dataId: number,
    control: Control,
    cleanUp: () => void,
  ): (reason?: string, bytes?: [number, number]) => void {
    let done = false;
    return (reason, bytes = [0, 0]) => {
      if (done) return;
      done = true;
      cleanUp();
      const data = this.dataChannels.get(dataId);
      if (data) control.dataChannels.delete(data);
      this.dataChannels.delete(dataId);
      this.events.emit({
        event: 'ftp-data-closed',
        forwardId: this.id,
        label: this.label,
        counters: this.counters(),
        dataId,
        bytesIn: bytes[0],
        bytesOut: bytes[1],
        ...(reason ? {reason} : {}),
        ...(data?.from ? {from: data.from} : {}),
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
