/**
 * The ssh keywords tunnels reads but does not act on, each with the check readconf.c's
 * process_config_line makes of its value: tunnels refuses what ssh refuses, then passes over the line.
 * A port of OpenSSH 9.2's readconf.c (with Debian's GSSAPI keywords); its names are kept where they help
 * compare. Two exceptions, for configs written for a newer ssh: algorithm names are checked for their
 * form only (algorithms.ts), and the keywords OpenSSH added after 9.2 are checked as the newer ssh checks
 * them.
 */
import {validGssKexList, validKexSpec, validKeyTypeSpec, validMacSpec} from './algorithms.js';
import {OptionError} from './options.js';
import {badValue, FLAG_VALUES, INT_MAX, parseCount, parseTime} from './values.js';

/** Throws OptionError when ssh would refuse the arguments; `active`: whether the line's block applies. */
type Check = (args: string[], where: string, keyword: string, active: boolean) => void;

/** The one argument most keywords take: "Missing argument" and "extra arguments at end of line" in ssh. */
function one(args: string[], where: string, keyword: string): string {
  if (args.length === 0 || args[0] === '') throw new OptionError(`${where}: ${keyword} needs a value`);
  if (args.length > 1) throw badValue(where, keyword, args.join(' '), 'takes one value');
  return args[0]!;
}

/** Anything, or nothing: the keywords ssh ignores (deprecated, unsupported) and the commands, read whole. */
const anything: Check = () => {};

const string: Check = (args, where, keyword) => {
  one(args, where, keyword);
};

/** parse_multistate_value: one of the names, in any case. */
const multistate =
  (...names: string[]): Check =>
  (args, where, keyword) => {
    const value = one(args, where, keyword);
    if (!names.includes(value.toLowerCase()))
      throw badValue(where, keyword, value, `expected one of ${names.join(', ')}`);
  };

const flag = multistate('yes', 'no', 'true', 'false');

const time: Check = (args, where, keyword) => {
  const value = one(args, where, keyword);
  if (value !== 'none' && parseTime(value) === undefined)
    throw badValue(where, keyword, value, 'expected seconds, a time such as 1m30s, or none');
};

const count: Check = (args, where, keyword) => {
  const value = one(args, where, keyword);
  if (parseCount(value) === undefined)
    throw badValue(where, keyword, value, `expected a whole number from 0 to ${INT_MAX}`);
};

const algorithms =
  (valid: (value: string) => boolean, what: string): Check =>
  (args, where, keyword) => {
    const value = one(args, where, keyword);
    if (!valid(value)) throw badValue(where, keyword, value, what);
  };

const NAME_FORM = 'comma-separated, after an optional +, - or ^; letters, digits and .@_+- in a name';
const keyTypes = algorithms(
  validKeyTypeSpec,
  `expected key type or signature algorithm names or patterns (* ?, ! to negate), ${NAME_FORM}`,
);

/** LogVerbose: words, none empty, "none" only alone. */
const list: Check = (args, where, keyword) => {
  for (const arg of args) {
    if (arg === '') throw new OptionError(`${where}: ${keyword}: an empty argument`);
    if (arg.toLowerCase() === 'none' && args.length > 1)
      throw new OptionError(`${where}: ${keyword}: "none" must appear alone`);
  }
};

/** scan_scaled: a number with an optional fraction and one unit letter (B K M G T P E); undefined if not. */
export function parseScaled(value: string): number | undefined {
  const match = /^[ \t\n\v\f\r]*([+-]?)(\d*)(?:\.(\d*))?(?:([bkmgtpe])(?:[^A-Za-z0-9].*)?)?$/is.exec(value);
  // ssh takes at most 20 digits before the point.
  if (!match || match[2]!.length > 20) return undefined;
  const scale = 1024 ** 'bkmgtpe'.indexOf((match[4] ?? 'b').toLowerCase());
  const fraction = match[4] !== undefined && match[3] ? Number(`0.${match[3]}`) : 0;
  const size = Math.trunc((Number(match[2] || '0') + fraction) * scale);
  if (size > 2 ** 63) return undefined;
  return match[1] === '-' ? -size : size;
}

/** misc.c's parse_ipqos: a DSCP or TOS name, or a number 0-255 (strtol's decimal, octal or hex). */
const IPQOS_NAMES = new Set([
  'none',
  ...['af11', 'af12', 'af13', 'af21', 'af22', 'af23', 'af31', 'af32', 'af33', 'af41', 'af42', 'af43'],
  ...['cs0', 'cs1', 'cs2', 'cs3', 'cs4', 'cs5', 'cs6', 'cs7', 'ef', 'le'],
  ...['lowdelay', 'throughput', 'reliability'],
]);

function validIpqos(value: string): boolean {
  if (IPQOS_NAMES.has(value.toLowerCase())) return true;
  const match = /^[ \t\n\v\f\r]*[+-]?(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.exec(value);
  if (!match) return false;
  const number = Number(match[1]!.startsWith('0') && !/^0x/i.test(match[1]!) ? `0o${match[1]}` : match[1]);
  return value.includes('-') ? number === 0 : number <= 255;
}

/** misc.c's a2tun: "any" or 0-2147483645 (SSH_TUNID_MAX), optionally ":remote" alike. */
function validTunnelDevice(value: string): boolean {
  const valid = (part: string) =>
    part.toLowerCase() === 'any' || (parseCount(part) ?? INT_MAX) <= INT_MAX - 2;
  const colon = value.indexOf(':');
  return colon === -1 ? valid(value) : valid(value.slice(0, colon)) && valid(value.slice(colon + 1));
}

const KEYWORDS: Record<string, Check> = {
  // Ignored, deprecated or unsupported (oIgnore, oDeprecated, oUnsupported): any words at all.
  Protocol: anything,
  Cipher: anything,
  FallBackToRsh: anything,
  GlobalKnownHostsFile2: anything,
  RhostsAuthentication: anything,
  UserKnownHostsFile2: anything,
  UseRoaming: anything,
  UseRsh: anything,
  UsePrivilegedPort: anything,
  AFSTokenPassing: anything,
  KerberosAuthentication: anything,
  KerberosTGTPassing: anything,
  RSAAuthentication: anything,
  RhostsRSAAuthentication: anything,
  CompressionLevel: anything,
  // Commands: the rest of the line, as written.
  LocalCommand: anything,
  RemoteCommand: anything,
  KnownHostsCommand: anything,

  CheckHostIP: flag,
  TCPKeepAlive: flag,
  KeepAlive: flag,
  EnableSSHKeysign: flag,
  ForwardX11Trusted: flag,
  GSSAPIAuthentication: flag,
  GSSAPIDelegateCredentials: flag,
  GSSAPIKeyExchange: flag,
  GSSAPITrustDNS: flag,
  GSSAPIRenewalForcesRekey: flag,
  HostbasedAuthentication: flag,
  NoHostAuthenticationForLocalhost: flag,
  PermitLocalCommand: flag,
  ProxyUseFdpass: flag,
  StdinNull: flag,
  ForkAfterAuthentication: flag,
  VisualHostKey: flag,
  EnableEscapeCommandline: flag,

  GSSAPIClientIdentity: string,
  GSSAPIServerIdentity: string,
  PKCS11Provider: string,
  SmartcardDevice: string,
  XAuthLocation: string,
  KbdInteractiveDevices: string,
  CertificateFile: string,
  PreferredAuthentications: string,
  BindInterface: string,
  ControlPath: string,
  RevokedHostKeys: string,
  SecurityKeyProvider: string,

  // With zlib: yes or no, not true or false.
  Compression: multistate('yes', 'no'),
  ControlMaster: multistate('yes', 'no', 'true', 'false', 'auto', 'ask', 'autoask'),
  Tunnel: multistate('yes', 'no', 'true', 'false', 'ethernet', 'point-to-point'),
  RequestTTY: multistate('yes', 'no', 'true', 'false', 'force', 'auto'),
  VerifyHostKeyDNS: multistate('yes', 'no', 'true', 'false', 'ask'),
  UpdateHostKeys: multistate('yes', 'no', 'true', 'false', 'ask'),
  LogLevel: multistate('quiet', 'fatal', 'error', 'info', 'verbose', 'debug', 'debug1', 'debug2', 'debug3'),
  SyslogFacility: multistate(
    'daemon',
    'user',
    'auth',
    'authpriv',
    ...['local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'],
  ),
  FingerprintHash: multistate('md5', 'sha1', 'sha256', 'sha384', 'sha512'),

  ForwardX11Timeout: time,
  ConnectionAttempts: count,
  RequiredRSASize: count,

  MACs: algorithms(validMacSpec, `expected MAC names, ${NAME_FORM}`),
  KexAlgorithms: algorithms(validKexSpec, `expected key exchange names, ${NAME_FORM}`),
  GSSAPIKexAlgorithms: algorithms(
    validGssKexList,
    'expected GSSAPI key exchange names (gss-..., as ssh -Q kex-gss lists them), comma-separated',
  ),
  HostKeyAlgorithms: keyTypes,
  CASignatureAlgorithms: keyTypes,
  HostbasedAcceptedAlgorithms: keyTypes,
  HostbasedKeyTypes: keyTypes,
  PubkeyAcceptedAlgorithms: keyTypes,
  PubkeyAcceptedKeyTypes: keyTypes,

  LogVerbose: list,

  // Case-sensitive, unlike the multistate keywords.
  ControlPersist: (args, where, keyword) => {
    const value = one(args, where, keyword);
    if (!['yes', 'no', 'true', 'false'].includes(value) && parseTime(value) === undefined)
      throw badValue(where, keyword, value, 'expected yes, no, or a time such as 10m');
  },
  EscapeChar: (args, where, keyword) => {
    const value = one(args, where, keyword);
    // In bytes, as ssh counts them: "é" is two.
    const bytes = Buffer.from(value);
    const control = bytes.length === 2 && value[0] === '^' && bytes[1]! >= 64 && bytes[1]! < 128;
    if (value !== 'none' && bytes.length > 1 && !control)
      throw badValue(where, keyword, value, 'expected one character, ^ and a letter (^A), or none');
  },
  TunnelDevice: (args, where, keyword) => {
    const value = one(args, where, keyword);
    if (!validTunnelDevice(value))
      throw badValue(where, keyword, value, 'expected a device number or any, optionally :remote (0:any)');
  },
  RekeyLimit: (args, where, keyword) => {
    if (args.length === 0 || args[0] === '') throw new OptionError(`${where}: ${keyword} needs a value`);
    const size = args[0] === 'default' ? 0 : parseScaled(args[0]!);
    if (size === undefined || (size !== 0 && size < 16))
      throw badValue(where, keyword, args[0]!, 'expected default, or a size of 16 or more such as 1G');
    if (args.length > 2) throw badValue(where, keyword, args.join(' '), 'takes a size and a time');
    if (args[1] !== undefined && args[1] !== 'none' && parseTime(args[1]) === undefined)
      throw badValue(where, keyword, args.join(' '), 'expected a time such as 1h, or none, after the size');
  },
  IPQoS: (args, where, keyword) => {
    if (args.length > 2) throw badValue(where, keyword, args.join(' '), 'takes one or two values');
    for (const value of args.length === 0 ? [''] : args)
      if (!validIpqos(value))
        throw badValue(
          where,
          keyword,
          value,
          'expected af11-af43, cs0-cs7, ef, le, lowdelay, throughput, reliability, none or a number 0-255',
        );
  },
  SendEnv: (args, where, keyword) => {
    for (const arg of args)
      if (arg === '' || arg.includes('='))
        throw badValue(where, keyword, arg, 'expected variable names (patterns, or -NAME), without =');
  },
  SetEnv: (args, where, keyword) => {
    for (const arg of args)
      if (!arg.includes('=')) throw badValue(where, keyword, arg, 'expected NAME=VALUE');
  },
  CanonicalizePermittedCNAMEs: (args, where, keyword) => {
    for (const arg of args) {
      if (arg.toLowerCase() === 'none') {
        if (args.length > 1) throw new OptionError(`${where}: ${keyword}: "none" must appear alone`);
      } else if (arg !== '*' && !/:./s.test(arg))
        throw badValue(where, keyword, arg, 'expected source-domains:target-domains, * or none');
    }
  },
  // Added by OpenSSH 9.4 to 10.1 (HEAD's readconf.c): ssh 9.2 refuses them as unknown, but a config
  // written for a newer ssh has them.
  Tag: string,
  WarnWeakCrypto: multistate('yes', 'no', 'true', 'false', 'no-pq-kex'),
  ObscureKeystrokeTiming: (args, where, keyword) => {
    const value = one(args, where, keyword);
    // Case-sensitive, as ssh compares them.
    const interval = /^interval:(.*)$/s.exec(value)?.[1];
    const milliseconds = interval === undefined ? undefined : parseCount(interval);
    if (
      !['yes', 'no', 'true', 'false'].includes(value) &&
      (milliseconds === undefined || milliseconds < 1 || milliseconds > 1000)
    )
      throw badValue(where, keyword, value, 'expected yes, no, or interval:N with N from 1 to 1000 (ms)');
  },
  ChannelTimeout: (args, where, keyword) => {
    if (args.length === 0) throw new OptionError(`${where}: ${keyword} needs a value`);
    for (const arg of args) {
      if (arg.toLowerCase() === 'none') {
        if (args.length > 1) throw new OptionError(`${where}: ${keyword}: "none" must appear alone`);
        continue;
      }
      const equals = arg.indexOf('=');
      if (equals < 1 || parseTime(arg.slice(equals + 1)) === undefined)
        throw badValue(where, keyword, arg, 'expected TYPE=TIME (session=5m, *=1h) or none');
    }
  },
  // The rest of the line, as written.
  VersionAddendum: anything,
  // Newer ssh's way to stop connections to a host: where the block applies, it stops as they stop.
  RefuseConnection: (args, where, keyword, active) => {
    const message = one(args, where, keyword);
    if (active) throw new OptionError(`${where}: RefuseConnection: ${message}`);
  },

  AddKeysToAgent: (args, where, keyword) => {
    const [value = '', lifetime, ...extra] = args;
    const state = value.toLowerCase();
    const why = 'expected yes, no, ask, confirm (and a time, as confirm 5m), or a time';
    if (extra.length > 0) throw badValue(where, keyword, args.join(' '), why);
    if (['yes', 'no', 'true', 'false', 'ask'].includes(state)) {
      if (lifetime !== undefined) throw badValue(where, keyword, args.join(' '), why);
    } else if (state === 'confirm') {
      if (lifetime !== undefined && parseTime(lifetime) === undefined)
        throw badValue(where, keyword, args.join(' '), why);
    } else if (lifetime !== undefined || parseTime(value) === undefined)
      throw badValue(where, keyword, args.join(' '), why);
  },
};

/** Each passed-over keyword (lower-case), with its name as ssh_config(5) writes it and its check. */
export const PASSED: Record<string, {name: string; check: Check}> = Object.fromEntries(
  Object.entries(KEYWORDS).map(([name, check]) => [name.toLowerCase(), {name, check}]),
);

/** Whether a yes/no value (already checked) says yes. */
export const saysYes = (value: string | undefined): boolean =>
  value !== undefined && FLAG_VALUES[value.toLowerCase()] === true;
