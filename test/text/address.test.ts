import {describe, expect, it} from 'vitest';
import {bracketed, hostPort, unbracketed, userAtHostPort} from '../../source/text/address.js';

describe('address', () => {
  it('brackets an address with a colon (IPv6) and nothing else', () => {
    expect(bracketed('::1')).toBe('[::1]');
    expect(bracketed('fe80::1%eth0')).toBe('[fe80::1%eth0]');
    expect(bracketed('127.0.0.1')).toBe('127.0.0.1');
    expect(bracketed('db.internal')).toBe('db.internal');
  });

  it('writes host:port and user@host:port', () => {
    expect(hostPort('db', 5432)).toBe('db:5432');
    expect(hostPort('::1', 80)).toBe('[::1]:80');
    expect(hostPort('?', '?')).toBe('?:?');
    expect(userAtHostPort('alice', '127.0.0.1', 22)).toBe('alice@127.0.0.1:22');
    expect(userAtHostPort('alice', '2001:db8::5', 2222)).toBe('alice@[2001:db8::5]:2222');
  });

  it('takes the brackets off, and only whole ones', () => {
    expect(unbracketed('[::1]')).toBe('::1');
    expect(unbracketed('[]')).toBe('');
    expect(unbracketed('db')).toBe('db');
    expect(unbracketed('[::1')).toBe('[::1');
    expect(unbracketed('::1]')).toBe('::1]');
  });
});
