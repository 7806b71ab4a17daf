import {describe, expect, it} from 'vitest';
import {MIT_MAGIC_COOKIE, parseDisplay, X11SetupChecker} from '../../../source/core/x11/x11-setup.js';

const fake = Buffer.alloc(16, 0xaa);
const real = Buffer.alloc(16, 0x55);
const pad = (buffer: Buffer) => Buffer.concat([buffer, Buffer.alloc((4 - (buffer.length % 4)) % 4)]);

function setup(order: 'B' | 'l', name: string, cookie: Buffer, major = 11): Buffer {
  const header = Buffer.alloc(12);
  header.write(order, 0, 'latin1');
  const write16 = (value: number, offset: number) =>
    order === 'B' ? header.writeUInt16BE(value, offset) : header.writeUInt16LE(value, offset);
  write16(major, 2);
  write16(0, 4);
  write16(name.length, 6);
  write16(cookie.length, 8);
  return Buffer.concat([header, pad(Buffer.from(name, 'latin1')), pad(cookie)]);
}

describe('X11 connection setup check', () => {
  it.each(['B', 'l'] as const)(
    'accepts the fake cookie (byte order %s), whole or byte by byte, and swaps in the real one',
    (order) => {
      const input = Buffer.concat([setup(order, MIT_MAGIC_COOKIE, fake), Buffer.from('request bytes')]);
      for (const pieces of [[input], [...input].map((byte) => Buffer.from([byte]))]) {
        const checker = new X11SetupChecker(fake, real);
        let result = checker.push(pieces[0]!);
        for (const piece of pieces.slice(1)) {
          if (result.status !== 'need-more') break;
          result = checker.push(piece);
        }
        expect(result.status).toBe('accepted');
        if (result.status !== 'accepted') return;
        expect(result.setup).toEqual(setup(order, MIT_MAGIC_COOKIE, real));
        expect(result.setup.includes(fake)).toBe(false);
        // Whole, the request bytes that followed come back as rest; byte by byte, they have not arrived yet.
        expect(result.rest.toString()).toBe(pieces.length === 1 ? 'request bytes' : '');
      }
    },
  );

  it('rewrites the length when the real cookie is of another length', () => {
    const longer = Buffer.alloc(20, 0x11);
    const result = new X11SetupChecker(fake, longer).push(setup('l', MIT_MAGIC_COOKIE, fake));
    expect(result).toMatchObject({status: 'accepted'});
    if (result.status === 'accepted') expect(result.setup).toEqual(setup('l', MIT_MAGIC_COOKIE, longer));
  });

  it.each([
    ['a wrong cookie', setup('B', MIT_MAGIC_COOKIE, Buffer.alloc(16)), /wrong authorization cookie/],
    [
      'a cookie of another length',
      setup('B', MIT_MAGIC_COOKIE, Buffer.alloc(8, 0xaa)),
      /wrong authorization cookie/,
    ],
    [
      'the real cookie (the server must never know it)',
      setup('l', MIT_MAGIC_COOKIE, real),
      /wrong authorization cookie/,
    ],
    ['another authorization protocol', setup('l', 'XDM-AUTHORIZATION-1', fake), /is not MIT-MAGIC-COOKIE-1/],
    ['no authorization', setup('l', '', Buffer.alloc(0)), /is not MIT-MAGIC-COOKIE-1/],
    [
      'a bad byte order',
      Buffer.concat([Buffer.from('X'), setup('l', MIT_MAGIC_COOKIE, fake).subarray(1)]),
      /bad byte order/,
    ],
    ['another protocol version', setup('B', MIT_MAGIC_COOKIE, fake, 10), /version 10 is not 11/],
  ])('refuses %s', (_name, input, reason) => {
    const result = new X11SetupChecker(fake, real).push(input);
    expect(result.status).toBe('rejected');
    if (result.status === 'rejected') expect(result.reason).toMatch(reason);
  });

  it('refuses an oversized setup without waiting for it', () => {
    const header = setup('B', MIT_MAGIC_COOKIE, fake).subarray(0, 12);
    header.writeUInt16BE(0xffff, 6);
    header.writeUInt16BE(0xffff, 8);
    expect(new X11SetupChecker(fake, real).push(header)).toMatchObject({status: 'rejected'});
  });
});

describe('DISPLAY', () => {
  it.each([
    [':0', {number: 0, screen: 0, socketPath: '/tmp/.X11-unix/X0'}],
    [':12.1', {number: 12, screen: 1, socketPath: '/tmp/.X11-unix/X12'}],
    ['unix:3', {number: 3, screen: 0, socketPath: '/tmp/.X11-unix/X3'}],
    ['localhost:10.0', {number: 10, screen: 0, host: 'localhost', port: 6010}],
    ['[::1]:2', {number: 2, screen: 0, host: '::1', port: 6002}],
    [
      '/private/tmp/com.apple.launchd.x/org.xquartz:0',
      {number: 0, screen: 0, socketPath: '/private/tmp/com.apple.launchd.x/org.xquartz:0'},
    ],
  ])('%s', (display, expected) => {
    expect(parseDisplay(display)).toEqual(expected);
  });

  it.each(['', 'nodisplay', ':x'])('%j is not a display', (display) => {
    expect(parseDisplay(display)).toBeUndefined();
  });
});
