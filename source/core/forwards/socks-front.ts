import {SocksHandshake} from '../protocols/socks-parser.js';
import {socksConnectReply} from '../protocols/socks-reply.js';
import type {SocksConnectRequest} from '../protocols/socks-types.js';

/** What the SOCKS front uses of its stream: a client's socket (net.Socket or HandleSocket), or an ssh2 channel. */
interface SocksStream {
  readonly destroyed: boolean;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'data', listener: (data: Buffer) => void): unknown;
  off(event: 'end' | 'close', listener: () => void): unknown;
  write(data: Buffer): unknown;
  end(data?: Buffer): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(): unknown;
}

/**
 * The SOCKS server side of a connection, over any stream: a client's socket for -D, an SSH channel from the
 * server for remote dynamic forwarding (-R port). socks-parser reads the bytes; this drives it with the
 * stream's events and timers, so both kinds read, time out and refuse clients the same way.
 */

/** The reply to every successful CONNECT is the same few bytes (bound address 0.0.0.0:0): made once. */
export const SOCKS_SUCCEEDED = {
  4: socksConnectReply(4, 'succeeded'),
  5: socksConnectReply(5, 'succeeded'),
} as const;

/** A client that has not finished its SOCKS request by then is closed. */
export const SOCKS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** How long a refused client has to read its refusal and close before it is closed. */
const REFUSAL_LINGER_MS = 2000;

export interface SocksRequestHandlers {
  /** The CONNECT request is complete; the stream is paused and holds whatever came after it. */
  request(request: SocksConnectRequest): void;
  /**
   * The client will not make a request: it broke the protocol (`reply`, if any, is its refusal, for
   * refuseSocksClient), ran out of time, or left part-way (the stream is then closed already).
   */
  failed(reason: string, reply: Buffer | undefined): void;
}

/**
 * Reads one SOCKS request from the stream. The client may reset, half-close or stall at any point: a
 * stall ends at the timeout, a half-close ends the stream, and one that left without sending anything (a
 * browser's preconnect) is not a failure, as ssh does not count it either.
 */
export function readSocksRequest(
  stream: SocksStream,
  timeoutMs: number,
  handlers: SocksRequestHandlers,
): void {
  const handshake = new SocksHandshake();
  let received = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stream.destroy();
    handlers.failed('SOCKS client did not finish its request in time', undefined);
  }, timeoutMs);
  const onClose = () => {
    clearTimeout(timer);
    if (!timedOut && received > 0)
      handlers.failed('the client left before finishing its SOCKS request', undefined);
  };
  stream.on('close', onClose);
  // A client that half-closes mid-handshake will never complete it.
  const onEnd = () => stream.destroy();
  stream.on('end', onEnd);
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    const step = handshake.push(chunk);
    if (step.reply && !step.failure) stream.write(step.reply);
    if (!step.failure && !step.request) return;
    clearTimeout(timer);
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('close', onClose);
    if (step.failure) {
      handlers.failed(step.failure, step.reply);
      return;
    }
    // Hold further bytes in the stream until the other side can take them.
    stream.pause();
    handlers.request(step.request!);
  };
  stream.on('data', onData);
}

/** Writes a refusal and closes the stream soon after, whatever the client does (one that never closes holds nothing). */
export function refuseSocksClient(stream: SocksStream, reply: Buffer | undefined): void {
  if (stream.destroyed) return;
  if (reply) stream.end(reply);
  else stream.end();
  // Read and drop whatever else comes; close when the client does, or after a moment in any case.
  stream.resume();
  const closer = setTimeout(() => stream.destroy(), REFUSAL_LINGER_MS);
  stream.once('close', () => clearTimeout(closer));
}
