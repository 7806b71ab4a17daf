import net from 'node:net';
import type {ClientChannel} from 'ssh2';
import type {TargetForwardSpec} from '../protocols/forward-spec.js';
import {type HostPort, sameAddress} from '../protocols/ftp-lines.js';
import {type FtpAction, FtpControlRewriter} from '../protocols/ftp-rewriter.js';
import type {ChannelLink} from './channel-link.js';
import type {ForwardContext} from './forward-context.js';
import {createListener, formatAddress, holdDescriptor, listen, type Peer} from './listen.js';
import {LocalForward} from './local-forward.js';
import {peerOwner} from './peer-owner.js';

/** A data channel nobody connects to within this time is torn down. */
export const FTP_DATA_IDLE_TIMEOUT_MS = 60_000;
/** Data channels one control connection may hold at once (a client uses one at a time). */
export const FTP_DATA_CHANNELS_PER_CONTROL = 8;
/** Data channels one FTP forward may hold at once, over all its control connections. */
export const FTP_DATA_CHANNELS_PER_FORWARD = 512;

interface DataChannel {
  close(reason?: string): void;
  /** Its connection has come (it carries data): it outlives its control connection, as a transfer does. */
  connected: boolean;
}

/** One FTP client's control connection, and the data channels it asked for. */
interface Control {
  socket: net.Socket;
  channel: ClientChannel;
  peer: Peer;
  dataChannels: Set<DataChannel>;
  closed: boolean;
  /** The uid that owns the FTP client's end, looked up at its first passive request (undefined: not known). */
  owner?: Promise<number | undefined>;
}

/**
 * -L ftp/...: a local forward for the FTP control channel that reads it through FtpControlRewriter and
 * forwards every data channel through SSH as it is requested: passive replies become local listeners on
 * the control connection's address, active PORT/EPRT commands become remote forwards on the SSH server's loopback.
 */
export class FtpForward extends LocalForward {
  private readonly controls = new Set<Control>();
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
            : await this.openPassive(action.serverPort, action.extended, control).catch(
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
          const refusal = this.dataChannelRefusal(control);
          const listener = refusal
            ? new Error(refusal)
            : await this.openActive(action.client, control).catch((error: Error) => error);
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
  private addDataChannel(dataId: number, control: Control, close: DataChannel['close']): DataChannel {
    const data: DataChannel = {close, connected: false};
    this.dataChannels.set(dataId, data);
    control.dataChannels.add(data);
    // Its control connection closed while the listener was being set up: nobody will come for it.
    if (control.closed) close('its control connection closed');
    return data;
  }

  /**
   * A one-connection local listener for a passive data port; resolves with where the client must connect.
   * It listens where the client reached the control connection, and takes the first connection that is
   * the FTP client's: from its address, and, when the client is on this machine, owned by its user.
   */
  private async openPassive(serverPort: number, extended: boolean, control: Control): Promise<HostPort> {
    const clientAddress = control.peer.address;
    // A client that came over the network (ftp/0.0.0.0:...) cannot reach 127.0.0.1. 227 can only carry
    // IPv4: over IPv6 it names 127.0.0.1, as before; 229 names only the port.
    const controlAddress = control.socket.localAddress?.replace(/^::ffff:(?=\d+\.)/i, '');
    const bindHost =
      controlAddress && (extended || net.isIPv4(controlAddress)) ? controlAddress : '127.0.0.1';
    // Looked up while the control connection is certainly open; its data connections are compared to it.
    control.owner ??= peerOwner(control.socket);
    const dataId = this.nextDataId++;
    const remote = formatAddress(this.target.host, serverPort);
    let socketOpen: net.Socket | undefined;
    let data: DataChannel | undefined;
    /** Connections whose owner is being looked up. */
    const checking = new Set<net.Socket>();
    const refuse = (socket: net.Socket, peer: Peer, why: string) => {
      socket.destroy();
      this.events.emit({
        event: 'warning',
        forwardId: this.id,
        message: `${this.label}: refused a data connection to ${local} from ${peer.text}: ${why}`,
      });
    };
    const take = (socket: net.Socket, peer: Peer) => {
      socketOpen = socket;
      if (data) data.connected = true;
      clearTimeout(timer);
      listener.close();
      for (const other of checking) other.destroy();
      this.context.openLink(peer, this.target.host, serverPort).then(
        (link) => this.carryData(socket, link, local, remote, close),
        (error: Error) => close(error.message),
      );
    };
    const listener = createListener(
      {allowHalfOpen: true, pauseOnConnect: true},
      (socket, peer) => {
        if (socketOpen) {
          refuse(socket, peer, 'the data channel already has its connection');
          return;
        }
        if (!sameAddress(peer.address, clientAddress)) {
          refuse(socket, peer, `not the FTP client's address (${clientAddress})`);
          return;
        }
        checking.add(socket);
        void this.ownerRefusal(control, socket).then((refusal) => {
          checking.delete(socket);
          // Gone meanwhile: it closed, another connection took the channel, or the channel closed.
          if (socket.destroyed) return;
          if (refusal) refuse(socket, peer, refusal);
          else if (socketOpen) refuse(socket, peer, 'the data channel already has its connection');
          else take(socket, peer);
        });
      },
      (_peer, reason) => close(reason),
    );
    // An accept error here ends the data channel (close is defined below, before any connection comes).
    const address = await listen(listener, bindHost, 0, (reason) => close(reason));
    const refusal = holdDescriptor(listener);
    if (refusal) {
      listener.close();
      throw new Error(refusal);
    }
    const local = formatAddress(address.address, address.port);
    const timer = setTimeout(() => close('no data connection came in time'), this.dataIdleTimeoutMs);
    const close = this.dataChannelCloser(dataId, control, () => {
      clearTimeout(timer);
      listener.close();
      for (const socket of checking) socket.destroy();
      socketOpen?.destroy();
    });
    data = this.addDataChannel(dataId, control, close);
    this.events.emit({
      event: 'ftp-data-opened',
      forwardId: this.id,
      label: this.label,
      dataId,
      mode: 'passive',
      local,
      remote,
    });
    return {host: address.address, port: address.port};
  }

  /**
   * Why a data connection is not the FTP client's, by the user that owns its far end; undefined when it
   * is, or when that cannot be known (a client on another machine, a system without /proc/net/tcp): the
   * address check is then all there is. Every local user connects from 127.0.0.1: only the owner tells
   * the client from another user's process watching for new listeners.
   */
  private async ownerRefusal(control: Control, socket: net.Socket): Promise<string | undefined> {
    const expected = await control.owner;
    if (expected === undefined) return undefined;
    const owner = await peerOwner(socket);
    if (owner === expected) return undefined;
    return owner === undefined
      ? `its owner cannot be found (it may have closed at once), so it may not be the FTP client (uid ${expected})`
      : `it belongs to another local user (uid ${owner}), not the FTP client's (uid ${expected})`;
  }

  /** A one-connection remote forward on the SSH server's loopback, routed to the FTP client's listener. */
  private async openActive(client: HostPort, control: Control): Promise<HostPort> {
    const dataId = this.nextDataId++;
    const local = formatAddress(client.host, client.port);
    let used = false;
    let closed = false;
    let socketOpen: net.Socket | undefined;
    let boundPort = 0;
    let data: DataChannel | undefined;
    const close = this.dataChannelCloser(dataId, control, () => {
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
      if (data) data.connected = true;
      clearTimeout(timer);
      // One connection per data channel: stop listening on the server at once. (Its reply arrives as the
      // data starts; the session ACKs such small reads at once, or the data would wait 40 ms behind it.)
      void this.context.cancelRemoteForward('127.0.0.1', boundPort);
      const socket = new net.Socket({allowHalfOpen: true});
      // Handled from the start: whatever the client's listener does ends this data channel only.
      socket.on('error', (error) => close(`the FTP client's data listener ${local}: ${error.message}`));
      const refusal = holdDescriptor(socket);
      if (refusal) {
        reject();
        close(refusal);
        return;
      }
      socketOpen = socket;
      let reached = false;
      socket.once('connect', () => {
        reached = true;
        let link: ChannelLink;
        try {
          link = this.context.adoptChannel(accept());
        } catch (error) {
          close((error as Error).message);
          return;
        }
        this.carryData(socket, link, local, remote, close);
      });
      // The FTP server's connection is answered only once the client's listener has been reached.
      socket.once('close', () => {
        if (!reached) reject();
      });
      socket.connect({host: client.host, port: client.port});
    });
    const remote = `127.0.0.1:${boundPort} on the SSH server`;
    const timer = setTimeout(() => close('the FTP server did not connect in time'), this.dataIdleTimeoutMs);
    data = this.addDataChannel(dataId, control, close);
    this.events.emit({
      event: 'ftp-data-opened',
      forwardId: this.id,
      label: this.label,
      dataId,
      mode: 'active',
      local,
      remote,
    });
    return {host: '127.0.0.1', port: boundPort};
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
