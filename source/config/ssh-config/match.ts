/**
 * Which lines apply: Host patterns and Match criteria (readconf.c's match_cfg_line), and the tokens of a
 * connection that Match exec and later keywords expand.
 * A port of OpenSSH 9.2's readconf.c: its names (match_cfg_line, add_identity_file, ...) are kept where
 * they help compare. The criteria OpenSSH added after 9.2 (tagged and localnetwork in 9.4; version,
 * sessiontype and command in 10.0) are read as its current readconf.c reads them, for configs written
 * for a newer ssh.
 */
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import os from 'node:os';
import {matchPattern} from '../../text/ssh-pattern.js';
import {ipv4Address, ipv6Address} from './addresses.js';
import {OptionError, type ReadContext, type SshOptions} from './options.js';
import {expandTokens, type Tokens} from './tokens.js';

declare const TUNNELS_VERSION: string;

/**
 * What `Match version` compares with: tunnels' own version, written as ssh writes its own
 * ("OpenSSH_10.0"). tunnels is not that ssh, so a block kept for one OpenSSH release is not taken.
 */
export const MATCH_VERSION = `tunnels_${typeof TUNNELS_VERSION === 'string' ? TUNNELS_VERSION : ''}`;

/** ssh's match_pattern_list: comma-separated patterns, "!" negates; case-insensitive when asked. */
export function matchPatternList(text: string, list: string, ignoreCase: boolean): boolean {
  const subject = ignoreCase ? text.toLowerCase() : text;
  let positive = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = ignoreCase ? raw.slice(negated ? 1 : 0).toLowerCase() : raw.slice(negated ? 1 : 0);
    if (matchPattern(subject, pattern)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

export function hostApplies(patterns: string[], host: string, where: string): boolean {
  let active = false;
  for (const pattern of patterns) {
    if (pattern === '') throw new OptionError(`${where}: keyword Host empty argument`);
    const negated = pattern.startsWith('!');
    if (matchPattern(host, negated ? pattern.slice(1) : pattern)) {
      if (negated) return false;
      active = true;
    }
  }
  return active;
}

/**
 * misc.c's strdelim, which Match reads its words with: a word ends at whitespace, a quote or one "=";
 * a quoted part is taken whole. Stops at an unclosed quote, as ssh does.
 */
function strdelimWords(text: string): string[] {
  const words: string[] = [];
  const space = ' \t\r\n';
  let rest = text;
  for (;;) {
    const at = [...rest].findIndex((char) => space.includes(char) || char === '"' || char === '=');
    if (at === -1) {
      words.push(rest);
      return words;
    }
    if (rest[at] === '"') {
      const close = rest.indexOf('"', at + 1);
      if (close === -1) return words;
      words.push(rest.slice(0, at) + rest.slice(at + 1, close));
      rest = rest.slice(close + 1).replace(/^[ \t\r\n]*/, '');
      continue;
    }
    const equals = rest[at] === '=';
    words.push(rest.slice(0, at));
    rest = rest.slice(at + 1).replace(/^[ \t\r\n]*/, '');
    if (!equals && rest.startsWith('=')) rest = rest.slice(1).replace(/^[ \t\r\n]*/, '');
  }
}

/** readconf.c's match_cfg_line. */
export function matchApplies(
  options: SshOptions,
  rest: string,
  context: ReadContext,
  where: string,
): boolean {
  const words = strdelimWords(rest);
  const port = String(options.port ?? 22);
  const remoteUser = options.user ?? context.localUser;
  const host = context.finalPass
    ? (options.hostname ?? context.host)
    : options.hostname !== undefined
      ? expandTokens(options.hostname, {h: context.host}, `${where}: HostName`)
      : context.host;
  let result = true;
  let attributes = 0;
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === '') break;
    if (word.startsWith('#')) break;
    const negate = word.startsWith('!');
    const attribute = (negate ? word.slice(1) : word).toLowerCase();
    if (attribute === 'all') {
      const next = words[index + 1];
      if (attributes > 1 || (next !== undefined && next !== '' && !next.startsWith('#')))
        throw new OptionError(`${where}: '${word}' cannot be combined with other Match attributes`);
      return result ? !negate : false;
    }
    attributes++;
    if (attribute === 'canonical' || attribute === 'final') {
      if (attribute === 'final') context.wantFinalPass = true;
      if (context.finalPass === negate) result = false;
      continue;
    }
    const argument = words[++index];
    // tagged and command take "" (`Match tagged ""`, `Match command=`): no tag, no command.
    const mayBeEmpty = attribute === 'tagged' || attribute === 'command';
    if (argument === undefined || (argument === '' && !mayBeEmpty) || argument.startsWith('#'))
      throw new OptionError(`${where}: missing Match criteria for ${attribute}`);
    let matched: boolean;
    if (attribute === 'host') matched = matchPatternList(host, argument, true);
    else if (attribute === 'originalhost') matched = matchPatternList(context.originalHost, argument, true);
    else if (attribute === 'user') matched = matchPatternList(remoteUser, argument, false);
    else if (attribute === 'localuser') matched = matchPatternList(context.localUser, argument, false);
    else if (attribute === 'localnetwork') matched = onLocalNetwork(parseNetworks(argument, where));
    else if (attribute === 'version') matched = matchPatternList(MATCH_VERSION, argument, false);
    else if (attribute === 'tagged') matched = matchOrEmpty(options.passedOver?.tag?.[0] ?? '', argument);
    else if (attribute === 'command') matched = matchOrEmpty(context.remoteCommand ?? '', argument);
    else if (attribute === 'sessiontype')
      matched = matchPatternList(sessionType(options, context), argument, false);
    else if (attribute === 'exec') {
      const tokens = connectionTokens({
        host,
        originalHost: context.originalHost,
        port,
        remoteUser,
        localUser: context.localUser,
        home: context.home,
        uid: context.uid,
        hostKeyAlias: options.hostKeyAlias,
      });
      // Here %k is the alias, else the host name (the connection's %k falls back to the destination).
      tokens.k = options.hostKeyAlias ?? host;
      // Expanded even when skipped, so a bad token is an error either way (as ssh).
      const command = expandTokens(argument, tokens, `${where}: Match exec`);
      if (!result) continue;
      matched = runMatchExec(command, where);
    } else throw new OptionError(`${where}: unsupported Match attribute ${attribute}`);
    if (matched === negate) result = false;
  }
  if (attributes === 0) throw new OptionError(`${where}: one or more attributes required for Match`);
  return result;
}

/** tagged and command: an empty value matches only an empty list, as in ssh. */
function matchOrEmpty(value: string, list: string): boolean {
  return value === '' ? list === '' : matchPatternList(value, list, false);
}

/**
 * ssh's words for the session: -N (or SessionType none) is "none", a remote command "exec". ssh opens a
 * shell otherwise; tunnels never does (its sessions carry forwards), so that is "none" too.
 */
function sessionType(options: SshOptions, context: ReadContext): string {
  if (options.sessionType === 'subsystem') return 'subsystem';
  if (options.sessionType === 'none') return 'none';
  return context.remoteCommand ? 'exec' : 'none';
}

interface Network {
  family: 4 | 6;
  address: bigint;
  prefix: number;
}

/**
 * addrmatch.c's addr_match_cidr_list, checking the list: comma-separated addresses or networks; a
 * network's host bits must be zero ("10.1.2.3/8" is refused). No patterns, no negation.
 */
function parseNetworks(list: string, where: string): Network[] {
  const refuse = (entry: string, why: string) =>
    new OptionError(
      `${where}: Match localnetwork: "${entry}" ${why} (write networks as 192.168.1.0/24,fd00::/8)`,
    );
  return list.split(',').map((entry) => {
    if (entry === '') throw refuse(list, 'has an empty entry');
    // INET6_ADDRSTRLEN + 3 for the length, and the characters an address and a length have.
    if (entry.length > 49) throw refuse(entry, 'is too long');
    if (!/^[0-9a-fA-F.:/]*$/.test(entry)) throw refuse(entry, 'is not a network');
    const slash = entry.indexOf('/');
    const text = slash === -1 ? entry : entry.slice(0, slash);
    const v4 = text.includes(':') ? undefined : ipv4Address(text);
    const v6 = v4 === undefined ? ipv6Address(text) : undefined;
    const address = v4 ?? v6;
    if (address === undefined) throw refuse(entry, 'is not a network');
    const family = v4 !== undefined ? 4 : 6;
    const bits = family === 4 ? 32 : 128;
    const length = slash === -1 ? String(bits) : entry.slice(slash + 1);
    if (!/^\d+$/.test(length)) throw refuse(entry, 'is not a network');
    const prefix = Number(length);
    if (prefix > bits || (address & ((1n << BigInt(bits - prefix)) - 1n)) !== 0n)
      throw refuse(entry, 'has a mask length that does not fit its address');
    return {family, address, prefix};
  });
}

/** readconf.c's check_match_ifaddrs: whether an address of an interface that is up is in a network. */
function onLocalNetwork(networks: Network[]): boolean {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const entry of addresses ?? []) {
      // ssh compares an IPv6 address's scope too, and a network in the list has none: a link-local
      // address (fe80::1%eth0) is in no network there.
      if (entry.family === 'IPv6' && entry.scopeid) continue;
      const family = entry.family === 'IPv4' ? 4 : 6;
      const address = family === 4 ? ipv4Address(entry.address) : ipv6Address(entry.address);
      if (address === undefined) continue;
      const bits = family === 4 ? 32 : 128;
      for (const network of networks) {
        const shift = BigInt(bits - network.prefix);
        if (network.family === family && address >> shift === network.address >> shift) return true;
      }
    }
  }
  return false;
}

function runMatchExec(command: string, where: string): boolean {
  const shell = process.env.SHELL || '/bin/sh';
  const run = spawnSync(shell, ['-c', command], {stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000});
  if (run.error) throw new OptionError(`${where}: Match exec "${command}": ${run.error.message}`);
  if (run.status === null) throw new OptionError(`${where}: Match exec "${command}" exited abnormally`);
  return run.status === 0;
}

/** The tokens ssh_config(5) lists for most keywords, for one connection. */
export function connectionTokens(connection: {
  host: string;
  originalHost: string;
  port: string;
  remoteUser: string;
  localUser: string;
  home: string;
  uid: number;
  hostKeyAlias?: string | undefined;
}): Tokens {
  const localHost = osHostname();
  return {
    C: connectionHash(localHost, connection.host, connection.port, connection.remoteUser),
    L: localHost.split('.')[0] ?? localHost,
    i: String(connection.uid),
    k: connection.hostKeyAlias ?? connection.originalHost,
    l: localHost,
    n: connection.originalHost,
    p: connection.port,
    d: connection.home,
    h: connection.host,
    r: connection.remoteUser,
    u: connection.localUser,
  };
}

function osHostname(): string {
  return os.hostname();
}

function connectionHash(localHost: string, host: string, port: string, user: string): string {
  return createHash('sha1').update(`${localHost}${host}${port}${user}`).digest('hex');
}
