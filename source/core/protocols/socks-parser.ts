/**
 * A pure server-side SOCKS 4 / 4a / 5 handshake parser (RFC 1928, the SOCKS4 and SOCKS4a specs), in the
 * style of ssh2's Protocol.js: bytes in, replies and a CONNECT request out; no sockets, timers or IO.
 *
 * Only CONNECT without authentication is supported: the connection is opened by the SSH server, so the
 * SOCKS layer has nothing to authenticate (a SOCKS4 USERID is read and ignored).
 */

import {isIPv4, isIPv6} from 'node:net';
import {unbracketed} from '../../text/address.js';

export type SocksVersion = 4 | 5;

export interface SocksConnectRequest {
  version: SocksVersion;
  /** IPv4 dotted quad, IPv6 in canonical compressed lower-case form without brackets (e.g. "::1", "2001:db8::1"), or a domain name to be resolved by the SSH server (SOCKS4a / SOCKS5 ATYP 3). */
  host: string;
  port: number;
  addressType: 'ipv4' | 'ipv6' | 'domain';
  /** Bytes the client sent after the request (pipelined application data); to be forwarded once connected. */
  rest: Buffer;
}

export interface SocksStep {
  /** Bytes to write to the client now (e.g. the SOCKS5 method selection). Absent when nothing to send. */
  reply?: Buffer;
  /** Set once, when the CONNECT request is complete. */
  request?: SocksConnectRequest;
  /** The handshake failed: write `reply` (if any) and then close. A short human reason. */
  failure?: string;
}

export type SocksOutcome =
  | 'succeeded'
  | 'general-failure'
  | 'not-allowed'
  | 'network-unreachable'
  | 'host-unreachable'
  | 'connection-refused'
  | 'ttl-expired'
  | 'command-not-supported'
  | 'address-type-not-supported';

/** A handshake that has taken more than this many bytes without completing is refused. */
const MAX_HANDSHAKE_BYTES = 1024;
/** Longest SOCKS4 USERID or SOCKS4a/SOCKS5 domain name accepted, in bytes. */
const MAX_NAME_BYTES = 255;

const SOCKS4_GRANTED = 0x5a;
const SOCKS4_REJECTED = 0x5b;
const SOCKS5_NO_AUTH = 0x00;
const SOCKS5_NO_ACCEPTABLE_METHOD = 0xff;

const SOCKS5_REPLY_CODES: Record<SocksOutcome, number> = {
  succeeded: 0x00,
  'general-failure': 0x01,
  'not-allowed': 0x02,
  'network-unreachable': 0x03,
  'host-unreachable': 0x04,
  'connection-refused': 0x05,
  'ttl-expired': 0x06,
  'command-not-supported': 0x07,
  'address-type-not-supported': 0x08,
};

type State = 'version' | 'socks4' | 'socks5-greeting' | 'socks5-request' | 'done';

/** What one parse step of the current state made of the buffered bytes. */
type Parsed =
  | {kind: 'need-more'}
  | {kind: 'next'; used: number; reply?: Buffer; state: State}
  | {
      kind: 'request';
      used: number;
      host: string;
      port: number;
      addressType: SocksConnectRequest['addressType'];
    }
  | {kind: 'failure'; reason: string; reply?: Buffer};

const needMore: Parsed = {kind: 'need-more'};

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

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
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

// --- SOCKS4 / SOCKS4a -----------------------------------------------------------------------------------

/** VN CD DSTPORT(2) DSTIP(4) USERID NUL [DOMAIN NUL] */
function parseSocks4(data: Buffer): Parsed {
  const reject = (reason: string): Parsed => ({kind: 'failure', reason, reply: socks4Reply(SOCKS4_REJECTED)});
  const command = data[1];
  if (command === undefined) return needMore;
  if (command === 2) return reject('SOCKS4 BIND is not supported (only CONNECT)');
  if (command !== 1) return reject(`SOCKS4 command ${hex(command)} is not supported (only CONNECT)`);
  if (data.length < 8) return needMore;
  const port = data.readUInt16BE(2);
  if (port === 0) return reject('SOCKS4 request for port 0');
  const isSocks4a = data[4] === 0 && data[5] === 0 && data[6] === 0 && data[7] !== 0;

  const userIdEnd = findNul(data, 8);
  if (userIdEnd === 'too-long') return reject(`SOCKS4 user ID longer than ${MAX_NAME_BYTES} bytes`);
  if (userIdEnd === undefined) return needMore;

  if (!isSocks4a) {
    const host = `${data[4]}.${data[5]}.${data[6]}.${data[7]}`;
    return {kind: 'request', used: userIdEnd + 1, host, port, addressType: 'ipv4'};
  }
  const domainStart = userIdEnd + 1;
  const domainEnd = findNul(data, domainStart);
  if (domainEnd === 'too-long') return reject(`SOCKS4a domain name longer than ${MAX_NAME_BYTES} bytes`);
  if (domainEnd === undefined) return needMore;
  const domain = data.subarray(domainStart, domainEnd);
  const problem = domainProblem(domain);
  if (problem) return reject(`SOCKS4a ${problem}`);
  return {kind: 'request', used: domainEnd + 1, host: domain.toString('latin1'), port, addressType: 'domain'};
}

/** Index of the NUL ending a name that starts at `start`, looking no further than the length limit. */
function findNul(data: Buffer, start: number): number | 'too-long' | undefined {
  const index = data.subarray(start, start + MAX_NAME_BYTES + 1).indexOf(0);
  if (index >= 0) return start + index;
  return data.length - start > MAX_NAME_BYTES ? 'too-long' : undefined;
}

function socks4Reply(code: number, port = 0, address: Uint8Array = new Uint8Array(4)): Buffer {
  const reply = Buffer.alloc(8);
  reply[1] = code;
  reply.writeUInt16BE(port, 2);
  reply.set(address, 4);
  return reply;
}

// --- SOCKS5 ---------------------------------------------------------------------------------------------

/** VER NMETHODS METHODS... */
function parseSocks5Greeting(data: Buffer): Parsed {
  const methodCount = data[1];
  if (methodCount === undefined) return needMore;
  const refuse = (reason: string): Parsed => ({
    kind: 'failure',
    reason,
    reply: Buffer.from([5, SOCKS5_NO_ACCEPTABLE_METHOD]),
  });
  if (methodCount === 0) return refuse('SOCKS5 client offered no authentication methods');
  if (data.length < 2 + methodCount) return needMore;
  const methods = data.subarray(2, 2 + methodCount);
  if (!methods.includes(SOCKS5_NO_AUTH)) {
    const offered = [...methods].map(hex).join(', ');
    return refuse(
      `SOCKS5 client offered no supported authentication method (only no-auth is supported; offered ${offered})`,
    );
  }
  return {
    kind: 'next',
    used: 2 + methodCount,
    reply: Buffer.from([5, SOCKS5_NO_AUTH]),
    state: 'socks5-request',
  };
}

/** VER CMD RSV ATYP DST.ADDR DST.PORT */
function parseSocks5Request(data: Buffer): Parsed {
  const fail = (outcome: SocksOutcome, reason: string): Parsed => ({
    kind: 'failure',
    reason,
    reply: socksConnectReply(5, outcome),
  });
  const version = data[0];
  if (version === undefined) return needMore;
  if (version !== 5)
    return fail('general-failure', `SOCKS5 request has version ${hex(version)} instead of 0x05`);
  const command = data[1];
  if (command === undefined) return needMore;
  if (command === 2) return fail('command-not-supported', 'SOCKS5 BIND is not supported (only CONNECT)');
  if (command === 3)
    return fail('command-not-supported', 'SOCKS5 UDP ASSOCIATE is not supported (only CONNECT)');
  if (command !== 1) {
    return fail('command-not-supported', `SOCKS5 command ${hex(command)} is not supported (only CONNECT)`);
  }
  // data[2] is RSV: ignored.
  const addressType = data[3];
  if (addressType === undefined) return needMore;

  let host: string;
  let kind: SocksConnectRequest['addressType'];
  let addressEnd: number;
  if (addressType === 1) {
    addressEnd = 8;
    if (data.length < addressEnd + 2) return needMore;
    host = `${data[4]}.${data[5]}.${data[6]}.${data[7]}`;
    kind = 'ipv4';
  } else if (addressType === 4) {
    addressEnd = 20;
    if (data.length < addressEnd + 2) return needMore;
    host = formatIPv6(data.subarray(4, 20));
    kind = 'ipv6';
  } else if (addressType === 3) {
    const length = data[4];
    if (length === undefined) return needMore;
    if (length === 0) return fail('general-failure', 'SOCKS5 request has an empty domain name');
    addressEnd = 5 + length;
    if (data.length < addressEnd + 2) return needMore;
    const domain = data.subarray(5, addressEnd);
    const problem = domainProblem(domain);
    if (problem) return fail('general-failure', `SOCKS5 ${problem}`);
    host = domain.toString('latin1');
    kind = 'domain';
  } else {
    return fail('address-type-not-supported', `SOCKS5 address type ${hex(addressType)} is not supported`);
  }
  const port = data.readUInt16BE(addressEnd);
  if (port === 0) return fail('general-failure', 'SOCKS5 request for port 0');
  return {kind: 'request', used: addressEnd + 2, host, port, addressType: kind};
}

// --- Addresses ------------------------------------------------------------------------------------------

/** Why these bytes are not an acceptable domain name (printable ASCII, no spaces, 1–255 bytes), if they are not. */
function domainProblem(name: Buffer): string | undefined {
  if (name.length === 0) return 'request has an empty domain name';
  if (name.length > MAX_NAME_BYTES) return `domain name longer than ${MAX_NAME_BYTES} bytes`;
  for (const byte of name) {
    if (byte <= 0x20 || byte >= 0x7f) {
      return `domain name contains a byte that is not printable ASCII (${hex(byte)})`;
    }
  }
  return undefined;
}

/** RFC 5952 text for 16 address bytes; IPv4-mapped addresses as ::ffff:a.b.c.d (as Node and inet_ntop do). */
function formatIPv6(bytes: Buffer): string {
  const words = Array.from({length: 8}, (_, index) => bytes.readUInt16BE(index * 2));
  if (words.slice(0, 5).every((word) => word === 0) && words[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // The longest run of two or more zero words (the first one on a tie) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (words[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && words[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const text = (part: number[]) => part.map((word) => word.toString(16)).join(':');
  if (bestStart < 0) return text(words);
  return `${text(words.slice(0, bestStart))}::${text(words.slice(bestStart + bestLength))}`;
}

/** The 16 bytes of an IPv6 address in any textual form (brackets and a %zone are allowed), if it is one. */
function parseIPv6(address: string): Buffer | undefined {
  let text = unbracketed(address);
  if (!isIPv6(text)) return undefined;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const words = (part: string) =>
    part === '' ? [] : part.split(':').map((word) => Number.parseInt(word, 16));
  const halves = text.split('::');
  const head = words(halves[0] ?? '');
  const rest = halves.length > 1 ? words(halves[1] ?? '') : [];
  const all =
    halves.length > 1
      ? [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest]
      : head;
  const bytes = Buffer.alloc(16);
  for (const [index, word] of all.entries()) bytes.writeUInt16BE(word, index * 2);
  return bytes;
}

// --- Replies --------------------------------------------------------------------------------------------

/**
 * The reply that ends a CONNECT: for SOCKS4 0x00 0x5A (granted) or 0x00 0x5B (any failure) + port + IPv4;
 * for SOCKS5 05 REP 00 ATYP BND.ADDR BND.PORT. `bound` defaults to 0.0.0.0:0. IPv6 bound addresses use
 * ATYP 4; a bound host name (SOCKS5 only) uses ATYP 3. SOCKS4 can only carry IPv4: other addresses become
 * 0.0.0.0 (clients ignore the SOCKS4 reply address anyway).
 */
export function socksConnectReply(
  version: SocksVersion,
  outcome: SocksOutcome,
  bound: {address: string; port: number} = {address: '0.0.0.0', port: 0},
): Buffer {
  const {address, port} = bound;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new RangeError(`SOCKS reply port must be an integer from 0 to 65535, got ${port}`);
  }
  if (version === 4) {
    const code = outcome === 'succeeded' ? SOCKS4_GRANTED : SOCKS4_REJECTED;
    return socks4Reply(code, port, isIPv4(address) ? ipv4Bytes(address) : undefined);
  }
  let addressField: Buffer;
  const ipv6 = parseIPv6(address);
  if (isIPv4(address)) {
    addressField = Buffer.from([1, ...ipv4Bytes(address)]);
  } else if (ipv6) {
    addressField = Buffer.concat([Buffer.from([4]), ipv6]);
  } else {
    const name = Buffer.from(address, 'latin1');
    const problem = domainProblem(name);
    if (problem || name.toString('latin1') !== address) {
      throw new RangeError(
        `SOCKS5 reply address ${JSON.stringify(address)} is not an IP address or host name`,
      );
    }
    addressField = Buffer.concat([Buffer.from([3, name.length]), name]);
  }
  const portField = Buffer.alloc(2);
  portField.writeUInt16BE(port);
  return Buffer.concat([Buffer.from([5, SOCKS5_REPLY_CODES[outcome], 0]), addressField, portField]);
}

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}

// --- SSH channel-open failures --------------------------------------------------------------------------

const SSH_OPEN_ADMINISTRATIVELY_PROHIBITED = 1;
const SSH_OPEN_CONNECT_FAILED = 2;

/** Description patterns (OpenSSH sends strerror / gai_strerror text), checked in order. */
const DESCRIPTION_OUTCOMES: [RegExp, SocksOutcome][] = [
  [/prohibited|not permitted|not allowed|permission denied|access denied/i, 'not-allowed'],
  [/refused/i, 'connection-refused'],
  [/network (is )?unreachable|network is down/i, 'network-unreachable'],
  [/no route to host|host (is )?unreachable|host is down/i, 'host-unreachable'],
  [
    /name or service not known|nodename nor servname|name resolution|no address associated|could not resolve|unknown host|not known/i,
    'host-unreachable',
  ],
  [/timed out|timeout/i, 'ttl-expired'],
];

/**
 * Picks the SOCKS outcome for an SSH channel-open failure: reason code (SSH_OPEN_ADMINISTRATIVELY_PROHIBITED=1,
 * CONNECT_FAILED=2, UNKNOWN_CHANNEL_TYPE=3, RESOURCE_SHORTAGE=4) and description text (OpenSSH says e.g.
 * "Connection refused", "No route to host", "Network is unreachable", "Name or service not known").
 *
 * An administrative prohibition always maps to not-allowed; otherwise the description decides when it is
 * recognised (timeouts map to ttl-expired, as common SOCKS servers do); then CONNECT_FAILED maps to
 * host-unreachable and anything else to general-failure.
 */
export function socksOutcomeForOpenFailure(
  reasonCode: number | undefined,
  description: string,
): SocksOutcome {
  if (reasonCode === SSH_OPEN_ADMINISTRATIVELY_PROHIBITED) return 'not-allowed';
  for (const [pattern, outcome] of DESCRIPTION_OUTCOMES) {
    if (pattern.test(description)) return outcome;
  }
  if (reasonCode === SSH_OPEN_CONNECT_FAILED) return 'host-unreachable';
  return 'general-failure';
}

/** Picks the SOCKS outcome for a connection this machine could not make (remote dynamic forwarding). */
export function socksOutcomeForConnectError(code: string | undefined): SocksOutcome {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection-refused';
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return 'network-unreachable';
    case 'EHOSTUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host-unreachable';
    case 'ETIMEDOUT':
      return 'ttl-expired';
    default:
      return 'general-failure';
  }
}
