/**
 * The algorithm names OpenSSH 9.2 (Debian's build) knows, for checking MACs, KexAlgorithms,
 * GSSAPIKexAlgorithms and the key type lists (HostKeyAlgorithms, PubkeyAcceptedAlgorithms, ...) as
 * readconf.c checks them (mac.c's mac_valid, kex.c's kex_names_valid, sshkey.c's sshkey_names_valid2).
 * The lists are `ssh -Q mac`, `ssh -Q kex`, `ssh -Q kex-gss` and `ssh -Q key-sig`.
 */
import {matchPattern} from '../../text/ssh-pattern.js';

export const ALL_MACS = [
  'hmac-sha1',
  'hmac-sha1-96',
  'hmac-sha2-256',
  'hmac-sha2-512',
  'hmac-md5',
  'hmac-md5-96',
  'umac-64@openssh.com',
  'umac-128@openssh.com',
  'hmac-sha1-etm@openssh.com',
  'hmac-sha1-96-etm@openssh.com',
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'hmac-md5-etm@openssh.com',
  'hmac-md5-96-etm@openssh.com',
  'umac-64-etm@openssh.com',
  'umac-128-etm@openssh.com',
];

export const ALL_KEX = [
  'diffie-hellman-group1-sha1',
  'diffie-hellman-group14-sha1',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group-exchange-sha1',
  'diffie-hellman-group-exchange-sha256',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'sntrup761x25519-sha512',
  'sntrup761x25519-sha512@openssh.com',
];

/** Debian's GSSAPI key exchange: a name is one of these followed by a mechanism's hash. */
export const GSS_KEX_PREFIXES = [
  'gss-gex-sha1-',
  'gss-group1-sha1-',
  'gss-group14-sha1-',
  'gss-group14-sha256-',
  'gss-group16-sha512-',
  'gss-nistp256-sha256-',
  'gss-curve25519-sha256-',
];

/** sshkey.c's keyimpls, in order: every key type and signature algorithm name. */
export const ALL_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-ed25519-cert-v01@openssh.com',
  'sk-ssh-ed25519@openssh.com',
  'sk-ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-dss',
  'ssh-dss-cert-v01@openssh.com',
  'ssh-rsa',
  'ssh-rsa-cert-v01@openssh.com',
  'rsa-sha2-256',
  'rsa-sha2-256-cert-v01@openssh.com',
  'rsa-sha2-512',
  'rsa-sha2-512-cert-v01@openssh.com',
];

/** The short names of the plain (not certificate) key types, taken in any case (sshkey_type_from_name). */
const KEY_SHORT_NAMES = ['ed25519', 'ed25519-sk', 'ecdsa', 'ecdsa-sk', 'dsa', 'rsa'];

/** The names before the first empty one: ssh's checks stop there ("a," and "a,,bad" pass). */
function namesToCheck(list: string): string[] | undefined {
  if (list === '') return undefined;
  const names = list.split(',');
  const empty = names.indexOf('');
  return empty === -1 ? names : names.slice(0, empty);
}

/**
 * A MACs or KexAlgorithms value as readconf.c checks it: "-list" is not checked, "+list" and "^list" are
 * checked without the sign; every name must be known exactly.
 */
function validNameSpec(value: string, known: readonly string[]): boolean {
  if (value.startsWith('-')) return true;
  const names = namesToCheck(value.replace(/^[+^]/, ''));
  if (names === undefined) return false;
  return names.every((name) => known.includes(name));
}

export const validMacSpec = (value: string): boolean => validNameSpec(value, ALL_MACS);
export const validKexSpec = (value: string): boolean => validNameSpec(value, ALL_KEX);

/** GSSAPIKexAlgorithms: a plain list (no sign), each name starting with a known prefix. */
export function validGssKexList(value: string): boolean {
  const names = namesToCheck(value);
  if (names === undefined) return false;
  return names.every((name) => GSS_KEX_PREFIXES.some((prefix) => name.startsWith(prefix)));
}

/**
 * A key type list (sshkey_names_valid2 with wildcards): a name, a plain type's short name in any case, or
 * a pattern that matches a name (a negated one counts as a match, as in ssh).
 */
export function validKeyTypeSpec(value: string): boolean {
  if (value.startsWith('-')) return true;
  const names = namesToCheck(value.replace(/^[+^]/, ''));
  if (names === undefined) return false;
  return names.every(
    (name) =>
      ALL_KEY_TYPES.includes(name) ||
      KEY_SHORT_NAMES.includes(name.toLowerCase()) ||
      ALL_KEY_TYPES.some((type) => matchPattern(type, name.startsWith('!') ? name.slice(1) : name)),
  );
}
