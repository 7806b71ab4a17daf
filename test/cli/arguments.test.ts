import {describe, expect, it} from 'vitest';
import {parseArguments} from '../../source/cli/arguments.js';
import {commandLineOptions} from '../../source/config/command-line.js';
import {resolveOptions} from '../../source/config/resolve-options.js';

describe('command-line arguments, as ssh takes them', () => {
  it.each([
    [['-L9090:db:5432', 'host'], {localForwards: ['9090:db:5432'], destination: 'host'}],
    [['-L', '9090:db:5432', '-L', '9091:db:5433', 'host'], {localForwards: ['9090:db:5432', '9091:db:5433']}],
    [
      ['-R', '0:localhost:3000', '-D1080', '-D', '[::1]:1081', 'h'],
      {remoteForwards: ['0:localhost:3000'], dynamicForwards: ['1080', '[::1]:1081']},
    ],
    [['-Nv', 'h'], {noCommand: true, verbose: 1}],
    [['-v', '-v', '-v', 'h'], {verbose: 3}],
    [
      ['-p2222', '-l', 'me', '-i', 'a', '-i', 'b', 'h'],
      {port: '2222', user: 'me', identityFiles: ['a', 'b']},
    ],
    [
      ['-o', 'BatchMode=yes', '-oStrictHostKeyChecking=accept-new', 'h'],
      {options: ['BatchMode=yes', 'StrictHostKeyChecking=accept-new']},
    ],
    [
      ['-F', '/dev/null', '-c', 'aes128-gcm@openssh.com', '--json', 'h'],
      {configFile: '/dev/null', cipher: 'aes128-gcm@openssh.com', json: true},
    ],
    // Options after the host, as ssh allows.
    [['host', '-N', '-L', '8080:x:80'], {destination: 'host', noCommand: true, localForwards: ['8080:x:80']}],
    [['ssh://me@host:2222'], {destination: 'ssh://me@host:2222'}],
    [
      ['-A', '-X', 'h', 'xclock', '-geometry', '100x100'],
      {forwardAgent: true, forwardX11: true, command: ['xclock', '-geometry', '100x100']},
    ],
    [['-a', '-x', 'h'], {forwardAgent: false, forwardX11: false, command: []}],
    [['h'], {forwardAgent: undefined, forwardX11: undefined}],
    [
      ['-Np2222', 'h', '-v', 'ls', '-la', '-p', '1'],
      {port: '2222', noCommand: true, verbose: 1, command: ['ls', '-la', '-p', '1']},
    ],
    [['h', '--', '-weird-command'], {destination: 'h', command: ['-weird-command']}],
    [['-L', '-1:x:1', 'h'], {localForwards: ['-1:x:1'], destination: 'h'}],
    [[], {command: [], noCommand: false, json: false, verbose: 0, localForwards: [], options: []}],
  ])('%j', (argv, expected) => {
    expect(parseArguments(argv)).toMatchObject(expected);
  });

  it('exits 255 on an unknown flag or a missing value, as ssh does', () => {
    const stderr = process.stderr.write;
    process.stderr.write = () => true;
    try {
      expect(parseArguments(['-Z', 'host'])).toBe(255);
      expect(parseArguments(['host', '-L'])).toBe(255);
    } finally {
      process.stderr.write = stderr;
    }
  });

  it('gives the session its options, its command as Match command reads it, and nothing of -N, --json, -v', () => {
    const parsed = parseArguments(['-Nv', '--json', '-p2222', '-L', '8080:db:5432', '-A', 'h', 'ls']);
    if (typeof parsed === 'number') throw new Error(`exited ${parsed}`);
    expect(commandLineOptions(parsed, '@box')).toEqual({
      destination: '@box',
      port: '2222',
      user: undefined,
      identityFiles: [],
      configFile: undefined,
      options: [],
      cipher: undefined,
      localForwards: ['8080:db:5432'],
      remoteForwards: [],
      dynamicForwards: [],
      forwardAgent: true,
      forwardX11: undefined,
      sequence: [
        {flag: 'N'},
        {flag: 'p', value: '2222'},
        {flag: 'L', value: '8080:db:5432'},
        {flag: 'A'},
        {flag: 'destination', value: 'h'},
      ],
      remoteCommand: 'ls',
    });
  });

  it("keeps ssh's order: the first -o Port, -p, -l and user@; the last of -A and -a", async () => {
    const parsed = parseArguments(['-o', 'Port=2300', '-p', '2301', '-p2302', '-A', '-a', 'b@h', '-l', 'c']);
    if (typeof parsed === 'number') throw new Error(`exited ${parsed}`);
    expect(parsed.forwardAgent).toBe(false);
    const {options} = await resolveOptions(commandLineOptions({...parsed, configFile: '/dev/null'}, 'h'));
    expect(options).toMatchObject({port: 2300, user: 'b', forwardAgent: false});
    expect(parsed.sequence?.map((word) => word.flag)).toStrictEqual([
      'o',
      'p',
      'p',
      'A',
      'a',
      'destination',
      'l',
    ]);
  });

  it('takes the flags people type out of habit from ssh: -T -q -C -n -k -y -g -4 -6 -b and -G', () => {
    const parsed = parseArguments(['-TqCnky', '-g4', '-b', '127.0.0.1', '-G', 'h']);
    if (typeof parsed === 'number') throw new Error(`exited ${parsed}`);
    expect(parsed.printConfig).toBe(true);
    expect(parsed.sequence?.map((word) => word.flag)).toStrictEqual(['g', '4', 'b', 'destination']);
  });
});
