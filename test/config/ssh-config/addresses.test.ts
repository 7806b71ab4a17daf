import {describe, expect, it} from 'vitest';
import {canonicalAddressText, ipv4Address} from '../../../source/config/ssh-config/addresses.js';

describe('addresses as ssh reads and writes them (inet_aton, inet_ntop)', () => {
  it.each([
    ['127.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0x7F000001', '127.0.0.1'],
    ['010.1.1.1', '8.1.1.1'],
    ['1', '0.0.0.1'],
    ['4294967295', '255.255.255.255'],
    ['192.168.000.001', '192.168.0.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80:0::1', 'fe80::1'],
    ['::ffff:7f00:1', '::ffff:127.0.0.1'],
    ['0:0:0:0:0:ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['::0.0.0.2', '::2'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['2001:db8:0:0::1', '2001:db8::1'],
    // Only case differs: the name as typed.
    ['2001:DB8::1', '2001:DB8::1'],
    ['FE80::1%lo', 'FE80::1%lo'],
  ])('%s is %s', (host, text) => {
    expect(canonicalAddressText(host)).toBe(text);
  });

  it.each(['4294967296', '1.2.3.4.5', '0x', '08', '1.256.1.1', 'db.example', '::g', ''])(
    '%j is not an address',
    (host) => {
      expect(canonicalAddressText(host)).toBeUndefined();
    },
  );

  it('reads the parts inet_aton reads: the last fills what the others leave', () => {
    expect(ipv4Address('10.1')).toBe(0x0a000001n);
    expect(ipv4Address('10.1.2')).toBe(0x0a010002n);
    expect(ipv4Address('10.0x10000')).toBe(0x0a010000n);
    expect(ipv4Address('10.0x1000000')).toBeUndefined();
  });
});
