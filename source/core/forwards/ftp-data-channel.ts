import type net from 'node:net';
import type {ClientChannel} from 'ssh2';
import type {TargetForwardSpec} from '../protocols/forward-spec.js';
import type {ChannelLink} from './channel-link.js';
import type {ForwardContext} from './forward-context.js';
import type {Peer} from './listen.js';

/** One data channel of an FTP forward: a passive listener here or an active one on the server. */
export interface DataChannel {
  close(reason?: string): void;
  /** Its connection has come (it carries data): it outlives its control connection, as a transfer does. */
  connected: boolean;
  /** Who that connection came from: the FTP client (passive), the FTP server on the SSH server (active). */
  from?: string;
}

/** One FTP client's control connection, and the data channels it asked for. */
export interface Control {
  socket: net.Socket;
  channel: ClientChannel;
  peer: Peer;
  dataChannels: Set<DataChannel>;
  closed: boolean;
  /** The uid that owns the FTP client's end, looked up at its first passive request (undefined: not known). */
  owner?: Promise<number | undefined>;
}

/** Ends a data channel, once, with the reason and the bytes it carried (in, out). */
export type CloseData = (reason?: string, bytes?: [number, number]) => void;

/**
 * What opening a data channel (ftp-passive.ts, ftp-active.ts) needs of its FtpForward: the forward keeps
 * the channels' bookkeeping, counters and events.
 */
export interface DataChannelForward {
  readonly target: TargetForwardSpec;
  /** Where the FTP server's active data connections may come from (ftpServerAddresses); undefined: not known. */
  readonly serverAddresses: readonly string[] | undefined;
  readonly context: ForwardContext;
  /** A data channel nobody connects to within this time is torn down. */
  readonly dataIdleTimeoutMs: number;
  nextDataId(): number;
  /** The channel's close: `cleanUp`, then the bookkeeping and the ftp-data-closed event. */
  dataChannelCloser(dataId: number, control: Control, cleanUp: () => void): CloseData;
  /** Registers a data channel with its forward and its control connection. */
  addDataChannel(dataId: number, control: Control, close: CloseData): DataChannel;
  /** Carries a data connection over its link, counted as one of the forward's connections. */
  carryData(socket: net.Socket, link: ChannelLink, from: string, to: string, close: CloseData): void;
  /** A warning event, the forward's label before `message`. */
  warn(message: string): void;
  /** The ftp-data-opened event. */
  opened(dataId: number, mode: 'passive' | 'active', local: string, remote: string): void;
}
