import type {PermitRemoteOpen} from '../forwards/permit-remote-open.js';
import type {Backoff} from './backoff.js';
import type {HostKeyPolicy} from './host-key-check.js';

/** Everything a session connects with: the command line and ~/.ssh/config, merged and resolved. */
export interface SessionConfig extends HostKeyPolicy {
  /** The network host (after ssh_config HostName). */
  host: string;
  port: number;
  user: string;
  identityFiles: Array<{file: string; explicit: boolean}>;
  agentSocket: string | undefined;
  globalKnownHostsFiles: string[];
  passwordAuthentication: boolean;
  kbdInteractiveAuthentication: boolean;
  numberOfPasswordPrompts: number;
  /** Until the server has answered the key exchange. */
  connectTimeoutMs: number;
  /** 0 disables keepalives. */
  serverAliveIntervalMs: number;
  serverAliveCountMax: number;
  ciphers: string[] | undefined;
  /** -A / ForwardAgent: allow forwarding the agent to remote commands that ask for it. */
  forwardAgent: boolean;
  /** -o Reconnect: come back after an established connection drops. Unset: the caller's default. */
  reconnect?: boolean | undefined;
  /** The first wait before reconnecting and its ceiling; each failed attempt doubles it, with jitter. */
  reconnectDelayMs?: Backoff;
  /**
   * ProxyJump / -J: the hop before this host, a full connection of its own (it may have a hop before it);
   * this connection runs over a direct-tcpip channel of it.
   */
  jumpHost?: SessionConfig | undefined;
  /** ProxyCommand, tokens already expanded: run with /bin/sh, its stdin and stdout carry the connection. */
  proxyCommand?: string | undefined;
  /** The host as the user named it (a ~/.ssh/config alias), for messages about a jump host. */
  name?: string | undefined;
  /** StreamLocalBindMask: the umask a local unix-socket listener is made with (ssh's default 0o177). */
  streamLocalBindMask?: number | undefined;
  /** StreamLocalBindUnlink: remove a socket file that is in the way, even one something listens on. */
  streamLocalBindUnlink?: boolean | undefined;
  /** PermitRemoteOpen: where a remote dynamic (-R port) forward's connections may go; unset: anywhere. */
  permitRemoteOpen?: PermitRemoteOpen | undefined;
  /**
   * IdentitiesOnly: only the identity files' keys, from the agent or the files: of the agent's keys, those
   * the identity files name by their public key (the file itself, or FILE.pub), signed by the agent.
   */
  identitiesOnly?: boolean | undefined;
  /** PubkeyAuthentication no: no keys offered at all. */
  pubkeyAuthentication?: boolean | undefined;
  /** AddressFamily / -4 / -6: the address family of the connection to the server. */
  addressFamily?: 4 | 6 | undefined;
  /** BindAddress / -b: the local address the connection leaves from. */
  bindAddress?: string | undefined;
  /** ForwardAgent /path: the agent socket forwarded, instead of the one keys are taken from. */
  forwardAgentSocket?: string | undefined;
}

export type SessionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'failed';
