/**
 * The values of ssh_config keywords: yes/no, choices, times, ports, jump hosts and forwards.
 * A port of OpenSSH 9.2's readconf.c: its names (match_cfg_line, add_identity_file, ...) are kept where
 * they help compare.
 */

import fs from 'node:fs';
import {type ForwardFlag, type ForwardSpec, ForwardSpecError} from '../../core/protocols/forward-spec.js';
import {parseConfigForward, parseForwardSpec} from '../../core/protocols/forward-spec-parse.js';
import {unbracketed} from '../../text/address.js';
import {OptionError} from './options.js';
import {expandVariables, TokenError} from './tokens.js';

/** "-o Key=value: why" for an option, "FILE line N: Key value: why" for a config line. */
export function badValue(where: string, keyword: string, value: string, why: string): OptionError {
  return new OptionError(
    where === '-o' ? `-o ${keyword}=${value}: ${why}` : `${where}: ${keyword} ${value}: ${why}`,
  );
}

export const FLAG_VALUES: Record<string, boolean> = {true: true, false: false, yes: true, no: false};

export function flag(value: string | undefined, where: string, keyword: string): boolean {
  const result = value === undefined ? undefined : FLAG_VALUES[value.toLowerCase()];
  if (result === undefined) throw badValue(where, keyword, value ?? '', 'expected yes or no');
  return result;
}

export function choice<T extends string>(
  value: string | undefined,
  table: Record<string, T>,
  where: string,
  keyword: string,
): T {
  const result = value === undefined ? undefined : table[value.toLowerCase()];
  if (result === undefined)
    throw badValue(
      where,
      keyword,
      value ?? '',
      `expected one of ${[...new Set(Object.keys(table))].join(', ')}`,
    );
  return result;
}

/** misc.c's convtime: "90", "1m30s", "2h" (each part as strtol reads it); undefined when it is not a time. */
export function parseTime(value: string): number | undefined {
  if (value === '') return undefined;
  const units: Record<string, number> = {'': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800};
  let total = 0;
  const pattern = /[ \t\n\v\f\r]*([+-]?\d+)([smhdw]?)/iy;
  let index = 0;
  while (index < value.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(value);
    if (!match) return undefined;
    const seconds = Number(match[1]);
    // "-0" is 0, as strtol reads it.
    if (seconds < 0) return undefined;
    total += seconds * units[match[2]!.toLowerCase()]!;
    index = pattern.lastIndex;
    if (total > 2 ** 31 - 1) return undefined;
  }
  return total;
}

let services: Map<string, number> | undefined;

/** getservbyname(name, "tcp") from /etc/services. */
export function servicePort(name: string): number | undefined {
  if (!services) {
    services = new Map();
    let text = '';
    try {
      text = fs.readFileSync('/etc/services', 'utf8');
    } catch {
      // No services database: names are not ports.
    }
    for (const line of text.split('\n')) {
      const words = line.replace(/#.*/, '').trim().split(/\s+/);
      const match = /^(\d+)\/tcp$/.exec(words[1] ?? '');
      if (!match) continue;
      for (const word of [words[0]!, ...words.slice(2)]) {
        if (!services.has(word)) services.set(word, Number(match[1]));
      }
    }
  }
  return services.get(name);
}

/** misc.c's a2port: 0-65535 or a service name; undefined when it is neither. */
export function parsePortValue(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value) <= 65535 ? Number(value) : undefined;
  return servicePort(value);
}

export const INT_MAX = 2 ** 31 - 1;

/** A count as misc.c's atoi_err reads it: 0 to INT_MAX. */
export function integer(value: string | undefined, where: string, keyword: string): number {
  const number = value === undefined ? undefined : parseCount(value);
  if (number === undefined)
    throw badValue(where, keyword, value ?? '', `expected a whole number from 0 to ${INT_MAX}`);
  return number;
}

/** misc.c's atoi_err (strtonum from 0 to INT_MAX); undefined when it is not such a number. */
export function parseCount(value: string): number | undefined {
  if (!/^[ \t\n\v\f\r]*[+-]?\d+$/.test(value)) return undefined;
  const number = Number(value.trim());
  return number >= 0 && number <= INT_MAX ? Math.abs(number) : undefined;
}

export function time(value: string | undefined, where: string, keyword: string): number {
  if (value === 'none') return -1;
  const seconds = value === undefined ? undefined : parseTime(value);
  if (seconds === undefined)
    throw badValue(where, keyword, value ?? '', 'expected seconds, or a time such as 1m30s');
  return seconds;
}

/** ssh_valid_hostname: no leading '-', no whitespace, control characters or "'`\"$\\;&<>|(){},". */
export function validHostname(host: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return !host.startsWith('-') && !/['`"$\\;&<>|(){},\s\x00-\x1f\x7f]/.test(host);
}

/** ssh_valid_ruser: no leading '-', control characters, "'`\";&<>|(){}", '-' after a space or '\\' last. */
export function validRemoteUser(user: string): boolean {
  return (
    !user.startsWith('-') &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    !/['`";&<>|(){}\x00-\x1f\x7f]/.test(user) &&
    !/\s-/.test(user) &&
    !user.endsWith('\\')
  );
}

/** ProxyJump / -J: "[user@]host[:port]" or "ssh://[user@]host[:port]", comma-separated. */
export function parseJumpHop(text: string): {user?: string; host: string; port?: number} | undefined {
  if (text.startsWith('ssh://')) {
    const match = /^ssh:\/\/(?:([^@/]*)@)?(\[[^\]]+\]|[^:/@[\]]+)(?::(\d+))?\/?$/.exec(text);
    if (!match) return undefined;
    const port = match[3] !== undefined ? Number(match[3]) : undefined;
    if (port !== undefined && (port < 1 || port > 65535)) return undefined;
    return {
      ...(match[1] ? {user: decodeURIComponent(match[1])} : {}),
      host: unbracketed(match[2]!),
      ...(port !== undefined ? {port} : {}),
    };
  }
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : undefined;
  if (user === '') return undefined;
  const hostPort = at >= 0 ? text.slice(at + 1) : text;
  // hpdelim: the port follows a ':' or a '/'.
  const match = /^(\[[^\]]+\]|[^:/[\]]+)(?:[:/]([^:/]+))?$/.exec(hostPort);
  if (!match || match[1] === '') return undefined;
  let port: number | undefined;
  if (match[2] !== undefined) {
    port = parsePortValue(match[2]);
    if (port === undefined || port === 0) return undefined;
  }
  return {
    ...(user !== undefined ? {user} : {}),
    host: unbracketed(match[1]!),
    ...(port !== undefined ? {port} : {}),
  };
}

/** Parses a forward as -L/-R/-D (`commandLine`) or LocalForward/RemoteForward/DynamicForward take it. */
export function parseForward(
  flag: ForwardFlag,
  text: string,
  where: string,
  commandLine: boolean,
): ForwardSpec {
  try {
    // parse_forward expands ${VAR} first (dollar_expand): a path or a port may come from the environment.
    const expanded = expandVariables(text, where || `-${flag}`);
    return commandLine
      ? parseForwardSpec(flag, expanded, servicePort)
      : parseConfigForward(flag, expanded, servicePort);
  } catch (error) {
    if (error instanceof ForwardSpecError) throw new OptionError(`${where}: ${error.message}`);
    if (error instanceof TokenError) throw new OptionError(error.message);
    throw error;
  }
}
