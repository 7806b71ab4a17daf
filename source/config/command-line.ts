/**
 * tunnels' command line, ssh's flags: the grammar, shared by the entry (which prints help and errors) and
 * favorites (whose options are text a person typed into the UI or `tunnels favorites add`); what it says
 * (CommandLineOptions, and its words in order), the parsers of single words, and ConfigError.
 */

import {Command, CommanderError, Option} from 'commander';
import {unbracketed} from '../text/address.js';
import {OPTIONS, type OptionEntry, VALUE_LETTERS} from './option-table.js';
import {OptionError} from './ssh-config/options.js';
import {TokenError} from './ssh-config/tokens.js';

declare const TUNNELS_VERSION: string;

/** One word of the command line that sets an option, in the order given. */
export interface CommandLineWord {
  /** A flag letter ("p", "o", "L", "4", ...) or "destination". */
  flag: string;
  value?: string;
}

/** What the command line said, before ~/.ssh/config is consulted. */
export interface CommandLineOptions {
  destination: string;
  port?: string | undefined;
  user?: string | undefined;
  identityFiles: string[];
  configFile?: string | undefined;
  options: string[];
  cipher?: string | undefined;
  localForwards: string[];
  remoteForwards: string[];
  dynamicForwards: string[];
  /** -A / -a */
  forwardAgent?: boolean | undefined;
  /** -X / -x */
  forwardX11?: boolean | undefined;
  /** Also bring up the forwards ~/.ssh/config lists for the host (default). A favorite lists its own. */
  configForwards?: boolean;
  /** -J [user@]host[:port][,...]: beats ProxyJump and ProxyCommand from the config. */
  jumpHost?: string | undefined;
  /**
   * The option-setting words in the order typed, which is what decides between them (ssh keeps the first
   * -p, -o Port or ssh:// port; the last -A or -a). Without it (a favorite, the connect dialog), the
   * fields above are taken in a fixed order.
   */
  sequence?: CommandLineWord[] | undefined;
  /** The command to run on the server, its words joined by spaces as ssh joins them: `Match command`. */
  remoteCommand?: string | undefined;
}

/** A mistake in what the user gave; the message names it and the fix. */
export class ConfigError extends Error {}

/** A command line that gives a destination and nothing else but maybe -F: a Host alias, a jump host. */
export function destinationOnly(destination: string, configFile: string | undefined): CommandLineOptions {
  return {
    destination,
    identityFiles: [],
    configFile,
    options: [],
    localForwards: [],
    remoteForwards: [],
    dynamicForwards: [],
  };
}

/** Runs `run`; an OptionError or TokenError it throws becomes a ConfigError. */
export function toConfigError<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof OptionError || error instanceof TokenError)
      throw new ConfigError(error.message.replace(/^: /, ''));
    throw error;
  }
}

/** Splits "ssh://user@host:port", "user@host" or "host" (IPv6 literals may be bracketed). */
export function parseDestination(destination: string): {user?: string; host: string; port?: number} {
  let rest = destination;
  let port: number | undefined;
  if (rest.startsWith('ssh://')) {
    rest = rest.slice('ssh://'.length).replace(/\/$/, '');
    // A port follows the host, after "]" for a bracketed IPv6 literal.
    const portMatch = /^(.*(?:\]|[^:\]]*))?:(\d+)$/.exec(rest);
    if (portMatch && !/^[^[]*:[^[]*:/.test(rest.slice(rest.lastIndexOf('@') + 1))) {
      port = Number(portMatch[2]);
      rest = portMatch[1] ?? '';
    }
  }
  const at = rest.lastIndexOf('@');
  const user = at > 0 ? rest.slice(0, at) : undefined;
  const host = unbracketed(at >= 0 ? rest.slice(at + 1) : rest);
  if (!host)
    throw new ConfigError(`no host in "${destination}": give [user@]host or ssh://[user@]host[:port]`);
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw new ConfigError(`"${destination}": ${port} is not a port number (1-65535)`);
  }
  return {...(user ? {user} : {}), host, ...(port !== undefined ? {port} : {})};
}

/** "Key=Value" or "Key Value", as ssh -o takes it. */
export function parseOption(text: string): [string, string] {
  const match = /^\s*([A-Za-z0-9]+)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(text);
  if (!match?.[1] || match[2] === undefined || match[2] === '') {
    throw new ConfigError(`-o ${text}: expected Key=Value, for example -o StrictHostKeyChecking=accept-new`);
  }
  return [match[1].toLowerCase(), match[2].replace(/^"(.*)"$/, '$1')];
}

export function parseYesNo(value: string, key: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'yes' || lower === 'true') return true;
  if (lower === 'no' || lower === 'false') return false;
  throw new ConfigError(`${key}=${value}: expected yes or no`);
}

export function parseSeconds(value: string, key: string): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(`${key}=${value}: expected a whole number of seconds`);
  return Number(value);
}

/** A session's options as the command line gives them (lists always present), and the rest of it. */
export interface ParsedArguments
  extends Omit<CommandLineOptions, 'destination' | 'configForwards' | 'remoteCommand'> {
  destination?: string;
  command: string[];
  noCommand: boolean;
  json: boolean;
  verbose: number;
  /** -G: print the resolved configuration, as ssh -G does, and exit. */
  printConfig: boolean;
  /** -f: connect and bind in the foreground, then hand the session to the background service. */
  background: boolean;
  /** --no-service: the full-screen UI holds its sessions itself instead of attaching to the service. */
  noService: boolean;
}

/** The session the command line asks for, in the terms resolveInvocation and favorites take. */
export function commandLineOptions(parsed: ParsedArguments, destination: string): CommandLineOptions {
  const {
    command,
    noCommand: _noCommand,
    json: _json,
    verbose: _verbose,
    printConfig: _printConfig,
    background: _background,
    noService: _noService,
    ...session
  } = parsed;
  return {...session, destination, ...(command.length > 0 ? {remoteCommand: command.join(' ')} : {})};
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The table's entry as commander's Option: "-p <port>", repeatable ones collected, -v counted. */
function commanderOption(entry: OptionEntry): Option {
  const option = new Option(
    `${entry.flag}${entry.value !== undefined ? ` <${entry.value}>` : ''}`,
    entry.description,
  );
  if (entry.hidden) option.hideHelp();
  if (entry.repeatable && entry.value !== undefined) option.argParser(collect);
  else if (entry.repeatable) option.argParser((_value, previous: number) => previous + 1).default(0);
  return option;
}

/**
 * The command line, a contract with scripts: ssh's flags (OPTIONS), one JSON event per line with
 * --json. Its help text is the entry's (source/cli/help.ts); here only what parses.
 */
export function buildProgram(): Command {
  const program = new Command('tunnels')
    .usage('[options] [user@]host')
    .description('SSH sessions and their port forwards: local (-L), remote (-R), dynamic SOCKS (-D).')
    .argument('[destination]', '[user@]host, ssh://[user@]host[:port], or a Host from ~/.ssh/config')
    .argument('[command...]', 'a command to run on the server (its output and exit status come back)');
  for (const entry of OPTIONS) {
    if (entry.long === '--version')
      program.version(`tunnels ${TUNNELS_VERSION}`, '-V, --version', entry.description);
    else if (entry.long === '--help') program.helpOption('-h, --help', entry.description);
    else program.addOption(commanderOption(entry));
  }
  return program.exitOverride();
}

/** Short flags that take a value (`-p 22` or `-p22`, also last in a cluster: `-Np22`). */
const VALUE_FLAGS = VALUE_LETTERS;

/** Flags whose order decides between values (ssh keeps the first -p, the last -A or -a, ...). */
const ORDERED_FLAGS = new Set([...VALUE_FLAGS, 'A', 'a', 'X', 'x', 'Y', '4', '6', 'g', 'N', 't']);

/**
 * The option-setting words of a command line in the order given, the destination among them; the
 * remote command and flags that set nothing are left out. argv as splitCommandLine returns it.
 */
export function commandLineSequence(argv: string[]): CommandLineWord[] {
  const words: CommandLineWord[] = [];
  let seenDestination = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      // ssh -- host: the destination may follow the "--".
      const next = argv[i + 1];
      if (!seenDestination && next !== undefined) words.push({flag: 'destination', value: next});
      break;
    }
    if (token.startsWith('--')) continue;
    if (token.startsWith('-') && token.length > 1) {
      for (let j = 1; j < token.length; j++) {
        const flag = token[j]!;
        if (VALUE_FLAGS.has(flag)) {
          const value = j < token.length - 1 ? token.slice(j + 1) : argv[++i];
          if (value !== undefined) words.push({flag, value});
          break;
        }
        if (ORDERED_FLAGS.has(flag)) words.push({flag});
      }
      continue;
    }
    if (seenDestination) break;
    seenDestination = true;
    words.push({flag: 'destination', value: token});
  }
  return words;
}

/**
 * Splits argv as ssh reads it: options, the destination, more options right after it, and from the
 * first other word on, the remote command, whose own options (`xclock -geometry 100x100`) are not ours.
 */
export function splitCommandLine(argv: string[]): string[] {
  // Tokens stay in their order; only a "--" is put in front of the command.
  const out: string[] = [];
  let seenDestination = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') return [...out, ...argv.slice(i)];
    if (token.startsWith('-') && token.length > 1) {
      out.push(token);
      if (!token.startsWith('--')) {
        // A cluster like -Nv or -Np22: the first flag that takes a value ends it.
        for (let j = 1; j < token.length; j++) {
          if (VALUE_FLAGS.has(token[j]!)) {
            if (j === token.length - 1 && i + 1 < argv.length) out.push(argv[++i]!);
            break;
          }
        }
      }
      continue;
    }
    if (!seenDestination) {
      seenDestination = true;
      out.push(token);
      continue;
    }
    return [...out, '--', ...argv.slice(i)];
  }
  return out;
}

/**
 * ssh-style options given as data, such as a favorite's: nothing is printed (the UI may be on screen), and
 * a mistake is a ConfigError that says what it is.
 */
export function parseOptionWords(argv: string[]): ParsedArguments {
  const program = buildProgram().configureOutput({writeOut: () => {}, writeErr: () => {}});
  try {
    return readArguments(program, argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
      throw new ConfigError('--help and --version are not options to keep');
    throw new ConfigError(error.message.replace(/^error: /, ''));
  }
}

/** Parses argv with `program` (from buildProgram()); commander's exits (help, version, errors) are thrown. */
export function readArguments(program: Command, argv: string[]): ParsedArguments {
  const split = splitCommandLine(argv);
  program.parse(split, {from: 'user'});
  const flags = program.opts<{
    p?: string;
    l?: string;
    i?: string[];
    F?: string;
    o?: string[];
    c?: string;
    J?: string;
    L?: string[];
    R?: string[];
    D?: string[];
    N?: boolean;
    A?: boolean;
    a?: boolean;
    X?: boolean;
    x?: boolean;
    G?: boolean;
    f?: boolean;
    v: number;
    json?: boolean;
    service?: boolean;
  }>();
  const sequence = commandLineSequence(split);
  // The last of -A and -a counts, as in ssh (and of -X and -x).
  const last = (on: string, off: string) => {
    const word = sequence.filter((w) => w.flag === on || w.flag === off).at(-1);
    return word === undefined ? undefined : word.flag === on;
  };
  const [destination, command] = program.processedArgs as [string | undefined, string[]];
  return {
    ...(destination !== undefined ? {destination} : {}),
    command: command ?? [],
    // ssh keeps the first -p and -l (and of -F, the last).
    port: sequence.find((word) => word.flag === 'p')?.value,
    user: sequence.find((word) => word.flag === 'l')?.value,
    identityFiles: flags.i ?? [],
    configFile: flags.F,
    options: flags.o ?? [],
    cipher: flags.c,
    jumpHost: flags.J,
    localForwards: flags.L ?? [],
    remoteForwards: flags.R ?? [],
    dynamicForwards: flags.D ?? [],
    noCommand: flags.N === true,
    forwardAgent: last('A', 'a'),
    forwardX11: sequence.filter((w) => w.flag === 'X' || w.flag === 'Y' || w.flag === 'x').at(-1)
      ? sequence.filter((w) => w.flag === 'X' || w.flag === 'Y' || w.flag === 'x').at(-1)!.flag !== 'x'
      : undefined,
    json: flags.json === true,
    verbose: flags.v,
    printConfig: flags.G === true,
    background: flags.f === true,
    // commander's --no-X: `service` is false when given, true by default.
    noService: flags.service === false,
    sequence,
  };
}
