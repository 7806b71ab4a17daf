/**
 * ssh_config's PermitRemoteOpen, as OpenSSH's client reads and applies it (readconf.c,
 * ssh_init_forward_permissions, channels.c open_match): where connections of a remote dynamic forward
 * (-R port) may go. Pure: no IO.
 */
import {hostPort} from '../../text/address.js';

/** `any`: no limit (also when unset). `none`: nothing. Otherwise the host:port pairs allowed. */
export type PermitRemoteOpen = 'any' | 'none' | Array<{host: string; port: number | '*'}>;

/**
 * Reads a PermitRemoteOpen value: "any", "none", or host:port pairs separated by whitespace (IPv6 in
 * square brackets; "*" for any host or any port). Throws an Error whose message says what is wrong.
 */
export function parsePermitRemoteOpen(value: string): PermitRemoteOpen {
  const words = value.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0)
    throw new Error('PermitRemoteOpen: missing value (expected any, none or host:port ...)');
  const keyword = words.find((word) => /^(any|none)$/i.test(word));
  if (keyword !== undefined) {
    if (words.length > 1)
      throw new Error(
        `PermitRemoteOpen: "${keyword}" must appear alone (not with ${words.filter((w) => w !== keyword).join(' ')})`,
      );
    return keyword.toLowerCase() as 'any' | 'none';
  }
  return words.map((word) => {
    // hpdelim: a bracketed host, then ':' (or '/'); else up to the first ':' or '/'.
    const match = /^(?:\[([^\]]*)\]|([^:/[\]]*))[:/](.*)$/.exec(word);
    const host = match ? (match[1] ?? match[2] ?? '') : '';
    const port = match?.[3] ?? '';
    if (!match || host === '')
      throw new Error(
        `PermitRemoteOpen: "${word}" is not host:port (IPv6 in square brackets, e.g. [::1]:80)`,
      );
    if (port === '*') return {host, port: '*' as const};
    if (!/^[0-9]+$/.test(port) || Number(port) < 1 || Number(port) > 65535)
      throw new Error(`PermitRemoteOpen: bad port "${port}" in "${word}" (expected 1-65535 or *)`);
    return {host, port: Number(port)};
  });
}

/**
 * Whether a connection to host:port (the name or address exactly as the SOCKS client gave it: no
 * lookups, as ssh) is allowed. Host names compare without regard to case (DNS does not regard it).
 */
export function permitsRemoteOpen(rule: PermitRemoteOpen | undefined, host: string, port: number): boolean {
  if (rule === undefined || rule === 'any') return true;
  if (rule === 'none') return false;
  const wanted = host.toLowerCase();
  return rule.some(
    (entry) =>
      (entry.port === '*' || entry.port === port) &&
      (entry.host === '*' || entry.host.toLowerCase() === wanted),
  );
}

/** The rule as ssh_config writes it, for messages. */
export function formatPermitRemoteOpen(rule: PermitRemoteOpen): string {
  if (typeof rule === 'string') return rule;
  return rule.map(({host, port}) => hostPort(host, port)).join(' ');
}
