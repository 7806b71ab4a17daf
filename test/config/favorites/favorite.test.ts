import {describe, expect, it} from 'vitest';
import {validateFavorite} from '../../../source/config/favorites/favorite.js';
import {full, minimal} from './examples.js';

describe('validateFavorite: the first problem, naming the field', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['name missing', {name: undefined}, /^favorite\.name: must be a string/],
    ['name empty', {name: ''}, /^favorite\.name: is empty/],
    ['name with a space', {name: 'a b'}, /^favorite\.name: "a b" may only contain letters/],
    ['name with a slash', {name: '../x'}, /^favorite\.name: "\.\.\/x" may only contain/],
    ['name starting with -', {name: '-x'}, /^favorite\.name: "-x" must not start with "-"/],
    ['name starting with @', {name: '@x'}, /^favorite\.name: "@x" may only contain/],
    ['name too long', {name: 'x'.repeat(65)}, /^favorite\.name: .* longer than 64 characters/],
    ['name a number', {name: 12}, /^favorite\.name: must be a string, not 12 \(number\)/],
    ['host missing', {host: undefined}, /^favorite\.host: must be a host name/],
    ['host empty', {host: ''}, /^favorite\.host: is empty/],
    ['host with whitespace', {host: 'a b'}, /^favorite\.host: "a b" contains whitespace/],
    ['host that is an option', {host: '-oProxyCommand=x'}, /^favorite\.host: .* must not start with "-"/],
    [
      'host with a user',
      {host: 'me@db'},
      /^favorite\.host: "me@db" contains "@" \(put the user name in user\)/,
    ],
    ['host with a newline', {host: 'a\nb'}, /^favorite\.host: "a\\nb" contains a control character/],
    ['user empty', {user: ''}, /^favorite\.user: is empty/],
    ['user with a space', {user: 'a b'}, /^favorite\.user: "a b" contains whitespace/],
    ['user not a string', {user: 5}, /^favorite\.user: must be a user name/],
    ['port too big', {port: 70000}, /^favorite\.port: 70000 is not a port \(1-65535\)$/],
    ['port 0', {port: 0}, /^favorite\.port: 0 is not a port/],
    ['port fractional', {port: 22.5}, /^favorite\.port: 22\.5 is not a port/],
    ['port a string', {port: '22'}, /^favorite\.port: "22" is not a port/],
    ['identityFiles not a list', {identityFiles: '~/.ssh/id'}, /^favorite\.identityFiles: must be a list/],
    ['identityFiles missing', {identityFiles: undefined}, /^favorite\.identityFiles: must be a list/],
    ['identity file empty', {identityFiles: ['a', '']}, /^favorite\.identityFiles\[1\]: is empty/],
    ['identity file a number', {identityFiles: [1]}, /^favorite\.identityFiles\[0\]: must be a file path/],
    ['options missing', {options: undefined}, /^favorite\.options: must be an object/],
    ['options a list', {options: []}, /^favorite\.options: must be an object .*not a list/],
    [
      'serverAliveInterval negative',
      {options: {serverAliveInterval: -1}},
      /^favorite\.options\.serverAliveInterval: -1 is not a number of seconds/,
    ],
    [
      'serverAliveInterval a string',
      {options: {serverAliveInterval: '30'}},
      /^favorite\.options\.serverAliveInterval: "30" is not/,
    ],
    [
      'exitOnForwardFailure not boolean',
      {options: {exitOnForwardFailure: 'yes'}},
      /^favorite\.options\.exitOnForwardFailure: "yes" is not true or false/,
    ],
    ['forwardAgent not boolean', {options: {forwardAgent: 1}}, /^favorite\.options\.forwardAgent: 1 is not/],
    ['forwardX11 null', {options: {forwardX11: null}}, /^favorite\.options\.forwardX11: null is not/],
    [
      'an unknown option',
      {options: {compression: true}},
      /^favorite\.options\.compression: is not a favorite option/,
    ],
    ['forwards not a list', {forwards: '-D 1080'}, /^favorite\.forwards: must be a list/],
    ['forward not a string', {forwards: [1080]}, /^favorite\.forwards\[0\]: must be a string/],
    [
      'forward without a flag',
      {forwards: ['-D 1080', '8080:db:5432']},
      /^favorite\.forwards\[1\]: "8080:db:5432" does not start with -L, -R or -D/,
    ],
    [
      'forward with a bad spec',
      {forwards: ['-D 1080', '-L 8080:db:5432', '-L 8080:db']},
      /^favorite\.forwards\[2\]: -L 8080:db: "8080:db" is not of the form/,
    ],
    [
      'forward with a bad port',
      {forwards: ['-L 8080:db:70000']},
      /^favorite\.forwards\[0\]: -L 8080:db:70000: destination port "70000" is out of range/,
    ],
    ['ftp on -R', {forwards: ['-R ftp/21:x:21']}, /^favorite\.forwards\[0\]: -R ftp\/21:x:21: "ftp\/": FTP/],
    ['an unknown field', {comment: 'x'}, /^favorite\.comment: is not a favorite field/],
    [
      'a password',
      {password: 'hunter2'},
      /^favorite\.password: is not a favorite field.*never keeps passwords/,
    ],
    ['a passphrase', {passphrase: 'x'}, /^favorite\.passphrase: is not a favorite field/],
  ];

  it.each(cases)('%s', (_label, change, expected) => {
    const value: Record<string, unknown> = {...structuredClone(full), ...change};
    for (const [key, v] of Object.entries(change)) if (v === undefined) delete value[key];
    expect(validateFavorite(value)).toMatch(expected);
  });

  it('accepts a full and a minimal favorite, and optional fields given as undefined', () => {
    expect(validateFavorite(full)).toBeUndefined();
    expect(validateFavorite(minimal)).toBeUndefined();
    expect(validateFavorite({...minimal, user: undefined, port: undefined})).toBeUndefined();
    expect(validateFavorite({...minimal, name: 'a.b_c-9', host: 'fe80::1%eth0'})).toBeUndefined();
  });

  it('names the place given, e.g. an entry of a file', () => {
    expect(validateFavorite({...full, port: 70000}, 'favorites[2]')).toBe(
      'favorites[2].port: 70000 is not a port (1-65535)',
    );
    expect(validateFavorite('db', 'favorites[0]')).toMatch(/^favorites\[0\]: a favorite must be an object/);
    expect(validateFavorite(null)).toMatch(/^favorite: a favorite must be an object/);
  });
});
