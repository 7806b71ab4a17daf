import {describe, expect, it} from 'vitest';
import {
  type SocksConnectRequest,
  SocksHandshake,
  type SocksStep,
  socksConnectReply,
  socksOutcomeForOpenFailure,
} from '../../source/core/socks-parser.js';

const bytes = (...parts: Array<number[] | string | Buffer>) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );
const port = (value: number) => [value >> 8, value & 0xff];

/** Feeds the input in the given pieces and merges the steps: all replies, the request, the failure. */
function feed(pieces: Buffer[]): {replies: Buffer; request?: SocksConnectRequest; failure?: string} {
  const handshake = new SocksHandshake();
  const replies: Buffer[] = [];
  let request: SocksConnectRequest | undefined;
  let failure: string | undefined;
  for (const piece of pieces) {
    const step: SocksStep = handshake.push(piece);
    if (step.reply) replies.push(step.reply);
    if (step.request) request = step.request;
    if (step.failure) failure = step.failure;
    if (request || failure) break;
  }
  return {
    replies: Buffer.concat(replies),
    ...(request ? {request} : {}),
    ...(failure !== undefined ? {failure} : {}),
  };
}

const whole = (input: Buffer) => [input];
const byteByByte = (input: Buffer) => [...input].map((byte) => Buffer.from([byte]));
const splitAt = (input: Buffer, at: number) => [input.subarray(0, at), input.subarray(at)];

const GREETING = bytes([5, 1, 0]);
const METHOD_NO_AUTH = bytes([5, 0]);

const good: Array<[string, Buffer, Buffer, Omit<SocksConnectRequest, 'rest'>]> = [
  [
    'SOCKS4 to an IPv4 address',
    bytes([4, 1], port(80), [10, 1, 2, 3], 'alice', [0]),
    bytes(),
    {version: 4, host: '10.1.2.3', port: 80, addressType: 'ipv4'},
  ],
  [
    'SOCKS4 with an empty user id',
    bytes([4, 1], port(443), [127, 0, 0, 1], [0]),
    bytes(),
    {version: 4, host: '127.0.0.1', port: 443, addressType: 'ipv4'},
  ],
  [
    'SOCKS4a to a name',
    bytes([4, 1], port(8080), [0, 0, 0, 1], 'bob', [0], 'db.internal', [0]),
    bytes(),
    {version: 4, host: 'db.internal', port: 8080, addressType: 'domain'},
  ],
  [
    'SOCKS5 to an IPv4 address',
    bytes([5, 1, 0, 1], [192, 168, 1, 9], port(22)),
    METHOD_NO_AUTH,
    {version: 5, host: '192.168.1.9', port: 22, addressType: 'ipv4'},
  ],
  [
    'SOCKS5 to a name',
    bytes([5, 1, 0, 3, 9], 'localhost', port(65535)),
    METHOD_NO_AUTH,
    {version: 5, host: 'localhost', port: 65535, addressType: 'domain'},
  ],
  [
    'SOCKS5 to ::1',
    bytes([5, 1, 0, 4], [...Array(15).fill(0), 1], port(80)),
    METHOD_NO_AUTH,
    {version: 5, host: '::1', port: 80, addressType: 'ipv6'},
  ],
  [
    'SOCKS5 to 2001:db8::1',
    bytes([5, 1, 0, 4], [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1], port(80)),
    METHOD_NO_AUTH,
    {version: 5, host: '2001:db8::1', port: 80, addressType: 'ipv6'},
  ],
];

describe('SOCKS handshake: good requests, however the bytes arrive', () => {
  for (const [name, request, greetingReply, expected] of good) {
    const input = expected.version === 5 ? Buffer.concat([GREETING, request]) : request;
    const deliveries: Array<[string, Buffer[]]> = [
      ['whole', whole(input)],
      ['byte by byte', byteByByte(input)],
      ...Array.from(
        {length: input.length - 1},
        (_, i) => [`split at ${i + 1}`, splitAt(input, i + 1)] as [string, Buffer[]],
      ),
    ];
    it.each(deliveries)(`${name}: %s`, (_how, pieces) => {
      const result = feed(pieces);
      expect(result.failure).toBeUndefined();
      expect(result.replies).toEqual(greetingReply);
      expect(result.request).toEqual({...expected, rest: Buffer.alloc(0)});
    });
  }

  it('keeps pipelined application data after the request as rest', () => {
    const data = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    const result = feed([Buffer.concat([GREETING, bytes([5, 1, 0, 1], [127, 0, 0, 1], port(80)), data])]);
    expect(result.replies).toEqual(METHOD_NO_AUTH);
    expect(result.request?.rest).toEqual(data);
    const four = feed([Buffer.concat([bytes([4, 1], port(80), [127, 0, 0, 1], [0]), data])]);
    expect(four.request?.rest).toEqual(data);
  });

  it('chooses no-auth among several offered methods, and counts consumed bytes', () => {
    const handshake = new SocksHandshake();
    const step = handshake.push(bytes([5, 3, 2, 1, 0]));
    expect(step.reply).toEqual(METHOD_NO_AUTH);
    expect(handshake.version).toBe(5);
    const request = handshake.push(bytes([5, 1, 0, 1], [1, 2, 3, 4], port(9)));
    expect(request.request?.host).toBe('1.2.3.4');
    expect(handshake.consumed).toBe(5 + 10);
  });

  it('refuses further input once finished', () => {
    const handshake = new SocksHandshake();
    handshake.push(bytes([4, 1], port(80), [127, 0, 0, 1], [0]));
    expect(() => handshake.push(Buffer.from('x'))).toThrow();
  });
});

describe('SOCKS handshake: bad input gets the protocol error or a close, never a crash', () => {
  const rejected4 = bytes([0, 0x5b, 0, 0, 0, 0, 0, 0]);
  const general5 = bytes([5, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
  it.each<[string, Buffer, Buffer, RegExp]>([
    ['an HTTP request', bytes('GET / HTTP/1.1\r\n'), bytes(), /HTTP/],
    ['an unknown version byte', bytes([7, 1, 2]), bytes(), /./],
    ['SOCKS4 BIND', bytes([4, 2], port(80), [1, 2, 3, 4], [0]), rejected4, /./],
    ['SOCKS4 to port 0', bytes([4, 1], port(0), [1, 2, 3, 4], [0]), rejected4, /port/i],
    [
      'SOCKS4 user id over 255 bytes',
      bytes([4, 1], port(80), [1, 2, 3, 4], 'u'.repeat(300), [0]),
      rejected4,
      /./,
    ],
    [
      'SOCKS4a name over 255 bytes',
      bytes([4, 1], port(80), [0, 0, 0, 9], [0], 'h'.repeat(300), [0]),
      rejected4,
      /./,
    ],
    ['SOCKS5 offering only username/password', bytes([5, 1, 2]), bytes([5, 0xff]), /authentication/i],
    ['SOCKS5 offering no methods', bytes([5, 0]), bytes([5, 0xff]), /./],
    [
      'SOCKS5 BIND',
      bytes(GREETING, [5, 2, 0, 1], [1, 2, 3, 4], port(80)),
      bytes(METHOD_NO_AUTH, [5, 7, 0, 1, 0, 0, 0, 0, 0, 0]),
      /./,
    ],
    [
      'SOCKS5 UDP ASSOCIATE',
      bytes(GREETING, [5, 3, 0, 1], [1, 2, 3, 4], port(80)),
      bytes(METHOD_NO_AUTH, [5, 7, 0, 1, 0, 0, 0, 0, 0, 0]),
      /./,
    ],
    [
      'SOCKS5 unknown address type',
      bytes(GREETING, [5, 1, 0, 9], [1, 2, 3, 4], port(80)),
      bytes(METHOD_NO_AUTH, [5, 8, 0, 1, 0, 0, 0, 0, 0, 0]),
      /./,
    ],
    ['SOCKS5 empty domain', bytes(GREETING, [5, 1, 0, 3, 0], port(80)), bytes(METHOD_NO_AUTH, general5), /./],
    [
      'SOCKS5 domain with a space',
      bytes(GREETING, [5, 1, 0, 3, 3], 'a b', port(80)),
      bytes(METHOD_NO_AUTH, general5),
      /./,
    ],
    [
      'SOCKS5 request with version 4',
      bytes(GREETING, [4, 1, 0, 1], [1, 2, 3, 4], port(80)),
      bytes(METHOD_NO_AUTH, general5),
      /./,
    ],
    [
      'SOCKS5 to port 0',
      bytes(GREETING, [5, 1, 0, 1], [1, 2, 3, 4], port(0)),
      bytes(METHOD_NO_AUTH, general5),
      /port/i,
    ],
  ])('%s', (_name, input, reply, reason) => {
    for (const pieces of [whole(input), byteByByte(input)]) {
      const result = feed(pieces);
      expect(result.request).toBeUndefined();
      expect(result.failure).toMatch(reason);
      expect(result.replies).toEqual(reply);
    }
  });

  it.each([
    ['a SOCKS4 user id', bytes([4, 1], port(80), [0, 0, 0, 1])],
    ['a SOCKS4a name', bytes([4, 1], port(80), [0, 0, 0, 1], 'id', [0])],
  ])('gives up on %s that never ends, within 1 KiB', (_name, start) => {
    const handshake = new SocksHandshake();
    let step: SocksStep = handshake.push(start);
    let fed = start.length;
    for (; fed < 4096 && !step.failure; fed++) step = handshake.push(Buffer.from('a'));
    expect(step.failure).toBeTruthy();
    expect(fed).toBeLessThanOrEqual(1024);
  });
});

describe('SOCKS replies', () => {
  it.each<[Parameters<typeof socksConnectReply>, number[]]>([
    [
      [4, 'succeeded'],
      [0, 0x5a, 0, 0, 0, 0, 0, 0],
    ],
    [
      [4, 'connection-refused'],
      [0, 0x5b, 0, 0, 0, 0, 0, 0],
    ],
    [
      [4, 'succeeded', {address: '10.0.0.1', port: 1080}],
      [0, 0x5a, 4, 0x38, 10, 0, 0, 1],
    ],
    [
      [5, 'succeeded'],
      [5, 0, 0, 1, 0, 0, 0, 0, 0, 0],
    ],
    [
      [5, 'general-failure'],
      [5, 1, 0, 1, 0, 0, 0, 0, 0, 0],
    ],
    [
      [5, 'not-allowed'],
      [5, 2, 0, 1, 0, 0, 0, 0, 0, 0],
    ],
    [
      [5, 'network-unreachable'],
      [5, 3, 0, 1, 0, 0, 0, 0, 0, 0],
    ],
    [
      [5, 'host-unreachable'],
      [5, 4, 0, 1, 0, 0, 0, 0, 0, 0],
    ],
    [
      [5, 'connection-refused'],
      [5, 5, 0, 1, 0, 0, 0, 0, 0, 0],
    ],
    [
      [5, 'ttl-expired'],
      [5, 6, 0, 1, 0, 0, 0, 0, 0, 0],
    ],
    [
      [5, 'command-not-supported'],
      [5, 7, 0, 1, 0, 0, 0, 0, 0, 0],
    ],
    [
      [5, 'address-type-not-supported'],
      [5, 8, 0, 1, 0, 0, 0, 0, 0, 0],
    ],
    [
      [5, 'succeeded', {address: '192.168.0.2', port: 443}],
      [5, 0, 0, 1, 192, 168, 0, 2, 1, 0xbb],
    ],
    [
      [5, 'succeeded', {address: '::1', port: 80}],
      [5, 0, 0, 4, ...Array(15).fill(0), 1, 0, 80],
    ],
  ])('%j', (args, expected) => {
    expect(socksConnectReply(...args)).toEqual(Buffer.from(expected));
  });

  it.each<[number | undefined, string, ReturnType<typeof socksOutcomeForOpenFailure>]>([
    [2, 'Connection refused', 'connection-refused'],
    [2, 'No route to host', 'host-unreachable'],
    [2, 'Network is unreachable', 'network-unreachable'],
    [2, 'Name or service not known', 'host-unreachable'],
    [1, 'administratively prohibited: open failed', 'not-allowed'],
    [4, '', 'general-failure'],
    [undefined, '', 'general-failure'],
  ])('an ssh open failure (%s, %j) becomes %s', (code, description, outcome) => {
    expect(socksOutcomeForOpenFailure(code, description)).toBe(outcome);
  });
});
