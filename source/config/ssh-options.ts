/**
 * The client options of OpenSSH's readconf.c, read the way ssh reads them: one Options record filled by the
 * command line first, then ~/.ssh/config, then the system-wide file; the first value obtained for each
 * keyword wins (lists accumulate); Host and Match decide which lines apply; Include reads other files in
 * place. Only what tunnels acts on is kept; other ssh keywords are checked and passed over, and an unknown
 * one is an error, as in ssh.
 */
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type ForwardFlag,
  type ForwardSpec,
  ForwardSpecError,
  parseConfigForward,
  parseForwardSpec,
} from '../core/protocols/forward-spec.js';
import {validCipherSpec} from './ciphers.js';
import {matchPattern} from './paths.js';
import {ConfigLineError, splitConfigLine} from './ssh-config-line.js';
import {expandTokens, expandVariables, TokenError, type Tokens} from './ssh-tokens.js';

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';
export type AddressFamily = 'any' | 'inet' | 'inet6';
export type CanonicalizeHostname = 'no' | 'yes' | 'always';

export interface IdentityFileEntry {
  /** As written: "~" and tokens are expanded when the connection is made (ssh -G shows them unexpanded). */
  file: string;
  /** From -i (missing ones were dropped with a warning) or a user's config, not a default. */
  userProvided: boolean;
  /**
   * Where it came from, as ssh tells its copies apart (the same file from -i and from a config is listed
   * twice): -i, a user's config or -o, the system-wide config, or ssh's defaults.
   */
  source: 'flag' | 'user' | 'system' | 'default';
}

export interface JumpOption {
  /** "none" before defaults are filled: a ProxyJump none that stops later ones. */
  host: string;
  user?: string;
  port?: number;
  /** The hops before the last, as written ("a,b" for "a,b,c"). */
  extra?: string;
}

/** Undefined: not obtained yet. */
export interface SshOptions {
  hostArg: string;
  user?: string;
  hostname?: string;
  port?: number;
  addressFamily?: AddressFamily;
  batchMode?: boolean;
  bindAddress?: string;
  canonicalDomains?: string[];
  canonicalizeFallbackLocal?: boolean;
  canonicalizeHostname?: CanonicalizeHostname;
  canonicalizeMaxDots?: number;
  ciphers?: string;
  clearAllForwardings?: boolean;
  /** Seconds; -1 for "none". */
  connectTimeout?: number;
  exitOnForwardFailure?: boolean;
  forwardAgent?: boolean;
  /** ForwardAgent given as a socket path (or $VAR). */
  forwardAgentSocket?: string;
  forwardX11?: boolean;
  gatewayPorts?: boolean;
  globalKnownHostsFiles?: string[];
  hashKnownHosts?: boolean;
  hostKeyAlias?: string;
  identitiesOnly?: boolean;
  identityAgent?: string;
  identityFiles: IdentityFileEntry[];
  kbdInteractiveAuthentication?: boolean;
  /** -L, LocalForward, -D and DynamicForward, in the order obtained, without repeats (as ssh keeps them). */
  localForwards: ForwardSpec[];
  remoteForwards: ForwardSpec[];
  numberOfPasswordPrompts?: number;
  passwordAuthentication?: boolean;
  permitRemoteOpen?: string[];
  proxyCommand?: string;
  jump?: JumpOption;
  /** "true" (yes), "false" (no), "unbound" or "host-bound", as ssh -G prints them. */
  pubkeyAuthentication?: 'true' | 'false' | 'unbound' | 'host-bound';
  serverAliveCountMax?: number;
  /** Seconds. */
  serverAliveInterval?: number;
  sessionType?: 'default' | 'none' | 'subsystem';
  streamLocalBindMask?: number;
  streamLocalBindUnlink?: boolean;
  strictHostKeyChecking?: StrictHostKeyChecking;
  userKnownHostsFiles?: string[];
  ignoreUnknown?: string;
  /** tunnels' own keyword: reconnect when the connection drops. */
  reconnect?: boolean;
}

export function newOptions(hostArg = ''): SshOptions {
  return {hostArg, identityFiles: [], localForwards: [], remoteForwards: []};
}

/** A mistake in a config line or an option; the message names where and what. */
export class OptionError extends Error {}

/** How a line is being read. */
export interface ReadContext {
  /** The host Host lines and `Match host` compare with. */
  host: string;
  /** The destination as given (`Match originalhost`). */
  originalHost: string;
  finalPass: boolean;
  /** Set when a `Match final` is seen: the files are read again once the host name is final. */
  wantFinalPass: boolean;
  /** The local user's name, home directory and uid. */
  localUser: string;
  home: string;
  uid: number;
  /** For the messages: "-o" or "FILE line N". */
  where: string;
  /** From the command line: Host, Match and Include are refused. */
  commandLine: boolean;
  /** A user's file (Include is relative to ~/.ssh) or the system one (relative to /etc/ssh). */
  userConfig: boolean;
  /** The -o options tunnels does not act on (for warnings). */
  unused?: string[];
  /** The -o options neither tunnels nor ssh knows (for warnings). */
  unknown?: string[];
  /** Directory of the system-wide files (tests give their own). */
  systemDirectory: string;
  /** How many Include levels deep this file is. */
  includeDepth?: number;
}

/** ssh's READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;

/** "-o Key=value: why" for an option, "FILE line N: Key value: why" for a config line. */
function badValue(where: string, keyword: string, value: string, why: string): OptionError {
  return new OptionError(
    where === '-o' ? `-o ${keyword}=${value}: ${why}` : `${where}: ${keyword} ${value}: ${why}`,
  );
}

const FLAG_VALUES: Record<string, boolean> = {true: true, false: false, yes: true, no: false};

function flag(value: string | undefined, where: string, keyword: string): boolean {
  const result = value === undefined ? undefined : FLAG_VALUES[value.toLowerCase()];
  if (result === undefined) throw badValue(where, keyword, value ?? '', 'expected yes or no');
  return result;
}

function choice<T extends string>(
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

/** misc.c's convtime: "90", "1m30s", "2h"; undefined when it is not a time. */
export function parseTime(value: string): number | undefined {
  if (value === '') return undefined;
  const units: Record<string, number> = {'': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800};
  let total = 0;
  const pattern = /(\d+)([smhdw]?)/iy;
  let index = 0;
  while (index < value.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(value);
    if (!match) return undefined;
    total += Number(match[1]) * units[match[2]!.toLowerCase()]!;
    index = pattern.lastIndex;
    if (total > 2 ** 31 - 1) return undefined;
  }
  return total;
}

let services: Map<string, number> | undefined;

/** getservbyname(name, "tcp") from /etc/services. */
function servicePort(name: string): number | undefined {
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

function integer(value: string | undefined, where: string, keyword: string): number {
  if (value === undefined || !/^-?\d+$/.test(value))
    throw badValue(where, keyword, value ?? '', 'expected a whole number');
  return Number(value);
}

function time(value: string | undefined, where: string, keyword: string): number {
  if (value === 'none') return -1;
  const seconds = value === undefined ? undefined : parseTime(value);
  if (seconds === undefined)
    throw badValue(where, keyword, value ?? '', 'expected seconds, or a time such as 1m30s');
  return seconds;
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
      host: match[2]!.replace(/^\[(.*)\]$/, '$1'),
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
    host: match[1]!.replace(/^\[(.*)\]$/, '$1'),
    ...(port !== undefined ? {port} : {}),
  };
}

/** readconf.c's parse_jump: sets the jump host when `active` and nothing proxies yet. */
export function applyJump(options: SshOptions, text: string, active: boolean): boolean {
  const spec = text.replace(/#.*/, '').trimEnd();
  const hops = spec.split(',');
  if (spec.toLowerCase() !== 'none') {
    for (const hop of hops) if (parseJumpHop(hop) === undefined) return false;
  }
  if (!active || options.proxyCommand !== undefined || options.jump !== undefined) return true;
  if (spec.toLowerCase() === 'none') {
    options.jump = {host: 'none'};
    return true;
  }
  const last = parseJumpHop(hops.at(-1)!)!;
  options.jump = {...last, ...(hops.length > 1 ? {extra: hops.slice(0, -1).join(',')} : {})};
  options.proxyCommand = 'none';
  return true;
}

/** add_identity_file: the same file from the same kind of source is listed once. */
export function addIdentityFile(options: SshOptions, entry: IdentityFileEntry): void {
  if (!options.identityFiles.some((known) => known.file === entry.file && known.source === entry.source))
    options.identityFiles.push(entry);
}

function sameForward(a: ForwardSpec, b: ForwardSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** add_local_forward / add_remote_forward: a forward already there is not added again. */
export function addForward(options: SshOptions, flag: ForwardFlag, spec: ForwardSpec): void {
  const list = flag === 'R' ? options.remoteForwards : options.localForwards;
  if (!list.some((known) => sameForward(known, spec))) list.push(spec);
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
    return commandLine ? parseForwardSpec(flag, expanded) : parseConfigForward(flag, expanded);
  } catch (error) {
    if (error instanceof ForwardSpecError) throw new OptionError(`${where}: ${error.message}`);
    if (error instanceof TokenError) throw new OptionError(error.message);
    throw error;
  }
}

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

/** ssh keywords tunnels reads but does not act on: checked lightly, then passed over. */
const PASSED_FLAGS = new Set([
  'checkhostip',
  'tcpkeepalive',
  'keepalive',
  'enablesshkeysign',
  'forwardx11trusted',
  'gssapiauthentication',
  'gssapidelegatecredentials',
  'gssapikeyexchange',
  'gssapitrustdns',
  'gssapirenewalforcesrekey',
  'hostbasedauthentication',
  'nohostauthenticationforlocalhost',
  'permitlocalcommand',
  'proxyusefdpass',
  'stdinnull',
  'forkafterauthentication',
  'visualhostkey',
  'enableescapecommandline',
]);
const PASSED = new Set([
  ...PASSED_FLAGS,
  'protocol',
  'cipher',
  'fallbacktorsh',
  'globalknownhostsfile2',
  'rhostsauthentication',
  'userknownhostsfile2',
  'useroaming',
  'usersh',
  'useprivilegedport',
  'afstokenpassing',
  'kerberosauthentication',
  'kerberostgtpassing',
  'rsaauthentication',
  'rhostsrsaauthentication',
  'compressionlevel',
  'gssapikexalgorithms',
  'gssapiclientidentity',
  'gssapiserveridentity',
  'pkcs11provider',
  'smartcarddevice',
  'forwardx11timeout',
  'xauthlocation',
  'kbdinteractivedevices',
  'certificatefile',
  'addkeystoagent',
  'macs',
  'escapechar',
  'connectionattempts',
  'syslogfacility',
  'loglevel',
  'logverbose',
  'preferredauthentications',
  'hostkeyalgorithms',
  'casignaturealgorithms',
  'bindinterface',
  'verifyhostkeydns',
  'rekeylimit',
  'sendenv',
  'setenv',
  'controlpath',
  'controlmaster',
  'controlpersist',
  'tunnel',
  'tunneldevice',
  'localcommand',
  'remotecommand',
  'kexalgorithms',
  'ipqos',
  'requesttty',
  'canonicalizepermittedcnames',
  'revokedhostkeys',
  'fingerprinthash',
  'updatehostkeys',
  'hostbasedacceptedalgorithms',
  'hostbasedkeytypes',
  'pubkeyacceptedalgorithms',
  'pubkeyacceptedkeytypes',
  'securitykeyprovider',
  'knownhostscommand',
  'requiredrsasize',
  'dsaauthentication',
  'identityfile2',
]);

/**
 * A keyword's reader. `line.applies`: the line's Host/Match block applies (a line that does not is still
 * checked); `line.userConfig`: from a user's file or the command line, not the system-wide file.
 */
type Handler = (
  options: SshOptions,
  line: {args: string[]; rest: string; applies: boolean; userConfig: boolean},
  set: Setter,
  where: string,
) => void;
/** Runs `assign` when the line applies and the option is still unset. */
type Setter = <K extends keyof SshOptions>(key: K, value: SshOptions[K]) => void;

const one = (args: string[], where: string, keyword: string): string => {
  if (args.length === 0 || args[0] === '') throw new OptionError(`${where}: ${keyword} needs a value`);
  if (args.length > 1) throw badValue(where, keyword, args.join(' '), 'takes one value');
  return args[0]!;
};

const flagHandler =
  (key: keyof SshOptions, keyword: string): Handler =>
  (_o, {args}, set, where) =>
    set(key, flag(one(args, where, keyword), where, keyword) as never);

const integerHandler =
  (key: keyof SshOptions, keyword: string): Handler =>
  (_o, {args}, set, where) =>
    set(key, integer(one(args, where, keyword), where, keyword) as never);

const timeHandler =
  (key: keyof SshOptions, keyword: string): Handler =>
  (_o, {args}, set, where) =>
    set(key, time(one(args, where, keyword), where, keyword) as never);

const choiceHandler =
  <T extends string>(key: keyof SshOptions, keyword: string, table: Record<string, T>): Handler =>
  (_o, {args}, set, where) =>
    set(key, choice(one(args, where, keyword), table, where, keyword) as never);

const STRICT: Record<string, StrictHostKeyChecking> = {
  true: 'yes',
  yes: 'yes',
  false: 'no',
  no: 'no',
  off: 'no',
  ask: 'ask',
  'accept-new': 'accept-new',
};

function fileList(key: 'globalKnownHostsFiles' | 'userKnownHostsFiles', keyword: string): Handler {
  return (options, {args}, set, where) => {
    if (args.length === 0) throw new OptionError(`${where}: missing argument for ${keyword}`);
    for (const [index, arg] of args.entries()) {
      if (arg === '') throw new OptionError(`${where}: keyword ${keyword} empty argument`);
      if (arg.toLowerCase() === 'none' && (index > 0 || args.length > 1))
        throw new OptionError(`${where}: keyword ${keyword} "none" argument must appear alone`);
    }
    if (options[key] === undefined) set(key, args);
  };
}

function forwardHandler(flag: ForwardFlag, keyword: string): Handler {
  return (options, {args, applies}, _set, where) => {
    // A RemoteForward with one argument is remote dynamic forwarding.
    const spec = parseForward(flag, args.join(' '), where === '-o' ? `-o ${keyword}` : where, false);
    if (applies) addForward(options, flag, spec);
  };
}

const HANDLERS: Record<string, Handler> = {
  user: (_o, {args}, set, where) => set('user', one(args, where, 'User')),
  hostname: (_o, {args}, set, where) => set('hostname', one(args, where, 'HostName')),
  port: (_o, {args}, set, where) => {
    const value = one(args, where, 'Port');
    const port = parsePortValue(value);
    if (port === undefined || port === 0)
      throw badValue(where, 'Port', value, 'not a port number (1-65535) or a service name');
    set('port', port);
  },
  addressfamily: choiceHandler<AddressFamily>('addressFamily', 'AddressFamily', {
    any: 'any',
    inet: 'inet',
    inet6: 'inet6',
  }),
  batchmode: flagHandler('batchMode', 'BatchMode'),
  bindaddress: (_o, {args}, set, where) => set('bindAddress', one(args, where, 'BindAddress')),
  canonicaldomains: (options, {args}, set, where) => {
    if (args.length === 0) throw new OptionError(`${where}: missing argument for CanonicalDomains`);
    for (const [index, arg] of args.entries()) {
      if (arg.toLowerCase() === 'none' && (index > 0 || args.length > 1))
        throw new OptionError(`${where}: keyword CanonicalDomains "none" argument must appear alone`);
      if (arg.toLowerCase() !== 'none' && !/^[A-Za-z0-9_.-]+$/.test(arg))
        throw new OptionError(`${where}: "${arg}" is not a domain name`);
    }
    if (options.canonicalDomains === undefined) set('canonicalDomains', args);
  },
  canonicalizefallbacklocal: flagHandler('canonicalizeFallbackLocal', 'CanonicalizeFallbackLocal'),
  canonicalizehostname: choiceHandler<CanonicalizeHostname>('canonicalizeHostname', 'CanonicalizeHostname', {
    true: 'yes',
    yes: 'yes',
    false: 'no',
    no: 'no',
    always: 'always',
  }),
  canonicalizemaxdots: integerHandler('canonicalizeMaxDots', 'CanonicalizeMaxDots'),
  ciphers: (_o, {args}, set, where) => {
    const value = one(args, where, 'Ciphers');
    if (!validCipherSpec(value))
      throw badValue(where, 'Ciphers', value, 'unknown cipher (see ssh -Q cipher)');
    set('ciphers', value);
  },
  clearallforwardings: flagHandler('clearAllForwardings', 'ClearAllForwardings'),
  connecttimeout: timeHandler('connectTimeout', 'ConnectTimeout'),
  exitonforwardfailure: flagHandler('exitOnForwardFailure', 'ExitOnForwardFailure'),
  forwardagent: (_options, {args}, set, where) => {
    const value = one(args, where, 'ForwardAgent');
    const known = FLAG_VALUES[value.toLowerCase()];
    if (known !== undefined) {
      set('forwardAgent', known);
      return;
    }
    checkAgentPath(value, where);
    // A path turns forwarding on unless it was decided already, and is kept either way (as ssh does).
    set('forwardAgent', true);
    set('forwardAgentSocket', value);
  },
  forwardx11: flagHandler('forwardX11', 'ForwardX11'),
  gatewayports: flagHandler('gatewayPorts', 'GatewayPorts'),
  globalknownhostsfile: fileList('globalKnownHostsFiles', 'GlobalKnownHostsFile'),
  hashknownhosts: flagHandler('hashKnownHosts', 'HashKnownHosts'),
  hostkeyalias: (_o, {args}, set, where) => set('hostKeyAlias', one(args, where, 'HostKeyAlias')),
  identitiesonly: flagHandler('identitiesOnly', 'IdentitiesOnly'),
  identityagent: (_o, {args}, set, where) => {
    const value = one(args, where, 'IdentityAgent');
    checkAgentPath(value, where);
    set('identityAgent', value);
  },
  identityfile: (options, {args, applies, userConfig}, _set, where) => {
    const file = one(args, where, 'IdentityFile');
    if (applies)
      addIdentityFile(options, {
        file,
        userProvided: userConfig,
        source: userConfig ? 'user' : 'system',
      });
  },
  kbdinteractiveauthentication: flagHandler('kbdInteractiveAuthentication', 'KbdInteractiveAuthentication'),
  localforward: forwardHandler('L', 'LocalForward'),
  remoteforward: forwardHandler('R', 'RemoteForward'),
  dynamicforward: forwardHandler('D', 'DynamicForward'),
  numberofpasswordprompts: integerHandler('numberOfPasswordPrompts', 'NumberOfPasswordPrompts'),
  passwordauthentication: flagHandler('passwordAuthentication', 'PasswordAuthentication'),
  permitremoteopen: (options, {args}, set, where) => {
    if (args.length === 0) throw new OptionError(`${where}: missing PermitRemoteOpen specification`);
    for (const [index, arg] of args.entries()) {
      const lower = arg.toLowerCase();
      if (lower === 'none' || lower === 'any') {
        if (index > 0 || args.length > 1)
          throw new OptionError(`${where}: keyword PermitRemoteOpen "${arg}" argument must appear alone`);
      } else if (!/^(\[[^\]]+\]|[^:]+):(\*|\d+)$/.test(arg)) {
        throw new OptionError(`${where}: bad PermitRemoteOpen "${arg}": expected host:port, host:* or any`);
      }
    }
    if (options.permitRemoteOpen === undefined) set('permitRemoteOpen', args);
  },
  proxycommand: (options, {rest}, set) => {
    // A ProxyJump obtained first wins over any ProxyCommand.
    if (options.jump === undefined) set('proxyCommand', rest.replace(/^[\s=]+/, ''));
  },
  proxyjump: (options, {rest, applies}, _set, where) => {
    if (!applyJump(options, rest, applies))
      throw badValue(where, 'ProxyJump', rest, 'expected [user@]host[:port][,...] or none');
  },
  pubkeyauthentication: choiceHandler('pubkeyAuthentication', 'PubkeyAuthentication', {
    true: 'true',
    yes: 'true',
    false: 'false',
    no: 'false',
    unbound: 'unbound',
    'host-bound': 'host-bound',
  }),
  serveralivecountmax: integerHandler('serverAliveCountMax', 'ServerAliveCountMax'),
  serveraliveinterval: timeHandler('serverAliveInterval', 'ServerAliveInterval'),
  sessiontype: choiceHandler('sessionType', 'SessionType', {
    none: 'none',
    subsystem: 'subsystem',
    default: 'default',
  }),
  streamlocalbindmask: (_o, {args}, set, where) => {
    const value = one(args, where, 'StreamLocalBindMask');
    const mask = /^[0-7]+$/.test(value) ? Number.parseInt(value, 8) : Number.NaN;
    if (!(mask >= 0 && mask <= 0o777))
      throw badValue(where, 'StreamLocalBindMask', value, 'expected an octal mask such as 0177');
    set('streamLocalBindMask', mask);
  },
  streamlocalbindunlink: flagHandler('streamLocalBindUnlink', 'StreamLocalBindUnlink'),
  stricthostkeychecking: choiceHandler('strictHostKeyChecking', 'StrictHostKeyChecking', STRICT),
  userknownhostsfile: fileList('userKnownHostsFiles', 'UserKnownHostsFile'),
  ignoreunknown: (_o, {args}, set, where) => set('ignoreUnknown', one(args, where, 'IgnoreUnknown')),
  reconnect: flagHandler('reconnect', 'Reconnect'),
};
HANDLERS.challengeresponseauthentication = HANDLERS.kbdinteractiveauthentication!;
HANDLERS.skeyauthentication = HANDLERS.kbdinteractiveauthentication!;
HANDLERS.tisauthentication = HANDLERS.kbdinteractiveauthentication!;

/** The keywords tunnels acts on (lower-case). */
export const ACTED_KEYWORDS = new Set(Object.keys(HANDLERS));

function checkAgentPath(value: string, where: string): void {
  if (/\$\{[^}]*$/.test(value) || /\$\{\}/.test(value))
    throw new OptionError(`${where}: invalid environment expansion ${value}`);
  if (value.startsWith('$') && !value.startsWith('${') && !/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value))
    throw new OptionError(`${where}: invalid environment name ${value}`);
}

/**
 * One line: from a file (`active` says whether its Host/Match block applies) or from -o (always applies).
 * Returns whether the following lines apply.
 */
export function processLine(
  options: SshOptions,
  text: string,
  context: ReadContext,
  active: boolean,
): boolean {
  let line: ReturnType<typeof splitConfigLine>;
  try {
    line = splitConfigLine(text);
  } catch (error) {
    if (error instanceof ConfigLineError) throw new OptionError(`${context.where}: ${error.message}`);
    throw error;
  }
  if (!line) return active;
  const {keyword, args} = line;
  const where = context.where;
  if (keyword === 'host' || keyword === 'match') {
    if (context.commandLine)
      throw new OptionError(`${where}: ${keyword === 'host' ? 'Host' : 'Match'} is not an option`);
    if (keyword === 'host') return hostApplies(args, context.host, where);
    return matchApplies(options, line.rest, context, where);
  }
  if (keyword === 'include') {
    if (context.commandLine) throw new OptionError(`${where}: Include is not an option`);
    include(options, args, context, active);
    return active;
  }
  const handler = HANDLERS[keyword];
  if (!handler) {
    if (keyword === 'loglevel' && !/^(quiet|fatal|error|info|verbose|debug[123]?)$/i.test(args[0] ?? ''))
      throw badValue(
        where,
        'LogLevel',
        args[0] ?? '',
        'expected QUIET, FATAL, ERROR, INFO, VERBOSE or DEBUG1-3',
      );
    if (keyword === 'compression' && !/^(yes|no)$/i.test(args[0] ?? ''))
      throw badValue(where, 'Compression', args[0] ?? '', 'expected yes or no');
    if (PASSED.has(keyword) || keyword === 'compression') {
      if (PASSED_FLAGS.has(keyword) && args.length > 0 && FLAG_VALUES[args[0]!.toLowerCase()] === undefined)
        throw badValue(where, keyword, args[0]!, 'expected yes or no');
      if (active && context.unused) context.unused.push(text.trim());
      return active;
    }
    if (options.ignoreUnknown !== undefined && matchPatternList(keyword, options.ignoreUnknown, true))
      return active;
    // An unknown -o has always been a warning here (scripts rely on it); ssh refuses it.
    if (context.commandLine && context.unknown) {
      context.unknown.push(text.trim());
      return active;
    }
    throw new OptionError(
      `${where}: unknown option ${keyword} (ssh would refuse it too; IgnoreUnknown ${keyword} lets both pass over it)`,
    );
  }
  handler(
    options,
    {...line, applies: active, userConfig: context.userConfig || context.commandLine},
    (key, value) => {
      if (active && options[key] === undefined) options[key] = value;
    },
    where,
  );
  return active;
}

function hostApplies(patterns: string[], host: string, where: string): boolean {
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
function matchApplies(options: SshOptions, rest: string, context: ReadContext, where: string): boolean {
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

/** ssh's glob(3) for Include: sorted matches, "~" expanded; no match is no file. */
function globFiles(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const root = path.parse(pattern).root;
  let candidates = [root];
  const segments = pattern.slice(root.length).split('/').filter(Boolean);
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const next: string[] = [];
    for (const base of candidates) {
      if (!/[*?[]/.test(segment)) {
        next.push(path.join(base, segment));
        continue;
      }
      let names: string[];
      try {
        names = fs.readdirSync(base);
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (!globSegmentMatches(name, segment)) continue;
        const candidate = path.join(base, name);
        if (last || isDirectory(candidate)) next.push(candidate);
      }
    }
    candidates = next;
  }
  return candidates.sort();
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** glob(3): a wildcard never matches a leading dot unless the pattern has one. */
function globSegmentMatches(name: string, pattern: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = pattern.indexOf(']', index + 2);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let set = pattern.slice(index + 1, end);
      const negated = set.startsWith('!');
      if (negated) set = set.slice(1);
      source += `[${negated ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      index = end;
    } else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's').test(name);
}

function include(options: SshOptions, args: string[], context: ReadContext, active: boolean): void {
  const where = context.where;
  for (const arg of args) {
    if (arg === '') throw new OptionError(`${where}: keyword Include empty argument`);
    if (arg.startsWith('~') && !context.userConfig)
      throw new OptionError(`${where}: bad include path ${arg}`);
    let pattern = arg;
    if (!path.isAbsolute(arg) && !arg.startsWith('~'))
      pattern = context.userConfig ? `~/.ssh/${arg}` : path.join(context.systemDirectory, arg);
    if (pattern === '~' || pattern.startsWith('~/')) pattern = path.join(context.home, pattern.slice(1));
    for (const file of globFiles(pattern)) {
      const depth = (context.includeDepth ?? 0) + 1;
      if (depth > MAX_INCLUDE_DEPTH) throw new OptionError('Too many recursive configuration includes');
      // A Match in an included file does not change whether the including file's lines apply.
      const included = {...context, includeDepth: depth};
      readConfigFile(options, file, included, {checkPermissions: true, neverMatch: !active});
      context.wantFinalPass ||= included.wantFinalPass;
    }
  }
}

function isDevNull(stats: fs.Stats): boolean {
  try {
    return fs.statSync('/dev/null').rdev === stats.rdev;
  } catch {
    return false;
  }
}

/**
 * Reads one config file into `options`. Returns false when it does not exist. A file that cannot be
 * trusted (another user's, or writable by others) is refused as ssh refuses it.
 */
export function readConfigFile(
  options: SshOptions,
  file: string,
  context: ReadContext,
  flags: {checkPermissions: boolean; neverMatch?: boolean},
): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw new OptionError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let text = '';
  try {
    const stats = fs.fstatSync(fd);
    if (
      flags.checkPermissions &&
      ((stats.uid !== 0 && stats.uid !== context.uid) || (stats.mode & 0o022) !== 0)
    )
      throw new OptionError(
        `Bad owner or permissions on ${file}: it must be yours (or root's) and not writable by others; fix it with chmod go-w ${file}`,
      );
    // ssh reads a directory, or /dev/null, as an empty file; a FIFO or a device could hold the read forever.
    if (stats.isDirectory() || (stats.isCharacterDevice() && isDevNull(stats))) return true;
    if (!stats.isFile()) throw new OptionError(`${file} is not a regular file; give a config file`);
    text = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  let active = !flags.neverMatch;
  for (const [index, line] of text.split('\n').entries()) {
    const lineContext = {...context, where: `${file} line ${index + 1}`, commandLine: false};
    const next = processLine(options, line, lineContext, active);
    context.wantFinalPass ||= lineContext.wantFinalPass;
    active = flags.neverMatch ? false : next;
  }
  return true;
}
