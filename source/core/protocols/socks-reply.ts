/**
 * The replies that end a SOCKS handshake, and the outcome they carry for a connection that the SSH server
 * (an SSH channel-open failure) or this machine (a connect error) could not make. Pure.
 */
import {isIPv4} from 'node:net';
import {domainProblem, ipv4Bytes, parseIPv6} from './socks-address.js';
import {
  SOCKS4_GRANTED,
  SOCKS4_REJECTED,
  SOCKS5_REPLY_CODES,
  type SocksOutcome,
  type SocksVersion,
} from './socks-types.js';

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

export function socks4Reply(code: number, port = 0, address: Uint8Array = new Uint8Array(4)): Buffer {
  const reply = Buffer.alloc(8);
  reply[1] = code;
  reply.writeUInt16BE(port, 2);
  reply.set(address, 4);
  return reply;
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
