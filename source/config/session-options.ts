import os from 'node:os';
import path from 'node:path';
import {
  type ForwardFlag,
  type ForwardSpec,
  ForwardSpecError,
  parseConfigForward,
  parseForwardSpec,
} from '../core/forward-spec.js';
import type {StrictHostKeyChecking} from '../core/host-key-check.js';
import {parsePermitRemoteOpen} from '../core/permit-remote-open.js';
import type {SessionConfig} from '../core/session.js';
import {parseStreamLocalBindMask} from '../core/unix-socket.js';
import {expandHome, homeDirectory} from './paths.js';
import {type HostConfig, loadHostConfig} from './ssh-config.js';

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

/** -o keys tunnels acts on (lower-case). */
const SUPPORTED_KEYS = new Set([
  'port',
  'user',
  'hostname',
  'identityfile',
  'identitiesonly',
  'identityagent',
  'stricthostkeychecking',
  'userknownhostsfile',
  'globalknownhostsfile',
  'hashknownhosts',
  'hostkeyalias',
  'batchmode',
  'connecttimeout',
  'exitonforwardfailure',
  'serveraliveinterval',
  'serveralivecountmax',
  'ciphers',
  'passwordauthentication',
  'kbdinteractiveauthentication',
  'challengeresponseauthentication',
  'numberofpasswordprompts',
  'localforward',
  'remoteforward',
  'dynamicforward',
  'clearallforwardings',
  'forwardagent',
  'forwardx11',
  'proxyjump',
  'proxycommand',
  'streamlocalbindmask',
  'streamlocalbindunlink',
  'permitremoteopen',
  // Not an ssh key: tunnels' own, for -o Reconnect=yes|no.
  'reconnect',
]);
/** ssh keys that are harmless to ignore. */
const IGNORED_KEYS = new Set([
  'loglevel',
  'addkeystoagent',
  'visualhostkey',
  'updatehostkeys',
  'controlmaster',
  'controlpath',
  'controlpersist',
  'sendenv',
  'setenv',
  'tcpkeepalive',
  'checkhostip',
  'requesttty',
  'compression',
  'host',
  'match',
  'include',
]);

const DEFAULT_IDENTITY_FILES = [
  'id_rsa',
  'id_ecdsa',
  'id_ecdsa_sk',
  'id_ed25519',
  'id_ed25519_sk',
  'id_xmss',
  'id_dsa',
];

/** ProxyJump chains deeper than this are taken for a config that loops. */
const MAX_JUMP_DEPTH = 16;

/** One hop of -J / ProxyJump: "[user@]host[:port]" or "ssh://[user@]host[:port]". */
export function parseJumpHop(text: string, where: string): {user?: string; host: string; port?: number} {
  if (text.startsWith('ssh://')) return parseDestination(text);
  const match = /^(?:(.*)@)?(\[[^\]]+\]|[^:@[\]]+)(?::(\d+))?$/.exec(text);
  if (!match?.[2]) throw new ConfigError(`${where}: "${text}" is not [user@]host[:port]`);
  const host = match[2].replace(/^\[(.*)\]$/, '$1');
  const port = match[3] !== undefined ? parsePort(match[3], `${where}: ${text}:`) : undefined;
  return {...(match[1] ? {user: match[1]} : {}), host, ...(port !== undefined ? {port} : {})};
}

/** ProxyCommand's tokens as ssh_config(5) lists them: %h %p %r %n %%. */
export function expandProxyCommand(command: string, tokens: Record<'h' | 'p' | 'r' | 'n', string>): string {
  return command.replace(/%(.)/g, (whole, letter: string) => {
    if (letter === '%') return '%';
    if (letter in tokens) return tokens[letter as keyof typeof tokens];
    throw new ConfigError(`ProxyCommand ${command}: unknown token ${whole} (it takes %h %p %r %n %%)`);
  });
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

function parsePort(value: string, what: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new ConfigError(`${what} "${value}" is not a port number (1-65535)`);
  }
  return Number(value);
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

function parseStrict(value: string): StrictHostKeyChecking {
  const lower = value.toLowerCase();
  if (lower === 'yes' || lower === 'ask' || lower === 'accept-new') return lower;
  if (lower === 'true') return 'yes';
  if (lower === 'no' || lower === 'off' || lower === 'false') return 'no';
  throw new ConfigError(`StrictHostKeyChecking=${value}: expected yes, accept-new, no or ask`);
}

/**
 * Merges the command line, its -o options and ~/.ssh/config (or -F) the way ssh does: the first value
 * obtained wins, command line first; forwards and identity files accumulate.
 */
export async function resolveInvocation(cli: CommandLineOptions, depth = 0): Promise<ResolvedInvocation> {
  const warnings: string[] = [];
  const target = parseDestination(cli.destination);

  // -o values: first one of each key wins; list-like keys accumulate.
  const given = new Map<string, string>();
  const listed: Record<'identityfile' | 'localforward' | 'remoteforward' | 'dynamicforward', string[]> = {
    identityfile: [],
    localforward: [],
    remoteforward: [],
    dynamicforward: [],
  };
  for (const text of cli.options) {
    const [key, value] = parseOption(text);
    if (key in listed) listed[key as keyof typeof listed].push(value);
    else if (SUPPORTED_KEYS.has(key)) {
      if (!given.has(key)) given.set(key, value);
    } else if (IGNORED_KEYS.has(key)) {
      warnings.push(`-o ${text}: not used by tunnels; ignored`);
    } else {
      warnings.push(`-o ${text}: unknown or unsupported option; ignored`);
    }
  }

  const configFile = expandHome(cli.configFile ?? '~/.ssh/config');
  let hostConfig: HostConfig;
  try {
    hostConfig = await loadHostConfig(configFile, target.host, {
      remoteUser: cli.user ?? target.user ?? given.get('user'),
    });
  } catch (error) {
    throw new ConfigError(`cannot read ${configFile}: ${(error as Error).message}`);
  }
  const fromConfig = (key: string): string | undefined => given.get(key) ?? hostConfig.options[key];
  // ProxyJump and ProxyCommand: whichever was obtained first (-o, then the config in its order); -J beats both.
  const isProxyKey = (key: string) => key === 'proxyjump' || key === 'proxycommand';
  const proxyKey = [...given.keys()].find(isProxyKey) ?? Object.keys(hostConfig.options).find(isProxyKey);
  const proxyValue = proxyKey ? fromConfig(proxyKey) : undefined;

  const host = given.get('hostname') ?? hostConfig.hostName ?? target.host;
  const port =
    cli.port !== undefined
      ? parsePort(cli.port, '-p')
      : (target.port ??
        (given.get('port') !== undefined
          ? parsePort(given.get('port')!, '-o Port')
          : (hostConfig.port ?? 22)));
  const user = cli.user ?? target.user ?? given.get('user') ?? hostConfig.user ?? os.userInfo().username;

  const explicitFiles = [...cli.identityFiles, ...listed.identityfile].map((file) => expandHome(file));
  const configFiles = hostConfig.identityFiles.map((file) => expandHome(file));
  const identityFiles =
    explicitFiles.length + configFiles.length > 0
      ? [...explicitFiles, ...configFiles].map((file) => ({file, explicit: true}))
      : DEFAULT_IDENTITY_FILES.map((name) => ({
          file: path.join(homeDirectory(), '.ssh', name),
          explicit: false,
        }));

  const identitiesOnly = fromConfig('identitiesonly')
    ? parseYesNo(fromConfig('identitiesonly')!, 'IdentitiesOnly')
    : false;
  const identityAgent = fromConfig('identityagent');
  let agentSocket: string | undefined =
    identityAgent === undefined || identityAgent === 'SSH_AUTH_SOCK'
      ? process.env.SSH_AUTH_SOCK
      : identityAgent === 'none'
        ? undefined
        : expandHome(
            identityAgent.startsWith('$') ? (process.env[identityAgent.slice(1)] ?? '') : identityAgent,
          );
  if (identitiesOnly || !agentSocket) agentSocket = undefined;

  const splitFiles = (value: string | undefined, fallback: string[]) =>
    (value ? value.split(/\s+/).filter(Boolean) : fallback)
      .filter((f) => f !== 'none')
      .map((file) => expandHome(file));

  const batchMode = fromConfig('batchmode') ? parseYesNo(fromConfig('batchmode')!, 'BatchMode') : false;
  const strict = fromConfig('stricthostkeychecking')
    ? parseStrict(fromConfig('stricthostkeychecking')!)
    : 'ask';
  const kbd = fromConfig('kbdinteractiveauthentication') ?? fromConfig('challengeresponseauthentication');

  const forwards: ForwardSpec[] = [];
  const addForwards = (
    flag: ForwardFlag,
    values: string[],
    parse: typeof parseForwardSpec,
    where: string,
  ) => {
    for (const value of values) {
      try {
        forwards.push(parse(flag, value));
      } catch (error) {
        if (error instanceof ForwardSpecError) throw new ConfigError(`${where}${error.message}`);
        throw error;
      }
    }
  };
  addForwards('L', cli.localForwards, parseForwardSpec, '');
  addForwards('R', cli.remoteForwards, parseForwardSpec, '');
  addForwards('D', cli.dynamicForwards, parseForwardSpec, '');
  addForwards('L', listed.localforward, parseConfigForward, '-o LocalForward: ');
  addForwards('R', listed.remoteforward, parseConfigForward, '-o RemoteForward: ');
  addForwards('D', listed.dynamicforward, parseConfigForward, '-o DynamicForward: ');
  const clearAll = fromConfig('clearallforwardings')
    ? parseYesNo(fromConfig('clearallforwardings')!, 'ClearAllForwardings')
    : false;
  if (clearAll) forwards.length = 0;
  else if (cli.configForwards !== false) {
    addForwards('L', hostConfig.localForwards, parseConfigForward, `${configFile}: LocalForward: `);
    addForwards('R', hostConfig.remoteForwards, parseConfigForward, `${configFile}: RemoteForward: `);
    addForwards('D', hostConfig.dynamicForwards, parseConfigForward, `${configFile}: DynamicForward: `);
  }

  const ciphers = cli.cipher ?? fromConfig('ciphers');
  const session: SessionConfig = {
    host,
    port,
    user,
    identityFiles,
    agentSocket,
    knownHostsFiles: splitFiles(fromConfig('userknownhostsfile'), [
      '~/.ssh/known_hosts',
      '~/.ssh/known_hosts2',
    ]),
    globalKnownHostsFiles: splitFiles(fromConfig('globalknownhostsfile'), [
      '/etc/ssh/ssh_known_hosts',
      '/etc/ssh/ssh_known_hosts2',
    ]),
    strict,
    batchMode,
    hashKnownHosts: fromConfig('hashknownhosts')
      ? parseYesNo(fromConfig('hashknownhosts')!, 'HashKnownHosts')
      : false,
    hostKeyAlias: fromConfig('hostkeyalias'),
    passwordAuthentication: fromConfig('passwordauthentication')
      ? parseYesNo(fromConfig('passwordauthentication')!, 'PasswordAuthentication')
      : true,
    kbdInteractiveAuthentication: kbd ? parseYesNo(kbd, 'KbdInteractiveAuthentication') : true,
    numberOfPasswordPrompts: fromConfig('numberofpasswordprompts')
      ? parseSeconds(fromConfig('numberofpasswordprompts')!, 'NumberOfPasswordPrompts')
      : 3,
    connectTimeoutMs:
      (fromConfig('connecttimeout')
        ? parseSeconds(fromConfig('connecttimeout')!, 'ConnectTimeout') || 30
        : 30) * 1000,
    serverAliveIntervalMs:
      (fromConfig('serveraliveinterval')
        ? parseSeconds(fromConfig('serveraliveinterval')!, 'ServerAliveInterval')
        : 15) * 1000,
    serverAliveCountMax: fromConfig('serveralivecountmax')
      ? parseSeconds(fromConfig('serveralivecountmax')!, 'ServerAliveCountMax')
      : 3,
    forwardAgent: false,
    ciphers: ciphers
      ? ciphers
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean)
      : undefined,
  };
  if (target.host !== host) session.name = target.host;
  const jumpSpec = cli.jumpHost ?? (proxyKey === 'proxyjump' ? proxyValue : undefined);
  if (jumpSpec !== undefined && jumpSpec !== 'none') {
    const where = cli.jumpHost !== undefined ? '-J' : `ProxyJump ${jumpSpec}`;
    if (depth >= MAX_JUMP_DEPTH)
      throw new ConfigError(
        `${where}: more than ${MAX_JUMP_DEPTH} jump hosts in a row; does a jump host's Host block name itself (add ProxyJump none to it)?`,
      );
    const hops = jumpSpec.split(',').map((hop) => hop.trim());
    const last = parseJumpHop(hops.at(-1)!, where);
    const hop = await resolveInvocation(
      {
        destination: last.host,
        port: last.port !== undefined ? String(last.port) : undefined,
        user: last.user,
        identityFiles: [],
        configFile: cli.configFile,
        options: [],
        localForwards: [],
        remoteForwards: [],
        dynamicForwards: [],
        configForwards: false,
        // ssh connects to the last hop with -J and the ones before it: the first hop's own config decides its route.
        jumpHost: hops.length > 1 ? hops.slice(0, -1).join(',') : undefined,
      },
      depth + 1,
    );
    session.jumpHost = {...hop.session, name: last.host};
    for (const warning of hop.warnings) warnings.push(`jump host ${last.host}: ${warning}`);
  } else if (proxyKey === 'proxycommand' && proxyValue !== undefined && proxyValue !== 'none') {
    session.proxyCommand = expandProxyCommand(proxyValue, {
      h: host,
      p: String(port),
      r: user,
      n: target.host,
    });
  }
  const yesNo = (key: string, name: string) => (fromConfig(key) ? parseYesNo(fromConfig(key)!, name) : false);
  session.forwardAgent = cli.forwardAgent ?? yesNo('forwardagent', 'ForwardAgent');
  // Unset unless given: the UI and favorites reconnect by default, a plain command line does not (as ssh).
  if (fromConfig('reconnect')) session.reconnect = parseYesNo(fromConfig('reconnect')!, 'Reconnect');
  // Unix-socket forwards and remote dynamic forwarding (-R port): as ssh_config(5) has them.
  const asConfigError = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  };
  const mask = fromConfig('streamlocalbindmask');
  if (mask !== undefined) session.streamLocalBindMask = asConfigError(() => parseStreamLocalBindMask(mask));
  if (fromConfig('streamlocalbindunlink'))
    session.streamLocalBindUnlink = yesNo('streamlocalbindunlink', 'StreamLocalBindUnlink');
  const permitRemoteOpen = fromConfig('permitremoteopen');
  if (permitRemoteOpen !== undefined)
    session.permitRemoteOpen = asConfigError(() => parsePermitRemoteOpen(permitRemoteOpen));
  const forwardX11 = cli.forwardX11 ?? yesNo('forwardx11', 'ForwardX11');
  const exitOnForwardFailure = fromConfig('exitonforwardfailure')
    ? parseYesNo(fromConfig('exitonforwardfailure')!, 'ExitOnForwardFailure')
    : false;
  return {session, forwardX11, forwards, exitOnForwardFailure, warnings};
}
