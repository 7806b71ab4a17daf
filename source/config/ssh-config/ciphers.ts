/**
 * Cipher lists as ssh reads them (kex.c's kex_assemble_names): a list replaces the default, "+list" appends
 * to it, "-list" removes from it (patterns allowed), "^list" puts the names first.
 */
import {matchPatternList} from './match.js';

/** Every cipher OpenSSH 9.2 knows, in its order (`ssh -Q cipher`); ssh2 has them all. */
export const ALL_CIPHERS = [
  '3des-cbc',
  'aes128-cbc',
  'aes192-cbc',
  'aes256-cbc',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'chacha20-poly1305@openssh.com',
];

/** OpenSSH's default, the base of "+", "-" and "^" lists. */
export const OPENSSH_DEFAULT_CIPHERS = [
  'chacha20-poly1305@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
];

/**
 * tunnels' default when none is given: ssh2's, which puts AES-GCM first on a CPU with AES instructions
 * (the fastest here); OpenSSH puts chacha20-poly1305 first.
 */
export const TUNNELS_DEFAULT_CIPHERS = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'chacha20-poly1305@openssh.com',
  'aes256-ctr',
];

/**
 * Whether a Ciphers / -c value is one ssh accepts (cipher.c's ciphers_valid): names must be known, except
 * after "-"; as in ssh, the check stops at the first empty name ("aes128-ctr," is fine).
 */
export function validCipherSpec(value: string): boolean {
  if (value.startsWith('-')) return true;
  const names = value.replace(/^[+^]/, '');
  if (names === '') return false;
  for (const name of names.split(',')) {
    if (name === '') break;
    if (!ALL_CIPHERS.includes(name)) return false;
  }
  return true;
}

function concatenate(first: string[], second: string[]): string[] {
  const out = [...first];
  for (const name of second) if (!out.includes(name)) out.push(name);
  return out;
}

/** The list a Ciphers value comes to; undefined for no value (tunnels' default applies). */
export function assembleCiphers(value: string | undefined): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.startsWith('-')) {
    const remove = value.slice(1);
    return OPENSSH_DEFAULT_CIPHERS.filter((name) => !matchPatternList(name, remove, false));
  }
  let list: string[];
  if (value.startsWith('+')) list = concatenate(OPENSSH_DEFAULT_CIPHERS, value.slice(1).split(','));
  else if (value.startsWith('^')) list = concatenate(value.slice(1).split(','), OPENSSH_DEFAULT_CIPHERS);
  else list = value.split(',');
  let out: string[] = [];
  for (const pattern of list) {
    out = concatenate(
      out,
      ALL_CIPHERS.filter((name) => matchPatternList(name, pattern, false)),
    );
  }
  return out;
}
