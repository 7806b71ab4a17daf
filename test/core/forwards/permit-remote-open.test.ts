import {describe, expect, it} from 'vitest';
import {
  formatPermitRemoteOpen,
  parsePermitRemoteOpen,
  permitsRemoteOpen,
} from '../../../source/core/forwards/permit-remote-open.js';
import {parseStreamLocalBindMask} from '../../../source/core/forwards/unix-socket.js';
import {socksOutcomeForConnectError} from '../../../source/core/protocols/socks-reply.js';

describe('PermitRemoteOpen, as ssh_config(5) and OpenSSH read it', () => {
  it.each([
    ['any', 'any'],
    ['ANY', 'any'],
    ['none', 'none'],
    ['web:80', [{host: 'web', port: 80}]],
    [
      'web:80   10.0.0.1:443',
      [
        {host: 'web', port: 80},
        {host: '10.0.0.1', port: 443},
      ],
    ],
    ['[::1]:8080', [{host: '::1', port: 8080}]],
    [
      '*:443 mirror:*',
      [
        {host: '*', port: 443},
        {host: 'mirror', port: '*'},
      ],
    ],
    ['web/80', [{host: 'web', port: 80}]],
  ])('%j', (value, expected) => {
    expect(parsePermitRemoteOpen(value)).toEqual(expected);
  });

  it.each([
    ['', /missing value/],
    ['any web:80', /"any" must appear alone/],
    ['web:80 none', /"none" must appear alone/],
    ['web', /"web" is not host:port/],
    [':80', /":80" is not host:port/],
    ['web:0', /bad port "0"/],
    ['web:http', /bad port "http"/],
    ['web:65536', /bad port "65536"/],
  ])('rejects %j', (value, message) => {
    expect(() => parsePermitRemoteOpen(value)).toThrow(message);
  });

  it('matches the name or address as the SOCKS client gave it, no lookups; * for any host or port', () => {
    const rule = parsePermitRemoteOpen('web:80 10.0.0.1:* *:443 [::1]:22');
    expect(permitsRemoteOpen(rule, 'web', 80)).toBe(true);
    expect(permitsRemoteOpen(rule, 'WEB', 80)).toBe(true);
    expect(permitsRemoteOpen(rule, 'web', 81)).toBe(false);
    expect(permitsRemoteOpen(rule, 'web.example', 80)).toBe(false);
    expect(permitsRemoteOpen(rule, '10.0.0.1', 5432)).toBe(true);
    expect(permitsRemoteOpen(rule, '10.0.0.2', 5432)).toBe(false);
    expect(permitsRemoteOpen(rule, 'anything', 443)).toBe(true);
    expect(permitsRemoteOpen(rule, '::1', 22)).toBe(true);
    expect(permitsRemoteOpen(rule, '127.0.0.1', 22)).toBe(false);
    expect(permitsRemoteOpen(undefined, 'x', 1)).toBe(true);
    expect(permitsRemoteOpen('any', 'x', 1)).toBe(true);
    expect(permitsRemoteOpen('none', 'x', 1)).toBe(false);
    expect(formatPermitRemoteOpen(rule)).toBe('web:80 10.0.0.1:* *:443 [::1]:22');
  });
});

describe('StreamLocalBindMask', () => {
  it.each([
    ['0177', 0o177],
    ['177', 0o177],
    ['0', 0],
    ['0777', 0o777],
    ['022', 0o22],
  ])('%s', (value, mask) => {
    expect(parseStreamLocalBindMask(value)).toBe(mask);
  });

  it.each(['0888', '01777', 'abc', '', '-1'])('rejects %j', (value) => {
    expect(() => parseStreamLocalBindMask(value)).toThrow(/expected an octal umask from 0 to 0777/);
  });
});

describe('the SOCKS reply for a connection this machine could not make', () => {
  it.each([
    ['ECONNREFUSED', 'connection-refused'],
    ['ENOTFOUND', 'host-unreachable'],
    ['EHOSTUNREACH', 'host-unreachable'],
    ['ENETUNREACH', 'network-unreachable'],
    ['ETIMEDOUT', 'ttl-expired'],
    [undefined, 'general-failure'],
  ])('%s', (code, outcome) => {
    expect(socksOutcomeForConnectError(code)).toBe(outcome);
  });
});
