/**
 * Which lines apply: Host patterns and Match criteria (readconf.c's match_cfg_line), and the tokens of a
 * connection that Match exec and later keywords expand.
 * A port of OpenSSH 9.2's readconf.c: its names (match_cfg_line, add_identity_file, ...) are kept where
 * they help compare.
 */
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import os from 'node:os';
import {matchPattern} from '../../text/ssh-pattern.js';
import {OptionError, type ReadContext, type SshOptions} from './options.js';
import {expandTokens, type Tokens} from './tokens.js';

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
    if (argument === undefined || argument === '' || argument.startsWith('#'))
      throw new OptionError(`${where}: missing Match criteria for ${attribute}`);
    let matched: boolean;
    if (attribute === 'host') matched = matchPatternList(host, argument, true);
    else if (attribute === 'originalhost') matched = matchPatternList(context.originalHost, argument, true);
    else if (attribute === 'user') matched = matchPatternList(remoteUser, argument, false);
    else if (attribute === 'localuser') matched = matchPatternList(context.localUser, argument, false);
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
