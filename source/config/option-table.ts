/**
 * Every option of tunnels' command line, once: the parser (command-line.ts), --help, the man page and the
 * shell completions (source/cli) are all made from this table, so none of them can name an option the
 * others do not know.
 */

/** What a shell may offer for an option's value. */
export type ValueCompletion = 'hosts' | 'files' | 'ssh-options' | 'none';

export interface OptionEntry {
  /** "-p", "--json"; a short flag is one letter after one dash. */
  flag: string;
  /** The long form beside the short one ("--version"), if any. */
  long?: string;
  /** The value's name in help ("port"); no value when absent. */
  value?: string;
  description: string;
  /** Given more than once, each adds one (-L, -i...); -v counts. */
  repeatable?: boolean;
  /** ssh's flags that tunnels accepts and ignores (or warns about): parsed, not advertised. */
  hidden?: boolean;
  completion?: ValueCompletion;
}

export const OPTIONS: readonly OptionEntry[] = [
  {flag: '-p', value: 'port', description: 'port of the SSH server'},
  {flag: '-l', value: 'user', description: 'user to log in as'},
  {
    flag: '-i',
    value: 'identity_file',
    description: 'private key to authenticate with (repeatable)',
    repeatable: true,
    completion: 'files',
  },
  {
    flag: '-F',
    value: 'ssh_config',
    description: 'ssh client configuration file (default ~/.ssh/config)',
    completion: 'files',
  },
  {
    flag: '-o',
    value: 'Key=Value',
    description: 'an ssh_config option (repeatable; the keys tunnels acts on are listed below)',
    repeatable: true,
    completion: 'ssh-options',
  },
  {
    flag: '-J',
    value: '[user@]host[:port][,...]',
    description: 'connect through these jump hosts, in order (as ssh -J)',
    completion: 'hosts',
  },
  {flag: '-c', value: 'cipher', description: 'cipher list, comma-separated (as ssh -c)'},
  {
    flag: '-L',
    value: '[bind_address:]port:host:hostport',
    description: 'local forward; either side may be a unix socket path; ftp/... for FTP (repeatable)',
    repeatable: true,
  },
  {
    flag: '-R',
    value: '[bind_address:]port:host:hostport',
    description:
      'remote forward; either side may be a unix socket path; [bind_address:]port alone: SOCKS on the server, out from here (repeatable)',
    repeatable: true,
  },
  {
    flag: '-D',
    value: '[bind_address:]port',
    description: 'dynamic forward: SOCKS 4, 4a and 5 (repeatable)',
    repeatable: true,
  },
  {flag: '-N', description: 'run no remote command; hold the forwards until SIGINT/SIGTERM'},
  {
    flag: '-f',
    description:
      'connect and bind here (prompts on this terminal), then go to the background service (tunnels ls shows it)',
  },
  {flag: '-A', description: 'forward the agent (SSH_AUTH_SOCK) to the remote command'},
  {flag: '-a', description: 'do not forward the agent'},
  {flag: '-X', description: 'forward X11 to the remote command (untrusted, with a fake cookie)'},
  {flag: '-x', description: 'do not forward X11'},
  {flag: '-Y', description: "ssh's trusted X11: forwarded untrusted, as -X (warned about)", hidden: true},
  {
    flag: '-G',
    description: 'print the configuration tunnels resolves for the host, as ssh -G does, and exit',
  },
  {flag: '-g', description: 'forwards without a bind address listen on every interface (GatewayPorts yes)'},
  {flag: '-4', description: 'connect over IPv4 only (AddressFamily inet)'},
  {flag: '-6', description: 'connect over IPv6 only (AddressFamily inet6)'},
  {flag: '-b', value: 'bind_address', description: 'the local address to connect from (BindAddress)'},
  {flag: '-T', description: "ssh's: no terminal (tunnels never asks for one)", hidden: true},
  {flag: '-t', description: "ssh's: force a terminal (not supported; warned about)", hidden: true},
  {flag: '-q', description: "ssh's: quiet", hidden: true},
  {flag: '-C', description: "ssh's: compression (tunnels does not compress)", hidden: true},
  {flag: '-n', description: "ssh's: stdin from /dev/null (tunnels does not read it)", hidden: true},
  {flag: '-k', description: "ssh's: no GSSAPI credential forwarding (tunnels has none)", hidden: true},
  {flag: '-y', description: "ssh's: log to syslog", hidden: true},
  {flag: '-v', description: 'more detail on stderr (repeatable)', repeatable: true},
  {flag: '--json', description: 'one JSON event per line on stdout'},
  {
    flag: '--no-service',
    description:
      'the UI keeps its sessions in its own process (they end with it), not in the background service',
  },
  {flag: '-V', long: '--version', description: 'print the version'},
  {flag: '-h', long: '--help', description: 'show this help'},
];

/** The words that select an option: "-p", and "--version" beside "-V". */
export function optionWords(entry: OptionEntry): string[] {
  return entry.long ? [entry.flag, entry.long] : [entry.flag];
}

/** The letters of the short flags that take a value (`-p 22`, `-p22`, last in a cluster: `-Np22`). */
export const VALUE_LETTERS: ReadonlySet<string> = new Set(
  OPTIONS.filter((entry) => entry.value !== undefined && /^-[^-]$/.test(entry.flag)).map((entry) =>
    entry.flag.slice(1),
  ),
);

/**
 * The ssh_config keys tunnels acts on (for -o and in ~/.ssh/config), as ssh spells them; the rest are
 * read and passed over. A test checks this against the keywords the config reader handles.
 */
export const SSH_OPTION_KEYS: readonly string[] = [
  'AddressFamily',
  'BatchMode',
  'BindAddress',
  'CanonicalDomains',
  'CanonicalizeFallbackLocal',
  'CanonicalizeHostname',
  'CanonicalizeMaxDots',
  'Ciphers',
  'ClearAllForwardings',
  'ConnectTimeout',
  'DynamicForward',
  'ExitOnForwardFailure',
  'ForwardAgent',
  'ForwardX11',
  'GatewayPorts',
  'GlobalKnownHostsFile',
  'HashKnownHosts',
  'HostKeyAlias',
  'HostName',
  'IdentitiesOnly',
  'IdentityAgent',
  'IdentityFile',
  'IgnoreUnknown',
  'KbdInteractiveAuthentication',
  'LocalForward',
  'NumberOfPasswordPrompts',
  'PasswordAuthentication',
  'PermitRemoteOpen',
  'Port',
  'ProxyCommand',
  'ProxyJump',
  'PubkeyAuthentication',
  'Reconnect',
  'RemoteForward',
  'ServerAliveCountMax',
  'ServerAliveInterval',
  'SessionType',
  'StreamLocalBindMask',
  'StreamLocalBindUnlink',
  'StrictHostKeyChecking',
  'User',
  'UserKnownHostsFile',
];
