/**
 * A pure server-side SOCKS 4 / 4a / 5 handshake parser (RFC 1928, the SOCKS4 and SOCKS4a specs), in the
 * style of ssh2's Protocol.js: bytes in, replies and a CONNECT request out; no sockets, timers or IO.
 *
 * Only CONNECT without authentication is supported: the connection is opened by the SSH server, so the
 * SOCKS layer has nothing to authenticate (a SOCKS4 USERID is read and ignored).
 *
 * This file is the state machine; each version's messages are read in socks4.ts and socks5.ts, the
 * closing replies written in socks-reply.ts.
 */

import {socks4Reply, socksConnectReply} from './socks-reply.js';
import {
  hex,
  MAX_HANDSHAKE_BYTES,
  needMore,
  type Parsed,
  SOCKS4_REJECTED,
  SOCKS5_NO_ACCEPTABLE_METHOD,
  type SocksConnectRequest,
  type SocksStep,
  type SocksVersion,
  type State,
} from './socks-types.js';
import {parseSocks4} from './socks4.js';
import {parseSocks5Greeting, parseSocks5Request} from './socks5.js';

export class SocksHandshake {
  private state: State = 'version';
  private pending: Buffer = Buffer.alloc(0);
  private detectedVersion: SocksVersion | undefined;
  private consumedBytes = 0;

  /** Feed bytes as they arrive, in any split (byte by byte too). After a step with request or failure, further push() calls throw. */
  push(chunk: Buffer): SocksStep {
    if (this.state === 'done') throw new Error('SocksHandshake.push() called after the handshake finished');
    if (chunk.length === 0) return {};
    // `data` may alias the caller's chunk; anything kept past this call is copied out of it.
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = Buffer.alloc(0);
    const replies: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const parsed = this.parse(data.subarray(offset));
      switch (parsed.kind) {
        case 'next':
          if (parsed.reply) replies.push(parsed.reply);
          offset += parsed.used;
          this.consumedBytes += parsed.used;
          this.state = parsed.state;
          continue;
        case 'request': {
          offset += parsed.used;
          this.consumedBytes += parsed.used;
          this.state = 'done';
          const request: SocksConnectRequest = {
            version: this.detectedVersion!,
            host: parsed.host,
            port: parsed.port,
            addressType: parsed.addressType,
            rest: Buffer.from(data.subarray(offset)),
          };
          return withReply({request}, replies);
        }
        case 'failure':
          if (parsed.reply) replies.push(parsed.reply);
          // Everything received is swallowed by a failed handshake.
          this.consumedBytes += data.length - offset;
          this.state = 'done';
          return withReply({failure: parsed.reason}, replies);
        case 'need-more': {
          const unconsumed = data.length - offset;
          if (this.consumedBytes + unconsumed > MAX_HANDSHAKE_BYTES) {
            // Unreachable while the per-field limits hold; kept so that buffering is bounded by construction.
            this.consumedBytes += unconsumed;
            const reply = this.failureReply();
            this.state = 'done';
            return withReply(
              {failure: `SOCKS handshake exceeded ${MAX_HANDSHAKE_BYTES} bytes without completing`},
              reply ? [...replies, reply] : replies,
            );
          }
          this.pending = Buffer.from(data.subarray(offset));
          return withReply({}, replies);
        }
      }
    }
  }

  /** The SOCKS version, known after the first byte (undefined until then, and for a non-SOCKS client). */
  get version(): SocksVersion | undefined {
    return this.detectedVersion;
  }

  /** Bytes consumed by the handshake so far (for accounting). Excludes `rest`; after a failure, every byte received. */
  get consumed(): number {
    return this.consumedBytes;
  }

  private parse(data: Buffer): Parsed {
    switch (this.state) {
      case 'version':
        return this.parseVersion(data);
      case 'socks4':
        return parseSocks4(data);
      case 'socks5-greeting':
        return parseSocks5Greeting(data);
      case 'socks5-request':
        return parseSocks5Request(data);
      case 'done':
        throw new Error('unreachable: parse() after the handshake finished');
    }
  }

  private parseVersion(data: Buffer): Parsed {
    const first = data[0];
    if (first === undefined) return needMore;
    if (first === 4 || first === 5) {
      this.detectedVersion = first;
      // The version byte stays in the buffer: the SOCKS4 request and SOCKS5 greeting both start with it.
      return {kind: 'next', used: 0, state: first === 4 ? 'socks4' : 'socks5-greeting'};
    }
    return {kind: 'failure', reason: unknownProtocolReason(first)};
  }

  private failureReply(): Buffer | undefined {
    switch (this.state) {
      case 'socks4':
        return socks4Reply(SOCKS4_REJECTED);
      case 'socks5-greeting':
        return Buffer.from([5, SOCKS5_NO_ACCEPTABLE_METHOD]);
      case 'socks5-request':
        return socksConnectReply(5, 'general-failure');
      default:
        return undefined;
    }
  }
}

function withReply(step: SocksStep, replies: Buffer[]): SocksStep {
  if (replies.length === 0) return step;
  return {reply: replies.length === 1 ? replies[0]! : Buffer.concat(replies), ...step};
}
function unknownProtocolReason(first: number): string {
  if ((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a)) {
    return (
      `Not a SOCKS client (first byte ${hex(first)} '${String.fromCharCode(first)}', as in an HTTP request): ` +
      'this is a SOCKS proxy, not an HTTP proxy; configure the client for SOCKS5 (e.g. socks5h://)'
    );
  }
  if (first === 0x16) {
    return `Not a SOCKS client (first byte ${hex(first)}, as in a TLS handshake): this is a SOCKS 4/5 proxy`;
  }
  return `Not a SOCKS client: unknown protocol (first byte ${hex(first)}; SOCKS starts with 4 or 5)`;
}
