/**
 * The algorithm lists tunnels passes over (MACs, KexAlgorithms, GSSAPIKexAlgorithms, HostKeyAlgorithms,
 * PubkeyAcceptedAlgorithms, ...), checked where readconf.c checks them (mac.c's mac_valid, kex.c's
 * kex_names_valid, sshkey.c's sshkey_names_valid2) but for the form of each name, not against one ssh's
 * `ssh -Q` lists: every OpenSSH version adds names (mlkem768x25519-sha256 in 9.9), a config written for a
 * newer ssh has them, and tunnels' SSH library negotiates its own algorithms whatever the lists say.
 */

/** The characters of an algorithm name, as in hmac-sha2-256-etm@openssh.com. */
const NAME = /^[A-Za-z0-9.@_+-]+$/;

/** The key type lists take patterns too: ssh-ed25519*, !ssh-rsa. */
const KEY_TYPE_PATTERN = /^!?[A-Za-z0-9.@_+*?-]+$/;

/** Debian's GSSAPI key exchange: gss-, the exchange, then the mechanism's hash in base64 (+ / =). */
const GSS_NAME = /^gss-[A-Za-z0-9.@_+/=-]+$/;

/** The names before the first empty one: ssh's checks stop there ("a," and "a,,bad" pass). */
function namesToCheck(list: string): string[] | undefined {
  if (list === '') return undefined;
  const names = list.split(',');
  const empty = names.indexOf('');
  return empty === -1 ? names : names.slice(0, empty);
}

/**
 * A list as readconf.c checks it: "-list" is not checked, "+list" and "^list" are checked without the sign;
 * an empty list is refused.
 */
function validSpec(value: string, name: RegExp): boolean {
  if (value.startsWith('-')) return true;
  const names = namesToCheck(value.replace(/^[+^]/, ''));
  return names?.every((each) => name.test(each)) === true;
}

export const validMacSpec = (value: string): boolean => validSpec(value, NAME);
export const validKexSpec = (value: string): boolean => validSpec(value, NAME);
export const validKeyTypeSpec = (value: string): boolean => validSpec(value, KEY_TYPE_PATTERN);

/** GSSAPIKexAlgorithms: a plain list, without a sign. */
export function validGssKexList(value: string): boolean {
  const names = namesToCheck(value);
  return names?.every((name) => GSS_NAME.test(name)) === true;
}
