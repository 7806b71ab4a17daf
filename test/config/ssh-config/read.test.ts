// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are ssh_config text, whose ${VAR} is its own syntax
import {type ChildProcess, spawn, spawnSync} from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {type CommandLineOptions, ConfigError} from '../../../source/config/command-line.js';
import {resolveOptions} from '../../../source/config/resolve-options.js';
import {resolveInvocation} from '../../../source/config/session-options.js';
import type {FilledOptions} from '../../../source/config/ssh-config/defaults.js';
import {
  newOptions,
  OptionError,
  type ReadContext,
  type SshOptions,
} from '../../../source/config/ssh-config/options.js';
import {processLine, readConfigFile} from '../../../source/config/ssh-config/read.js';
import {formatForwardFlag} from '../../../source/core/protocols/forward-spec-format.js';

const ME = os.userInfo().username;
const hasSsh = spawnSync('ssh', ['-V']).error === undefined;

let home: string;
let previousHome: string | undefined;
/** The system-wide file for resolveOptions: missing unless a test writes it. */
let systemConfig: string;

beforeEach(() => {
  previousHome = process.env.HOME;
  home = mkdtempSync(path.join(os.tmpdir(), 'tunnels-ssh-options-'));
  process.env.HOME = home;
  mkdirSync(path.join(home, '.ssh'), {mode: 0o700});
  systemConfig = path.join(home, 'etc-ssh', 'ssh_config');
});

afterEach(() => {
  if (previousHome === undefined) delete process.env.HOME;
  else process.env.HOME = previousHome;
  rmSync(home, {recursive: true, force: true});
});

/** Writes a file (parents made), 0600 unless told. */
function write(file: string, text: string | string[], mode = 0o600): string {
  const full = path.isAbsolute(file) ? file : path.join(home, '.ssh', file);
  mkdirSync(path.dirname(full), {recursive: true});
  writeFileSync(full, Array.isArray(text) ? `${text.join('\n')}\n` : text);
  chmodSync(full, mode);
  return full;
}

function cli(destination: string, extra: Partial<CommandLineOptions> = {}): CommandLineOptions {
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

/** ~/.ssh/config as given, then the options for `host` (the system file is the test's own). */
async function resolve(
  host: string,
  config?: string[],
  extra: Partial<CommandLineOptions> = {},
): Promise<FilledOptions> {
  if (config !== undefined) write('config', config);
  return (await resolveOptions(cli(host, extra), {systemConfig})).options;
}

async function failure(host: string, extra: Partial<CommandLineOptions> = {}): Promise<string> {
  try {
    await resolveOptions(cli(host, extra), {systemConfig});
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'no error';
}

const forwards = (options: SshOptions) => ({
  local: options.localForwards.map(formatForwardFlag),
  remote: options.remoteForwards.map(formatForwardFlag),
});
const identities = (options: SshOptions) => options.identityFiles.map((entry) => entry.file);

function context(extra: Partial<ReadContext> = {}): ReadContext {
  return {
    host: 'h',
    originalHost: 'h',
    finalPass: false,
    wantFinalPass: false,
    localUser: ME,
    home,
    uid: process.getuid?.() ?? 0,
    where: 'test',
    commandLine: false,
    userConfig: true,
    systemDirectory: path.join(home, 'etc-ssh'),
    ...extra,
  };
}

const CONFIG = [
  '# Personal config',
  'Host bastion',
  '  HostName bastion.example.com',
  '  User jump',
  '  Port 2222',
  '  IdentityFile ~/.ssh/bastion_ed25519',
  '',
  'Host db',
  '  HostName db.internal',
  '  ProxyJump bastion',
  '  LocalForward 5432 localhost:5432',
  '  LocalForward 6379 localhost:6379',
  '',
  'Host *.example.com !secret.example.com',
  '  User corp',
  '  ServerAliveInterval 30',
  '  RemoteForward 9000 localhost:3000',
  '',
  'Host web? web-*',
  '  user=deploy',
  '  PORT = 2200',
  '  DynamicForward 1080',
  '',
  'HOST "quoted host" quoted',
  '  HostName Quoted.Example.com',
  '',
  'Match host db exec "false"',
  '  User matched',
  '',
  'Host *',
  '  User fallback',
  '  Port 22',
  '  IdentityFile ~/.ssh/id_ed25519',
  '  IdentityFile "~/.ssh/id with space"',
  '  StrictHostKeyChecking accept-new',
  '  UserKnownHostsFile /kh/one /kh/two',
  '  ServerAliveInterval 60',
  '  LocalForward 8080 localhost:80',
];

describe('Host blocks, first value wins, lists accumulate', () => {
  it('takes the first value per keyword and accumulates forwards and identity files', async () => {
    const bastion = await resolve('bastion', CONFIG);
    expect(bastion).toMatchObject({
      hostname: 'bastion.example.com',
      user: 'jump',
      port: 2222,
      strictHostKeyChecking: 'accept-new',
      userKnownHostsFiles: ['/kh/one', '/kh/two'],
      serverAliveInterval: 60,
    });
    // As written: ~ and tokens are expanded when the connection is made (ssh -G shows them so too).
    expect(identities(bastion)).toEqual([
      '~/.ssh/bastion_ed25519',
      '~/.ssh/id_ed25519',
      '~/.ssh/id with space',
    ]);
    expect(bastion.identityFiles.every((entry) => entry.userProvided)).toBe(true);
    expect(forwards(bastion)).toEqual({local: ['-L 8080:localhost:80'], remote: []});

    const db = await resolve('db');
    expect(db).toMatchObject({hostname: 'db.internal', user: 'fallback', port: 22});
    expect(db.jump).toEqual({host: 'bastion'});
    expect(forwards(db).local).toEqual([
      '-L 5432:localhost:5432',
      '-L 6379:localhost:6379',
      '-L 8080:localhost:80',
    ]);
  });

  it('matches wildcard and negated Host patterns', async () => {
    write('config', CONFIG);
    const www = await resolve('www.example.com');
    expect(www).toMatchObject({user: 'corp', hostname: 'www.example.com', serverAliveInterval: 30});
    expect(forwards(www).remote).toEqual(['-R 9000:localhost:3000']);
    const secret = await resolve('secret.example.com');
    expect(secret.user).toBe('fallback');
    expect(secret.remoteForwards).toEqual([]);
    const web1 = await resolve('web1');
    expect(web1).toMatchObject({user: 'deploy', port: 2200});
    expect(forwards(web1).local).toEqual(['-D 1080', '-L 8080:localhost:80']);
    expect((await resolve('web-frontend')).port).toBe(2200);
    // "?" is exactly one character.
    expect((await resolve('web')).port).toBe(22);
    expect((await resolve('web12')).user).toBe('fallback');
    // Host patterns are case-sensitive; the destination is lower-cased only for the final pass.
    expect((await resolve('WEB1')).user).toBe('fallback');
    expect((await resolve('WEB1')).hostname).toBe('web1');
  });

  it('reads quoted aliases, Key=Value and keywords in any case', async () => {
    write('config', CONFIG);
    // HostName is lower-cased, as ssh does with the host it connects to.
    // A quoted alias with a space matches its Host line, but ssh refuses it as a destination, and so does tunnels.
    await expect(resolve('quoted host')).rejects.toThrow(/contains characters a host name cannot have/);
    expect((await resolve('quoted')).hostname).toBe('quoted.example.com');
    const options = await resolve('anything', [
      'HOSTNAME=Server.Example.com',
      'user = "alice"',
      'port\t2022',
      'identityfile="~/.ssh/my key"',
      'ProxyCommand ssh -W %h:%p "jump host" # not a comment for ProxyCommand',
      'localforward=9090 localhost:90',
      'SendEnv LANG LC_*',
    ]);
    expect(options).toMatchObject({
      hostname: 'server.example.com',
      user: 'alice',
      port: 2022,
      proxyCommand: 'ssh -W %h:%p "jump host" # not a comment for ProxyCommand',
    });
    expect(identities(options)).toEqual(['~/.ssh/my key']);
    expect(forwards(options).local).toEqual(['-L 9090:localhost:90']);
  });

  it('puts the command line first: -p, -l and -o beat the file; -L adds to it; a repeat is kept once', async () => {
    const options = await resolve(
      'h',
      ['Port 1', 'User file', 'LocalForward 1 a:1', 'LocalForward 2 b:2', 'LocalForward 1 a:1'],
      {port: '2', user: 'cli', localForwards: ['3:c:3', '1:a:1'], options: ['ServerAliveInterval=5']},
    );
    expect(options).toMatchObject({port: 2, user: 'cli', serverAliveInterval: 5});
    expect(forwards(options).local).toEqual(['-L 3:c:3', '-L 1:a:1', '-L 2:b:2']);
  });

  it('reads the system-wide file after the user’s, and neither with -F', async () => {
    write('config', ['Port 1']);
    write(systemConfig, ['Host *', '  Port 2', '  User system', '  LocalForward 5 e:5']);
    const options = await resolve('h');
    expect(options).toMatchObject({port: 1, user: 'system'});
    expect(forwards(options).local).toEqual(['-L 5:e:5']);
    const other = write(path.join(home, 'other'), ['User other']);
    const withF = await resolve('h', undefined, {configFile: other});
    expect(withF).toMatchObject({port: 22, user: 'other'});
    expect(withF.localForwards).toEqual([]);
    // -F none: no file at all.
    expect(await resolve('h', undefined, {configFile: 'none'})).toMatchObject({port: 22, user: ME});
  });

  it('refuses a line ssh would refuse, naming the file and line', async () => {
    write('config', ['Host h', '  Port 22', '  Port notaport']);
    expect(await failure('h')).toMatch(/config line 3: Port notaport/);
    write('config', ['User "unterminated']);
    expect(await failure('h')).toMatch(/config line 1: invalid quotes/);
    write('config', ['NoSuchKeyword x']);
    expect(await failure('h')).toMatch(/config line 1: unknown option nosuchkeyword/);
    // ...unless IgnoreUnknown names it first.
    expect((await resolve('h', ['IgnoreUnknown nosuch*', 'NoSuchKeyword x', 'User ok'])).user).toBe('ok');
    write('config', ['Host']);
    expect(await failure('h')).toMatch(/config line 1: host has no value/);
    // Even where the block does not apply, as ssh checks every line.
    write('config', ['Host other', '  Port notaport']);
    expect(await failure('h')).toMatch(/Port notaport/);
  });

  it('refuses Host, Match and Include as -o options', () => {
    for (const text of ['Host x', 'Match all', 'Include /x']) {
      expect(() =>
        processLine(newOptions('h'), text, context({where: '-o', commandLine: true}), true),
      ).toThrow(/is not an option/);
    }
  });
});

describe('IdentityFile tokens, expanded for the connection', () => {
  it('expands ~ and the tokens, after the config is read (%h the HostName, %p the port, %r the user)', async () => {
    write('config', [
      'Host short',
      '  HostName %h.corp.example',
      '  Port 2200',
      'Host *',
      '  IdentityFile ~/.ssh/id_%r@%h:%p',
      '  IdentityFile %d/keys/%u-%n',
      '  IdentityFile /keys/%l/%L/100%%',
      '  IdentityFile ~',
      '  IdentityFile relative/~/key',
      '  IdentityFile /env/${TUNNELS_SSH_OPTIONS_TEST}/k',
    ]);
    process.env.TUNNELS_SSH_OPTIONS_TEST = 'from-env';
    try {
      const files = async (extra: Partial<CommandLineOptions> = {}) =>
        (await resolveInvocation(cli('short', extra), {systemConfig})).session.identityFiles.map(
          (identity) => identity.file,
        );
      const local = os.hostname();
      const expected = (user: string) => [
        `${home}/.ssh/id_${user}@short.corp.example:2200`,
        `${home}/keys/${ME}-short`,
        `/keys/${local}/${local.split('.')[0]}/100%`,
        `${home}/`,
        'relative/~/key',
        '/env/from-env/k',
      ];
      expect(await files()).toEqual(expected(ME));
      expect(await files({user: 'cli'})).toEqual(expected('cli'));
    } finally {
      delete process.env.TUNNELS_SSH_OPTIONS_TEST;
    }
  });

  it('refuses an unknown token or an unset variable (ssh stops there too)', async () => {
    write('config', ['IdentityFile /k/%x']);
    await expect(resolveInvocation(cli('h'), {systemConfig})).rejects.toThrow(/unknown token %x/);
    write('config', ['IdentityFile /k/${TUNNELS_NOT_SET_ANYWHERE}']);
    await expect(resolveInvocation(cli('h'), {systemConfig})).rejects.toThrow(
      /TUNNELS_NOT_SET_ANYWHERE is not set/,
    );
  });
});

describe('Include', () => {
  beforeEach(() => {
    write('config', [
      'Include config.d/*.conf',
      '',
      'Host db',
      '  Include ~/.ssh/db-only',
      '  User db-user',
      '',
      'Host web',
      '  Include db-only',
      '',
      'Host *',
      '  User default-user',
      '  Include /nonexistent/*.conf ~/.ssh/missing',
      '  IdentityFile ~/.ssh/id_ed25519',
    ]);
    // Included in file-name order; the first value wins.
    write('config.d/20-work.conf', ['Host work', '  HostName second.example', '  Port 2']);
    write('config.d/10-work.conf', [
      'Host work',
      '  HostName first.example',
      '  LocalForward 1 a:1',
      'Host *',
      '  LocalForward 2 b:2',
    ]);
    write('config.d/.hidden.conf', ['Host work', '  User hidden']);
    write('config.d/skipped.txt', ['Host work', '  User skipped']);
    // Top-level lines in an included file apply when the Include line is in an active block.
    write('db-only', ['Port 5432', 'Host work', '  User from-db-only']);
  });

  it('follows globs relative to ~/.ssh, in sorted order, without dot files', async () => {
    const work = await resolve('work');
    expect(work).toMatchObject({hostname: 'first.example', user: 'default-user', port: 2});
    expect(identities(work)).toEqual(['~/.ssh/id_ed25519']);
    expect(forwards(work).local).toEqual(['-L 1:a:1', '-L 2:b:2']);
  });

  it('reads an included file only where the Include line is active', async () => {
    const db = await resolve('db');
    expect(db).toMatchObject({user: 'db-user', port: 5432});
    expect(forwards(db).local).toEqual(['-L 2:b:2']);
    // The Include under "Host db" does not bring "Host work" from db-only to work.
    expect((await resolve('work')).user).toBe('default-user');
    // "Include db-only" under Host web: relative to ~/.ssh too.
    expect(await resolve('web')).toMatchObject({user: 'default-user', port: 5432});
    expect((await resolve('other')).port).toBe(22);
  });

  it('keeps the including file’s block: a Host or Match in the included file ends at its end', async () => {
    write('inner', ['Host nothing-matches', '  Port 1']);
    write('inactive', ['Match all', '  Port 2', '  User from-inactive']);
    write('config', [
      'Host a',
      '  Include inner',
      '  User after-include',
      'Host b',
      '  Include inactive',
      'Host zzz',
      '  Include inactive',
      '  User zzz',
    ]);
    // After the included "Host nothing-matches", the lines of "Host a" still apply to a.
    expect(await resolve('a')).toMatchObject({user: 'after-include', port: 22});
    // "Match all" in a file included where the block does not apply stays inactive.
    expect(await resolve('a')).not.toMatchObject({user: 'from-inactive'});
    expect(await resolve('b')).toMatchObject({user: 'from-inactive', port: 2});
    expect(await resolve('c')).toMatchObject({user: ME, port: 22});
  });

  it('reads an absolute path and one from ~, and passes over a glob that matches nothing', async () => {
    const absolute = write(path.join(home, 'elsewhere', 'abs.conf'), ['User absolute']);
    write('config', [`Include ${absolute}`, 'Include ~/.ssh/none-*.conf', 'Port 7']);
    expect(await resolve('h')).toMatchObject({user: 'absolute', port: 7});
    write('config', ['Include ~/from-home.conf']);
    write(path.join(home, 'from-home.conf'), ['User from-home']);
    expect((await resolve('h')).user).toBe('from-home');
  });

  it('stops a file that includes itself', async () => {
    write('config', ['Include loop']);
    write('loop', ['Include loop', 'User u']);
    expect(await failure('h')).toMatch(/Too many recursive configuration includes/);
  });

  it('reads a system file’s relative Include from the system directory, and refuses ~ there', () => {
    const systemDirectory = path.join(home, 'etc-ssh');
    write(path.join(systemDirectory, 'ssh_config.d', 'a.conf'), ['User from-system-dir']);
    // The same name under ~/.ssh is not the one read.
    write('ssh_config.d/a.conf', ['User from-home']);
    const file = write(path.join(systemDirectory, 'ssh_config'), ['Include ssh_config.d/*.conf']);
    const options = newOptions('h');
    expect(readConfigFile(options, file, context({userConfig: false}), {checkPermissions: false})).toBe(true);
    expect(options.user).toBe('from-system-dir');

    const tilde = write(path.join(systemDirectory, 'tilde'), ['Include ~/.ssh/x']);
    expect(() =>
      readConfigFile(newOptions('h'), tilde, context({userConfig: false}), {checkPermissions: false}),
    ).toThrow(/bad include path ~\/.ssh\/x/);
  });

  it('checks an included file’s permissions, even from -F', async () => {
    write('config.d/10-work.conf', ['User x'], 0o646);
    expect(await failure('work')).toMatch(/Bad owner or permissions on .*10-work\.conf/);
    const other = write(path.join(home, 'f'), ['Include config.d/*.conf']);
    expect(await failure('work', {configFile: other})).toMatch(/Bad owner or permissions/);
  });
});

describe('Match', () => {
  it('host: the HostName (with %h) when one is set, else the destination; patterns with ! and commas', async () => {
    const config = [
      'Host alias',
      '  HostName %h.example.com',
      'Match host *.example.com',
      '  User by-hostname',
      'Match host other,!nope',
      '  User by-list',
      'Match host=eq',
      '  User by-equals',
      'Match !host nope',
      '  Port 1000',
    ];
    expect(await resolve('alias', config)).toMatchObject({
      user: 'by-hostname',
      hostname: 'alias.example.com',
    });
    expect((await resolve('other')).user).toBe('by-list');
    expect((await resolve('eq')).user).toBe('by-equals');
    // Case-insensitive, unlike Host.
    expect((await resolve('EQ')).user).toBe('by-equals');
    expect((await resolve('nope')).port).toBe(22);
    expect((await resolve('x')).port).toBe(1000);
  });

  it('originalhost: the destination as given, whatever HostName says', async () => {
    const config = [
      'Host a',
      '  HostName b',
      'Match originalhost a',
      '  User by-original',
      'Match originalhost b',
      '  Port 99',
    ];
    expect(await resolve('a', config)).toMatchObject({user: 'by-original', port: 22, hostname: 'b'});
  });

  it('user: the remote user known so far (command line, an earlier User, else the local user)', async () => {
    const config = [
      'Match user alice',
      '  Port 1',
      'Match user bob',
      '  Port 2',
      `Match user ${ME}`,
      '  Port 3',
    ];
    expect((await resolve('h', config, {user: 'alice'})).port).toBe(1);
    expect((await resolve('bob@h')).port).toBe(2);
    expect((await resolve('h')).port).toBe(3);
    write('config', ['User bob', ...config]);
    expect((await resolve('h')).port).toBe(2);
    // A User after the Match is too late for it.
    write('config', [...config, 'User bob']);
    expect((await resolve('h')).port).toBe(3);
  });

  it('localuser: the local account', async () => {
    const config = [`Match localuser ${ME}`, '  Port 1', 'Match localuser !*', '  User never'];
    expect(await resolve('h', config)).toMatchObject({port: 1, user: ME});
  });

  it('exec: the command’s status, with tokens; not run once an earlier criterion failed', async () => {
    const marker = path.join(home, 'ran');
    const config = [
      'Host alias',
      '  HostName target.example',
      '  Port 2222',
      '  User bob',
      `Match exec "test %h = target.example && test %n = alias && test %p = 2222 && test %r = bob && test %u = ${ME} && test %d = ${home}"`,
      '  IdentityFile /tokens-ok',
      'Match exec true',
      '  IdentityFile /true',
      'Match exec false',
      '  IdentityFile /false',
      'Match !exec false',
      '  IdentityFile /not-false',
      `Match host nothing exec "touch ${marker}"`,
      '  IdentityFile /never',
      'Match exec "exit 3"',
      '  IdentityFile /exit-3',
    ];
    const options = await resolve('alias', config);
    expect(identities(options)).toEqual(['/tokens-ok', '/true', '/not-false']);
    expect(existsSync(marker)).toBe(false);
    write('config', ['Match exec "echo %Q"', '  User x']);
    expect(await failure('h')).toMatch(/unknown token %Q/);
  });

  it('all, alone; negation; attributes combined; mistakes refused', async () => {
    const config = [
      'Match all',
      '  IdentityFile /all',
      'Match !all',
      '  IdentityFile /not-all',
      `Match host h originalhost h user ${ME}`,
      '  IdentityFile /and',
      'Match host h originalhost other',
      '  IdentityFile /and-fails',
    ];
    expect(identities(await resolve('h', config))).toEqual(['/all', '/and']);
    for (const [line, message] of [
      ['Match all host h', /cannot be combined/],
      // (ssh lets one attribute come before "all": "Match host h all" is "Match host h" there.)
      ['Match host h originalhost h all', /cannot be combined/],
      ['Match host', /missing Match criteria for host/],
      ['Match nosuch x', /unsupported Match attribute nosuch/],
      ['Match', /match has no value/],
    ] as const) {
      write('config', [line, '  User x']);
      expect(await failure('h'), line).toMatch(message);
    }
  });

  it('final: the files are read again once the host name is final; the first pass’s values stay', async () => {
    expect(await resolve('h', ['Match final', '  User final-user', '  Port 3'])).toMatchObject({
      user: 'final-user',
      port: 3,
    });
    expect(
      await resolve('h', ['Match !final', '  Port 1', 'Match final', '  Port 2', '  User final']),
    ).toMatchObject({port: 1, user: 'final'});
    // In the final pass Host sees the lower-cased name.
    expect((await resolve('WEB', ['Host web', '  User lower', 'Match final', '  Port 4'])).user).toBe(
      'lower',
    );
    // Forwards from both passes are kept once.
    const twice = await resolve('h', ['LocalForward 1 a:1', 'Match final', '  LocalForward 2 b:2']);
    expect(forwards(twice).local).toEqual(['-L 1:a:1', '-L 2:b:2']);
  });

  it('canonical: only in the pass after canonicalisation (CanonicalizeHostname)', async () => {
    const config = ['Match canonical', '  Port 3000', 'Match !canonical', '  User not-canonical'];
    expect(await resolve('h', config)).toMatchObject({port: 22, user: 'not-canonical'});
    write('config', ['CanonicalizeHostname yes', ...config]);
    expect(await resolve('h')).toMatchObject({port: 3000, user: 'not-canonical'});
  });
});

describe('which files are read', () => {
  it('refuses a ~/.ssh/config others can write, or another user’s; -F files are not checked', async () => {
    const file = write('config', ['User mine'], 0o602);
    expect(await failure('h')).toMatch(/Bad owner or permissions on .*\.ssh\/config/);
    chmodSync(file, 0o666);
    expect(await failure('h')).toMatch(/Bad owner or permissions/);
    expect((await resolve('h', undefined, {configFile: file})).user).toBe('mine');
    chmodSync(file, 0o644);
    expect((await resolve('h')).user).toBe('mine');
  });

  it.skipIf(process.getuid?.() !== 0)(
    'a group-writable ~/.ssh/config or Include: taken when the group is the user alone, as Debian’s ssh does (as root: chgrp)',
    async () => {
      // This machine's root group is root alone (the premise of the case, as on Debian).
      expect(readFileSync('/etc/group', 'utf8')).toMatch(/^root:[^:]*:0:$/m);
      expect(readFileSync('/etc/passwd', 'utf8').match(/^[^:]*:[^:]*:\d+:0:/gm)).toEqual([
        expect.stringMatching(/^root:[^:]*:0:0:/),
      ]);
      const file = write('config', ['Include config.d/*.conf', 'User mine'], 0o664);
      const included = write('config.d/a.conf', ['Port 2020'], 0o620);
      chownSync(file, 0, 0);
      chownSync(included, 0, 0);
      expect(await resolve('h')).toMatchObject({user: 'mine', port: 2020});
      // A group no user file names: nobody can tell who is in it.
      chownSync(included, 0, 2_000_000_123);
      expect(await failure('h')).toMatch(/Bad owner or permissions on .*a\.conf/);
      chownSync(included, 0, 0);
      chownSync(file, 0, 2_000_000_123);
      expect(await failure('h')).toMatch(/Bad owner or permissions on .*\.ssh\/config/);
    },
  );

  it.skipIf(process.getuid?.() !== 0)(
    'refuses a ~/.ssh/config owned by another user (as root: chown)',
    async () => {
      const file = write('config', ['User theirs'], 0o600);
      chownSync(file, 1, 1);
      expect(await failure('h')).toMatch(/Bad owner or permissions/);
      expect((await resolve('h', undefined, {configFile: file})).user).toBe('theirs');
    },
  );

  it('reads /dev/null and a directory as empty files', async () => {
    expect(await resolve('h', undefined, {configFile: '/dev/null'})).toMatchObject({user: ME, port: 22});
    expect(await resolve('h', undefined, {configFile: home})).toMatchObject({user: ME, port: 22});
    mkdirSync(path.join(home, '.ssh', 'config'));
    expect(await resolve('h')).toMatchObject({user: ME, port: 22});
    // An included directory too (ssh checks an included one's permissions first: this one is 0700).
    write(path.join(home, 'inc'), [`Include ${home}`, 'User after']);
    expect((await resolve('h', undefined, {configFile: path.join(home, 'inc')})).user).toBe('after');
  });

  it('refuses a missing -F file, and passes over a missing ~/.ssh/config', async () => {
    expect(await failure('h', {configFile: path.join(home, 'nope')})).toMatch(/cannot open the config file/);
    expect((await resolve('h')).user).toBe(ME);
  });

  describe('a FIFO', () => {
    let writer: ChildProcess | undefined;
    afterEach(() => {
      writer?.kill('SIGKILL');
      writer = undefined;
    });

    it('is refused rather than read (ssh would wait on it)', async () => {
      const fifo = path.join(home, '.ssh', 'fifo');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      // Bounds the test should a read block: a writer opens the FIFO after a while, writes, and closes.
      writer = spawn('sh', ['-c', `sleep 5; echo 'User from-fifo' > '${fifo}'`], {stdio: 'ignore'});
      const started = Date.now();
      expect(await failure('h', {configFile: fifo})).toMatch(/not a regular file/);
      write('config', [`Include ${fifo}`]);
      expect(await failure('h')).toMatch(/not a regular file/);
      expect(Date.now() - started).toBeLessThan(4000);
    }, 15_000);
  });
});

describe.skipIf(!hasSsh)('against ssh -G', () => {
  it('agrees on the values both print', async () => {
    const file = write(path.join(home, 'oracle_config'), [
      ...CONFIG,
      'Match originalhost quoted',
      '  Port 4444',
      'Match final',
      '  LocalForward 7777 final:7',
    ]);
    for (const host of [
      'bastion',
      'db',
      'www.example.com',
      'secret.example.com',
      'web1',
      'webxx',
      'quoted',
      'WEB1',
    ]) {
      const run = spawnSync('ssh', ['-G', '-F', file, host], {encoding: 'utf8'});
      const printed = new Map<string, string[]>();
      for (const line of run.stdout.split('\n')) {
        const space = line.indexOf(' ');
        if (space > 0)
          printed.set(line.slice(0, space), [
            ...(printed.get(line.slice(0, space)) ?? []),
            line.slice(space + 1),
          ]);
      }
      const ours = await resolve(host, undefined, {configFile: file});
      expect(ours.user, host).toBe(printed.get('user')?.[0]);
      expect(ours.hostname, host).toBe(printed.get('hostname')?.[0]);
      expect(String(ours.port), host).toBe(printed.get('port')?.[0]);
      expect(ours.jump?.host, host).toBe(printed.get('proxyjump')?.[0]);
      expect(identities(ours), host).toEqual(printed.get('identityfile'));
      expect(forwards(ours).local.filter((flag) => flag.startsWith('-L')).length, host).toBe(
        printed.get('localforward')?.length ?? 0,
      );
      expect(forwards(ours).remote.length, host).toBe(printed.get('remoteforward')?.length ?? 0);
      expect(forwards(ours).local.filter((flag) => flag.startsWith('-D')).length, host).toBe(
        printed.get('dynamicforward')?.length ?? 0,
      );
    }
  });
});

// OptionError is what processLine throws; resolveOptions turns it into a ConfigError.
describe('processLine', () => {
  it('throws OptionError naming where', () => {
    expect(() => processLine(newOptions('h'), 'Port x', context({where: 'F line 9'}), true)).toThrow(
      OptionError,
    );
    expect(() => processLine(newOptions('h'), 'Port x', context({where: 'F line 9'}), true)).toThrow(
      /^F line 9: Port x:/,
    );
  });

  it('leaves inactive lines unapplied but checked, and returns whether the next lines apply', () => {
    const options = newOptions('h');
    const ctx = context();
    expect(processLine(options, 'Host other', ctx, true)).toBe(false);
    expect(processLine(options, 'User nope', ctx, false)).toBe(false);
    expect(processLine(options, 'LocalForward 1 a:1', ctx, false)).toBe(false);
    expect(processLine(options, 'IdentityFile /nope', ctx, false)).toBe(false);
    expect(processLine(options, 'Host h', ctx, false)).toBe(true);
    expect(processLine(options, 'User yes', ctx, true)).toBe(true);
    expect(processLine(options, '# comment', ctx, true)).toBe(true);
    expect(options).toMatchObject({user: 'yes', localForwards: [], identityFiles: []});
  });
});
