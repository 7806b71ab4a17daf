import {type ParsedArguments, parseArguments} from '../cli/arguments.js';
import {formatForwardFlag, parseForwardSpec} from '../core/forward-spec.js';
import type {Favorite} from './favorites.js';
import {type CommandLineOptions, ConfigError, parseDestination, parseOption} from './session-options.js';

/** The -o keys a favorite keeps; others are reported, not silently dropped. */
const KEPT_OPTIONS = new Set(['serveraliveinterval', 'exitonforwardfailure', 'forwardagent', 'forwardx11']);

/**
 * A favorite from ssh-style arguments ("-L 8080:db:5432 -A deploy@db1"), as `tunnels favorites add` and
 * the UI's editor take them. Returns the favorite and warnings for what it cannot keep.
 */
export function favoriteFromArguments(
  name: string,
  args: string[],
): {favorite: Favorite; warnings: string[]} {
  const parsed = parseArguments(args);
  if (typeof parsed === 'number')
    throw new ConfigError('those options could not be read (see tunnels --help)');
  return favoriteFromParsed(name, parsed);
}

export function favoriteFromParsed(
  name: string,
  parsed: ParsedArguments,
): {favorite: Favorite; warnings: string[]} {
  if (!parsed.destination)
    throw new ConfigError('a favorite needs a host: [user@]host or a ~/.ssh/config Host');
  if (parsed.command.length > 0)
    throw new ConfigError(`a favorite holds no remote command ("${parsed.command.join(' ')}")`);
  const warnings: string[] = [];
  const target = parseDestination(parsed.destination);
  const options: Favorite['options'] = {};
  for (const text of parsed.options ?? []) {
    const [key, value] = parseOption(text);
    if (!KEPT_OPTIONS.has(key)) {
      warnings.push(`-o ${text} is not kept in favorites`);
      continue;
    }
    if (key === 'serveraliveinterval') options.serverAliveInterval = Number(value);
    if (key === 'exitonforwardfailure') options.exitOnForwardFailure = /^(yes|true)$/i.test(value);
    if (key === 'forwardagent') options.forwardAgent = /^(yes|true)$/i.test(value);
    if (key === 'forwardx11') options.forwardX11 = /^(yes|true)$/i.test(value);
  }
  if (parsed.forwardAgent !== undefined) options.forwardAgent = parsed.forwardAgent;
  if (parsed.forwardX11 !== undefined) options.forwardX11 = parsed.forwardX11;
  if (parsed.cipher) warnings.push('-c is not kept in favorites');
  if (parsed.configFile) warnings.push('-F is not kept in favorites');
  const forwards = [
    ...(parsed.localForwards ?? []).map((spec) => formatForwardFlag(parseForwardSpec('L', spec))),
    ...(parsed.remoteForwards ?? []).map((spec) => formatForwardFlag(parseForwardSpec('R', spec))),
    ...(parsed.dynamicForwards ?? []).map((spec) => formatForwardFlag(parseForwardSpec('D', spec))),
  ];
  const port = parsed.port !== undefined ? Number(parsed.port) : target.port;
  const user = parsed.user ?? target.user;
  const favorite: Favorite = {
    name,
    host: target.host,
    ...(user ? {user} : {}),
    ...(port !== undefined ? {port} : {}),
    identityFiles: parsed.identityFiles ?? [],
    options,
    forwards,
  };
  return {favorite, warnings};
}

/** What connecting a favorite means on the command line: its own forwards only, not the config's too. */
export function commandLineFor(favorite: Favorite): CommandLineOptions {
  const flags = {L: [] as string[], R: [] as string[], D: [] as string[]};
  for (const forward of favorite.forwards) {
    const match = /^-([LRD])\s+(.+)$/.exec(forward);
    if (match) flags[match[1] as 'L' | 'R' | 'D'].push(match[2]!);
  }
  const {options} = favorite;
  return {
    destination: favorite.host,
    port: favorite.port !== undefined ? String(favorite.port) : undefined,
    user: favorite.user,
    identityFiles: favorite.identityFiles,
    options: [
      ...(options.serverAliveInterval !== undefined
        ? [`ServerAliveInterval=${options.serverAliveInterval}`]
        : []),
      ...(options.exitOnForwardFailure ? ['ExitOnForwardFailure=yes'] : []),
    ],
    localForwards: flags.L,
    remoteForwards: flags.R,
    dynamicForwards: flags.D,
    forwardAgent: options.forwardAgent,
    forwardX11: options.forwardX11,
    configForwards: false,
  };
}

/** A session as a favorite: what it was started from, with the forwards it has now (added ones too). */
export function favoriteFromCommandLine(
  name: string,
  cli: CommandLineOptions,
  forwardLabels: string[],
): Favorite {
  const target = parseDestination(cli.destination.replace(/^@/, ''));
  const options: Favorite['options'] = {};
  for (const text of cli.options) {
    const [key, value] = parseOption(text);
    if (key === 'serveraliveinterval') options.serverAliveInterval = Number(value);
    if (key === 'exitonforwardfailure') options.exitOnForwardFailure = /^(yes|true)$/i.test(value);
  }
  if (cli.forwardAgent !== undefined) options.forwardAgent = cli.forwardAgent;
  if (cli.forwardX11 !== undefined) options.forwardX11 = cli.forwardX11;
  const user = cli.user ?? target.user;
  const port = cli.port !== undefined ? Number(cli.port) : target.port;
  return {
    name,
    host: target.host,
    ...(user ? {user} : {}),
    ...(port !== undefined ? {port} : {}),
    identityFiles: cli.identityFiles,
    options,
    forwards: forwardLabels,
  };
}

/** Splits a command line into words as a POSIX shell would for plain words and '…' / "…" quoting. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new ConfigError(`unclosed ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}
