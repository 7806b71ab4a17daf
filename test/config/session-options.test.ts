import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {type CommandLineOptions, ConfigError} from '../../source/config/command-line.js';
import {type ResolvedInvocation, resolveInvocation} from '../../source/config/session-options.js';
import type {ForwardSpec} from '../../source/core/protocols/forward-spec.js';

describe('resolveInvocation', () => {
  let home: string;
  let configFile: string;
  let savedHome: string | undefined;
  let savedAgent: string | undefined;
  let savedTestSocket: string | undefined;

  beforeEach(async () => {
    savedHome = process.env.HOME;
    savedAgent = process.env.SSH_AUTH_SOCK;
    savedTestSocket = process.env.TUNNELS_TEST_SOCKET;
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-session-options-'));
    await mkdir(path.join(home, '.ssh'));
    configFile = path.join(home, 'ssh_config');
    process.env.HOME = home;
    delete process.env.SSH_AUTH_SOCK;
    delete process.env.TUNNELS_TEST_SOCKET;
  });

  afterEach(async () => {
    for (const [name, value] of [
      ['HOME', savedHome],
      ['SSH_AUTH_SOCK', savedAgent],
      ['TUNNELS_TEST_SOCKET', savedTestSocket],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(home, {recursive: true, force: true});
  });

  const inHome = (...parts: string[]) => path.join(home, ...parts);

  async function resolve(
    destination: string,
    given: Partial<CommandLineOptions> = {},
    config?: string,
  ): Promise<ResolvedInvocation> {
    await writeFile(configFile, config ?? '');
    return resolveInvocation({
      destination,
      identityFiles: [],
      options: [],
      localForwards: [],
      remoteForwards: [],
      dynamicForwards: [],
      configFile,
      ...given,
    });
  }

  async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the promise to reject');
  }

  describe('defaults', () => {
    it('fills in what ssh would', async () => {
      const result = await resolve('example.com');
      expect(result).toStrictEqual({
        session: {
          host: 'example.com',
          port: 22,
          user: os.userInfo().username,
          identityFiles: [
            'id_rsa',
            'id_ecdsa',
            'id_ecdsa_sk',
            'id_ed25519',
            'id_ed25519_sk',
            'id_xmss',
            'id_dsa',
          ].map((name) => ({file: inHome('.ssh', name), explicit: false})),
          agentSocket: undefined,
          knownHostsFiles: [inHome('.ssh', 'known_hosts'), inHome('.ssh', 'known_hosts2')],
          globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
          strict: 'ask',
          batchMode: false,
          hashKnownHosts: false,
          hostKeyAlias: undefined,
          passwordAuthentication: true,
          kbdInteractiveAuthentication: true,
          numberOfPasswordPrompts: 3,
          connectTimeoutMs: 30_000,
          serverAliveIntervalMs: 15_000,
          serverAliveCountMax: 3,
          identitiesOnly: false,
          pubkeyAuthentication: true,
          forwardAgent: false,
          ciphers: undefined,
        },
        forwardX11: false,
        forwards: [],
        exitOnForwardFailure: false,
        warnings: [],
      });
    });

    it('-F naming a missing file is an error, as in ssh; a missing ~/.ssh/config is an empty one', async () => {
      const error = await rejection(resolve('example.com', {configFile: inHome('no', 'such', 'config')}));
      expect(error.message).toContain(`cannot open the config file ${inHome('no', 'such', 'config')}`);
      const result = await resolveInvocation(
        {
          destination: 'example.com',
          identityFiles: [],
          options: [],
          localForwards: [],
          remoteForwards: [],
          dynamicForwards: [],
        },
        {systemConfig: inHome('no-system-config')},
      );
      expect(result.session).toMatchObject({host: 'example.com', port: 22, strict: 'ask'});
    });

    it('a config file that is a directory is an empty config', async () => {
      const result = await resolve('example.com', {configFile: inHome('.ssh')});
      expect(result.session).toMatchObject({host: 'example.com', port: 22});
    });

    it('reads ~/.ssh/config when no -F is given', async () => {
      await writeFile(inHome('.ssh', 'config'), 'Host example.com\n  Port 2022\n  User cfg\n');
      const result = await resolveInvocation({
        destination: 'example.com',
        identityFiles: [],
        options: [],
        localForwards: [],
        remoteForwards: [],
        dynamicForwards: [],
      });
      expect(result.session).toMatchObject({port: 2022, user: 'cfg'});
    });

    it('expands ~ in -F', async () => {
      await writeFile(inHome('other_config'), 'Host *\n  Port 2023\n');
      const result = await resolve('example.com', {configFile: '~/other_config'});
      expect(result.session.port).toBe(2023);
    });

    it.each<[string, Partial<CommandLineOptions>, string | undefined, string | undefined]>([
      ['SSH_AUTH_SOCK', {}, '', '/run/agent.sock'],
      // IdentitiesOnly keeps the agent: its keys that match an IdentityFile are still used (as ssh does).
      ['SSH_AUTH_SOCK, IdentitiesOnly=yes', {options: ['IdentitiesOnly=yes']}, '', '/run/agent.sock'],
      ['SSH_AUTH_SOCK, IdentitiesOnly=no', {options: ['IdentitiesOnly=no']}, '', '/run/agent.sock'],
      ['SSH_AUTH_SOCK, config IdentitiesOnly yes', {}, 'Host *\n  IdentitiesOnly yes\n', '/run/agent.sock'],
      ['SSH_AUTH_SOCK, IdentityAgent=none', {options: ['IdentityAgent=none']}, '', undefined],
      ['SSH_AUTH_SOCK, config IdentityAgent none', {}, 'Host *\n  IdentityAgent none\n', undefined],
      ['IdentityAgent=SSH_AUTH_SOCK', {options: ['IdentityAgent=SSH_AUTH_SOCK']}, '', '/run/agent.sock'],
      ['IdentityAgent=/tmp/other.sock', {options: ['IdentityAgent=/tmp/other.sock']}, '', '/tmp/other.sock'],
      [
        'IdentityAgent=$TUNNELS_TEST_SOCKET',
        {options: ['IdentityAgent=$TUNNELS_TEST_SOCKET']},
        '',
        '/run/t.sock',
      ],
      [
        '-o IdentityAgent beats config',
        {options: ['IdentityAgent=/a.sock']},
        'Host *\n  IdentityAgent none\n',
        '/a.sock',
      ],
    ])('agent socket: %s', async (_name, given, config, expected) => {
      process.env.SSH_AUTH_SOCK = '/run/agent.sock';
      process.env.TUNNELS_TEST_SOCKET = '/run/t.sock';
      const result = await resolve('example.com', given, config);
      expect(result.session.agentSocket).toBe(expected);
    });

    it('agent socket: IdentityAgent ~/ is expanded', async () => {
      const result = await resolve('example.com', {options: ['IdentityAgent=~/agent.sock']});
      expect(result.session.agentSocket).toBe(inHome('agent.sock'));
    });

    it('agent socket: undefined without SSH_AUTH_SOCK', async () => {
      const result = await resolve('example.com');
      expect(result.session.agentSocket).toBeUndefined();
    });

    it('agent socket: IdentitiesOnly=maybe is an error naming the key', async () => {
      const error = await rejection(resolve('example.com', {options: ['IdentitiesOnly=maybe']}));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain('IdentitiesOnly=maybe');
    });
  });

  describe('precedence', () => {
    const CONFIG = `Host web
  HostName web.internal
  Port 2200
  User cfg
  IdentityFile ~/.ssh/web_key
  IdentityFile /keys/%r@%h

Host *
  Port 2299
  User fallback
  IdentityFile ~/.ssh/default_key
`;

    it.each<[string, string, Partial<CommandLineOptions>, number]>([
      ['-p beats everything', 'ssh://web:3000', {port: '4000', options: ['Port=5000']}, 4000],
      ['ssh:// port beats -o Port', 'ssh://web:3000', {options: ['Port=5000']}, 3000],
      ['-o Port beats config Port', 'web', {options: ['Port=5000']}, 5000],
      ['config Port', 'web', {}, 2200],
      ['Host * Port', 'other', {}, 2299],
      ['first -o Port wins', 'web', {options: ['Port=5000', 'port=6000', 'PORT 7000']}, 5000],
    ])('port: %s', async (_name, destination, given, expected) => {
      const result = await resolve(destination, given, CONFIG);
      expect(result.session.port).toBe(expected);
    });

    it.each<[string, Partial<CommandLineOptions>, RegExp]>([
      ['-p 0', {port: '0'}, /-p "0" is not a port number/],
      ['-p 65536', {port: '65536'}, /-p "65536" is not a port number/],
      ['-p nope', {port: 'nope'}, /-p "nope" is not a port number/],
      ['-o Port=0', {options: ['Port=0']}, /-o Port=0: not a port number/],
      ['-o Port=x', {options: ['Port=x']}, /-o Port=x: not a port number/],
    ])('port: %s is an error', async (_name, given, message) => {
      const error = await rejection(resolve('web', given, CONFIG));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(message);
    });

    it('an unusable config Port is an error, as in ssh', async () => {
      const error = await rejection(resolve('web', {}, 'Host web\n  Port nope\nHost *\n  Port 2100\n'));
      expect(error.message).toMatch(/line 2: Port nope: not a port number/);
    });

    it('-6 with an IPv4 address (or -4 with IPv6) is refused, as ssh refuses it', async () => {
      const six = await rejection(resolve('127.0.0.1', {options: ['AddressFamily=inet6']}));
      expect(six.message).toContain(
        '127.0.0.1 is an IPv4 address, but AddressFamily (or -6) allows only IPv6',
      );
      const four = await rejection(resolve('::1', {options: ['AddressFamily=inet']}));
      expect(four.message).toContain('::1 is an IPv6 address');
    });

    it('service names are ports, as in ssh: -p http, Port ssh', async () => {
      expect((await resolve('web', {port: 'http'}, CONFIG)).session.port).toBe(80);
      expect((await resolve('other', {}, 'Host *\n  Port ssh\n')).session.port).toBe(22);
    });

    it.each<[string, string, Partial<CommandLineOptions>, string]>([
      ['-l beats everything', 'alice@web', {user: 'carol', options: ['User=bob']}, 'carol'],
      ['user@ beats -o User', 'alice@web', {options: ['User=bob']}, 'alice'],
      ['ssh://user@ beats -o User', 'ssh://alice@web', {options: ['User=bob']}, 'alice'],
      ['-o User beats config User', 'web', {options: ['User=bob']}, 'bob'],
      ['first -o User wins', 'web', {options: ['User=bob', 'User=dave']}, 'bob'],
      ['config User', 'web', {}, 'cfg'],
      ['Host * User', 'other', {}, 'fallback'],
    ])('user: %s', async (_name, destination, given, expected) => {
      const result = await resolve(destination, given, CONFIG);
      expect(result.session.user).toBe(expected);
    });

    it.each<[string, string, Partial<CommandLineOptions>, string]>([
      ['-o HostName beats config HostName', 'web', {options: ['HostName=10.0.0.5']}, '10.0.0.5'],
      ['config HostName', 'web', {}, 'web.internal'],
      ['config HostName via user@', 'alice@web', {}, 'web.internal'],
      ['config HostName via ssh://', 'ssh://alice@web:22', {}, 'web.internal'],
      ['no HostName: the destination', 'other', {}, 'other'],
      ['-o HostName without config', 'other', {options: ['HostName=target.example']}, 'target.example'],
      [
        'first -o HostName wins',
        'other',
        {options: ['HostName=a.example', 'HostName=b.example']},
        'a.example',
      ],
    ])('host: %s', async (_name, destination, given, expected) => {
      const result = await resolve(destination, given, CONFIG);
      expect(result.session.host).toBe(expected);
    });

    it('config HostName %h expands to the alias', async () => {
      const result = await resolve('web', {}, 'Host web\n  HostName %h.example.com\n');
      expect(result.session.host).toBe('web.example.com');
    });

    it('-i files come first, then -o IdentityFile, then the config ones, all explicit', async () => {
      await writeFile(inHome('.ssh', 'first'), '');
      const result = await resolve(
        'web',
        {
          identityFiles: ['~/.ssh/first', '/etc/hostname'],
          options: ['IdentityFile=~/third', 'IdentityFile /abs/fourth'],
        },
        CONFIG,
      );
      expect(result.session.identityFiles).toStrictEqual([
        {file: inHome('.ssh', 'first'), explicit: true},
        {file: '/etc/hostname', explicit: true},
        {file: inHome('third'), explicit: true},
        {file: '/abs/fourth', explicit: true},
        {file: inHome('.ssh', 'web_key'), explicit: true},
        {file: '/keys/cfg@web.internal', explicit: true},
        {file: inHome('.ssh', 'default_key'), explicit: true},
      ]);
    });

    it.each<[string, string, Partial<CommandLineOptions>, string]>([
      ['config User', 'web', {}, '/keys/cfg@web.internal'],
      ['user@', 'alice@web', {}, '/keys/alice@web.internal'],
      ['-l', 'web', {user: 'carol'}, '/keys/carol@web.internal'],
      ['-o User', 'web', {options: ['User=bob']}, '/keys/bob@web.internal'],
    ])('config IdentityFile user token (r) follows the user: %s', async (_name, destination, given, file) => {
      const result = await resolve(destination, given, CONFIG);
      expect(result.session.identityFiles.map((identity) => identity.file)).toContain(file);
      expect(result.session.user).toBe(file.slice('/keys/'.length, file.indexOf('@')));
    });

    it('-i alone replaces the default identity files', async () => {
      await writeFile(inHome('k'), '');
      const result = await resolve('other', {identityFiles: ['~/k']});
      expect(result.session.identityFiles).toStrictEqual([{file: inHome('k'), explicit: true}]);
    });

    it('a missing -i file is warned about and left out; the defaults then apply, as in ssh', async () => {
      const result = await resolve('other', {identityFiles: ['~/missing']});
      expect(result.warnings).toStrictEqual([
        `identity file ${inHome('missing')} not accessible: no such file; going on without it (as ssh does)`,
      ]);
      expect(result.session.identityFiles[0]).toStrictEqual({
        file: inHome('.ssh', 'id_rsa'),
        explicit: false,
      });
    });

    it('config IdentityFile alone replaces the default identity files', async () => {
      const result = await resolve('other', {}, 'Host *\n  IdentityFile ~/.ssh/only\n');
      expect(result.session.identityFiles).toStrictEqual([{file: inHome('.ssh', 'only'), explicit: true}]);
    });

    it('-o beats the config for single-valued keys; first config value wins', async () => {
      const config =
        'Host web\n  StrictHostKeyChecking yes\n  ServerAliveInterval 60\nHost *\n  StrictHostKeyChecking no\n  ConnectTimeout 5\n  ServerAliveInterval 90\n';
      const result = await resolve('web', {options: ['StrictHostKeyChecking=accept-new']}, config);
      expect(result.session).toMatchObject({
        strict: 'accept-new',
        serverAliveIntervalMs: 60_000,
        connectTimeoutMs: 5_000,
      });
    });
  });

  describe('forwards', () => {
    const local = (port: number, host: string, hostPort: number, bindAddress?: string): ForwardSpec => ({
      kind: 'local',
      bindAddress,
      port,
      host,
      hostPort,
    });
    const remote = (port: number, host: string, hostPort: number, bindAddress?: string): ForwardSpec => ({
      kind: 'remote',
      bindAddress,
      port,
      host,
      hostPort,
    });
    const dynamic = (port: number, bindAddress?: string): ForwardSpec => ({
      kind: 'dynamic',
      bindAddress,
      port,
    });

    const CONFIG = `Host web
  LocalForward 8082 web-db:5434
  RemoteForward 9002 localhost:3002
  LocalForward [::1]:8084 [2001:db8::2]:80

Host *
  LocalForward 8083 shared:80
  DynamicForward 1082
`;

    const ALL: Partial<CommandLineOptions> = {
      localForwards: ['8080:db:5432', 'ftp/2121:ftp.example:21'],
      remoteForwards: ['9000:localhost:3000'],
      dynamicForwards: ['1080', '127.0.0.1:1079'],
      options: [
        'DynamicForward=1081',
        'RemoteForward 9001 localhost:3001',
        'LocalForward=127.0.0.1:8081 db:5433',
      ],
    };

    it('local and dynamic ones (as ssh keeps them: command line, -o, config), then remote ones', async () => {
      const result = await resolve('web', ALL, CONFIG);
      expect(result.forwards).toStrictEqual([
        local(8080, 'db', 5432),
        {kind: 'ftp', bindAddress: undefined, port: 2121, host: 'ftp.example', hostPort: 21},
        dynamic(1080),
        dynamic(1079, '127.0.0.1'),
        dynamic(1081),
        local(8081, 'db', 5433, '127.0.0.1'),
        local(8082, 'web-db', 5434),
        local(8084, '2001:db8::2', 80, '::1'),
        local(8083, 'shared', 80),
        dynamic(1082),
        remote(9000, 'localhost', 3000),
        remote(9001, 'localhost', 3001),
        remote(9002, 'localhost', 3002),
      ]);
    });

    it('a forward given twice (command line and config) is kept once, as in ssh', async () => {
      const result = await resolve('web', {localForwards: ['8083:shared:80', '8083:shared:80']}, CONFIG);
      expect(result.forwards.filter((spec) => 'port' in spec && spec.port === 8083)).toHaveLength(1);
    });

    it('only the Host * ones for another host', async () => {
      const result = await resolve('other', {}, CONFIG);
      expect(result.forwards).toStrictEqual([local(8083, 'shared', 80), dynamic(1082)]);
    });

    it.each<[string, Partial<CommandLineOptions>, string]>([
      [
        '-o ClearAllForwardings=yes',
        {...ALL, options: [...(ALL.options ?? []), 'ClearAllForwardings=yes']},
        '',
      ],
      ['config ClearAllForwardings yes', ALL, 'Host web\n  ClearAllForwardings yes\n'],
      ['ClearAllForwardings=true', {...ALL, options: ['ClearAllForwardings=true']}, ''],
    ])('%s drops them all', async (_name, given, extraConfig) => {
      const result = await resolve('web', given, extraConfig + CONFIG);
      expect(result.forwards).toStrictEqual([]);
    });

    it('ClearAllForwardings=no keeps them', async () => {
      const result = await resolve(
        'other',
        {localForwards: ['1:h:2'], options: ['ClearAllForwardings=no']},
        CONFIG,
      );
      expect(result.forwards).toHaveLength(3);
    });

    it('ClearAllForwardings does not hide a bad forward in the config: ssh refuses the line too', async () => {
      const error = await rejection(
        resolve('web', {options: ['ClearAllForwardings=yes']}, 'Host *\n  LocalForward 8080 nowhere\n'),
      );
      expect(error.message).toContain('LocalForward 8080 nowhere');
    });

    it.each<[string, Partial<CommandLineOptions>, string, string[]]>([
      ['-L missing field', {localForwards: ['8080:db']}, '', ['-L 8080:db', '"8080:db"']],
      [
        '-L bad port',
        {localForwards: ['8080:db:nosuchservice']},
        '',
        ['-L 8080:db:nosuchservice', '"nosuchservice"'],
      ],
      ['-L port out of range', {localForwards: ['70000:db:80']}, '', ['-L', '"70000"']],
      ['-R destination port 0', {remoteForwards: ['9000:localhost:0']}, '', ['-R 9000:localhost:0', '"0"']],
      ['-D not a port', {dynamicForwards: ['nosuchservice']}, '', ['-D nosuchservice', '"nosuchservice"']],
      ['-D too many fields', {dynamicForwards: ['a:b:1080']}, '', ['-D a:b:1080']],
      [
        '-o LocalForward without destination',
        {options: ['LocalForward=8080']},
        '',
        ['-o LocalForward: ', 'LocalForward 8080'],
      ],
      [
        '-o RemoteForward bad port',
        {options: ['RemoteForward=9000 localhost:x']},
        '',
        ['-o RemoteForward: ', '"x"'],
      ],
      [
        '-o DynamicForward extra',
        {options: ['DynamicForward=1080 extra']},
        '',
        ['-o DynamicForward: ', '"extra"'],
      ],
      [
        'config LocalForward',
        {},
        'Host *\n  LocalForward 8080 db:99999\n',
        ['LocalForward', '"99999"', 'CONFIG'],
      ],
      // RemoteForward 9000 alone is remote dynamic forwarding: valid.
      [
        'config RemoteForward',
        {},
        'Host *\n  RemoteForward 9000 /run/x.sock extra\n',
        ['RemoteForward', '"extra"', 'CONFIG'],
      ],
      [
        'config DynamicForward',
        {},
        'Host *\n  DynamicForward nope\n',
        ['DynamicForward', '"nope"', 'CONFIG'],
      ],
    ])('bad spec: %s', async (_name, given, config, parts) => {
      const error = await rejection(resolve('web', given, config));
      expect(error).toBeInstanceOf(ConfigError);
      for (const part of parts) expect(error.message).toContain(part === 'CONFIG' ? configFile : part);
    });

    it('a bad config forward names the config file first', async () => {
      const error = await rejection(resolve('web', {}, 'Host web\n  RemoteForward 9000 localhost:x\n'));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message.startsWith(`${configFile} line 2: RemoteForward 9000 localhost:x: `)).toBe(true);
    });

    it('a bad -L is reported before a bad config forward', async () => {
      const error = await rejection(
        resolve('web', {localForwards: ['bad']}, 'Host *\n  LocalForward also bad\n'),
      );
      expect(error.message).toMatch(/^-L bad: /);
    });
  });

  describe('-o keys', () => {
    it.each<[string, string[], string, Record<string, unknown>]>([
      ['StrictHostKeyChecking=yes', ['StrictHostKeyChecking=yes'], '', {strict: 'yes'}],
      ['StrictHostKeyChecking=no', ['StrictHostKeyChecking=no'], '', {strict: 'no'}],
      ['StrictHostKeyChecking=off', ['StrictHostKeyChecking=off'], '', {strict: 'no'}],
      ['StrictHostKeyChecking=ask', ['StrictHostKeyChecking=ask'], '', {strict: 'ask'}],
      ['StrictHostKeyChecking=accept-new', ['StrictHostKeyChecking=accept-new'], '', {strict: 'accept-new'}],
      ['StrictHostKeyChecking=Accept-New', ['StrictHostKeyChecking=Accept-New'], '', {strict: 'accept-new'}],
      ['StrictHostKeyChecking=true', ['StrictHostKeyChecking=true'], '', {strict: 'yes'}],
      ['StrictHostKeyChecking=false', ['StrictHostKeyChecking=false'], '', {strict: 'no'}],
      ['config StrictHostKeyChecking', [], 'StrictHostKeyChecking accept-new', {strict: 'accept-new'}],
      [
        'UserKnownHostsFile, several',
        ['UserKnownHostsFile=~/.ssh/a /tmp/b  ~/c'],
        '',
        {knownHostsFiles: [path.join('HOME', '.ssh', 'a'), '/tmp/b', path.join('HOME', 'c')]},
      ],
      ['UserKnownHostsFile=none', ['UserKnownHostsFile=none'], '', {knownHostsFiles: []}],
      [
        'UserKnownHostsFile=/dev/null',
        ['UserKnownHostsFile=/dev/null'],
        '',
        {knownHostsFiles: ['/dev/null']},
      ],
      [
        'config UserKnownHostsFile',
        [],
        'UserKnownHostsFile ~/kh1 ~/kh2',
        {knownHostsFiles: [path.join('HOME', 'kh1'), path.join('HOME', 'kh2')]},
      ],
      [
        'GlobalKnownHostsFile',
        ['GlobalKnownHostsFile=/etc/g1 /etc/g2'],
        '',
        {globalKnownHostsFiles: ['/etc/g1', '/etc/g2']},
      ],
      ['GlobalKnownHostsFile=none', ['GlobalKnownHostsFile=none'], '', {globalKnownHostsFiles: []}],
      ['BatchMode=yes', ['BatchMode=yes'], '', {batchMode: true}],
      ['BatchMode=no', ['BatchMode=no'], '', {batchMode: false}],
      ['BatchMode=YES', ['BatchMode=YES'], '', {batchMode: true}],
      ['config BatchMode', [], 'BatchMode yes', {batchMode: true}],
      ['ConnectTimeout=10', ['ConnectTimeout=10'], '', {connectTimeoutMs: 10_000}],
      ['ConnectTimeout=0', ['ConnectTimeout=0'], '', {connectTimeoutMs: 30_000}],
      ['config ConnectTimeout', [], 'ConnectTimeout 7', {connectTimeoutMs: 7_000}],
      ['ServerAliveInterval=30', ['ServerAliveInterval=30'], '', {serverAliveIntervalMs: 30_000}],
      ['ServerAliveInterval=0', ['ServerAliveInterval=0'], '', {serverAliveIntervalMs: 0}],
      ['ServerAliveCountMax=5', ['ServerAliveCountMax=5'], '', {serverAliveCountMax: 5}],
      [
        'Ciphers',
        ['Ciphers=aes128-ctr,aes256-gcm@openssh.com'],
        '',
        {ciphers: ['aes128-ctr', 'aes256-gcm@openssh.com']},
      ],
      [
        'Ciphers +',
        ['Ciphers=+aes128-cbc'],
        '',
        {
          ciphers: [
            'chacha20-poly1305@openssh.com',
            'aes128-ctr',
            'aes192-ctr',
            'aes256-ctr',
            'aes128-gcm@openssh.com',
            'aes256-gcm@openssh.com',
            'aes128-cbc',
          ],
        },
      ],
      [
        'Ciphers -pattern',
        ['Ciphers=-aes*-ctr,chacha*'],
        '',
        {ciphers: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']},
      ],
      [
        'config Ciphers',
        [],
        'Ciphers chacha20-poly1305@openssh.com',
        {ciphers: ['chacha20-poly1305@openssh.com']},
      ],
      ['PasswordAuthentication=no', ['PasswordAuthentication=no'], '', {passwordAuthentication: false}],
      ['PasswordAuthentication=yes', ['PasswordAuthentication=yes'], '', {passwordAuthentication: true}],
      [
        'KbdInteractiveAuthentication=no',
        ['KbdInteractiveAuthentication=no'],
        '',
        {kbdInteractiveAuthentication: false},
      ],
      [
        'ChallengeResponseAuthentication=no',
        ['ChallengeResponseAuthentication=no'],
        '',
        {kbdInteractiveAuthentication: false},
      ],
      ['NumberOfPasswordPrompts=1', ['NumberOfPasswordPrompts=1'], '', {numberOfPasswordPrompts: 1}],
      ['HashKnownHosts=yes', ['HashKnownHosts=yes'], '', {hashKnownHosts: true}],
      ['config HashKnownHosts', [], 'HashKnownHosts yes', {hashKnownHosts: true}],
      ['HostKeyAlias', ['HostKeyAlias=web-alias'], '', {hostKeyAlias: 'web-alias'}],
      ['config HostKeyAlias', [], 'HostKeyAlias cfg-alias', {hostKeyAlias: 'cfg-alias'}],
    ])('%s', async (_name, options, configLine, expected) => {
      const result = await resolve('web', {options}, configLine ? `Host *\n  ${configLine}\n` : '');
      const withHome = JSON.parse(JSON.stringify(expected).replaceAll('"HOME/', `"${home}/`));
      expect(result.session).toMatchObject(withHome);
      expect(result.warnings).toStrictEqual([]);
    });

    it.each<[string, string[], string, boolean]>([
      ['ExitOnForwardFailure=yes', ['ExitOnForwardFailure=yes'], '', true],
      ['ExitOnForwardFailure=no', ['ExitOnForwardFailure=no'], '', false],
      ['config ExitOnForwardFailure', [], 'Host *\n  ExitOnForwardFailure yes\n', true],
      ['-o beats config', ['ExitOnForwardFailure=no'], 'Host *\n  ExitOnForwardFailure yes\n', false],
    ])('%s', async (_name, options, config, expected) => {
      const result = await resolve('web', {options}, config);
      expect(result.exitOnForwardFailure).toBe(expected);
    });

    it.each<[string, string[], boolean | undefined]>([
      ['Reconnect=yes', ['Reconnect=yes'], true],
      ['Reconnect=no', ['Reconnect=no'], false],
      // Unset: the caller's default (yes in the UI and for favorites, no on a plain command line).
      ['no Reconnect', [], undefined],
    ])('%s', async (_name, options, expected) => {
      const result = await resolve('web', {options});
      expect(result.session.reconnect).toBe(expected);
      expect(result.warnings).toStrictEqual([]);
    });

    it.each<[string, Partial<CommandLineOptions>, string, boolean, boolean]>([
      ['ForwardAgent=yes', {options: ['ForwardAgent=yes']}, '', true, false],
      ['ForwardX11=yes', {options: ['ForwardX11=yes']}, '', false, true],
      ['config ForwardAgent/ForwardX11', {}, 'Host *\n  ForwardAgent yes\n  ForwardX11 yes\n', true, true],
      [
        '-a/-x beat -o and config',
        {forwardAgent: false, forwardX11: false, options: ['ForwardAgent=yes', 'ForwardX11=yes']},
        'Host *\n  ForwardAgent yes\n  ForwardX11 yes\n',
        false,
        false,
      ],
      [
        '-A/-X beat -o',
        {forwardAgent: true, forwardX11: true, options: ['ForwardAgent=no', 'ForwardX11=no']},
        '',
        true,
        true,
      ],
    ])('%s', async (_name, given, config, agent, x11) => {
      const result = await resolve('web', given, config);
      expect(result.session.forwardAgent).toBe(agent);
      expect(result.forwardX11).toBe(x11);
      expect(result.warnings).toStrictEqual([]);
    });

    it.each<[string, Partial<CommandLineOptions>, string[]]>([
      ['-c alone', {cipher: 'aes256-ctr'}, ['aes256-ctr']],
      ['-c list', {cipher: 'aes256-ctr,aes128-ctr'}, ['aes256-ctr', 'aes128-ctr']],
      ['-c beats -o Ciphers', {cipher: 'aes256-ctr', options: ['Ciphers=aes128-ctr']}, ['aes256-ctr']],
    ])('cipher: %s', async (_name, given, expected) => {
      const result = await resolve('web', given, 'Host *\n  Ciphers 3des-cbc\n');
      expect(result.session.ciphers).toStrictEqual(expected);
    });

    it.each<[string, RegExp]>([
      [
        'StrictHostKeyChecking=maybe',
        /StrictHostKeyChecking=maybe: expected one of true, yes, false, no, off, ask, accept-new/,
      ],
      ['BatchMode=maybe', /BatchMode=maybe: expected yes or no/],
      ['ExitOnForwardFailure=1', /ExitOnForwardFailure=1: expected yes or no/],
      ['Reconnect=always', /Reconnect=always: expected yes or no/],
      ['PasswordAuthentication=sure', /PasswordAuthentication=sure: expected yes or no/],
      ['KbdInteractiveAuthentication=nah', /KbdInteractiveAuthentication=nah: expected yes or no/],
      ['HashKnownHosts=y', /HashKnownHosts=y: expected yes or no/],
      ['ClearAllForwardings=all', /ClearAllForwardings=all: expected yes or no/],
      ['ConnectTimeout=10x', /ConnectTimeout=10x: expected seconds, or a time such as 1m30s/],
      ['ServerAliveInterval=-1', /ServerAliveInterval=-1: expected seconds, or a time such as 1m30s/],
      ['UserKnownHostsFile=a none', /UserKnownHostsFile "none" argument must appear alone/],
      [
        'Ciphers=aes128-ctr, aes256-ctr',
        /Ciphers aes128-ctr, aes256-ctr: takes one value|-o Ciphers=aes128-ctr, aes256-ctr: takes one value/,
      ],
      ['Ciphers=rot13', /Ciphers=rot13: unknown cipher/],
      ['ServerAliveCountMax=many', /ServerAliveCountMax=many: expected a whole number/],
      ['NumberOfPasswordPrompts=x', /NumberOfPasswordPrompts=x: expected a whole number/],
    ])('%s is an error naming the key', async (option, message) => {
      const error = await rejection(resolve('web', {options: [option]}));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(message);
    });

    it('a bad value in the config is an error too', async () => {
      const error = await rejection(resolve('web', {}, 'Host *\n  BatchMode perhaps\n'));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain(`${configFile} line 2: BatchMode perhaps: expected yes or no`);
    });

    it('a bad value after an earlier -o is still an error, as in ssh', async () => {
      const error = await rejection(resolve('web', {options: ['BatchMode=yes', 'BatchMode=perhaps']}));
      expect(error.message).toContain('BatchMode=perhaps');
    });

    it('a malformed -o is an error', async () => {
      const error = await rejection(resolve('web', {options: ['BatchMode']}));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain('Key=Value');
    });
  });

  describe('jump hosts and ProxyCommand', () => {
    const CONFIG = [
      'Host bastion',
      '  HostName 10.0.0.1',
      '  User jump',
      '  Port 2200',
      '  IdentityFile ~/.ssh/jump_key',
      '  UserKnownHostsFile ~/.ssh/jump_hosts',
      '  HostKeyAlias bastion-key',
      'Host outer',
      '  HostName 192.0.2.7',
      '  ProxyJump none',
      'Host db',
      '  HostName db.internal',
      '  User dbuser',
      '  ProxyJump bastion',
      'Host chained',
      '  ProxyJump outer,bastion',
      'Host cmd',
      '  HostName inner.example',
      '  Port 2022',
      '  ProxyCommand ssh -W %h:%p -l %r bastion %n %%',
      'Host first-cmd',
      '  ProxyCommand nc %h %p',
      '  ProxyJump bastion',
      'Host loop',
      '  ProxyJump loop',
      '',
    ].join('\n');

    it('ProxyJump names a Host block: the hop takes its HostName, User, Port, key, known_hosts, alias', async () => {
      const {session} = await resolve('db', {}, CONFIG);
      expect(session).toMatchObject({host: 'db.internal', user: 'dbuser', name: 'db'});
      expect(session.jumpHost).toMatchObject({
        name: 'bastion',
        host: '10.0.0.1',
        port: 2200,
        user: 'jump',
        identityFiles: [{file: inHome('.ssh', 'jump_key'), explicit: true}],
        knownHostsFiles: [inHome('.ssh', 'jump_hosts')],
        hostKeyAlias: 'bastion-key',
      });
      expect(session.jumpHost?.jumpHost).toBeUndefined();
      expect(session.proxyCommand).toBeUndefined();
    });

    it('-J user@host:port,...: the last hop carries the ones before it; -J beats the config', async () => {
      const {session} = await resolve('db', {jumpHost: 'outer,admin@bastion:2300'}, CONFIG);
      expect(session.jumpHost).toMatchObject({name: 'bastion', host: '10.0.0.1', port: 2300, user: 'admin'});
      expect(session.jumpHost?.jumpHost).toMatchObject({name: 'outer', host: '192.0.2.7', port: 22});
      expect(session.jumpHost?.jumpHost?.jumpHost).toBeUndefined();
    });

    it('a chain in the config; -J none and ProxyJump none connect directly', async () => {
      const chained = await resolve('chained', {}, CONFIG);
      expect(chained.session.jumpHost?.name).toBe('bastion');
      expect(chained.session.jumpHost?.jumpHost?.name).toBe('outer');
      expect((await resolve('db', {jumpHost: 'none'}, CONFIG)).session.jumpHost).toBeUndefined();
      expect((await resolve('outer', {}, CONFIG)).session.jumpHost).toBeUndefined();
    });

    it('-J with IPv6 and ssh:// hops', async () => {
      const {session} = await resolve('db', {jumpHost: 'ssh://u@[::1]:2201,[2001:db8::1]:2202'}, CONFIG);
      expect(session.jumpHost).toMatchObject({host: '2001:db8::1', port: 2202});
      expect(session.jumpHost?.jumpHost).toMatchObject({host: '::1', port: 2201, user: 'u'});
    });

    it('ProxyCommand: %h %p %r %n %% expanded; the first of ProxyJump and ProxyCommand obtained wins', async () => {
      const {session} = await resolve('cmd', {user: 'me'}, CONFIG);
      expect(session.proxyCommand).toBe('ssh -W inner.example:2022 -l me bastion cmd %');
      expect(session.jumpHost).toBeUndefined();
      const first = await resolve('first-cmd', {}, CONFIG);
      expect(first.session.proxyCommand).toBe('nc first-cmd 22');
      expect(first.session.jumpHost).toBeUndefined();
      const given = await resolve('first-cmd', {options: ['ProxyJump=bastion']}, CONFIG);
      expect(given.session.jumpHost?.name).toBe('bastion');
      expect(given.session.proxyCommand).toBeUndefined();
      const none = await resolve('cmd', {options: ['ProxyCommand=none']}, CONFIG);
      expect(none.session.proxyCommand).toBeUndefined();
      expect(none.warnings).toEqual([]);
    });

    it.each<[string, Partial<CommandLineOptions>, RegExp]>([
      ['a ProxyJump that names itself', {}, /jump host loop via loop/],
      ['a bad -J hop', {jumpHost: 'bastion:nope'}, /-J bastion:nope: expected \[user@\]host\[:port\]/],
      ['a -J port out of range', {jumpHost: 'bastion:70000'}, /-J bastion:70000: expected/],
      ['an unknown ProxyCommand token', {options: ['ProxyCommand=nc %x']}, /unknown token %x/],
    ])('%s is a ConfigError', async (_name, given, message) => {
      const error = await rejection(resolve('loop', given, CONFIG));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(message);
    });
  });

  describe('warnings', () => {
    it.each<[string, Partial<CommandLineOptions>, string, RegExp[]]>([
      ['unsupported -o', {options: ['ForwardX11Trusted=yes']}, '', [/ForwardX11Trusted=yes.*ignored/]],
      ['ignored -o LogLevel', {options: ['LogLevel=ERROR']}, '', [/LogLevel=ERROR.*not used by tunnels/]],
      ['ignored -o Compression', {options: ['Compression yes']}, '', [/Compression yes.*ignored/]],
      [
        'one per option, in order',
        {options: ['Compression=yes', 'Port=2200', 'LogLevel=QUIET']},
        '',
        [/Compression=yes/, /LogLevel=QUIET/],
      ],
      ['config ProxyJump none', {}, 'Host web\n  ProxyJump none\n', []],
      ['config ProxyJump for another host', {}, 'Host db\n  ProxyJump bastion\n', []],
    ])('%s', async (_name, given, config, expected) => {
      const result = await resolve('web', given, config);
      expect(result.warnings).toHaveLength(expected.length);
      expected.forEach((pattern, index) => {
        const source = pattern.source.replace('CONFIG', configFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
        expect(result.warnings[index]).toMatch(new RegExp(source));
      });
    });

    it('an unknown -o is a warning (ssh refuses it; tunnels always went on); in a config file it is an error, as in ssh', async () => {
      const result = await resolve('web', {options: ['Foo=bar', 'Port=2200']});
      expect(result.session.port).toBe(2200);
      expect(result.warnings).toStrictEqual(['-o Foo=bar: unknown or unsupported option; ignored']);
      const error = await rejection(resolve('web', {}, 'Host *\n  Foo bar\n'));
      expect(error.message).toMatch(/line 2: unknown option foo/);
    });

    it('an unused -o does not stop the others from applying; IgnoreUnknown lets an unknown one pass', async () => {
      const result = await resolve('web', {options: ['LogLevel=ERROR', 'Port=2200']});
      expect(result.session.port).toBe(2200);
      expect(result.warnings).toHaveLength(1);
      const ignored = await resolve('web', {options: ['IgnoreUnknown=Foo*', 'FooBar=1', 'Port=2201']});
      expect(ignored.session.port).toBe(2201);
    });
  });
});
