/**
 * What the SOCKS 4/4a/5 handshake (socks-parser.ts) and its version parsers (socks4.ts, socks5.ts) share:
 * the request and outcome types, the size limits and reply codes, and one parse step's result. Pure.
 */

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
export const MAX_HANDSHAKE_BYTES = 1024;
/** Longest SOCKS4 USERID or SOCKS4a/SOCKS5 domain name accepted, in bytes. */
export const MAX_NAME_BYTES = 255;

export const SOCKS4_GRANTED = 0x5a;
export const SOCKS4_REJECTED = 0x5b;
export const SOCKS5_NO_AUTH = 0x00;
export const SOCKS5_NO_ACCEPTABLE_METHOD = 0xff;

export const SOCKS5_REPLY_CODES: Record<SocksOutcome, number> = {
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

export type State = 'version' | 'socks4' | 'socks5-greeting' | 'socks5-request' | 'done';

/** What one parse step of the current state made of the buffered bytes. */
export type Parsed =
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

export const needMore: Parsed = {kind: 'need-more'};

export function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}
