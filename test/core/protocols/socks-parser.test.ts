import {describe, expect, it} from 'vitest';
import {SocksHandshake} from '../../../source/core/protocols/socks-parser.js';
import type {SocksConnectRequest, SocksStep} from '../../../source/core/protocols/socks-types.js';

const bytes = (...parts: Array<number[] | string | Buffer>) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );
const port = (value: number) => [value >> 8, value & 0xff];
const zeros = (count: number) => new Array<number>(count).fill(0);

interface Fed {
  /** Every reply of every step, concatenated: what the client would have received. */
  replies: Buffer;
  request?: Omit<SocksConnectRequest, 'rest'>;
  failure?: string;
  /** request.rest plus the pieces that were never pushed because the handshake had finished. */
  rest: Buffer;
  consumed: number;
}

/** Feeds the pieces one push each, stopping at the first request or failure, and merges the steps. */
function feed(pieces: Buffer[]): Fed {
  const handshake = new SocksHandshake();
  const replies: Buffer[] = [];
  for (const [index, piece] of pieces.entries()) {
    const step: SocksStep = handshake.push(piece);
    if (step.reply) replies.push(step.reply);
    if (step.request || step.failure !== undefined) {
      expect(step.request && step.failure).toBeUndefined();
      expect(() => handshake.push(Buffer.from([5]))).toThrow();
      const {rest = Buffer.alloc(0), ...request} = step.request ?? {};
      return {
        replies: Buffer.concat(replies),
        ...(step.request ? {request: request as Omit<SocksConnectRequest, 'rest'>} : {}),
        ...(step.failure !== undefined ? {failure: step.failure} : {}),
        rest: Buffer.concat([rest, ...pieces.slice(index + 1)]),
        consumed: handshake.consumed,
      };
    }
  }
  return {replies: Buffer.concat(replies), rest: Buffer.alloc(0), consumed: handshake.consumed};
}

/** Whole, byte by byte, and split in two at every offset. */
function deliveries(input: Buffer): Array<[string, Buffer[]]> {
  return [
    ['whole', [input]],
    ['byte by byte', [...input].map((byte) => Buffer.from([byte]))],
    ...Array.from({length: input.length - 1}, (_, index): [string, Buffer[]] => [
      `split at ${index + 1}`,
      [input.subarray(0, index + 1), input.subarray(index + 1)],
    ]),
  ];
}

const GREETING = bytes([5, 1, 0]);
const NO_AUTH = bytes([5, 0]);
const NO_ACCEPTABLE = bytes([5, 0xff]);
const REJECTED4 = bytes([0, 0x5b], zeros(6));
const socks5Failure = (code: number) => bytes([5, code, 0, 1], zeros(6));
const ipv6 = (...words: number[]) => words.flatMap((word) => port(word));

describe('SOCKS handshake: good requests, however the bytes arrive', () => {
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
      'SOCKS4 with a 255-byte user id',
      bytes([4, 1], port(22), [192, 0, 2, 7], 'u'.repeat(255), [0]),
      bytes(),
      {version: 4, host: '192.0.2.7', port: 22, addressType: 'ipv4'},
    ],
    [
      'SOCKS4 to 0.0.0.0 (not SOCKS4a)',
      bytes([4, 1], port(80), [0, 0, 0, 0], [0]),
      bytes(),
      {version: 4, host: '0.0.0.0', port: 80, addressType: 'ipv4'},
    ],
    [
      'SOCKS4a to a name',
      bytes([4, 1], port(8080), [0, 0, 0, 1], 'bob', [0], 'db.internal', [0]),
      bytes(),
      {version: 4, host: 'db.internal', port: 8080, addressType: 'domain'},
    ],
    [
      'SOCKS4a with 0.0.0.255, no user id and a 255-byte name',
      bytes([4, 1], port(1), [0, 0, 0, 255], [0], 'n'.repeat(255), [0]),
      bytes(),
      {version: 4, host: 'n'.repeat(255), port: 1, addressType: 'domain'},
    ],
    [
      'SOCKS5 to an IPv4 address',
      bytes(GREETING, [5, 1, 0, 1], [192, 168, 1, 9], port(22)),
      NO_AUTH,
      {version: 5, host: '192.168.1.9', port: 22, addressType: 'ipv4'},
    ],
    [
      'SOCKS5 offering several methods, with a non-zero RSV',
      bytes([5, 3, 2, 1, 0], [5, 1, 0x7f, 1], [1, 2, 3, 4], port(9)),
      NO_AUTH,
      {version: 5, host: '1.2.3.4', port: 9, addressType: 'ipv4'},
    ],
    [
      'SOCKS5 to a name',
      bytes(GREETING, [5, 1, 0, 3, 9], 'localhost', port(65535)),
      NO_AUTH,
      {version: 5, host: 'localhost', port: 65535, addressType: 'domain'},
    ],
    [
      'SOCKS5 to a 255-byte name',
      bytes(GREETING, [5, 1, 0, 3, 255], 'd'.repeat(255), port(443)),
      NO_AUTH,
      {version: 5, host: 'd'.repeat(255), port: 443, addressType: 'domain'},
    ],
    [
      'SOCKS5 to ::1',
      bytes(GREETING, [5, 1, 0, 4], ipv6(0, 0, 0, 0, 0, 0, 0, 1), port(80)),
      NO_AUTH,
      {version: 5, host: '::1', port: 80, addressType: 'ipv6'},
    ],
    [
      'SOCKS5 to ::',
      bytes(GREETING, [5, 1, 0, 4], ipv6(0, 0, 0, 0, 0, 0, 0, 0), port(80)),
      NO_AUTH,
      {version: 5, host: '::', port: 80, addressType: 'ipv6'},
    ],
    [
      'SOCKS5 to 2001:db8::1',
      bytes(GREETING, [5, 1, 0, 4], ipv6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), port(80)),
      NO_AUTH,
      {version: 5, host: '2001:db8::1', port: 80, addressType: 'ipv6'},
    ],
    [
      'SOCKS5 to an IPv6 address with two zero runs (the longer one is compressed)',
      bytes(GREETING, [5, 1, 0, 4], ipv6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 0), port(80)),
      NO_AUTH,
      {version: 5, host: '2001:db8:0:0:1::', port: 80, addressType: 'ipv6'},
    ],
    [
      'SOCKS5 to an IPv6 address with equal zero runs (the first one is compressed)',
      bytes(GREETING, [5, 1, 0, 4], ipv6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), port(80)),
      NO_AUTH,
      {version: 5, host: '2001:db8::1:0:0:1', port: 80, addressType: 'ipv6'},
    ],
    [
      'SOCKS5 to an IPv6 address with single zero words (not compressed)',
      bytes(GREETING, [5, 1, 0, 4], ipv6(0xfe80, 0, 0xabcd, 0, 0x12, 0, 0xffff, 0), port(80)),
      NO_AUTH,
      {version: 5, host: 'fe80:0:abcd:0:12:0:ffff:0', port: 80, addressType: 'ipv6'},
    ],
    [
      'SOCKS5 to an IPv4-mapped IPv6 address',
      bytes(GREETING, [5, 1, 0, 4], ipv6(0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304), port(80)),
      NO_AUTH,
      {version: 5, host: '::ffff:1.2.3.4', port: 80, addressType: 'ipv6'},
    ],
  ];

  it.each(good)('%s', (_name, input, reply, expected) => {
    for (const [how, pieces] of deliveries(input)) {
      const result = feed(pieces);
      expect(result.failure, how).toBeUndefined();
      expect(result.replies, how).toEqual(reply);
      expect(result.request, how).toEqual(expected);
      expect(result.rest, how).toEqual(Buffer.alloc(0));
      expect(result.consumed, how).toBe(input.length);
    }
  });

  const data = Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n');
  it.each<[string, Buffer, Buffer]>([
    ['SOCKS4', bytes([4, 1], port(80), [127, 0, 0, 1], 'me', [0]), bytes()],
    ['SOCKS4a', bytes([4, 1], port(80), [0, 0, 0, 1], [0], 'example', [0]), bytes()],
    ['SOCKS5', bytes(GREETING, [5, 1, 0, 3, 7], 'example', port(80)), NO_AUTH],
  ])('%s: pipelined application data after the request is rest, however split', (_name, handshake, reply) => {
    for (const [how, pieces] of deliveries(Buffer.concat([handshake, data]))) {
      const result = feed(pieces);
      expect(result.replies, how).toEqual(reply);
      expect(result.request?.port, how).toBe(80);
      expect(result.rest, how).toEqual(data);
      expect(result.consumed, how).toBe(handshake.length);
    }
  });

  it('answers the greeting and returns the request from one push when the client pipelines them', () => {
    const handshake = new SocksHandshake();
    const step = handshake.push(bytes(GREETING, [5, 1, 0, 1], [127, 0, 0, 1], port(8080), 'data'));
    expect(step.reply).toEqual(NO_AUTH);
    expect(step.request).toEqual({
      version: 5,
      host: '127.0.0.1',
      port: 8080,
      addressType: 'ipv4',
      rest: Buffer.from('data'),
    });
    expect(step.failure).toBeUndefined();
    expect(handshake.consumed).toBe(3 + 10);
  });

  it('reports the version after the first byte, steps with nothing to send, and ignores empty chunks', () => {
    const handshake = new SocksHandshake();
    expect(handshake.version).toBeUndefined();
    expect(handshake.push(Buffer.alloc(0))).toEqual({});
    expect(handshake.push(bytes([5]))).toEqual({});
    expect(handshake.version).toBe(5);
    expect(handshake.push(bytes([1, 0]))).toEqual({reply: NO_AUTH});
    expect(handshake.consumed).toBe(3);
    const four = new SocksHandshake();
    four.push(bytes([4]));
    expect(four.version).toBe(4);
  });

  it('copies what it keeps: the caller may reuse its buffers', () => {
    const handshake = new SocksHandshake();
    const first = bytes([4, 1], port(80), [10, 0, 0, 1]);
    handshake.push(first);
    first.fill(0xee);
    const second = bytes('id', [0], 'tail');
    const step = handshake.push(second);
    second.fill(0xee);
    expect(step.request).toEqual({
      version: 4,
      host: '10.0.0.1',
      port: 80,
      addressType: 'ipv4',
      rest: Buffer.from('tail'),
    });
    const whole = bytes([4, 1], port(80), [10, 0, 0, 1], [0], 'tail');
    const wholeStep = new SocksHandshake().push(whole);
    whole.fill(0xee);
    expect(wholeStep.request?.rest).toEqual(Buffer.from('tail'));
  });

  it('throws on push() after a request or a failure', () => {
    const done = new SocksHandshake();
    done.push(bytes([4, 1], port(80), [127, 0, 0, 1], [0]));
    expect(() => done.push(Buffer.from('x'))).toThrow();
    const failed = new SocksHandshake();
    expect(failed.push(bytes('G')).failure).toBeTruthy();
    expect(() => failed.push(Buffer.from('ET /'))).toThrow();
  });
});

describe('SOCKS handshake: bad input gets the protocol error reply and a failure, never a crash', () => {
  const bad: Array<[string, Buffer, Buffer, RegExp]> = [
    ['an HTTP GET', bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), bytes(), /not an HTTP proxy/],
    ['an HTTP CONNECT', bytes('CONNECT example:443 HTTP/1.1\r\n\r\n'), bytes(), /not an HTTP proxy/],
    ['a TLS ClientHello', bytes([0x16, 3, 1, 0, 0xa5]), bytes(), /TLS/],
    ['a zero byte', bytes([0, 1, 2]), bytes(), /unknown protocol.*0x00/],
    ['version byte 0xff', bytes([0xff]), bytes(), /unknown protocol.*0xff/],
    ['SOCKS4 BIND', bytes([4, 2], port(80), [1, 2, 3, 4], [0]), REJECTED4, /BIND/],
    ['SOCKS4 command 3', bytes([4, 3], port(80), [1, 2, 3, 4], [0]), REJECTED4, /command 0x03/],
    ['SOCKS4 to port 0', bytes([4, 1], port(0), [1, 2, 3, 4], [0]), REJECTED4, /port 0/],
    ['SOCKS4a to port 0', bytes([4, 1], port(0), [0, 0, 0, 1], [0], 'a', [0]), REJECTED4, /port 0/],
    [
      'SOCKS4 user id of 256 bytes',
      bytes([4, 1], port(80), [1, 2, 3, 4], 'u'.repeat(256), [0]),
      REJECTED4,
      /user ID longer than 255/,
    ],
    [
      'SOCKS4a name of 256 bytes',
      bytes([4, 1], port(80), [0, 0, 0, 9], [0], 'h'.repeat(256), [0]),
      REJECTED4,
      /domain name longer than 255/,
    ],
    ['SOCKS4a empty name', bytes([4, 1], port(80), [0, 0, 0, 1], 'id', [0, 0]), REJECTED4, /empty/],
    [
      'SOCKS4a name with a space',
      bytes([4, 1], port(80), [0, 0, 0, 1], [0], 'a b', [0]),
      REJECTED4,
      /printable/,
    ],
    [
      'SOCKS4a name with a non-ASCII byte',
      bytes([4, 1], port(80), [0, 0, 0, 1], [0], 'caf', [0xe9], [0]),
      REJECTED4,
      /printable/,
    ],
    ['SOCKS5 offering no methods', bytes([5, 0]), NO_ACCEPTABLE, /no authentication methods/],
    [
      'SOCKS5 offering only username/password',
      bytes([5, 1, 2]),
      NO_ACCEPTABLE,
      /no supported authentication method/,
    ],
    [
      'SOCKS5 offering GSSAPI, username/password and a private method',
      bytes([5, 3, 1, 2, 0x80]),
      NO_ACCEPTABLE,
      /only no-auth/,
    ],
    [
      'SOCKS5 BIND',
      bytes(GREETING, [5, 2, 0, 1], [1, 2, 3, 4], port(80)),
      bytes(NO_AUTH, socks5Failure(7)),
      /BIND/,
    ],
    [
      'SOCKS5 UDP ASSOCIATE',
      bytes(GREETING, [5, 3, 0, 1], [1, 2, 3, 4], port(80)),
      bytes(NO_AUTH, socks5Failure(7)),
      /UDP/,
    ],
    [
      'SOCKS5 unknown command',
      bytes(GREETING, [5, 0x42, 0, 1], [1, 2, 3, 4], port(80)),
      bytes(NO_AUTH, socks5Failure(7)),
      /command 0x42/,
    ],
    [
      'SOCKS5 address type 2',
      bytes(GREETING, [5, 1, 0, 2], [1, 2, 3, 4], port(80)),
      bytes(NO_AUTH, socks5Failure(8)),
      /address type 0x02/,
    ],
    [
      'SOCKS5 address type 0xff',
      bytes(GREETING, [5, 1, 0, 0xff], [1, 2, 3, 4], port(80)),
      bytes(NO_AUTH, socks5Failure(8)),
      /address type 0xff/,
    ],
    [
      'SOCKS5 empty name',
      bytes(GREETING, [5, 1, 0, 3, 0], port(80)),
      bytes(NO_AUTH, socks5Failure(1)),
      /empty/,
    ],
    [
      'SOCKS5 name with a space',
      bytes(GREETING, [5, 1, 0, 3, 3], 'a b', port(80)),
      bytes(NO_AUTH, socks5Failure(1)),
      /printable/,
    ],
    [
      'SOCKS5 name with a NUL',
      bytes(GREETING, [5, 1, 0, 3, 3], 'a', [0], 'b', port(80)),
      bytes(NO_AUTH, socks5Failure(1)),
      /printable/,
    ],
    [
      'SOCKS5 request with version 4',
      bytes(GREETING, [4, 1, 0, 1], [1, 2, 3, 4], port(80)),
      bytes(NO_AUTH, socks5Failure(1)),
      /version 0x04/,
    ],
    [
      'SOCKS5 to port 0',
      bytes(GREETING, [5, 1, 0, 1], [1, 2, 3, 4], port(0)),
      bytes(NO_AUTH, socks5Failure(1)),
      /port 0/,
    ],
  ];

  it.each(bad)('%s', (_name, input, reply, reason) => {
    for (const [how, pieces] of deliveries(input)) {
      const result = feed(pieces);
      expect(result.request, how).toBeUndefined();
      expect(result.failure, how).toMatch(reason);
      expect(result.replies, how).toEqual(reply);
    }
  });

  it('reports no version for a client that does not speak SOCKS', () => {
    const handshake = new SocksHandshake();
    const step = handshake.push(bytes('GET / HTTP/1.1\r\n'));
    expect(step).toEqual({failure: expect.stringMatching(/SOCKS proxy, not an HTTP proxy/)});
    expect(handshake.version).toBeUndefined();
  });

  it.each<[string, Buffer, Buffer]>([
    ['a SOCKS4 user id', bytes([4, 1], port(80), [1, 2, 3, 4]), REJECTED4],
    ['a SOCKS4a name', bytes([4, 1], port(80), [0, 0, 0, 1], 'id', [0]), REJECTED4],
    ['a SOCKS5 method list', bytes([5, 255]), NO_ACCEPTABLE],
  ])('gives up on %s that never ends, well within 1 KiB', (_name, start, reply) => {
    const handshake = new SocksHandshake();
    let step: SocksStep = handshake.push(start);
    let fed = start.length;
    for (; fed < 4096 && !step.failure && !step.request; fed++) step = handshake.push(Buffer.from([0x61]));
    expect(step.request).toBeUndefined();
    expect(step.failure).toBeTruthy();
    expect(step.reply).toEqual(reply);
    expect(fed).toBeLessThanOrEqual(1024);
  });

  it('never holds more than 1 KiB of an unfinished handshake, whatever the bytes (seeded fuzz)', () => {
    let seed = 0x5eed;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 300; round++) {
      const input = Buffer.alloc(1100);
      for (let index = 0; index < input.length; index++) {
        // Mostly printable bytes, so names and user ids run long; sometimes anything at all.
        input[index] = random() < 0.9 ? 0x21 + Math.floor(random() * 94) : Math.floor(random() * 256);
      }
      input[0] = random() < 0.5 ? 4 : 5;
      const handshake = new SocksHandshake();
      let offset = 0;
      let finished = false;
      while (!finished && offset < input.length) {
        const size = 1 + Math.floor(random() * 40);
        const step = handshake.push(input.subarray(offset, offset + size));
        offset += size;
        finished = step.request !== undefined || step.failure !== undefined;
        // Unfinished means every byte pushed so far is held or consumed by the handshake.
        if (!finished) expect(offset).toBeLessThanOrEqual(1024);
      }
      expect(finished).toBe(true);
    }
  });

  it('sends the method selection and the failure in one reply when a bad request is pipelined', () => {
    const step = new SocksHandshake().push(bytes(GREETING, [5, 2, 0, 1], [1, 2, 3, 4], port(80)));
    expect(step.reply).toEqual(bytes(NO_AUTH, socks5Failure(7)));
    expect(step.failure).toMatch(/BIND/);
    expect(step.request).toBeUndefined();
  });
});
