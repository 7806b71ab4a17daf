/**
 * The keywords tunnels acts on, each with its reader (readconf.c's process_config_line cases), and how a
 * value is added to the options (add_identity_file, add_local_forward, parse_jump).
 * A port of OpenSSH 9.2's readconf.c: its names (match_cfg_line, add_identity_file, ...) are kept where
 * they help compare.
 */
import type {ForwardFlag, ForwardSpec} from '../../core/protocols/forward-spec.js';
import {validCipherSpec} from './ciphers.js';
import {
  type AddressFamily,
  type CanonicalizeHostname,
  type IdentityFileEntry,
  OptionError,
  type SshOptions,
  type StrictHostKeyChecking,
} from './options.js';
import {
  badValue,
  choice,
  FLAG_VALUES,
  flag,
  integer,
  parseForward,
  parseJumpHop,
  parsePortValue,
  time,
  validHostname,
  validRemoteUser,
} from './values.js';

/**
 * readconf.c's parse_jump as OpenSSH has it since March 2026 (and Debian's 9.2p1 with its security
 * updates): `none` is taken when no jump host is set yet, whatever proxies; a jump host only when
 * nothing proxies yet, and it then stops a later ProxyCommand. `strict` (a -J or -o ProxyJump on the
 * command line): host and user names with characters a shell gives meaning to are refused, as ssh
 * refuses them. Returns what is wrong, or undefined.
 */
export function applyJump(
  options: SshOptions,
  text: string,
  active: boolean,
  strict = false,
): string | undefined {
  if (text.toLowerCase() === 'none') {
    if (active && options.jump === undefined) options.jump = {host: 'none'};
    return undefined;
  }
  const spec = text.replace(/#.*/, '').trimEnd();
  const hops = spec.split(',');
  for (const hop of hops) {
    const parsed = parseJumpHop(hop);
    if (parsed === undefined) return `expected [user@]host[:port][,...] or none, not "${hop}"`;
    if (strict && !validHostname(parsed.host)) return `invalid host name "${parsed.host}"`;
    if (strict && parsed.user !== undefined && !validRemoteUser(parsed.user))
      return `invalid user name "${parsed.user}"`;
  }
  if (!active || options.proxyCommand !== undefined || options.jump !== undefined) return undefined;
  const last = parseJumpHop(hops.at(-1)!)!;
  options.jump = {...last, ...(hops.length > 1 ? {extra: hops.slice(0, -1).join(',')} : {})};
  options.proxyCommand = 'none';
  return undefined;
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

/**
 * A keyword's reader. `line.applies`: the line's Host/Match block applies (a line that does not is still
 * checked); `line.userConfig`: from a user's file or the command line, not the system-wide file;
 * `line.commandLine`: from -o.
 */
type Handler = (
  options: SshOptions,
  line: {args: string[]; rest: string; applies: boolean; userConfig: boolean; commandLine: boolean},
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

/**
 * Each keyword tunnels acts on (lower-case) with its reader: a table, one short entry a keyword, in the
 * place of readconf.c's switch in process_config_line, so it is long and kept whole.
 */
export const HANDLERS: Record<string, Handler> = {
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
      if (arg === '') throw new OptionError(`${where}: keyword CanonicalDomains empty argument`);
      // misc.c's valid_domain: "_" is taken, though no domain has it.
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(arg) || arg.includes('..'))
        throw new OptionError(
          `${where}: "${arg}" is not a domain name (letters, digits, "-", "_" and single dots, starting with a letter or digit)`,
        );
    }
    // As ssh keeps them: lower-case, without a trailing dot.
    const domains = args.map((arg) => arg.toLowerCase().replace(/\.$/, ''));
    if (options.canonicalDomains === undefined) set('canonicalDomains', domains);
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
  // A ProxyJump obtained first has set ProxyCommand to none (applyJump); a ProxyJump none has not.
  proxycommand: (_options, {rest}, set) => set('proxyCommand', rest.replace(/^[\s=]+/, '')),
  proxyjump: (options, {rest, applies, commandLine}, _set, where) => {
    const problem = applyJump(options, rest.replace(/^[\s=]+/, ''), applies, commandLine);
    if (problem !== undefined) throw badValue(where, 'ProxyJump', rest, problem);
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
// Old names ssh still reads as the new ones.
HANDLERS.identityfile2 = HANDLERS.identityfile!;
HANDLERS.dsaauthentication = HANDLERS.pubkeyauthentication!;

function checkAgentPath(value: string, where: string): void {
  if (/\$\{[^}]*$/.test(value) || /\$\{\}/.test(value))
    throw new OptionError(`${where}: invalid environment expansion ${value}`);
  if (value.startsWith('$') && !value.startsWith('${') && !/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value))
    throw new OptionError(`${where}: invalid environment name ${value}`);
}
