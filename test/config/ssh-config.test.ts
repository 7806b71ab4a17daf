import {execFile} from 'node:child_process';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {build} from 'esbuild';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {listHostAliases, loadHostConfig, resolveHostConfig} from '../../source/config/ssh-config.js';

const run = promisify(execFile);

const CONFIG = `# Personal config
Host bastion
  HostName bastion.example.com
  User jump
  Port 2222
  IdentityFile ~/.ssh/bastion_ed25519

Host db
  HostName db.internal
  ProxyJump bastion
  LocalForward 5432 localhost:5432
  LocalForward 6379 localhost:6379

Host *.example.com !secret.example.com
  User corp
  ServerAliveInterval 30
  RemoteForward 9000 localhost:3000

Host web? web-*
  user=deploy
  PORT = 2200
  DynamicForward 1080

HOST "quoted host" quoted
  HostName Quoted.Example.com

Match host db exec "false"
  User matched

Host *
  User fallback
  Port 22
  IdentityFile ~/.ssh/id_ed25519
  IdentityFile "~/.ssh/id with space"
  StrictHostKeyChecking accept-new
  UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/known_hosts2
  ServerAliveInterval 60
  LocalForward 8080 localhost:80
`;

const context = {localUser: 'me', homeDir: '/home/me'};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-ssh-config-'));
});

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('resolveHostConfig', () => {
  it('applies the first value per keyword and accumulates forwards and identity files', () => {
    expect(resolveHostConfig(CONFIG, 'bastion', context)).toEqual({
      hostName: 'bastion.example.com',
      user: 'jump',
      port: 2222,
      identityFiles: [
        '/home/me/.ssh/bastion_ed25519',
        '/home/me/.ssh/id_ed25519',
        '/home/me/.ssh/id with space',
      ],
      localForwards: ['8080 localhost:80'],
      remoteForwards: [],
      dynamicForwards: [],
      options: {
        stricthostkeychecking: 'accept-new',
        userknownhostsfile: '~/.ssh/known_hosts ~/.ssh/known_hosts2',
        serveraliveinterval: '60',
      },
    });
    const db = resolveHostConfig(CONFIG, 'db', context);
    expect(db.hostName).toBe('db.internal');
    expect(db.user).toBe('fallback');
    expect(db.port).toBe(22);
    expect(db.options.proxyjump).toBe('bastion');
    expect(db.localForwards).toEqual(['5432 localhost:5432', '6379 localhost:6379', '8080 localhost:80']);
  });

  it('matches wildcard and negated Host patterns', () => {
    const www = resolveHostConfig(CONFIG, 'www.example.com', context);
    expect(www.user).toBe('corp');
    expect(www.hostName).toBeUndefined();
    expect(www.options.serveraliveinterval).toBe('30');
    expect(www.remoteForwards).toEqual(['9000 localhost:3000']);
    const secret = resolveHostConfig(CONFIG, 'secret.example.com', context);
    expect(secret.user).toBe('fallback');
    expect(secret.remoteForwards).toEqual([]);
    expect(resolveHostConfig(CONFIG, 'web1', context)).toMatchObject({
      user: 'deploy',
      port: 2200,
      dynamicForwards: ['1080'],
    });
    expect(resolveHostConfig(CONFIG, 'web-frontend', context).port).toBe(2200);
    // '?' is exactly one character.
    expect(resolveHostConfig(CONFIG, 'web', context).port).toBe(22);
    expect(resolveHostConfig(CONFIG, 'web12', context).user).toBe('fallback');
    // Host patterns are case-sensitive, as in ssh.
    expect(resolveHostConfig(CONFIG, 'WEB1', context).user).toBe('fallback');
  });

  it('reads quoted values, Key=Value and keywords in any case', () => {
    const quoted = resolveHostConfig(CONFIG, 'quoted host', context);
    expect(quoted.hostName).toBe('quoted.example.com');
    expect(resolveHostConfig(CONFIG, 'quoted', context).hostName).toBe('quoted.example.com');
    const text = [
      'HOSTNAME=Server.Example.com',
      'user = "alice"',
      'port\t2022',
      'identityfile="~/.ssh/my key"',
      'ProxyCommand ssh -W %h:%p "jump host" # trailing comment',
      'localforward=9090 localhost:90',
      'SendEnv LANG LC_*',
    ].join('\n');
    expect(resolveHostConfig(text, 'anything', context)).toEqual({
      hostName: 'server.example.com',
      user: 'alice',
      port: 2022,
      identityFiles: ['/home/me/.ssh/my key'],
      localForwards: ['9090 localhost:90'],
      remoteForwards: [],
      dynamicForwards: [],
      options: {proxycommand: 'ssh -W %h:%p "jump host"', sendenv: 'LANG LC_*'},
    });
  });

  it('agrees with ssh -G on the values ssh prints', async () => {
    const file = path.join(dir, 'oracle_config');
    await writeFile(file, CONFIG);
    for (const host of [
      'bastion',
      'db',
      'www.example.com',
      'secret.example.com',
      'web1',
      'webxx',
      'quoted',
    ]) {
      const {stdout} = await run('ssh', ['-G', '-F', file, host]);
      const printed = new Map<string, string[]>();
      for (const line of stdout.split('\n')) {
        const space = line.indexOf(' ');
        if (space <= 0) continue;
        const key = line.slice(0, space);
        printed.set(key, [...(printed.get(key) ?? []), line.slice(space + 1)]);
      }
      const ours = resolveHostConfig(CONFIG, host);
      expect(ours.user, host).toBe(printed.get('user')?.[0]);
      expect(ours.hostName ?? host, host).toBe(printed.get('hostname')?.[0]);
      expect(String(ours.port ?? 22), host).toBe(printed.get('port')?.[0]);
      expect(ours.options.proxyjump, host).toBe(printed.get('proxyjump')?.[0]);
      expect(ours.options.serveraliveinterval, host).toBe(printed.get('serveraliveinterval')?.[0]);
      expect(ours.identityFiles.length, host).toBe(printed.get('identityfile')?.length);
      expect(ours.localForwards.length, host).toBe(printed.get('localforward')?.length ?? 0);
      expect(ours.remoteForwards.length, host).toBe(printed.get('remoteforward')?.length ?? 0);
      expect(ours.dynamicForwards.length, host).toBe(printed.get('dynamicforward')?.length ?? 0);
    }
  });

  it('ignores Match blocks without crashing, but honours Match all', () => {
    const text = [
      'Host db',
      '  Port 1',
      'Match host db',
      '  User from-match',
      '  Port 2',
      'Match host',
      '  User broken-match',
      'Match exec "exit 0"',
      '  User from-exec',
      'Match all',
      '  User everyone',
      'Host',
      '  User from-empty-host',
    ].join('\n');
    expect(resolveHostConfig(text, 'db', context)).toMatchObject({user: 'everyone', port: 1});
    expect(resolveHostConfig(text, 'other', context)).toMatchObject({user: 'everyone'});
    expect(resolveHostConfig(text, 'other', context).port).toBeUndefined();
  });

  it('skips lines it cannot read and empty values', () => {
    const text = [
      'User "unterminated',
      'Port notanumber',
      'Port 70000',
      'Port 2200',
      'User',
      'User bob',
    ].join('\n');
    expect(resolveHostConfig(text, 'x', context)).toMatchObject({user: 'bob', port: 2200});
    expect(resolveHostConfig('', 'x', context)).toEqual({
      identityFiles: [],
      localForwards: [],
      remoteForwards: [],
      dynamicForwards: [],
      options: {},
    });
  });

  it('expands ~ and the %-tokens in IdentityFile as ssh does', () => {
    const text = [
      'Host short',
      '  HostName %h.corp.example',
      '  Port 2200',
      'Host *',
      '  IdentityFile ~/.ssh/id_%r@%h:%p',
      '  IdentityFile %d/keys/%u-%n',
      '  IdentityFile /keys/%l/%L/100%%/%x',
      '  IdentityFile ~',
      '  IdentityFile relative/~/key',
    ].join('\n');
    const localHost = os.hostname();
    const expected = (remoteUser: string) => [
      `/home/me/.ssh/id_${remoteUser}@short.corp.example:2200`,
      '/home/me/keys/me-short',
      `/keys/${localHost}/${localHost.split('.')[0]}/100%/%x`,
      '/home/me',
      'relative/~/key',
    ];
    const resolved = resolveHostConfig(text, 'short', context);
    expect(resolved.hostName).toBe('short.corp.example');
    // %r: the local user when nothing else is known...
    expect(resolved.identityFiles).toEqual(expected('me'));
    // ...the config's User...
    expect(resolveHostConfig(`User cfg\n${text}`, 'short', context).identityFiles).toEqual(expected('cfg'));
    // ...and the command line's user above all.
    const cli = resolveHostConfig(`User cfg\n${text}`, 'short', {...context, remoteUser: 'cli'});
    expect(cli.identityFiles).toEqual(expected('cli'));
    expect(cli.user).toBe('cfg');
  });

  it('uses the resolved host name for %h and port 22 for %p by default', () => {
    const resolved = resolveHostConfig('IdentityFile /k/%h_%p_%n', 'Alias', context);
    expect(resolved.identityFiles).toEqual(['/k/alias_22_Alias']);
  });

  it('expands environment variables in IdentityFile', () => {
    process.env.TUNNELS_TEST_KEY_DIR = '/env/keys';
    try {
      const resolved = resolveHostConfig(
        `IdentityFile \${TUNNELS_TEST_KEY_DIR}/id \${NOT_SET_ANYWHERE_X}`,
        'h',
      );
      expect(resolved.identityFiles).toEqual([`/env/keys/id \${NOT_SET_ANYWHERE_X}`]);
    } finally {
      delete process.env.TUNNELS_TEST_KEY_DIR;
    }
  });

  it('defaults to the real home directory and local user', () => {
    const resolved = resolveHostConfig('IdentityFile ~/.ssh/%u', 'h');
    expect(resolved.identityFiles).toEqual([path.join(os.homedir(), '.ssh', os.userInfo().username)]);
  });

  it('does not follow Include without a file system', () => {
    expect(resolveHostConfig('Include /etc/passwd\nUser u', 'h', context).user).toBe('u');
  });
});

describe('loadHostConfig', () => {
  let home: string;
  let previousHome: string | undefined;

  beforeAll(async () => {
    home = await mkdtemp(path.join(dir, 'home-'));
    previousHome = process.env.HOME;
    process.env.HOME = home;
    const ssh = path.join(home, '.ssh');
    await mkdir(path.join(ssh, 'config.d'), {recursive: true, mode: 0o700});
    await writeFile(
      path.join(ssh, 'config'),
      [
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
      ].join('\n'),
    );
    // Included in file-name order; the first value wins.
    await writeFile(
      path.join(ssh, 'config.d', '20-work.conf'),
      'Host work\n  HostName second.example\n  Port 2\n',
    );
    await writeFile(
      path.join(ssh, 'config.d', '10-work.conf'),
      'Host work\n  HostName first.example\n  LocalForward 1 a:1\nHost *\n  LocalForward 2 b:2\n',
    );
    await writeFile(path.join(ssh, 'config.d', '.hidden.conf'), 'Host work\n  User hidden\n');
    await writeFile(path.join(ssh, 'config.d', 'skipped.txt'), 'Host work\n  User skipped\n');
    // A top-level line in an included file applies when the Include line is in an active block.
    await writeFile(path.join(ssh, 'db-only'), 'Port 5432\nHost work\n  User from-db-only\n');
  });

  afterAll(() => {
    process.env.HOME = previousHome;
  });

  it('follows Include directives with globs, relative to ~/.ssh', async () => {
    const work = await loadHostConfig('~/.ssh/config', 'work');
    expect(work).toMatchObject({
      hostName: 'first.example',
      user: 'default-user',
      port: 2,
      identityFiles: [path.join(home, '.ssh', 'id_ed25519')],
      localForwards: ['1 a:1', '2 b:2'],
    });
  });

  it('applies included files only where the Include line is active', async () => {
    const db = await loadHostConfig('~/.ssh/config', 'db');
    expect(db).toMatchObject({user: 'db-user', port: 5432, localForwards: ['2 b:2']});
    // The Include under "Host db" does not leak "Host work" settings into other hosts.
    const work = await loadHostConfig(path.join(home, '.ssh', 'config'), 'work');
    expect(work.user).toBe('default-user');
    const web = await loadHostConfig('~/.ssh/config', 'web');
    expect(web).toMatchObject({user: 'default-user', port: 5432});
  });

  it('treats a missing file as an empty config', async () => {
    expect(await loadHostConfig(path.join(home, 'nope', 'config'), 'x')).toEqual({
      identityFiles: [],
      localForwards: [],
      remoteForwards: [],
      dynamicForwards: [],
      options: {},
    });
  });

  it('passes the context on for token expansion', async () => {
    const resolved = await loadHostConfig('~/.ssh/config', 'db', {remoteUser: 'cli', localUser: 'me'});
    expect(resolved.identityFiles).toEqual([path.join(home, '.ssh', 'id_ed25519')]);
  });

  it('stops on recursive includes', async () => {
    const file = path.join(home, '.ssh', 'loop');
    await writeFile(file, 'Include loop\nUser u\n');
    await expect(loadHostConfig(file, 'x')).rejects.toThrow(/recursive/);
  });
});

describe('listHostAliases', () => {
  it('lists aliases without wildcards or negation, in file order, once', () => {
    expect(listHostAliases(`${CONFIG}\nHost db other\n  User x\n`)).toEqual([
      'bastion',
      'db',
      'quoted host',
      'quoted',
      'other',
    ]);
    expect(listHostAliases('')).toEqual([]);
  });
});

describe('the ssh-config package', () => {
  it('loads from an ESM bundle the way the CLI is built', async () => {
    const entry = path.join(dir, 'bundle-entry.ts');
    const outfile = path.join(dir, 'bundle.mjs');
    const source = path.resolve('source/config/ssh-config.ts');
    await writeFile(
      entry,
      `import {resolveHostConfig} from ${JSON.stringify(source)};\n` +
        `console.log(JSON.stringify(resolveHostConfig('Host a\\n  Port 2022\\n', 'a')));\n`,
    );
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      absWorkingDir: process.cwd(),
      nodePaths: [path.resolve('node_modules')],
    });
    const {stdout} = await run(process.execPath, [outfile]);
    expect(JSON.parse(stdout)).toMatchObject({port: 2022});
  });
});
