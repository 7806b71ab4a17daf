import {describe, expect, it} from 'vitest';
import {socksConnectReply, socksOutcomeForOpenFailure} from '../../../source/core/protocols/socks-reply.js';
import type {SocksOutcome} from '../../../source/core/protocols/socks-types.js';

const bytes = (...parts: Array<number[] | string | Buffer>) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );
const port = (value: number) => [value >> 8, value & 0xff];
const zeros = (count: number) => new Array<number>(count).fill(0);
const REJECTED4 = bytes([0, 0x5b], zeros(6));
const socks5Failure = (code: number) => bytes([5, code, 0, 1], zeros(6));
const ipv6 = (...words: number[]) => words.flatMap((word) => port(word));

describe('socksConnectReply', () => {
  it.each<[string, Parameters<typeof socksConnectReply>, Buffer]>([
    ['SOCKS4 granted', [4, 'succeeded'], bytes([0, 0x5a], zeros(6))],
    ['SOCKS4 refused', [4, 'connection-refused'], REJECTED4],
    ['SOCKS4 not allowed', [4, 'not-allowed'], REJECTED4],
    ['SOCKS4 general failure', [4, 'general-failure'], REJECTED4],
    [
      'SOCKS4 granted with a bound address',
      [4, 'succeeded', {address: '10.0.0.1', port: 1080}],
      bytes([0, 0x5a], port(1080), [10, 0, 0, 1]),
    ],
    [
      'SOCKS4 with an IPv6 bound address (not representable: 0.0.0.0)',
      [4, 'succeeded', {address: '::1', port: 1080}],
      bytes([0, 0x5a], port(1080), [0, 0, 0, 0]),
    ],
    ['SOCKS5 succeeded', [5, 'succeeded'], socks5Failure(0)],
    ['SOCKS5 general-failure', [5, 'general-failure'], socks5Failure(1)],
    ['SOCKS5 not-allowed', [5, 'not-allowed'], socks5Failure(2)],
    ['SOCKS5 network-unreachable', [5, 'network-unreachable'], socks5Failure(3)],
    ['SOCKS5 host-unreachable', [5, 'host-unreachable'], socks5Failure(4)],
    ['SOCKS5 connection-refused', [5, 'connection-refused'], socks5Failure(5)],
    ['SOCKS5 ttl-expired', [5, 'ttl-expired'], socks5Failure(6)],
    ['SOCKS5 command-not-supported', [5, 'command-not-supported'], socks5Failure(7)],
    ['SOCKS5 address-type-not-supported', [5, 'address-type-not-supported'], socks5Failure(8)],
    [
      'SOCKS5 with an IPv4 bound address',
      [5, 'succeeded', {address: '192.168.0.2', port: 443}],
      bytes([5, 0, 0, 1], [192, 168, 0, 2], port(443)),
    ],
    [
      'SOCKS5 with ::1',
      [5, 'succeeded', {address: '::1', port: 80}],
      bytes([5, 0, 0, 4], ipv6(0, 0, 0, 0, 0, 0, 0, 1), port(80)),
    ],
    [
      'SOCKS5 with 2001:db8::7:0:1',
      [5, 'succeeded', {address: '2001:db8::7:0:1', port: 65535}],
      bytes([5, 0, 0, 4], ipv6(0x2001, 0xdb8, 0, 0, 0, 7, 0, 1), port(65535)),
    ],
    [
      'SOCKS5 with an IPv4-mapped IPv6 address',
      [5, 'succeeded', {address: '::ffff:10.1.2.3', port: 22}],
      bytes([5, 0, 0, 4], ipv6(0, 0, 0, 0, 0, 0xffff, 0x0a01, 0x0203), port(22)),
    ],
    [
      'SOCKS5 with a bracketed, zoned IPv6 address',
      [5, 'host-unreachable', {address: '[fe80::1%eth0]', port: 1}],
      bytes([5, 4, 0, 4], ipv6(0xfe80, 0, 0, 0, 0, 0, 0, 1), port(1)),
    ],
    [
      'SOCKS5 with a host name',
      [5, 'succeeded', {address: 'proxy.example', port: 1080}],
      bytes([5, 0, 0, 3, 13], 'proxy.example', port(1080)),
    ],
  ])('%s', (_name, args, expected) => {
    expect(socksConnectReply(...args)).toEqual(expected);
  });

  it.each<[string, {address: string; port: number}]>([
    ['port -1', {address: '0.0.0.0', port: -1}],
    ['port 65536', {address: '0.0.0.0', port: 65536}],
    ['port 1.5', {address: '0.0.0.0', port: 1.5}],
    ['an address with a space', {address: 'not an address', port: 1}],
    ['an empty address', {address: '', port: 1}],
  ])('throws a RangeError for %s', (_name, bound) => {
    expect(() => socksConnectReply(5, 'succeeded', bound)).toThrow(RangeError);
  });
});

describe('socksOutcomeForOpenFailure', () => {
  it.each<[number | undefined, string, SocksOutcome]>([
    [2, 'Connection refused', 'connection-refused'],
    [2, 'connect failed: Connection refused', 'connection-refused'],
    [2, 'No route to host', 'host-unreachable'],
    [2, 'Network is unreachable', 'network-unreachable'],
    [2, 'Name or service not known', 'host-unreachable'],
    [2, 'Temporary failure in name resolution', 'host-unreachable'],
    [2, 'nodename nor servname provided, or not known', 'host-unreachable'],
    [2, 'Connection timed out', 'ttl-expired'],
    [2, 'open failed', 'host-unreachable'],
    [2, '', 'host-unreachable'],
    [1, 'administratively prohibited: open failed', 'not-allowed'],
    [1, 'Connection refused', 'not-allowed'],
    [1, '', 'not-allowed'],
    [3, 'unknown channel type', 'general-failure'],
    [4, 'resource shortage', 'general-failure'],
    [4, '', 'general-failure'],
    [undefined, '', 'general-failure'],
    [undefined, 'Connection refused', 'connection-refused'],
    [undefined, 'administratively prohibited', 'not-allowed'],
  ])('(%s, %j) → %s', (code, description, outcome) => {
    expect(socksOutcomeForOpenFailure(code, description)).toBe(outcome);
  });
});
