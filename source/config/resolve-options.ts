/**
 * From a command line to the options of a connection, as ssh gets there (ssh.c's main): the command line's
 * options in the order given, then ~/.ssh/config (or -F) and the system-wide file, host name
 * canonicalisation and a final pass when asked for, defaults, and the tokens of the connection expanded
 * where ssh_config(5) allows them.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import {type ForwardSpec, mapSocketPaths} from '../core/protocols/forward-spec.js';
import {homeDirectory} from '../text/home-path.js';
import {canonicalHost} from './canonical-host.js';
import {type CommandLineOptions, ConfigError, parseDestination} from './command-line.js';
import {applyCommandLine, sequenceOf} from './replay-command-line.js';
import {type FilledOptions, fillDefaults} from './ssh-config/defaults.js';
import {connectionTokens} from './ssh-config/match.js';
import {newOptions, OptionError, type ReadContext, type SshOptions} from './ssh-config/options.js';
import {readConfigFiles} from './ssh-config/read.js';
import {
  expandTilde,
  expandTokens,
  expandTokensAndVariables,
  TokenError,
  type Tokens,
} from './ssh-config/tokens.js';

/** Where ssh's system-wide files are (tests give their own). */
export interface ResolveSettings {
  systemConfig?: string;
  /**
   * Where IdentityAgent's SSH_AUTH_SOCK (and $VAR) are read: the background service resolves a session
   * with the agent of the command that asked for it, not of the one that started the service.
   */
  agentEnvironment?: NodeJS.ProcessEnv;
}

export interface ResolvedOptions {
  options: FilledOptions;
  /** The tokens of this connection (%h %p %r ...). */
  tokens: Tokens;
  warnings: string[];
  /** -F as given, for the jump hosts' own resolution. */
  configFile: string | undefined;
}

interface LocalUser {
  name: string;
  home: string;
  uid: number;
}

function localUser(): LocalUser {
  let name = process.env.USER ?? process.env.LOGNAME ?? '';
  try {
    name = os.userInfo().username;
  } catch {
    // No password entry for this uid: the environment's name.
  }
  return {name, home: homeDirectory(), uid: process.getuid?.() ?? 0};
}

/**
 * The options for a command line: everything `tunnels -G` prints. Throws ConfigError for what ssh would
 * refuse.
 */
export async function resolveOptions(
  cli: CommandLineOptions,
  settings: ResolveSettings = {},
): Promise<ResolvedOptions> {
  try {
    return await resolveOptionsOrThrow(cli, settings);
  } catch (error) {
    if (error instanceof OptionError || error instanceof TokenError) throw new ConfigError(error.message);
    throw error;
  }
}

async function resolveOptionsOrThrow(
  cli: CommandLineOptions,
  settings: ResolveSettings,
): Promise<ResolvedOptions> {
  const warnings: string[] = [];
  const me = localUser();
  const {options, host, hostArg, configFile} = await readOptions(cli, settings, me, warnings);
  const filled = fillDefaults(options, host, me);

  if (filled.jump !== undefined) {
    const jumpPort = filled.jump.port ?? 22;
    const jumpUser = filled.jump.user ?? filled.user;
    if (filled.jump.host === host && jumpPort === filled.port && jumpUser === filled.user)
      throw new ConfigError(
        `jump host loop via ${filled.jump.host}: the jump host is the destination itself`,
      );
  }
  if (filled.hostKeyAlias !== undefined) filled.hostKeyAlias = filled.hostKeyAlias.toLowerCase();

  const tokens = connectionTokens({
    host,
    originalHost: hostArg,
    port: String(filled.port),
    remoteUser: filled.user,
    localUser: me.name,
    home: me.home,
    uid: me.uid,
    hostKeyAlias: filled.hostKeyAlias,
  });
  expandConnectionPaths(filled, tokens, me.home, warnings);
  return {options: filled, tokens, warnings, configFile};
}

/**
 * The command line, then the config files, then (after canonicalisation, when asked for) the config files
 * again for the final host name: the options before defaults, and the host to connect to.
 */
async function readOptions(
  cli: CommandLineOptions,
  settings: ResolveSettings,
  me: LocalUser,
  warnings: string[],
): Promise<{options: SshOptions; host: string; hostArg: string; configFile: string | undefined}> {
  const sequence = cli.sequence ?? sequenceOf(cli);
  const destinationWord = sequence.find((word) => word.flag === 'destination');
  const hostArg = destinationWord?.value !== undefined ? parseDestination(destinationWord.value).host : '';
  // OpenSSH 9.6 (and Debian's 9.2 security update): a name a shell would read as more than a name.
  if (hostArg.startsWith('-') || /['`"$\\;&<>|(),\s\p{Cc}]/u.test(hostArg))
    throw new ConfigError(`"${hostArg}": the host name contains characters a host name cannot have`);
  const options = newOptions(hostArg);
  const context: ReadContext = {
    host: hostArg,
    originalHost: hostArg,
    finalPass: false,
    wantFinalPass: false,
    remoteCommand: cli.remoteCommand,
    localUser: me.name,
    home: me.home,
    uid: me.uid,
    where: '',
    commandLine: true,
    userConfig: true,
    systemDirectory: '/etc/ssh',
  };
  const configWord = [...sequence].reverse().find((word) => word.flag === 'F');
  const configFile = configWord?.value ?? cli.configFile;
  applyCommandLine(options, sequence, context, warnings);
  // The config only adds to these lists: what stands in them now is the command line's (and -o's).
  const commandLineForwards = {local: options.localForwards.length, remote: options.remoteForwards.length};

  const fileContext: ReadContext = {...context, commandLine: false};
  readConfigFiles(options, configFile, fileContext, settings.systemConfig);

  let host = hostArg;
  if (options.hostname !== undefined) {
    host = expandTokens(options.hostname, {h: host}, 'HostName');
    options.hostname = host;
  }
  if (net.isIP(host) === 0) host = host.toLowerCase();
  // fill_default_options_for_canonicalization: before the final pass, so that pass cannot change these.
  options.canonicalizeMaxDots ??= 1;
  options.canonicalizeFallbackLocal ??= true;
  options.canonicalizeHostname ??= 'no';
  host = await canonicalHost(options, host);
  if (options.canonicalizeHostname !== undefined && options.canonicalizeHostname !== 'no')
    fileContext.wantFinalPass = true;
  if (fileContext.wantFinalPass) {
    options.hostname = host;
    const finalContext: ReadContext = {...fileContext, host, finalPass: true, wantFinalPass: false};
    readConfigFiles(options, configFile, finalContext, settings.systemConfig);
  }
  if (cli.configForwards === false) {
    // A favorite lists its own forwards: the config's are not brought up with it.
    options.localForwards.length = commandLineForwards.local;
    options.remoteForwards.length = commandLineForwards.remote;
  }
  return {options, host, hostArg, configFile};
}

/** The paths that take the connection's tokens, expanded; "none" alone empties a known_hosts list. */
function expandConnectionPaths(
  filled: FilledOptions,
  tokens: Tokens,
  home: string,
  warnings: string[],
): void {
  const expandPath = (value: string, what: string) =>
    expandTokensAndVariables(expandTilde(value, home, what), tokens, what);
  if (filled.identityAgent !== undefined)
    filled.identityAgent = expandPath(filled.identityAgent, 'IdentityAgent');
  if (filled.forwardAgentSocket !== undefined)
    filled.forwardAgentSocket = expandPath(filled.forwardAgentSocket, 'ForwardAgent');
  if (filled.forwardAgentSocket !== undefined && !fs.existsSync(filled.forwardAgentSocket)) {
    const problem = `cannot forward the agent socket ${filled.forwardAgentSocket}: no such file`;
    if (filled.exitOnForwardFailure) throw new ConfigError(`${problem} (and ExitOnForwardFailure is yes)`);
    warnings.push(problem);
  }
  // ssh.c: the socket paths of forwards take the connection's tokens (default_client_percent_expand).
  filled.localForwards = filled.localForwards.map((spec) => socketPathsExpanded(spec, tokens));
  filled.remoteForwards = filled.remoteForwards.map((spec) => socketPathsExpanded(spec, tokens));
  const noneAlone = (files: string[], what: string) => {
    if (files[0]?.toLowerCase() !== 'none') return files;
    if (files.length > 1) throw new ConfigError(`${what}: "none" appears with other files`);
    return [];
  };
  filled.globalKnownHostsFiles = noneAlone(filled.globalKnownHostsFiles, 'GlobalKnownHostsFile');
  filled.userKnownHostsFiles = noneAlone(filled.userKnownHostsFiles, 'UserKnownHostsFile').map((file) =>
    expandPath(file, 'UserKnownHostsFile'),
  );
}

/** A forward with the %-tokens of its socket paths expanded, as ssh.c does; the same spec if it has none. */
function socketPathsExpanded(spec: ForwardSpec, tokens: Tokens): ForwardSpec {
  return mapSocketPaths(spec, (path) => expandTokens(path, tokens, "a forward's socket path"));
}
