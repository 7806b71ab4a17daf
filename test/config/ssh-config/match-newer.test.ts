/**
 * The Match criteria OpenSSH added after 9.2 (tagged and localnetwork in 9.4; version, sessiontype and
 * command in 10.0), read as its current readconf.c reads them, with tunnels' own facts.
 */
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {type CommandLineOptions, ConfigError} from '../../../source/config/command-line.js';
import {resolveOptions} from '../../../source/config/resolve-options.js';
import type {FilledOptions} from '../../../source/config/ssh-config/defaults.js';
import {MATCH_VERSION} from '../../../source/config/ssh-config/match.js';

const ME = os.userInfo().username;

let home: string;
let previousHome: string | undefined;
let systemConfig: string;

beforeEach(() => {
  previousHome = process.env.HOME;
  home = mkdtempSync(path.join(os.tmpdir(), 'tunnels-match-newer-'));
  process.env.HOME = home;
  mkdirSync(path.join(home, '.ssh'), {mode: 0o700});
  systemConfig = path.join(home, 'etc-ssh', 'ssh_config');
});

afterEach(() => {
  vi.restoreAllMocks();
  if (previousHome === undefined) delete process.env.HOME;
  else process.env.HOME = previousHome;
  rmSync(home, {recursive: true, force: true});
});

function writeConfig(lines: string[]): void {
  const file = path.join(home, '.ssh', 'config');
  writeFileSync(file, `${lines.join('\n')}\n`);
  chmodSync(file, 0o600);
}

function cli(destination: string, extra: Partial<CommandLineOptions>): CommandLineOptions {
  return {
    destination,
    identityFiles: [],
    options: [],
    localForwards: [],
    remoteForwards: [],
    dynamicForwards: [],
    ...extra,
  };
}

/** ~/.ssh/config as given (unless undefined: the last one), then the options for host h. */
async function resolve(config?: string[], extra: Partial<CommandLineOptions> = {}): Promise<FilledOptions> {
  if (config !== undefined) writeConfig(config);
  return (await resolveOptions(cli('h', extra), {systemConfig})).options;
}

async function failure(config: string[], extra: Partial<CommandLineOptions> = {}): Promise<string> {
  writeConfig(config);
  try {
    await resolveOptions(cli('h', extra), {systemConfig});
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'no error';
}

/** -N, as the command line gives it. */
const noCommand = {sequence: [{flag: 'N'}, {flag: 'destination', value: 'h'}]};

describe('Match tagged', () => {
  const config = ['Match tagged work,!work-old', '  Port 1', 'Match tagged ""', '  User untagged'];

  it('matches the Tag obtained before it (config or -o), as a case-sensitive pattern list', async () => {
    expect(await resolve(['Tag work', ...config])).toMatchObject({port: 1, user: ME});
    expect(await resolve(config, {options: ['Tag=work']})).toMatchObject({port: 1, user: ME});
    // -o comes first, so it wins over the config's Tag.
    expect((await resolve(['Tag other', ...config], {options: ['Tag=work']})).port).toBe(1);
    expect((await resolve(['Tag work-old', ...config])).port).toBe(22);
    expect((await resolve(['Tag WORK', ...config])).port).toBe(22);
    // A Tag after the Match is too late for it.
    expect(await resolve([...config, 'Tag work'])).toMatchObject({port: 22, user: 'untagged'});
  });

  it('"" (or tagged=) matches only when there is no Tag; ! negates', async () => {
    expect((await resolve(config)).user).toBe('untagged');
    expect((await resolve(['Tag x', ...config])).user).toBe(ME);
    expect((await resolve(['Match tagged=', '  Port 2'])).port).toBe(2);
    expect((await resolve(['Match !tagged ""', '  Port 3'])).port).toBe(22);
    expect((await resolve(['Tag x', 'Match !tagged ""', '  Port 3'])).port).toBe(3);
  });

  it('a -o Tag is used, so not warned about as passed over', async () => {
    writeConfig(config);
    const {warnings} = await resolveOptions(cli('h', {options: ['Tag=work']}), {systemConfig});
    expect(warnings).toEqual([]);
  });
});

describe('Match version', () => {
  it("matches tunnels' own version, tunnels_VERSION, and no OpenSSH's", async () => {
    // vitest.config.ts defines the version as "test"; a build has package.json's.
    expect(MATCH_VERSION).toBe('tunnels_test');
    const config = [
      'Match version OpenSSH_*',
      '  Port 1',
      'Match version tunnels_*',
      '  User tunnels',
      'Match !version OpenSSH_10.*,OpenSSH_9.*',
      '  HostName not-openssh',
    ];
    expect(await resolve(config)).toMatchObject({port: 22, user: 'tunnels', hostname: 'not-openssh'});
    // Case-sensitive, as ssh matches it.
    expect((await resolve(['Match version TUNNELS_*', '  Port 1'])).port).toBe(22);
  });
});

describe('Match sessiontype', () => {
  const config = [
    'Match sessiontype none',
    '  Port 1',
    'Match sessiontype exec',
    '  Port 2',
    'Match sessiontype subsystem',
    '  Port 3',
    'Match sessiontype shell',
    '  User shell',
  ];

  it('none with -N or without a command (tunnels opens no shell), exec with one', async () => {
    expect(await resolve(config)).toMatchObject({port: 1, user: ME});
    expect((await resolve(config, noCommand)).port).toBe(1);
    expect((await resolve(config, {remoteCommand: 'uptime'})).port).toBe(2);
  });

  it('SessionType obtained before it counts; patterns and ! as in a list', async () => {
    expect((await resolve(['SessionType subsystem', ...config])).port).toBe(3);
    expect((await resolve(['SessionType none', ...config], {remoteCommand: 'uptime'})).port).toBe(1);
    expect(
      (await resolve(['Match sessiontype exec,subsystem', '  Port 4'], {remoteCommand: 'ls'})).port,
    ).toBe(4);
    expect((await resolve(['Match !sessiontype exec', '  Port 5'])).port).toBe(5);
  });
});

describe('Match command', () => {
  it('matches the remote command, its words joined by spaces, as a case-sensitive pattern list', async () => {
    const config = ['Match command "ls *,!ls -l /secret"', '  Port 1', 'Match command ""', '  User none'];
    expect((await resolve(config, {remoteCommand: 'ls -l'})).port).toBe(1);
    expect((await resolve(undefined, {remoteCommand: 'ls'})).port).toBe(22);
    expect((await resolve(undefined, {remoteCommand: 'LS -l'})).port).toBe(22);
    expect((await resolve(undefined, {remoteCommand: 'ls -l /secret'})).port).toBe(22);
    expect(await resolve()).toMatchObject({port: 22, user: 'none'});
    expect((await resolve(undefined, {remoteCommand: 'ls -l'})).user).toBe(ME);
    expect((await resolve(['Match command=', '  Port 2'], noCommand)).port).toBe(2);
  });
});

describe('Match localnetwork', () => {
  /** This machine's interfaces, as tests give them. */
  function interfaces(...entries: Array<{address: string; family: 'IPv4' | 'IPv6'; scopeid?: number}>) {
    const info = entries.map((entry) => ({
      netmask: '',
      mac: '00:00:00:00:00:00',
      internal: false,
      cidr: null,
      scopeid: 0,
      ...entry,
    }));
    vi.spyOn(os, 'networkInterfaces').mockReturnValue({eth0: info} as ReturnType<
      typeof os.networkInterfaces
    >);
  }

  it("matches when an interface's address is in one of the networks", async () => {
    interfaces(
      {address: '192.168.5.7', family: 'IPv4'},
      {address: '2001:db8:1::7', family: 'IPv6'},
      {address: 'fe80::1', family: 'IPv6', scopeid: 2},
    );
    const port = async (networks: string) =>
      (await resolve([`Match localnetwork ${networks}`, '  Port 1'])).port;
    expect(await port('192.168.0.0/16')).toBe(1);
    expect(await port('10.0.0.0/8,192.168.5.7')).toBe(1);
    expect(await port('2001:db8::/32')).toBe(1);
    expect(await port('0.0.0.0/0')).toBe(1);
    expect(await port('10.0.0.0/8,192.168.6.0/24')).toBe(22);
    expect(await port('192.168.5.8/32')).toBe(22);
    // Written as glibc's inet_aton reads it: 192.168.1287 is 192.168.5.7.
    expect(await port('192.168.1287')).toBe(1);
    // A link-local address has a scope, which a network in the list never has (as in ssh).
    expect(await port('fe80::/10')).toBe(22);
    expect((await resolve(['Match !localnetwork 10.0.0.0/8', '  Port 2'])).port).toBe(2);
  });

  it('refuses what ssh refuses, also where an earlier criterion failed', async () => {
    interfaces({address: '127.0.0.1', family: 'IPv4'});
    for (const [networks, message] of [
      ['10.1.2.3/8', /"10.1.2.3\/8" has a mask length that does not fit/],
      ['10.0.0.0/33', /mask length/],
      ['fe80::1/10', /mask length/],
      ['10.0.0.0/8,', /has an empty entry/],
      ['!10.0.0.0/8', /"!10.0.0.0\/8" is not a network/],
      ['10.0.0.*', /is not a network/],
      ['10.0.0.0/x', /is not a network/],
      ['256.0.0.0/8', /is not a network/],
      ['db.example.com', /is not a network/],
    ] as const) {
      expect(await failure([`Match host nope localnetwork ${networks}`, '  Port 1']), networks).toMatch(
        message,
      );
    }
  });
});

describe('the newer criteria with the others', () => {
  it('combine with other criteria; a missing argument is an error', async () => {
    const config = ['Tag work', 'Match host h tagged work !sessiontype exec version tunnels_*', '  Port 1'];
    expect((await resolve(config)).port).toBe(1);
    expect((await resolve(undefined, {remoteCommand: 'ls'})).port).toBe(22);
    for (const criterion of ['tagged', 'command', 'version', 'sessiontype', 'localnetwork']) {
      expect(await failure([`Match ${criterion}`, '  Port 1']), criterion).toMatch(
        new RegExp(`missing Match criteria for ${criterion}`),
      );
      expect(await failure([`Match ${criterion} # comment`, '  Port 1']), criterion).toMatch(
        /missing Match criteria/,
      );
    }
    // Only tagged and command take an empty argument.
    expect(await failure(['Match version ""', '  Port 1'])).toMatch(/missing Match criteria for version/);
  });

  it('final and canonical: they see the values the first pass obtained', async () => {
    const config = [
      'Match !final',
      '  Tag first-pass',
      'Match final tagged first-pass',
      '  Port 1',
      'Match canonical command uptime',
      '  User canonical',
    ];
    expect((await resolve(config)).port).toBe(1);
    writeConfig(['CanonicalizeHostname yes', ...config]);
    expect(await resolve(undefined, {remoteCommand: 'uptime'})).toMatchObject({port: 1, user: 'canonical'});
  });
});
