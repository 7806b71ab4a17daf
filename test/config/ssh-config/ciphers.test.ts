import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {
  ALL_CIPHERS,
  assembleCiphers,
  OPENSSH_DEFAULT_CIPHERS,
  TUNNELS_DEFAULT_CIPHERS,
  validCipherSpec,
} from '../../../source/config/ssh-config/ciphers.js';

const DEFAULT = OPENSSH_DEFAULT_CIPHERS;
const without = (...names: string[]) => DEFAULT.filter((name) => !names.includes(name));

/** A Ciphers value, and the list ssh comes to ("refused": ssh's "Bad SSH2 cipher spec"). */
const CASES: Array<[string, string[] | 'refused']> = [
  // A list replaces the default, in its order, each name once.
  ['aes128-ctr', ['aes128-ctr']],
  ['aes256-ctr,aes128-ctr', ['aes256-ctr', 'aes128-ctr']],
  ['aes128-ctr,aes128-ctr', ['aes128-ctr']],
  ['3des-cbc', ['3des-cbc']],
  // ssh's check stops at the first empty name; the empty names match nothing.
  ['aes128-ctr,', ['aes128-ctr']],
  [',aes128-ctr', ['aes128-ctr']],
  ['aes256-ctr,,aes128-ctr', ['aes256-ctr', 'aes128-ctr']],
  ['aes128-ctr,,nosuch', ['aes128-ctr']],
  // Unknown names, patterns and negations are refused in a list, "+" or "^"; names are case-sensitive.
  ['nosuch', 'refused'],
  ['aes128-ctr,nosuch', 'refused'],
  ['AES128-CTR', 'refused'],
  ['aes*', 'refused'],
  ['*', 'refused'],
  ['!aes128-ctr', 'refused'],
  ['+nosuch', 'refused'],
  ['+aes*-cbc', 'refused'],
  ['^nosuch', 'refused'],
  ['^aes*-cbc', 'refused'],
  ['+', 'refused'],
  ['^', 'refused'],
  // "+": appended to the default, without repeating one it has.
  ['+aes128-cbc', [...DEFAULT, 'aes128-cbc']],
  ['+3des-cbc,aes128-cbc', [...DEFAULT, '3des-cbc', 'aes128-cbc']],
  ['+aes128-cbc,aes128-cbc', [...DEFAULT, 'aes128-cbc']],
  ['+aes128-ctr', DEFAULT],
  // "^": put first, the rest of the default after.
  ['^aes256-cbc', ['aes256-cbc', ...DEFAULT]],
  ['^aes128-ctr', ['aes128-ctr', ...without('aes128-ctr')]],
  ['^3des-cbc,aes128-cbc', ['3des-cbc', 'aes128-cbc', ...DEFAULT]],
  ['^aes128-ctr,aes128-ctr', ['aes128-ctr', ...without('aes128-ctr')]],
  // "-": removed from the default; patterns and negations allowed, unknown names ignored.
  ['-aes128-ctr', without('aes128-ctr')],
  ['-aes*-ctr', without('aes128-ctr', 'aes192-ctr', 'aes256-ctr')],
  ['-aes?28-ctr', without('aes128-ctr')],
  ['-chacha20-poly1305@openssh.com,aes128-ctr', without('chacha20-poly1305@openssh.com', 'aes128-ctr')],
  ['-nosuch', DEFAULT],
  ['-aes128-ctr,nosuch', without('aes128-ctr')],
  ['-AES*', DEFAULT],
  ['-', DEFAULT],
  ['-*', []],
  ['-*,!aes128-ctr', ['aes128-ctr']],
  ['-aes*,!aes128-ctr', ['chacha20-poly1305@openssh.com', 'aes128-ctr']],
  ['-!aes128-ctr', DEFAULT],
  // A second "-" is a name, not an operator.
  ['-aes128-ctr,-aes256-ctr', without('aes128-ctr')],
];

describe('validCipherSpec and assembleCiphers', () => {
  it.each(CASES)('%j', (value, expected) => {
    if (expected === 'refused') {
      expect(validCipherSpec(value)).toBe(false);
      return;
    }
    expect(validCipherSpec(value)).toBe(true);
    expect(assembleCiphers(value)).toEqual(expected);
  });

  it('leaves no value to the default', () => {
    expect(assembleCiphers(undefined)).toBeUndefined();
    expect(assembleCiphers('')).toBeUndefined();
    expect(validCipherSpec('')).toBe(false);
  });

  it('knows what ssh -Q cipher lists, and defaults to a reordering of ssh’s default', () => {
    for (const name of [...DEFAULT, ...TUNNELS_DEFAULT_CIPHERS]) expect(ALL_CIPHERS).toContain(name);
    expect([...TUNNELS_DEFAULT_CIPHERS].sort()).toEqual([...DEFAULT].sort());
  });
});

const ssh = spawnSync('ssh', ['-V']);
describe.skipIf(ssh.error !== undefined)('against ssh', () => {
  it('ssh -Q cipher lists the same ciphers in the same order', () => {
    const listed = spawnSync('ssh', ['-Q', 'cipher'], {encoding: 'utf8'}).stdout.trim().split('\n');
    expect(ALL_CIPHERS).toEqual(listed);
  });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunnels-ciphers-'));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it.each(CASES)('ssh -G with Ciphers %j', (value, expected) => {
    const file = path.join(dir, 'config');
    writeFileSync(file, `Ciphers ${value}\n`, {mode: 0o600});
    const run = spawnSync('ssh', ['-G', '-F', file, 'h'], {encoding: 'utf8'});
    if (expected === 'refused') {
      expect(run.status).toBe(255);
      return;
    }
    expect(run.status).toBe(0);
    const line = /^ciphers ([^\n]*)$/m.exec(run.stdout)?.[1];
    expect(line === '' ? [] : line?.split(',')).toEqual(expected);
  });
});
