import type {ClientChannel, TcpConnectionDetails} from 'ssh2';
import {hostPort} from '../../text/address.js';
import type {Emitter} from '../emitter.js';
import type {TunnelEvent} from '../events.js';
import type {ChannelLink} from './channel-link.js';

/** How a remote-forward connection arrives: ssh2's accept/reject for one forwarded-tcpip channel. */
export type RemoteConnectionHandler = (
  details: TcpConnectionDetails,
  accept: () => ClientChannel,
  reject: () => void,
) => void;

/** How a connection to a server-side unix-socket listener arrives (forwarded-streamlocal). */
export type RemoteUnixConnectionHandler = (
  details: {socketPath: string},
  accept: () => ClientChannel,
  reject: () => void,
) => void;

/** The part of a session that forwards use; the session implements it over one ssh2 client. */
export interface ForwardContext {
  readonly events: Emitter<TunnelEvent>;
  /** AddressFamily / -4 / -6: a local forward with no bind address listens on that family's loopback only. */
  readonly config: {readonly addressFamily?: 4 | 6 | undefined};
  /** Opens a direct-tcpip channel; rejects with ChannelOpenError. */
  openChannel(source: {address: string; port: number}, host: string, port: number): Promise<ClientChannel>;
  /** Opens a direct-tcpip channel to carry one socket (see ChannelLink); rejects with ChannelOpenError. */
  openLink(source: {address: string; port: number}, host: string, port: number): Promise<ChannelLink>;
  /** Takes over a channel just accepted (a remote-forward connection) to carry one socket. */
  adoptChannel(channel: ClientChannel): ChannelLink;
  /** Asks the server to listen (tcpip-forward); resolves with the port it bound. */
  requestRemoteForward(bindAddress: string, port: number, handler: RemoteConnectionHandler): Promise<number>;
  cancelRemoteForward(bindAddress: string, port: number): Promise<void>;
  /** Opens a direct-streamlocal channel to a unix socket on the server, to carry one socket. */
  openStreamLocalLink(path: string): Promise<ChannelLink>;
  /** Asks the server to listen on a unix socket (streamlocal-forward@openssh.com). */
  requestRemoteStreamLocal(path: string, handler: RemoteUnixConnectionHandler): Promise<void>;
  cancelRemoteStreamLocal(path: string): Promise<void>;
  /** Why no more channels may be opened on the connection now (a sentence), or undefined when they may. */
  channelRefusal(): string | undefined;
}

/** A channel the server would not open, with the SSH reason code (2: connect failed, 1: prohibited, ...). */
export class ChannelOpenError extends Error {
  constructor(
    message: string,
    readonly reasonCode: number | undefined,
    readonly description: string,
  ) {
    super(message);
  }
}

const OPEN_FAILURE_REASONS: Record<number, string> = {
  1: 'the server does not allow this forward (AllowTcpForwarding or PermitOpen on the server)',
  2: 'the server could not connect',
  3: 'the server does not support this channel type',
  4: 'the server is out of resources',
};

/** Turns ssh2's "(SSH) Channel open failure: ..." into a sentence naming the target. */
export function channelOpenError(
  error: Error & {reason?: unknown},
  host: string,
  port: number,
): ChannelOpenError {
  const target = hostPort(host, port);
  return openErrorFor(error, target, OPEN_FAILURE_REASONS[1]!);
}

/** The same for a direct-streamlocal channel to a unix socket on the server. */
export function streamLocalOpenError(error: Error & {reason?: unknown}, path: string): ChannelOpenError {
  if (/strictVendor/.test(error.message)) {
    return new ChannelOpenError(
      `cannot reach ${path} on the server: unix-socket forwarding is an OpenSSH extension, and the server is not OpenSSH`,
      undefined,
      error.message,
    );
  }
  // sshd answers every failure here alike ("open failed", connect failed): forbidden, missing, or refused.
  const description = error.message.replace(/^\(SSH\) Channel open failure: ?/, '').trim();
  const reasonCode = typeof error.reason === 'number' ? error.reason : undefined;
  return new ChannelOpenError(
    `cannot reach ${path} from the server: ${description && description !== 'open failed' ? `${description}; ` : ''}${STREAMLOCAL_OPEN_FAILED}`,
    reasonCode,
    description,
  );
}

const STREAMLOCAL_OPEN_FAILED =
  'the socket may not be there or nothing listens on it, or the server does not allow unix-socket forwarding (AllowStreamLocalForwarding in its sshd_config)';

function openErrorFor(
  error: Error & {reason?: unknown},
  target: string,
  prohibited: string,
): ChannelOpenError {
  const description = error.message.replace(/^\(SSH\) Channel open failure: ?/, '').trim();
  const reasonCode = typeof error.reason === 'number' ? error.reason : undefined;
  const why =
    description || (reasonCode !== undefined ? OPEN_FAILURE_REASONS[reasonCode] : undefined) || error.message;
  const hint = reasonCode === 1 ? prohibited : why;
  return new ChannelOpenError(`cannot reach ${target} from the server: ${hint}`, reasonCode, description);
}
