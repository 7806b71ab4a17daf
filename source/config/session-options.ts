/**
 * From a command line to a session, as ssh gets there (ssh.c's main): the command line's options in the
 * order given, then ~/.ssh/config (or -F) and the system-wide file, host name canonicalisation and a final
 * pass when asked for, defaults, and the tokens of the connection expanded where ssh_config(5) allows them.
 */
import {lookup} from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import {parsePermitRemoteOpen} from '../core/forwards/permit-remote-open.js';
import {
  type ForwardSpec,
  mapSocketPaths,
  tcpListenerOf,
  withBindAddress,
} from '../core/protocols/forward-spec.js';
import type {SessionConfig} from '../core/session/session.js';
import {assembleCiphers, validCipherSpec} from './ciphers.js';
import {homeDirectory} from './paths.js';
import {
  addForward,
  addIdentityFile,
  applyJump,
  connectionTokens,
  type IdentityFileEntry,
  type JumpOption,
  newOptions,
  OptionError,
  parseForward,
  parseJumpHop as parseHop,
  parsePortValue,
  processLine,
  type ReadContext,
  readConfigFile,
  type SshOptions,
} from './ssh-options.js';
import {expandTilde, expandTokens, expandTokensAndVariables, TokenError, type Tokens} from './ssh-tokens.js';

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
}

export interface ResolvedInvocation {
  session: SessionConfig;
  /** X11 forwarding for a remote command. */
  forwardX11: boolean;
  forwards: ForwardSpec[];
  exitOnForwardFailure: boolean;
  warnings: string[];
}

/** A mistake in what the user gave; the message names it and the fix. */
export class ConfigError extends Error {}

/** Where ssh's system-wide files are (tests give their own). */
export interface ResolveSettings {
  systemConfig?: string;
}

/** SshOptions after defaults: what tunnels will use. */
export type FilledOptions = SshOptions &
  Required<
    Pick<
      SshOptions,
      | 'user'
      | 'hostname'
      | 'port'
      | 'addressFamily'
      | 'batchMode'
      | 'canonicalDomains'
      | 'canonicalizeFallbackLocal'
      | 'canonicalizeHostname'
      | 'canonicalizeMaxDots'
      | 'clearAllForwardings'
      | 'connectTimeout'
      | 'exitOnForwardFailure'
      | 'forwardAgent'
      | 'forwardX11'
      | 'gatewayPorts'
      | 'globalKnownHostsFiles'
      | 'hashKnownHosts'
      | 'identitiesOnly'
      | 'kbdInteractiveAuthentication'
      | 'numberOfPasswordPrompts'
      | 'passwordAuthentication'
      | 'permitRemoteOpen'
      | 'pubkeyAuthentication'
      | 'serverAliveCountMax'
      | 'serverAliveInterval'
      | 'sessionType'
      | 'streamLocalBindMask'
      | 'streamLocalBindUnlink'
      | 'strictHostKeyChecking'
      | 'userKnownHostsFiles'
    >
  >;

export interface ResolvedOptions {
  options: FilledOptions;
  /** The tokens of this connection (%h %p %r ...). */
  tokens: Tokens;
  warnings: string[];
  /** -F as given, for the jump hosts' own resolution. */
  configFile: string | undefined;
}

const DEFAULT_IDENTITY_FILES = [
  'id_rsa',
  'id_ecdsa',
  'id_ecdsa_sk',
  'id_ed25519',
  'id_ed25519_sk',
  'id_xmss',
  'id_dsa',
];

/** tunnels' defaults where they differ from ssh's (the README lists them). */
const TUNNELS_SERVER_ALIVE_INTERVAL = 15;
const TUNNELS_CONNECT_TIMEOUT = 30;

/** ProxyJump chains deeper than this are taken for a config that loops. */
const MAX_JUMP_DEPTH = 16;

/** One hop of -J / ProxyJump: "[user@]host[:port]" or "ssh://[user@]host[:port]". */
export function parseJumpHop(text: string, where: string): {user?: string; host: string; port?: number} {
  const hop = parseHop(text);
  if (!hop) throw new ConfigError(`${where}: "${text}" is not [user@]host[:port]`);
  return hop;
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
  let host = at >= 0 ? rest.slice(at + 1) : rest;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
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

/** The words of a command line kept as fields (a favorite's), in the order tunnels has always read them. */
function sequenceOf(cli: CommandLineOptions): CommandLineWord[] {
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

/** The command line's words, in order, into `options` (ssh.c's getopt loop); returns the destination host. */
function applyCommandLine(
  options: SshOptions,
  words: CommandLineWord[],
  context: ReadContext,
  warnings: string[],
): string {
  let host: string | undefined;
  for (const {flag, value = ''} of words) {
    switch (flag) {
      case 'destination': {
        const target = parseDestination(value);
        host = target.host;
        options.user ??= target.user;
        options.port ??= target.port;
        break;
      }
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
      case 'o': {
        const unused: string[] = [];
        const unknown: string[] = [];
        processLine(options, value, {...context, where: '-o', commandLine: true, unused, unknown}, true);
        for (const text of unused) warnings.push(`-o ${text}: not used by tunnels; ignored`);
        for (const text of unknown) warnings.push(`-o ${text}: unknown or unsupported option; ignored`);
        break;
      }
      case 'i': {
        const file = expandTilde(value, context.home, '-i');
        try {
          fs.statSync(file);
          addIdentityFile(options, {file, userProvided: true, source: 'flag'});
        } catch (error) {
          warnings.push(
            `identity file ${file} not accessible: ${describeError(error)}; going on without it (as ssh does)`,
          );
        }
        break;
      }
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
      case 'x':
        options.forwardX11 = false;
        break;
      case 'c':
        if (!validCipherSpec(value.startsWith('-') ? `x${value}` : value))
          throw new ConfigError(`-c ${value}: unknown cipher (see ssh -Q cipher)`);
        options.ciphers = value;
        break;
      case 'J':
        if (options.jump !== undefined)
          throw new ConfigError('only one -J is taken; separate jump hosts with commas: -J first,second');
        if (options.proxyCommand !== undefined)
          throw new ConfigError('-J cannot be given with a ProxyCommand; drop one of them');
        if (!applyJump(options, value, true))
          throw new ConfigError(`-J ${value}: expected [user@]host[:port][,...]`);
        options.proxyCommand = 'none';
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
  if (host === undefined) throw new ConfigError('give a host to connect to');
  return host;
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}

function toConfigError<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof OptionError || error instanceof TokenError)
      throw new ConfigError(error.message.replace(/^: /, ''));
    throw error;
  }
}

/** ssh's process_config_files: -F (or "none"), else ~/.ssh/config then the system-wide file. */
function readConfigFiles(
  options: SshOptions,
  configFile: string | undefined,
  context: ReadContext,
  settings: ResolveSettings,
): void {
  // A Match final seen in any file asks for the second pass.
  const read = (file: string, userConfig: boolean, checkPermissions: boolean) => {
    const fileContext = {...context, userConfig};
    const found = readConfigFile(options, file, fileContext, {checkPermissions});
    context.wantFinalPass ||= fileContext.wantFinalPass;
    return found;
  };
  if (configFile !== undefined) {
    if (configFile.toLowerCase() === 'none') return;
    const file = expandTilde(configFile, context.home, '-F');
    if (!read(file, true, false))
      throw new ConfigError(`cannot open the config file ${file} given with -F: no such file`);
    return;
  }
  read(`${context.home}/.ssh/config`, true, true);
  read(settings.systemConfig ?? '/etc/ssh/ssh_config', false, false);
}

/** resolve_canonicalize: tries each CanonicalDomains suffix through the resolver. */
async function canonicalHost(options: SshOptions, host: string): Promise<string> {
  if (net.isIP(host) !== 0) return host;
  const proxied =
    (options.proxyCommand !== undefined && options.proxyCommand !== 'none') || options.jump !== undefined;
  const mode = options.canonicalizeHostname ?? 'no';
  if (mode === 'no' || (proxied && mode !== 'always')) return host;
  if (host.endsWith('.')) {
    // Fully qualified: resolved as it is, the dot dropped once it resolves.
    try {
      await lookup(host);
      return host.slice(0, -1);
    } catch {
      return fallBack(options, host);
    }
  }
  const dots = host.split('.').length - 1;
  if (dots > (options.canonicalizeMaxDots ?? 1)) return host;
  for (const domain of options.canonicalDomains ?? []) {
    if (domain.toLowerCase() === 'none') break;
    const candidate = `${host}.${domain}`;
    try {
      await lookup(`${candidate}.`);
      return candidate.toLowerCase();
    } catch {
      // Not this domain.
    }
  }
  return fallBack(options, host);
}

function fallBack(options: SshOptions, host: string): string {
  if (options.canonicalizeFallbackLocal === false)
    throw new ConfigError(
      `could not resolve host "${host}" in any of CanonicalDomains (${(options.canonicalDomains ?? []).join(' ')}), and CanonicalizeFallbackLocal is no`,
    );
  return host;
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
  readConfigFiles(options, configFile, fileContext, settings);

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
    readConfigFiles(options, configFile, finalContext, settings);
  }
  if (cli.configForwards === false) {
    // A favorite lists its own forwards: the config's are not brought up with it.
    options.localForwards.length = commandLineForwards.local;
    options.remoteForwards.length = commandLineForwards.remote;
  }
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
  const expandPath = (value: string, what: string) =>
    expandTokensAndVariables(expandTilde(value, me.home, what), tokens, what);
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
  return {options: filled, tokens, warnings, configFile};
}

/** readconf.c's fill_default_options, with tunnels' own defaults where it differs on purpose. */
function fillDefaults(options: SshOptions, host: string, me: LocalUser): FilledOptions {
  if (options.clearAllForwardings === true) {
    options.localForwards = [];
    options.remoteForwards = [];
  }
  if (options.identityFiles.length === 0) {
    options.identityFiles = DEFAULT_IDENTITY_FILES.map(
      (name): IdentityFileEntry => ({file: `~/.ssh/${name}`, userProvided: false, source: 'default'}),
    );
  }
  if (options.proxyCommand?.toLowerCase() === 'none') options.proxyCommand = undefined;
  if (options.jump?.host === 'none' && options.jump.port === undefined && options.jump.user === undefined)
    options.jump = undefined;
  return {
    ...options,
    user: options.user ?? me.name,
    hostname: host,
    port: options.port ?? 22,
    addressFamily: options.addressFamily ?? 'any',
    batchMode: options.batchMode ?? false,
    canonicalDomains:
      options.canonicalDomains?.[0]?.toLowerCase() === 'none' ? [] : (options.canonicalDomains ?? []),
    canonicalizeFallbackLocal: options.canonicalizeFallbackLocal ?? true,
    canonicalizeHostname: options.canonicalizeHostname ?? 'no',
    canonicalizeMaxDots: options.canonicalizeMaxDots ?? 1,
    clearAllForwardings: options.clearAllForwardings ?? false,
    connectTimeout:
      options.connectTimeout === undefined || options.connectTimeout <= 0
        ? TUNNELS_CONNECT_TIMEOUT
        : options.connectTimeout,
    exitOnForwardFailure: options.exitOnForwardFailure ?? false,
    forwardAgent: options.forwardAgent ?? false,
    forwardX11: options.forwardX11 ?? false,
    gatewayPorts: options.gatewayPorts ?? false,
    globalKnownHostsFiles: options.globalKnownHostsFiles ?? [
      '/etc/ssh/ssh_known_hosts',
      '/etc/ssh/ssh_known_hosts2',
    ],
    hashKnownHosts: options.hashKnownHosts ?? false,
    identitiesOnly: options.identitiesOnly ?? false,
    kbdInteractiveAuthentication: options.kbdInteractiveAuthentication ?? true,
    numberOfPasswordPrompts: options.numberOfPasswordPrompts ?? 3,
    passwordAuthentication: options.passwordAuthentication ?? true,
    permitRemoteOpen:
      options.permitRemoteOpen?.[0]?.toLowerCase() === 'any' ? [] : (options.permitRemoteOpen ?? []),
    pubkeyAuthentication: options.pubkeyAuthentication ?? 'true',
    serverAliveCountMax: options.serverAliveCountMax ?? 3,
    serverAliveInterval: options.serverAliveInterval ?? TUNNELS_SERVER_ALIVE_INTERVAL,
    sessionType: options.sessionType ?? 'default',
    streamLocalBindMask: options.streamLocalBindMask ?? 0o177,
    streamLocalBindUnlink: options.streamLocalBindUnlink ?? false,
    strictHostKeyChecking: options.strictHostKeyChecking ?? 'ask',
    userKnownHostsFiles: options.userKnownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'],
  };
}

/** A forward with the %-tokens of its socket paths expanded, as ssh.c does; the same spec if it has none. */
function socketPathsExpanded(spec: ForwardSpec, tokens: Tokens): ForwardSpec {
  return mapSocketPaths(spec, (path) => expandTokens(path, tokens, "a forward's socket path"));
}

/** The forwards to bring up: local and dynamic ones, then remote ones, with GatewayPorts applied. */
function forwardsOf(options: FilledOptions): ForwardSpec[] {
  let forwards = [...options.localForwards, ...options.remoteForwards];
  if (options.gatewayPorts) {
    // GatewayPorts: a local forward without a bind address listens on every interface, as in ssh.
    forwards = forwards.map((spec) =>
      tcpListenerOf(spec)?.bindAddress === undefined &&
      tcpListenerOf(spec) !== undefined &&
      options.localForwards.includes(spec)
        ? withBindAddress(spec, '')
        : spec,
    );
  }
  return forwards;
}

function agentSocketOf(options: FilledOptions): string | undefined {
  const agent = options.identityAgent;
  if (agent === undefined || agent === 'SSH_AUTH_SOCK') return process.env.SSH_AUTH_SOCK || undefined;
  if (agent.toLowerCase() === 'none') return undefined;
  if (agent.startsWith('$')) return process.env[agent.slice(1)] || undefined;
  return agent;
}

/**
 * Merges the command line, its -o options and ~/.ssh/config (or -F) the way ssh does: the first value
 * obtained wins, in command-line order, then the config files; forwards and identity files accumulate.
 */
export async function resolveInvocation(
  cli: CommandLineOptions,
  settings: ResolveSettings = {},
  depth = 0,
): Promise<ResolvedInvocation> {
  const {options, tokens, warnings, configFile} = await resolveOptions(cli, settings);
  const sequence = cli.sequence ?? sequenceOf(cli);
  const expand = (value: string, what: string) =>
    toConfigError(() => expandTokensAndVariables(expandTilde(value, homeDirectory(), what), tokens, what));

  const identityFiles = options.identityFiles
    .filter((entry) => entry.file.toLowerCase() !== 'none')
    .map((entry) => ({file: expand(entry.file, 'IdentityFile'), explicit: entry.userProvided}));
  // ssh: "Address family for hostname not supported" (checked when connecting; -G prints it as it is).
  if (
    (options.addressFamily === 'inet6' && net.isIPv4(options.hostname)) ||
    (options.addressFamily === 'inet' && net.isIPv6(options.hostname))
  )
    throw new ConfigError(
      `${options.hostname} is an IPv${options.addressFamily === 'inet6' ? 4 : 6} address, but AddressFamily (or ${options.addressFamily === 'inet6' ? '-6' : '-4'}) allows only IPv${options.addressFamily === 'inet6' ? 6 : 4}`,
    );
  const ciphers = assembleCiphers(options.ciphers);
  if (ciphers !== undefined && ciphers.length === 0)
    throw new ConfigError(`Ciphers ${options.ciphers}: no cipher is left`);

  const session: SessionConfig = {
    host: options.hostname,
    port: options.port,
    user: options.user,
    identityFiles,
    agentSocket: agentSocketOf(options),
    identitiesOnly: options.identitiesOnly,
    pubkeyAuthentication: options.pubkeyAuthentication !== 'false',
    knownHostsFiles: options.userKnownHostsFiles,
    globalKnownHostsFiles: options.globalKnownHostsFiles,
    strict: options.strictHostKeyChecking,
    batchMode: options.batchMode,
    hashKnownHosts: options.hashKnownHosts,
    hostKeyAlias: options.hostKeyAlias,
    passwordAuthentication: options.passwordAuthentication,
    kbdInteractiveAuthentication: options.kbdInteractiveAuthentication,
    numberOfPasswordPrompts: options.numberOfPasswordPrompts,
    connectTimeoutMs: options.connectTimeout * 1000,
    serverAliveIntervalMs: options.serverAliveInterval * 1000,
    serverAliveCountMax: options.serverAliveCountMax,
    forwardAgent: options.forwardAgent,
    ciphers,
    ...(options.addressFamily !== 'any' ? {addressFamily: options.addressFamily === 'inet' ? 4 : 6} : {}),
    ...(options.bindAddress !== undefined ? {bindAddress: options.bindAddress} : {}),
  };
  if (options.forwardAgentSocket !== undefined) session.forwardAgentSocket = options.forwardAgentSocket;
  if (options.hostArg !== options.hostname) session.name = options.hostArg;
  if (options.reconnect !== undefined) session.reconnect = options.reconnect;
  // Unix-socket forwards and remote dynamic forwarding (-R port); set only where not ssh's default.
  if (options.streamLocalBindMask !== 0o177) session.streamLocalBindMask = options.streamLocalBindMask;
  if (options.streamLocalBindUnlink) session.streamLocalBindUnlink = true;
  if (options.permitRemoteOpen.length > 0)
    session.permitRemoteOpen = toConfigError(() => parsePermitRemoteOpen(options.permitRemoteOpen.join(' ')));

  if (options.jump !== undefined) {
    const jump: JumpOption = options.jump;
    const where = sequence.some((word) => word.flag === 'J') ? '-J' : 'ProxyJump';
    if (depth >= MAX_JUMP_DEPTH)
      throw new ConfigError(
        `${where}: more than ${MAX_JUMP_DEPTH} jump hosts in a row; does a jump host's Host block name itself (add ProxyJump none to it)?`,
      );
    // ssh runs "ssh [-l user] [-p port] [-J extra] [-F file] host -W ..." for the last hop.
    const hopWords: CommandLineWord[] = [];
    if (jump.user !== undefined) hopWords.push({flag: 'l', value: jump.user});
    if (jump.port !== undefined) hopWords.push({flag: 'p', value: String(jump.port)});
    if (jump.extra !== undefined) hopWords.push({flag: 'J', value: jump.extra});
    if (configFile !== undefined) hopWords.push({flag: 'F', value: configFile});
    hopWords.push({flag: 'destination', value: jump.host});
    const hop = await resolveInvocation(
      {
        destination: jump.host,
        identityFiles: [],
        options: [],
        localForwards: [],
        remoteForwards: [],
        dynamicForwards: [],
        configFile,
        configForwards: false,
        sequence: hopWords,
      },
      settings,
      depth + 1,
    );
    session.jumpHost = {...hop.session, name: jump.host};
    for (const warning of hop.warnings) warnings.push(`jump host ${jump.host}: ${warning}`);
  } else if (options.proxyCommand !== undefined) {
    session.proxyCommand = toConfigError(() =>
      expandTokens(
        options.proxyCommand!,
        {h: tokens.h!, p: tokens.p!, r: tokens.r!, n: tokens.n!},
        'ProxyCommand',
      ),
    );
  }
  return {
    session,
    forwardX11: options.forwardX11,
    forwards: forwardsOf(options),
    exitOnForwardFailure: options.exitOnForwardFailure,
    warnings,
  };
}
