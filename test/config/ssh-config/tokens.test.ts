// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are ssh_config values, whose ${VAR} is their own syntax
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {
  expandTilde,
  expandTokens,
  expandTokensAndVariables,
  expandVariables,
  TokenError,
} from '../../../source/config/ssh-config/tokens.js';

const TOKENS = {h: 'host.example', p: '2222', r: 'alice', n: 'alias', e: ''};
const ENV = {HOME: '/home/me', EMPTY: '', PCT: '%h', BRACE: '}'};

function error(run: () => string): string {
  try {
    return `no error: ${run()}`;
  } catch (caught) {
    if (caught instanceof TokenError) return caught.message;
    throw caught;
  }
}

describe('expandTokens (percent_expand)', () => {
  it.each<[string, string]>([
    ['', ''],
    ['plain', 'plain'],
    ['%h', 'host.example'],
    ['ssh -W %h:%p %r@%n', 'ssh -W host.example:2222 alice@alias'],
    ['%h%h', 'host.example'.repeat(2)],
    // "%%" is one "%", and is not read again.
    ['100%%', '100%'],
    ['%%h', '%h'],
    ['%%%h', '%host.example'],
    ['%%%%', '%%'],
    // A token with an empty value.
    ['[%e]', '[]'],
    // "${...}" is left alone when only tokens are expanded.
    ['${HOME}/%h', '${HOME}/host.example'],
    // "~" too.
    ['~/%h', '~/host.example'],
  ])('%j', (value, expected) => {
    expect(expandTokens(value, TOKENS, 'Test')).toBe(expected);
  });

  it.each<[string, RegExp]>([
    ['%x', /^Test: unknown token %x in "%x" \(it takes %h %p %r %n %e and %%\)$/],
    ['a%Hb', /unknown token %H/],
    ['%', /ends with a lone %/],
    ['abc%', /ends with a lone %/],
    ['%%%', /ends with a lone %/],
    ['%$', /unknown token %\$/],
  ])('refuses %j', (value, message) => {
    expect(error(() => expandTokens(value, TOKENS, 'Test'))).toMatch(message);
  });
});

describe('expandVariables (dollar_expand)', () => {
  it.each<[string, string]>([
    ['${HOME}', '/home/me'],
    ['${HOME}/.ssh/${HOME}', '/home/me/.ssh//home/me'],
    // An empty variable is fine.
    ['a${EMPTY}b', 'ab'],
    // A "%" in a value is not a token; a "}" in one does not end anything.
    ['${PCT}', '%h'],
    ['${BRACE}x', '}x'],
    // Only "${" starts a variable.
    ['$HOME', '$HOME'],
    ['$', '$'],
    ['a$', 'a$'],
    ['{HOME}', '{HOME}'],
    ['$$', '$$'],
    ['%h', '%h'],
  ])('%j', (value, expected) => {
    expect(expandVariables(value, 'Test', ENV)).toBe(expected);
  });

  it.each<[string, RegExp]>([
    ['${NOT_SET}', /^Test: "\$\{NOT_SET\}": the environment variable NOT_SET is not set$/],
    ['a/${HOME}/${NOT_SET}', /NOT_SET is not set/],
    ['${HOME', /without a closing \}/],
    ['x${', /without a closing \}/],
    ['${}', /an empty \$\{\}/],
  ])('refuses %j', (value, message) => {
    expect(error(() => expandVariables(value, 'Test', ENV))).toMatch(message);
  });

  it('reads the process environment by default', () => {
    process.env.TUNNELS_TOKENS_TEST = '/from/env';
    try {
      expect(expandVariables('${TUNNELS_TOKENS_TEST}/x', 'Test')).toBe('/from/env/x');
    } finally {
      delete process.env.TUNNELS_TOKENS_TEST;
    }
  });
});

describe('expandTokensAndVariables (percent_dollar_expand)', () => {
  it.each<[string, string]>([
    ['${HOME}/%h_%p', '/home/me/host.example_2222'],
    ['%%${HOME}', '%/home/me'],
    // A token in a variable's value is not expanded.
    ['${PCT}/%h', '%h/host.example'],
    ['${EMPTY}%r', 'alice'],
    ['$HOME/%n', '$HOME/alias'],
  ])('%j', (value, expected) => {
    expect(expandTokensAndVariables(value, TOKENS, 'Test', ENV)).toBe(expected);
  });

  it.each<[string, RegExp]>([
    ['${NOT_SET}/%h', /NOT_SET is not set/],
    ['%h/${HOME', /without a closing \}/],
    ['${}', /an empty \$\{\}/],
    ['${HOME}/%z', /unknown token %z/],
    ['${HOME}%', /ends with a lone %/],
    // "%" then "${": "%$" is not a token.
    ['%${HOME}', /unknown token %\$/],
  ])('refuses %j', (value, message) => {
    expect(error(() => expandTokensAndVariables(value, TOKENS, 'Test', ENV))).toMatch(message);
  });
});

describe('expandTilde (tilde_expand_filename)', () => {
  const root = os.userInfo().uid === 0 ? '/root' : undefined;

  it.each<[string, string]>([
    ['/abs/~/x', '/abs/~/x'],
    ['relative/~', 'relative/~'],
    ['', ''],
    // ssh's home ends with "/", and the slashes after "~" are not doubled.
    ['~', '/home/me/'],
    ['~/', '/home/me/'],
    ['~/x', '/home/me/x'],
    ['~//x', '/home/me/x'],
    ['~/x/', '/home/me/x/'],
    ['~/x//y', '/home/me/x//y'],
  ])('%j', (file, expected) => {
    expect(expandTilde(file, '/home/me', 'Test')).toBe(expected);
    expect(expandTilde(file, '/home/me/', 'Test')).toBe(expected);
  });

  it('takes ~user from the password file', () => {
    const passwd = spawnSync('getent', ['passwd', 'root'], {encoding: 'utf8'}).stdout.split(':')[5];
    const home = (passwd ?? '/root').trim();
    const slash = home.endsWith('/') ? home : `${home}/`;
    expect(expandTilde('~root', '/home/me', 'Test')).toBe(slash);
    expect(expandTilde('~root/', '/home/me', 'Test')).toBe(slash);
    expect(expandTilde('~root/.ssh/id', '/home/me', 'Test')).toBe(`${slash}.ssh/id`);
    expect(expandTilde('~root//.ssh', '/home/me', 'Test')).toBe(`${slash}.ssh`);
    if (root) expect(expandTilde('~root/x', '/elsewhere', 'Test')).toBe('/root/x');
  });

  it('refuses a user who does not exist', () => {
    expect(error(() => expandTilde('~nosuchuser-tunnels/x', '/home/me', 'Test'))).toBe(
      'Test: "~nosuchuser-tunnels/x": no user named nosuchuser-tunnels',
    );
    expect(error(() => expandTilde('~nosuchuser-tunnels', '/home/me', 'Test'))).toMatch(/no user named/);
  });
});

// The same values through the installed ssh, which expands ~, ${VAR} and tokens in UserKnownHostsFile
// (from the password file's home: compared with that home).
const ssh = spawnSync('ssh', ['-V']);
describe.skipIf(ssh.error !== undefined)('against ssh -G (UserKnownHostsFile)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunnels-tokens-'));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));
  const home = os.userInfo().homedir;
  const env = {...process.env, TUNNELS_EMPTY: '', TUNNELS_PCT: '%h', TUNNELS_DIR: '/d'};
  const tokens = {h: 'h', p: '22', n: 'h'};

  function viaSsh(value: string): string {
    const file = path.join(dir, 'config');
    writeFileSync(file, `UserKnownHostsFile "${value}"\n`, {mode: 0o600});
    const run = spawnSync('ssh', ['-G', '-F', file, 'h'], {encoding: 'utf8', env});
    if (run.status !== 0) return 'error';
    return /^userknownhostsfile ([^\n]*)$/m.exec(run.stdout)?.[1] ?? 'missing';
  }

  function viaTunnels(value: string): string {
    try {
      return expandTokensAndVariables(expandTilde(value, home, 'Test'), tokens, 'Test', env);
    } catch (caught) {
      if (caught instanceof TokenError) return 'error';
      throw caught;
    }
  }

  it.each([
    '~',
    '~/',
    '~//kh',
    '~/kh',
    '~root',
    '~root/',
    '~root/kh',
    '~nosuchuser-tunnels/kh',
    '/a/%h/%p/%n',
    '/a/%%/b',
    '/a/%',
    '/a/%Z',
    '/a/${TUNNELS_DIR}/b',
    '/a/${TUNNELS_EMPTY}/b',
    '/a/${TUNNELS_PCT}',
    '/a/${TUNNELS_NOT_SET_X}',
    '/a/${TUNNELS_DIR',
    '/a/${}',
    '/a/$TUNNELS_DIR',
    '~/${TUNNELS_DIR}/%h',
  ])('%j', (value) => {
    expect(viaTunnels(value)).toBe(viaSsh(value));
  });
});
