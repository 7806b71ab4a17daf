import {describe, expect, it} from 'vitest';
import {ConfigError, parseDestination, parseOption} from '../../source/config/command-line.js';

describe('parseDestination', () => {
  it.each<[string, {user?: string; host: string; port?: number}]>([
    ['host', {host: 'host'}],
    ['host.example.com', {host: 'host.example.com'}],
    ['user@host', {user: 'user', host: 'host'}],
    ['user@host@x', {user: 'user@host', host: 'x'}],
    ['a@b@c@d', {user: 'a@b@c', host: 'd'}],
    ['@host', {host: 'host'}],
    ['ssh://host', {host: 'host'}],
    ['ssh://host/', {host: 'host'}],
    ['ssh://host:2222', {host: 'host', port: 2222}],
    ['ssh://user@host:2222', {user: 'user', host: 'host', port: 2222}],
    ['ssh://user@host:2222/', {user: 'user', host: 'host', port: 2222}],
    ['ssh://u@x@host:65535', {user: 'u@x', host: 'host', port: 65535}],
    ['ssh://[::1]:2222', {host: '::1', port: 2222}],
    ['ssh://[::1]', {host: '::1'}],
    ['ssh://user@[2001:db8::1]', {user: 'user', host: '2001:db8::1'}],
    ['ssh://user@[2001:db8::1]:22', {user: 'user', host: '2001:db8::1', port: 22}],
    ['ssh://2001:db8::1', {host: '2001:db8::1'}],
    ['[::1]', {host: '::1'}],
    ['user@[::1]', {user: 'user', host: '::1'}],
    ['::1', {host: '::1'}],
    ['fe80::1:22', {host: 'fe80::1:22'}],
    ['user@2001:db8::1', {user: 'user', host: '2001:db8::1'}],
    // Without ssh:// there is no port syntax, as with ssh.
    ['host:2222', {host: 'host:2222'}],
  ])('%s', (destination, expected) => {
    expect(parseDestination(destination)).toStrictEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['', /no host in ""/],
    ['ssh://', /no host in "ssh:\/\/"/],
    ['ssh:///', /no host/],
    ['user@', /no host in "user@"/],
    ['ssh://user@', /no host/],
    ['ssh://user@:2222', /no host/],
    ['[]', /no host/],
    ['ssh://host:0', /"ssh:\/\/host:0": 0 is not a port number \(1-65535\)/],
    ['ssh://host:70000', /70000 is not a port number/],
    ['ssh://user@host:65536', /65536 is not a port number/],
    ['ssh://[::1]:0', /0 is not a port number/],
    ['ssh://[::1]:99999', /99999 is not a port number/],
  ])('rejects %j', (destination, message) => {
    expect(() => parseDestination(destination)).toThrow(ConfigError);
    expect(() => parseDestination(destination)).toThrow(message);
  });
});

describe('parseOption', () => {
  it.each<[string, [string, string]]>([
    ['StrictHostKeyChecking=no', ['stricthostkeychecking', 'no']],
    ['Port 2222', ['port', '2222']],
    ['Port = 2222', ['port', '2222']],
    ['Port= 2222', ['port', '2222']],
    ['Port =2222', ['port', '2222']],
    ['  Port=2222  ', ['port', '2222']],
    ['Port\t2222', ['port', '2222']],
    ['PORT=2222', ['port', '2222']],
    ['serverAliveInterval=30', ['serveraliveinterval', '30']],
    ['UserKnownHostsFile="/tmp/a b"', ['userknownhostsfile', '/tmp/a b']],
    ['UserKnownHostsFile "/tmp/a b"', ['userknownhostsfile', '/tmp/a b']],
    ['UserKnownHostsFile=/a /b', ['userknownhostsfile', '/a /b']],
    ['LocalForward=8080 db:5432', ['localforward', '8080 db:5432']],
    ['LocalForward 8080 db:5432', ['localforward', '8080 db:5432']],
    ['SetEnv=A=b', ['setenv', 'A=b']],
  ])('%j', (text, expected) => {
    expect(parseOption(text)).toStrictEqual(expected);
  });

  it.each(['Key', '=x', 'Key=', 'Key = ', 'Key ', '', '   ', '= value', 'Ke-y=x'])('rejects %j', (text) => {
    expect(() => parseOption(text)).toThrow(ConfigError);
    expect(() => parseOption(text)).toThrow('Key=Value');
    expect(() => parseOption(text)).toThrow(`-o ${text}:`);
  });
});
