/**
 * The command line's words into the options, in the order typed, as ssh.c's getopt loop puts them: the
 * first -p, -o Port or ssh:// port is kept, the last -A or -a.
 */
import fs from 'node:fs';
import {
  type CommandLineOptions,
  type CommandLineWord,
  ConfigError,
  parseDestination,
  toConfigError,
} from './command-line.js';
import {validCipherSpec} from './ssh-config/ciphers.js';
import {addForward, addIdentityFile, applyJump} from './ssh-config/keywords.js';
import type {ReadContext, SshOptions} from './ssh-config/options.js';
import {processLine} from './ssh-config/read.js';
import {expandTilde} from './ssh-config/tokens.js';
import {parseForward, parsePortValue} from './ssh-config/values.js';

/** The words of a command line kept as fields (a favorite's), in the order tunnels has always read them. */
export function sequenceOf(cli: CommandLineOptions): CommandLineWord[] {
  const words: CommandLineWord[] = [];
  const add = (flag: string, value?: string) => words.push(value === undefined ? {flag} : {flag, value});
  if (cli.port !== undefined) add('p', cli.port);
  if (cli.user !== undefined) add('l', cli.user);
  add('destination', cli.destination);
  if (cli.jumpHost !== undefined) add('J', cli.jumpHost);
  for (const file of cli.identityFiles) add('i', file);
  for (const spec of cli.localForwards) add('L', spec);
  for (const spec of cli.remoteForwards) add('R', spec);
  for (const spec of cli.dynamicForwards) add('D', spec);
  for (const option of cli.options) add('o', option);
  if (cli.cipher !== undefined) add('c', cli.cipher);
  if (cli.forwardAgent !== undefined) add(cli.forwardAgent ? 'A' : 'a');
  if (cli.forwardX11 !== undefined) add(cli.forwardX11 ? 'X' : 'x');
  return words;
}

/** The command line's words, in order, into `options` (ssh.c's getopt loop); returns the destination host. */
export function applyCommandLine(
  options: SshOptions,
  words: CommandLineWord[],
  context: ReadContext,
  warnings: string[],
): string {
  let host: string | undefined;
  for (const {flag, value = ''} of words) {
    if (flag === 'destination') {
      const target = parseDestination(value);
      host = target.host;
      options.user ??= target.user;
      options.port ??= target.port;
    } else {
      applyFlag(options, flag, value, context, warnings);
    }
  }
  if (host === undefined) throw new ConfigError('give a host to connect to');
  return host;
}

/** One flag of the command line into `options` (a case of ssh.c's getopt loop). */
function applyFlag(
  options: SshOptions,
  flag: string,
  value: string,
  context: ReadContext,
  warnings: string[],
): void {
  switch (flag) {
    case 'p': {
      const port = parsePortValue(value);
      if (port === undefined || port === 0)
        throw new ConfigError(`-p "${value}" is not a port number (1-65535)`);
      options.port ??= port;
      break;
    }
    case 'l':
      options.user ??= value;
      break;
    case 'o':
      applyOption(options, value, context, warnings);
      break;
    case 'i':
      applyIdentityFile(options, value, context.home, warnings);
      break;
    case 'A':
      options.forwardAgent = true;
      break;
    case 'a':
      options.forwardAgent = false;
      break;
    case 'X':
      options.forwardX11 = true;
      break;
    case 'Y':
      options.forwardX11 = true;
      warnings.push('-Y: tunnels forwards X11 untrusted only (as -X), with a fake cookie');
      break;
    case 'c':
      if (!validCipherSpec(value.startsWith('-') ? `x${value}` : value))
        throw new ConfigError(`-c ${value}: unknown cipher (see ssh -Q cipher)`);
      options.ciphers = value;
      break;
    case 'x':
      options.forwardX11 = false;
      break;
    case 'J':
      applyJumpFlag(options, value);
      break;
    case 'L':
    case 'R':
    case 'D':
      addForward(
        options,
        flag,
        toConfigError(() => parseForward(flag, value, '', true)),
      );
      break;
    case '4':
      options.addressFamily = 'inet';
      break;
    case '6':
      options.addressFamily = 'inet6';
      break;
    case 'g':
      options.gatewayPorts = true;
      break;
    case 'N':
      options.sessionType = 'none';
      break;
    case 'b':
      options.bindAddress = value;
      break;
    case 't':
      warnings.push('-t: tunnels runs remote commands without a terminal; ignored');
      break;
    default:
    // -T -q -C -n -k -y: ssh's own output, terminal and compression habits; nothing for tunnels to do.
  }
}

/** -o: one config line that always applies; what tunnels does not act on is a warning, not an error. */
function applyOption(options: SshOptions, value: string, context: ReadContext, warnings: string[]): void {
  const unused: string[] = [];
  const unknown: string[] = [];
  processLine(options, value, {...context, where: '-o', commandLine: true, unused, unknown}, true);
  for (const text of unused) warnings.push(`-o ${text}: not used by tunnels; ignored`);
  for (const text of unknown) warnings.push(`-o ${text}: unknown or unsupported option; ignored`);
}

/** -i: a file that cannot be read is passed over with a warning, as ssh does. */
function applyIdentityFile(options: SshOptions, value: string, home: string, warnings: string[]): void {
  const file = expandTilde(value, home, '-i');
  try {
    fs.statSync(file);
    addIdentityFile(options, {file, userProvided: true, source: 'flag'});
  } catch (error) {
    warnings.push(
      `identity file ${file} not accessible: ${describeError(error)}; going on without it (as ssh does)`,
    );
  }
}

function applyJumpFlag(options: SshOptions, value: string): void {
  if (options.jump !== undefined)
    throw new ConfigError('only one -J is taken; separate jump hosts with commas: -J first,second');
  if (options.proxyCommand !== undefined)
    throw new ConfigError('-J cannot be given with a ProxyCommand; drop one of them');
  const problem = applyJump(options, value, true, true);
  if (problem !== undefined) throw new ConfigError(`-J ${value}: ${problem}`);
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}
