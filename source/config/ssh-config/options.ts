/**
 * The client options of OpenSSH's readconf.c, read the way ssh reads them: one Options record filled by the
 * command line first, then ~/.ssh/config, then the system-wide file; the first value obtained for each
 * keyword wins (lists accumulate); Host and Match decide which lines apply; Include reads other files in
 * place. Only what tunnels acts on is kept; other ssh keywords are checked and passed over, and an unknown
 * one is an error, as in ssh. This file: the record and how a line is being read.
 * A port of OpenSSH 9.2's readconf.c: its names (match_cfg_line, add_identity_file, ...) are kept where
 * they help compare.
 */
import type {ForwardSpec} from '../../core/protocols/forward-spec.js';

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
  /**
   * The first value obtained of each keyword tunnels passes over (lower-case keyword to its arguments):
   * ssh checks a few of them once the config is read (ConnectionAttempts 0).
   */
  passedOver?: Record<string, string[]>;
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
  /** The command to run on the server, as ssh joins its words (`Match command`, `Match sessiontype`). */
  remoteCommand?: string | undefined;
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
