import {describe, expect, it} from 'vitest';
import {listHostAliases} from '../../../source/config/ssh-config/host-aliases.js';

describe('listHostAliases', () => {
  it('lists aliases without wildcards or negation, in file order, once', () => {
    const text = [
      '# Personal config',
      'Host bastion',
      '  HostName bastion.example.com',
      'Host db',
      'Host *.example.com !secret.example.com',
      'Host web? web-* [ab]',
      'HOST "quoted host" quoted',
      'host=eq',
      'Match host notanalias',
      'Host *',
      'Host db other',
      '',
    ].join('\n');
    expect(listHostAliases(text)).toEqual(['bastion', 'db', '[ab]', 'quoted host', 'quoted', 'eq', 'other']);
    expect(listHostAliases('')).toEqual([]);
  });

  it('reads CRLF files and comments as ssh does', () => {
    expect(listHostAliases('Host a b # c d\r\nHost e\r\n  #Host f\r\n')).toEqual(['a', 'b', 'e']);
  });

  it('passes over lines ssh would refuse, and does not follow Include', () => {
    expect(listHostAliases('Host "unterminated\nHost\nHost ok\nInclude /etc/passwd\n')).toEqual(['ok']);
  });
});
