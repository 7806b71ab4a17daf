/** A favorite from the options of tunnels itself, and back: what `favorites add`, the editor and @NAME use. */
import {parsePermitRemoteOpen} from '../../core/forwards/permit-remote-open.js';
import {parseStreamLocalBindMask} from '../../core/forwards/unix-socket.js';
import type {ForwardFlag} from '../../core/protocols/forward-spec.js';
import {formatForwardFlag, splitForwardFlag} from '../../core/protocols/forward-spec-format.js';
import {parseForwardSpec} from '../../core/protocols/forward-spec-parse.js';
import {
  type CommandLineOptions,
  ConfigError,
  parseDestination,
  parseOption,
  parseOptionWords,
  parseSeconds,
  parseYesNo,
} from '../command-line.js';
import {servicePort} from '../ssh-config/values.js';
import type {Favorite} from './favorite.js';
import {keptOptionTexts} from './favorite-text.js';

/** Runs a check whose Error becomes a ConfigError (a mistake in what the user gave). */
function checked(check: () => unknown): void {
  try {
    check();
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/**
 * The -o options a favorite keeps, in its terms; the others are returned, to be reported rather than
 * silently dropped. A value that is not yes/no or seconds is refused.
 */
function keptOptions(texts: string[]): {options: Favorite['options']; dropped: string[]} {
  const options: Favorite['options'] = {};
  const dropped: string[] = [];
  for (const text of texts) {
    const [key, value] = parseOption(text);
    if (key === 'serveraliveinterval')
      options.serverAliveInterval = parseSeconds(value, 'ServerAliveInterval');
    else if (key === 'exitonforwardfailure')
      options.exitOnForwardFailure = parseYesNo(value, 'ExitOnForwardFailure');
    else if (key === 'forwardagent') options.forwardAgent = parseYesNo(value, 'ForwardAgent');
    else if (key === 'forwardx11') options.forwardX11 = parseYesNo(value, 'ForwardX11');
    else if (key === 'reconnect') options.reconnect = parseYesNo(value, 'Reconnect');
    else if (key === 'streamlocalbindmask') {
      checked(() => parseStreamLocalBindMask(value));
      options.streamLocalBindMask = value;
    } else if (key === 'streamlocalbindunlink')
      options.streamLocalBindUnlink = parseYesNo(value, 'StreamLocalBindUnlink');
    else if (key === 'permitremoteopen') {
      checked(() => parsePermitRemoteOpen(value));
      options.permitRemoteOpen = value.trim().replace(/\s+/g, ' ');
    } else dropped.push(text);
  }
  return {options, dropped};
}

/** The forwards of a command line as the favorite keeps them ("-L 8080:db:5432"), in the order typed. */
function forwardsInOrder(parsed: ReturnType<typeof parseOptionWords>): string[] {
  const isForward = (flag: string): flag is ForwardFlag => flag === 'L' || flag === 'R' || flag === 'D';
  const typed = (parsed.sequence ?? []).filter((word) => isForward(word.flag) && word.value !== undefined);
  const byFlag = {L: parsed.localForwards, R: parsed.remoteForwards, D: parsed.dynamicForwards};
  // The sequence holds every forward flag typed; the lists are the fallback should it be missing.
  const words =
    typed.length === byFlag.L.length + byFlag.R.length + byFlag.D.length
      ? typed.map((word) => ({flag: word.flag as ForwardFlag, spec: word.value!}))
      : (['L', 'R', 'D'] as const).flatMap((flag) => byFlag[flag].map((spec) => ({flag, spec})));
  return words.map(({flag, spec}) => formatForwardFlag(parseForwardSpec(flag, spec, servicePort)));
}

/**
 * A favorite from ssh-style arguments ("-L 8080:db:5432 -A deploy@db1"), as `tunnels favorites add` and
 * the UI's editor take them. Returns the favorite and warnings for what it cannot keep.
 */
export function favoriteFromArguments(
  name: string,
  args: string[],
): {favorite: Favorite; warnings: string[]} {
  const parsed = parseOptionWords(args);
  if (!parsed.destination)
    throw new ConfigError('a favorite needs a host: [user@]host or a ~/.ssh/config Host');
  if (parsed.command.length > 0)
    throw new ConfigError(`a favorite holds no remote command ("${parsed.command.join(' ')}")`);
  const warnings = notKept(parsed);
  const target = parseDestination(parsed.destination);
  const {options} = keptOptions(parsed.options);
  if (parsed.forwardAgent !== undefined) options.forwardAgent = parsed.forwardAgent;
  if (parsed.forwardX11 !== undefined) options.forwardX11 = parsed.forwardX11;
  const forwards = forwardsInOrder(parsed);
  const port = parsed.port !== undefined ? Number(parsed.port) : target.port;
  const user = parsed.user ?? target.user;
  const favorite: Favorite = {
    name,
    host: target.host,
    ...(user ? {user} : {}),
    ...(port !== undefined ? {port} : {}),
    ...(parsed.jumpHost !== undefined ? {jumpHost: parsed.jumpHost} : {}),
    identityFiles: parsed.identityFiles,
    options,
    forwards,
  };
  return {favorite, warnings};
}

/** What connecting a favorite means on the command line: its own forwards only, not the config's too. */
export function commandLineFor(favorite: Favorite): CommandLineOptions {
  const flags = {L: [] as string[], R: [] as string[], D: [] as string[]};
  for (const forward of favorite.forwards) {
    const split = splitForwardFlag(forward);
    if (split) flags[split.flag].push(split.spec);
  }
  const {options} = favorite;
  return {
    destination: favorite.host,
    port: favorite.port !== undefined ? String(favorite.port) : undefined,
    user: favorite.user,
    jumpHost: favorite.jumpHost,
    identityFiles: favorite.identityFiles,
    options: keptOptionTexts(options, {reconnect: true}),
    localForwards: flags.L,
    remoteForwards: flags.R,
    dynamicForwards: flags.D,
    forwardAgent: options.forwardAgent,
    forwardX11: options.forwardX11,
    configForwards: false,
  };
}

/** What of a command line a favorite does not keep, as warnings ("-F is not kept in favorites"). */
export function notKept(cli: Pick<CommandLineOptions, 'options' | 'cipher' | 'configFile'>): string[] {
  const warnings = keptOptions(cli.options).dropped.map((text) => `-o ${text} is not kept in favorites`);
  if (cli.cipher) warnings.push('-c is not kept in favorites');
  if (cli.configFile) warnings.push('-F is not kept in favorites');
  return warnings;
}

/** A session as a favorite: what it was started from, with the forwards it has now (added ones too). */
export function favoriteFromCommandLine(
  name: string,
  cli: CommandLineOptions,
  forwardLabels: string[],
): Favorite {
  const target = parseDestination(cli.destination.replace(/^@/, ''));
  // The session was started from these, so they were read once already; the others are not kept.
  const {options} = keptOptions(cli.options);
  if (cli.forwardAgent !== undefined) options.forwardAgent = cli.forwardAgent;
  if (cli.forwardX11 !== undefined) options.forwardX11 = cli.forwardX11;
  const user = cli.user ?? target.user;
  const port = cli.port !== undefined ? Number(cli.port) : target.port;
  return {
    name,
    host: target.host,
    ...(user ? {user} : {}),
    ...(port !== undefined ? {port} : {}),
    ...(cli.jumpHost !== undefined ? {jumpHost: cli.jumpHost} : {}),
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
