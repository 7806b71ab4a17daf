import {describe, expect, it} from 'vitest';
import {
  type ForwardFlag,
  type ForwardSpec,
  ForwardSpecError,
} from '../../../source/core/protocols/forward-spec.js';
import {
  flagOf,
  formatForwardFlag,
  formatForwardSpec,
  splitForwardFlag,
} from '../../../source/core/protocols/forward-spec-format.js';
import {parseConfigForward, parseForwardSpec} from '../../../source/core/protocols/forward-spec-parse.js';

const local = (
  bindAddress: string | undefined,
  port: number,
  host: string,
  hostPort: number,
): ForwardSpec => ({
  kind: 'local',
  bindAddress,
  port,
  host,
  hostPort,
});
const remote = (
  bindAddress: string | undefined,
  port: number,
  host: string,
  hostPort: number,
): ForwardSpec => ({
  kind: 'remote',
  bindAddress,
  port,
  host,
  hostPort,
});
const ftp = (bindAddress: string | undefined, port: number, host: string, hostPort: number): ForwardSpec => ({
  kind: 'ftp',
  bindAddress,
  port,
  host,
  hostPort,
});
const dynamic = (bindAddress: string | undefined, port: number): ForwardSpec => ({
  kind: 'dynamic',
  bindAddress,
  port,
});

const unix = (
  flag: 'L' | 'R',
  listen: string | [string | undefined, number],
  target: string | [string, number],
): ForwardSpec => ({
  kind: flag === 'L' ? 'local-unix' : 'remote-unix',
  listen: typeof listen === 'string' ? {path: listen} : {bindAddress: listen[0], port: listen[1]},
  target: typeof target === 'string' ? {path: target} : {host: target[0], port: target[1]},
});
const remoteDynamic = (bindAddress: string | undefined, port: number): ForwardSpec => ({
  kind: 'remote-dynamic',
  bindAddress,
  port,
});

/** Runs fn and returns the ForwardSpecError it throws. */
function errorOf(fn: () => unknown): ForwardSpecError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ForwardSpecError) return error;
    throw error;
  }
  throw new Error('expected a ForwardSpecError');
}

const good: [ForwardFlag, string, ForwardSpec][] = [
  // -L
  ['L', '8080:db:5432', local(undefined, 8080, 'db', 5432)],
  ['L', '127.0.0.1:8080:db:5432', local('127.0.0.1', 8080, 'db', 5432)],
  ['L', '[::1]:8080:[fe80::1]:80', local('::1', 8080, 'fe80::1', 80)],
  ['L', '[fe80::1%eth0]:8080:[2001:db8::2]:443', local('fe80::1%eth0', 8080, '2001:db8::2', 443)],
  ['L', '8080:[::1]:22', local(undefined, 8080, '::1', 22)],
  ['L', '*:8080:db:80', local('', 8080, 'db', 80)],
  ['L', ':8080:db:80', local('', 8080, 'db', 80)],
  ['L', '[]:8080:db:80', local('', 8080, 'db', 80)],
  ['L', '[*]:8080:db:80', local('', 8080, 'db', 80)],
  ['L', 'localhost:8080:db:80', local('localhost', 8080, 'db', 80)],
  ['L', '[localhost]:8080:db:80', local('localhost', 8080, 'db', 80)],
  ['L', '0:db:80', local(undefined, 0, 'db', 80)],
  ['L', '65535:db:65535', local(undefined, 65535, 'db', 65535)],
  ['L', '1:h:1', local(undefined, 1, 'h', 1)],
  ['L', '08080:db:005432', local(undefined, 8080, 'db', 5432)],
  ['L', '  8080:db:5432\t\n', local(undefined, 8080, 'db', 5432)],
  [
    'L',
    'gw.example.com:8080:db.internal.example:5432',
    local('gw.example.com', 8080, 'db.internal.example', 5432),
  ],
  ['L', '8080:bücher.example:80', local(undefined, 8080, 'bücher.example', 80)],
  // A field with a "/" is a path, as in OpenSSH 6.7+ (parse_fwd_field): this is a socket to a socket.
  ['L', '127.0.0.1/8080:db/5432', unix('L', '127.0.0.1/8080', 'db/5432')],
  ['L', 'ftp:9000:h:80', local('ftp', 9000, 'h', 80)],
  ['L', '[8080]:db:[5432]', local(undefined, 8080, 'db', 5432)],
  // -L ftp/
  ['L', 'ftp/2121:ftp.example:21', ftp(undefined, 2121, 'ftp.example', 21)],
  ['L', 'FTP/2121:ftp.example:21', ftp(undefined, 2121, 'ftp.example', 21)],
  ['L', 'Ftp/127.0.0.1:2121:h:21', ftp('127.0.0.1', 2121, 'h', 21)],
  ['L', 'ftp/127.0.0.1:2121:h:21', ftp('127.0.0.1', 2121, 'h', 21)],
  ['L', 'ftp/[::1]:2121:[::2]:21', ftp('::1', 2121, '::2', 21)],
  ['L', 'ftp/*:0:h:21', ftp('', 0, 'h', 21)],
  // -R
  ['R', '9000:localhost:3000', remote(undefined, 9000, 'localhost', 3000)],
  ['R', '0.0.0.0:9000:localhost:3000', remote('0.0.0.0', 9000, 'localhost', 3000)],
  ['R', '[::]:9000:[::1]:3000', remote('::', 9000, '::1', 3000)],
  ['R', '0:localhost:3000', remote(undefined, 0, 'localhost', 3000)],
  ['R', '*:9000:10.0.0.5:22', remote('', 9000, '10.0.0.5', 22)],
  ['R', 'ftp:9000:h:80', remote('ftp', 9000, 'h', 80)],
  // -D
  ['D', '1080', dynamic(undefined, 1080)],
  ['D', 'localhost:1080', dynamic('localhost', 1080)],
  ['D', '[::1]:1080', dynamic('::1', 1080)],
  ['D', '*:1080', dynamic('', 1080)],
  ['D', ':1080', dynamic('', 1080)],
  ['D', '0', dynamic(undefined, 0)],
  ['D', '65535', dynamic(undefined, 65535)],
  ['D', ' 1080 ', dynamic(undefined, 1080)],
  // Unix-domain sockets (OpenSSH 6.7+): every combination parse_forward reads.
  ['L', '/tmp/x.sock:db:80', unix('L', '/tmp/x.sock', ['db', 80])],
  [
    'L',
    '5432:/var/run/postgresql/.s.PGSQL.5432',
    unix('L', [undefined, 5432], '/var/run/postgresql/.s.PGSQL.5432'),
  ],
  ['L', '127.0.0.1:5432:/run/pg.sock', unix('L', ['127.0.0.1', 5432], '/run/pg.sock')],
  ['L', '[::1]:5432:/run/pg.sock', unix('L', ['::1', 5432], '/run/pg.sock')],
  ['L', '*:0:/run/pg.sock', unix('L', ['', 0], '/run/pg.sock')],
  ['L', '/tmp/docker.sock:/var/run/docker.sock', unix('L', '/tmp/docker.sock', '/var/run/docker.sock')],
  ['L', './x.sock:[::1]:80', unix('L', './x.sock', ['::1', 80])],
  ['L', '../x.sock:db:80', unix('L', '../x.sock', ['db', 80])],
  ['L', '~/x.sock:db:80', unix('L', '~/x.sock', ['db', 80])],
  ['L', '[/tmp/a:b.sock]:db:80', unix('L', '/tmp/a:b.sock', ['db', 80])],
  ['L', '[run/x.sock]:db:80', unix('L', 'run/x.sock', ['db', 80])],
  ['L', 'run/x.sock:db:80', unix('L', 'run/x.sock', ['db', 80])],
  [
    'L',
    '%d/db.sock:/var/run/postgresql/.s.PGSQL.5432',
    unix('L', '%d/db.sock', '/var/run/postgresql/.s.PGSQL.5432'),
  ],
  ['L', '  /tmp/x.sock:db:80 ', unix('L', '/tmp/x.sock', ['db', 80])],
  ['R', '/tmp/remote.sock:localhost:3000', unix('R', '/tmp/remote.sock', ['localhost', 3000])],
  ['R', '9000:/run/app.sock', unix('R', [undefined, 9000], '/run/app.sock')],
  ['R', '0:/run/app.sock', unix('R', [undefined, 0], '/run/app.sock')],
  ['R', '/tmp/r.sock:/run/app.sock', unix('R', '/tmp/r.sock', '/run/app.sock')],
  ['L', `/${'a'.repeat(106)}:db:80`, unix('L', `/${'a'.repeat(106)}`, ['db', 80])],
  // Remote dynamic forwarding (OpenSSH 7.6+): -R with a listener only.
  ['R', '1080', remoteDynamic(undefined, 1080)],
  ['R', '0', remoteDynamic(undefined, 0)],
  ['R', 'localhost:1080', remoteDynamic('localhost', 1080)],
  ['R', '*:1080', remoteDynamic('', 1080)],
  ['R', ':1080', remoteDynamic('', 1080)],
  ['R', '[::1]:1080', remoteDynamic('::1', 1080)],
];

describe('parseForwardSpec', () => {
  it.each(good)('-%s %j', (flag, text, expected) => {
    expect(parseForwardSpec(flag, text)).toEqual(expected);
  });
});

// [flag, input, message fragment, start, end]
const bad: [ForwardFlag, string, string, number, number][] = [
  [
    'L',
    '8o80:db:5432',
    '-L 8o80:db:5432: "8o80" is not a port number (expected 0-65535; 0 picks a free port)',
    0,
    4,
  ],
  ['L', '  8o80:db:80', '-L 8o80:db:80: "8o80" is not a port number', 2, 6],
  ['L', '65536:db:80', 'listening port "65536" is out of range (expected 0-65535', 0, 5],
  ['L', '99999999999999999999:db:80', 'listening port "99999999999999999999" is out of range', 0, 20],
  ['L', '8080:db:65536', 'destination port "65536" is out of range (expected 1-65535)', 8, 13],
  ['L', '8080:db:0', 'destination port "0" is out of range (expected 1-65535)', 8, 9],
  ['L', '8080:db:http', '"http" is not a port number (expected 1-65535)', 8, 12],
  ['L', '+8080:db:80', '"+8080" is not a port number', 0, 5],
  ['L', '-1:db:80', '"-1" is not a port number', 0, 2],
  ['L', '8080:db: 80', '" 80" is not a port number', 8, 11],
  ['L', '0x50:db:80', '"0x50" is not a port number', 0, 4],
  ['L', ':db:80', 'the listening port is missing', 0, 0],
  ['L', '', '-L: the forward specification is empty (expected [bind_address:]port:host:hostport)', 0, 0],
  ['D', '   ', '-D: the forward specification is empty (expected [bind_address:]port)', 3, 3],
  [
    'L',
    '8080:db',
    '-L 8080:db: "8080:db" is not of the form [bind_address:]port:host:hostport (found 2 fields, expected 3 or 4)',
    0,
    7,
  ],
  ['L', '1080', 'found 1 field, expected 3 or 4', 0, 4],
  ['L', '1:2:3:4:5', 'found 5 fields, expected 3 or 4; write an IPv6 address in square brackets', 0, 9],
  ['L', '::1:8080:db:80', 'write an IPv6 address in square brackets, e.g. [::1]', 0, 14],
  ['L', '8080:fe80::1:80', 'write an IPv6 address in square brackets', 0, 15],
  ['L', '[::1:8080:db:80', '"[::1:8080:db:80" has no closing "]"', 0, 15],
  ['L', '8080:[::1:22', '"[::1:22" has no closing "]"', 5, 12],
  ['L', '[::1]x:8080:db:80', 'unexpected "x" after "]"', 5, 6],
  ['L', 'ftp//tmp/sock:db:80', '"/tmp/sock" looks like a unix-socket path; FTP forwarding listens', 4, 13],
  ['L', 'ftp/2121:/tmp/sock', 'FTP forwarding listens on a port', 9, 18],
  ['D', '/tmp/socks.sock', 'dynamic (SOCKS) forwarding listens on a port', 0, 15],
  [
    'R',
    '/tmp/x.sock',
    'remote dynamic (SOCKS) forwarding listens on a port on the server, not on a unix socket',
    0,
    11,
  ],
  ['L', '/tmp/x.sock', 'is not a forward with a unix-socket path', 0, 11],
  ['L', '/tmp/x.sock:db', 'is not a forward with a unix-socket path', 0, 14],
  ['L', '/tmp/x.sock:db:80:90', 'is not a forward with a unix-socket path', 0, 20],
  ['L', '8080:/tmp/x.sock:80', 'is not a forward with a unix-socket path', 0, 19],
  ['L', '/tmp/a.sock:8080', 'is not a forward with a unix-socket path', 0, 16],
  ['L', '/tmp/x.sock:db:0', 'destination port "0" is out of range', 15, 16],
  ['L', 'my host:8080:/tmp/x.sock', 'bind address "my host" contains whitespace', 0, 7],
  ['L', '[]:/tmp/x.sock', 'the listening port is missing', 1, 1],
  ['L', `/${'a'.repeat(107)}:db:80`, "is 108 bytes long; a unix socket's path holds at most 107", 0, 108],
  ['R', '/tmp/x\u0001.sock:db:80', 'socket path "/tmp/x\\u0001.sock" contains a control character', 0, 12],
  ['R', 'ftp/2121:h:21', '-R ftp/2121:h:21: "ftp/": FTP forwarding is only available with -L', 0, 4],
  ['D', 'FTP/1080', '"FTP/": FTP forwarding is only available with -L', 0, 4],
  ['L', 'ftp/', 'nothing follows "ftp/" (expected ftp/[bind_address:]port:host:hostport)', 0, 4],
  ['L', 'ftp/2121:h', 'is not of the form ftp/[bind_address:]port:host:hostport', 0, 10],
  ['L', 'ftp/2121:h:0', 'destination port "0" is out of range', 11, 12],
  ['L', '8080::80', 'the destination host is missing', 5, 5],
  ['L', '8080:[]:80', 'the destination host is missing', 6, 6],
  ['L', '8080:db:', 'trailing ":" with nothing after it', 7, 8],
  // "/" is no separator (OpenSSH 9.2 refuses these as bad specifications too).
  ['L', '8080/db/5432', '"8080/db/5432" is not a forward with a unix-socket path', 0, 12],
  ['L', '8080/db/', 'is not a forward with a unix-socket path', 0, 8],
  ['L', '[::1]/8080/[::2]/80', 'unexpected "/8080/[" after "]"', 5, 12],
  [
    'L',
    'ftp/2121/h/21',
    '"2121/h/21" looks like a unix-socket path; FTP forwarding listens on a port',
    4,
    13,
  ],
  ['D', '127.0.0.1/1080', 'dynamic (SOCKS) forwarding listens on a port', 0, 14],
  ['R', '127.0.0.1/1080', 'remote dynamic (SOCKS) forwarding listens on a port on the server', 0, 14],
  ['L', '8080:d b:80', 'destination host "d b" contains whitespace', 5, 8],
  [
    'L',
    '8080:d\u0001b:80',
    '-L 8080:d\\u0001b:80: destination host "d\\u0001b" contains a control character',
    5,
    8,
  ],
  ['L', '8080:a]b:80', 'destination host "a]b" contains "]"', 5, 8],
  ['L', 'my host:8080:db:80', 'bind address "my host" contains whitespace', 0, 7],
  ['R', '1:2:3:4:5', 'found 5 fields, expected 1 or 2 (remote dynamic), 3 or 4', 0, 9],
  ['R', '1080:db', '"db" is not a port number', 5, 7],
  ['R', 'x', '"x" is not a port number', 0, 1],
  [
    'D',
    '1080:db:80',
    '"1080:db:80" is not of the form [bind_address:]port (found 3 fields, expected 1 or 2',
    0,
    10,
  ],
  ['D', '::1', 'write an IPv6 address in square brackets', 0, 3],
  ['D', 'localhost', '"localhost" is not a port number (expected 0-65535; 0 picks a free port)', 0, 9],
  ['D', '65536', 'listening port "65536" is out of range', 0, 5],
  ['D', '[::1]', '"::1" is not a port number', 1, 4],
];

describe('parseForwardSpec errors', () => {
  it.each(bad)('-%s %j', (flag, text, fragment, start, end) => {
    const error = errorOf(() => parseForwardSpec(flag, text));
    expect(error.name).toBe('ForwardSpecError');
    expect(error.message).toContain(fragment);
    // The message shows the trimmed input, with control characters escaped.
    const shown = text
      .trim()
      .replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(error.message.startsWith(`-${flag}${shown === '' ? '' : ` ${shown}`}: `)).toBe(true);
    expect(error.input).toBe(text);
    expect([error.start, error.end]).toEqual([start, end]);
  });
});

const configGood: [ForwardFlag, string, ForwardSpec][] = [
  ['L', '8080 db:5432', local(undefined, 8080, 'db', 5432)],
  ['L', '127.0.0.1:8080   db:5432', local('127.0.0.1', 8080, 'db', 5432)],
  ['L', '\t8080\tdb:5432 ', local(undefined, 8080, 'db', 5432)],
  ['L', '[::1]:8080 [::2]:80', local('::1', 8080, '::2', 80)],
  ['L', '*:8080 db/80', unix('L', ['', 8080], 'db/80')],
  ['L', 'ftp/2121 ftp.example:21', ftp(undefined, 2121, 'ftp.example', 21)],
  ['R', '9000 localhost:3000', remote(undefined, 9000, 'localhost', 3000)],
  ['R', '0.0.0.0:0 [::1]:3000', remote('0.0.0.0', 0, '::1', 3000)],
  ['D', '1080', dynamic(undefined, 1080)],
  ['D', ' localhost:1080 ', dynamic('localhost', 1080)],
  ['D', '[::1]:1080', dynamic('::1', 1080)],
  ['L', '/tmp/x.sock db:80', unix('L', '/tmp/x.sock', ['db', 80])],
  ['L', '5432 /run/pg.sock', unix('L', [undefined, 5432], '/run/pg.sock')],
  ['L', '/tmp/a.sock   /run/b.sock', unix('L', '/tmp/a.sock', '/run/b.sock')],
  ['R', '/tmp/r.sock localhost:3000', unix('R', '/tmp/r.sock', ['localhost', 3000])],
  ['R', '127.0.0.1:9000 /run/app.sock', unix('R', ['127.0.0.1', 9000], '/run/app.sock')],
  ['R', '1080', remoteDynamic(undefined, 1080)],
  ['R', ' [::1]:1080 ', remoteDynamic('::1', 1080)],
];

const configBad: [ForwardFlag, string, string, number, number][] = [
  ['L', '', 'LocalForward: missing argument (expected [bind_address:]port host:hostport)', 0, 0],
  ['D', '  ', 'DynamicForward: missing argument', 0, 2],
  ['L', '8080', 'LocalForward 8080: missing destination after "8080"', 0, 4],
  ['L', '8080:db:5432', 'the listener and the destination are separated by whitespace', 0, 12],
  ['R', 'x1080', '"x1080" is not a port number', 0, 5],
  ['L', '/tmp/sock', 'missing destination after "/tmp/sock"', 0, 9],
  ['D', '1080 extra', 'DynamicForward 1080 extra: unexpected extra argument "extra"', 5, 10],
  ['L', '8080 db:5432 x  y', 'unexpected extra argument "x  y"', 13, 17],
  ['L', '8o80 db:80', 'LocalForward 8o80 db:80: "8o80" is not a port number', 0, 4],
  ['L', '8080  db:99999', 'destination port "99999" is out of range', 9, 14],
  ['L', '8080 db', '"8080 db" is not of the form [bind_address:]port host:hostport', 0, 7],
  ['L', '8080 :80', 'the destination host is missing', 5, 5],
  ['L', '[::1 db:80', 'has no closing "]"', 0, 10],
  ['R', 'ftp/9000 h:80', 'FTP forwarding is only available with LocalForward', 0, 4],
  ['L', '/tmp/sock db', 'is not a forward with a unix-socket path', 0, 12],
];

describe('parseConfigForward', () => {
  it.each(configGood)('%s %j', (flag, value, expected) => {
    expect(parseConfigForward(flag, value)).toEqual(expected);
  });

  it.each(configBad)('%s %j fails', (flag, value, fragment, start, end) => {
    const error = errorOf(() => parseConfigForward(flag, value));
    expect(error.message).toContain(fragment);
    expect(error.input).toBe(value);
    expect([error.start, error.end]).toEqual([start, end]);
  });
});

describe('formatForwardSpec', () => {
  it.each<[ForwardSpec, string, string]>([
    [local(undefined, 8080, 'db', 5432), '8080:db:5432', '-L 8080:db:5432'],
    [local('127.0.0.1', 8080, 'db', 5432), '127.0.0.1:8080:db:5432', '-L 127.0.0.1:8080:db:5432'],
    [local('::1', 8080, 'fe80::1', 80), '[::1]:8080:[fe80::1]:80', '-L [::1]:8080:[fe80::1]:80'],
    [local('', 8080, 'db', 80), '*:8080:db:80', '-L *:8080:db:80'],
    [ftp(undefined, 2121, 'ftp.example', 21), 'ftp/2121:ftp.example:21', '-L ftp/2121:ftp.example:21'],
    [ftp('127.0.0.1', 2121, 'h', 21), 'ftp/127.0.0.1:2121:h:21', '-L ftp/127.0.0.1:2121:h:21'],
    [remote(undefined, 9000, 'localhost', 3000), '9000:localhost:3000', '-R 9000:localhost:3000'],
    [dynamic(undefined, 1080), '1080', '-D 1080'],
    [dynamic('localhost', 1080), 'localhost:1080', '-D localhost:1080'],
    [dynamic('::1', 1080), '[::1]:1080', '-D [::1]:1080'],
    [dynamic('', 0), '*:0', '-D *:0'],
    [unix('L', '/tmp/x.sock', ['db', 80]), '/tmp/x.sock:db:80', '-L /tmp/x.sock:db:80'],
    [unix('L', ['::1', 5432], '/run/pg.sock'), '[::1]:5432:/run/pg.sock', '-L [::1]:5432:/run/pg.sock'],
    [unix('R', '/tmp/a:b.sock', ['::1', 80]), '[/tmp/a:b.sock]:[::1]:80', '-R [/tmp/a:b.sock]:[::1]:80'],
    [unix('R', 'run/x.sock', '/run/y.sock'), 'run/x.sock:/run/y.sock', '-R run/x.sock:/run/y.sock'],
    [remoteDynamic(undefined, 1080), '1080', '-R 1080'],
    [remoteDynamic('', 0), '*:0', '-R *:0'],
  ])('%j', (spec, text, flagged) => {
    expect(formatForwardSpec(spec)).toBe(text);
    expect(formatForwardFlag(spec)).toBe(flagged);
  });
});

describe('round trip', () => {
  it.each([...good, ...configGood])('-%s %j', (_flag, _text, spec) => {
    const text = formatForwardSpec(spec);
    expect(parseForwardSpec(flagOf(spec), text)).toEqual(spec);
    const [flag, rest] = formatForwardFlag(spec).split(' ', 2);
    expect(flag).toBe(`-${flagOf(spec)}`);
    expect(rest).toBe(text);
  });
});

describe('splitForwardFlag', () => {
  it('splits a forward as a favorite keeps it into its flag and spec', () => {
    expect(splitForwardFlag('-L 8080:db:5432')).toEqual({flag: 'L', spec: '8080:db:5432'});
    expect(splitForwardFlag('-R  9000:localhost:3000')).toEqual({flag: 'R', spec: '9000:localhost:3000'});
    expect(splitForwardFlag('-D 1080')).toEqual({flag: 'D', spec: '1080'});
  });

  it.each(['L 8080:db:5432', '-L8080:db:5432', '-l 8080:db:5432', '-X 1', '-D '])(
    'leaves %j alone',
    (text) => {
      expect(splitForwardFlag(text)).toBeUndefined();
    },
  );
});

describe('service names for ports (ssh’s a2port), where the caller gives a lookup', () => {
  const services: Record<string, number> = {http: 80, https: 443, socks: 1080, ssh: 22, zero: 0};
  const lookup = (name: string) => services[name];

  it('takes a name in every port field of -L, -R and -D, and in config forwards', () => {
    expect(parseForwardSpec('L', 'http:localhost:https', lookup)).toMatchObject({
      kind: 'local',
      port: 80,
      host: 'localhost',
      hostPort: 443,
    });
    expect(parseForwardSpec('D', 'localhost:socks', lookup)).toMatchObject({
      bindAddress: 'localhost',
      port: 1080,
    });
    expect(parseForwardSpec('R', '8022:127.0.0.1:ssh', lookup)).toMatchObject({kind: 'remote', hostPort: 22});
    expect(parseConfigForward('L', 'http localhost:https', lookup)).toMatchObject({port: 80, hostPort: 443});
  });

  it('refuses a name without a lookup, an unknown name, and a destination that names port 0', () => {
    expect(() => parseForwardSpec('L', 'http:localhost:80')).toThrow(/"http" is not a port number/);
    expect(() => parseForwardSpec('L', 'nosuch:localhost:80', lookup)).toThrow(
      /"nosuch" is not a port number/,
    );
    expect(() => parseForwardSpec('L', '80:localhost:zero', lookup)).toThrow(/"zero" is not a port number/);
  });
});
