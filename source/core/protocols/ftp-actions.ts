/**
 * What the FTP control-channel rewriter (ftp-rewriter.ts) asks of its owner (ftp-forward.ts), in order:
 * bytes to pass on, data channels to open, warnings. Pure types.
 */
import type {HostPort} from './ftp-lines.js';

export type FtpAction =
  | {kind: 'to-server'; data: Buffer}
  | {kind: 'to-client'; data: Buffer}
  /** Passive (227/229): listen here, forward to the server's data port through SSH, then send `accept`'s bytes to the client. */
  | {
      kind: 'passive';
      extended: boolean;
      serverPort: number;
      /** The address the 227 reply named (for a warning when it is not the server's). */
      replyHost: string | undefined;
      accept(listening: HostPort): Buffer;
      refuse(reason: string): Buffer;
    }
  /** Active (PORT/EPRT): ask the SSH server for a listener, route it to the client's, then send `accept`'s bytes to the FTP server. */
  | {
      kind: 'active';
      extended: boolean;
      client: HostPort;
      accept(serverListener: HostPort): Buffer;
      refuse(reason: string): Buffer;
    }
  | {kind: 'warning'; message: string}
  /** AUTH TLS was accepted: from here on the channel is encrypted and passes through untouched. */
  | {kind: 'encrypted'};
