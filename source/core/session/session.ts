import {spawn} from 'node:child_process';
import type net from 'node:net';
import readline from 'node:readline';
import {Duplex} from 'node:stream';
import type {Client, ClientChannel, ConnectConfig} from 'ssh2';
import {Emitter} from '../emitter.js';
import type {SessionFailureLevel, TunnelEvent} from '../events.js';
import {type ChannelLink, ChannelLinks} from '../forwards/channel-link.js';
import {DynamicForward} from '../forwards/dynamic-forward.js';
import type {Forward} from '../forwards/forward.js';
import {
  channelOpenError,
  type ForwardContext,
  type RemoteConnectionHandler,
  type RemoteUnixConnectionHandler,
  streamLocalOpenError,
} from '../forwards/forward-context.js';
import {FtpForward} from '../forwards/ftp-forward.js';
import {LocalForward} from '../forwards/local-forward.js';
import {LocalUnixForward} from '../forwards/local-unix-forward.js';
import type {PermitRemoteOpen} from '../forwards/permit-remote-open.js';
import {RemoteDynamicForward} from '../forwards/remote-dynamic-forward.js';
import {RemoteForward} from '../forwards/remote-forward.js';
import {type ForwardSpec, formatForwardSpec} from '../protocols/forward-spec.js';
import {Authenticator} from './auth.js';
import {type Backoff, RetrySchedule} from './backoff.js';
import {
  type HostKeyPolicy,
  type HostKeyTrust,
  preferredHostKeyAlgorithms,
  verifyHostKey,
} from './host-key-check.js';
import {
  fingerprintSha256,
  hostKeyName,
  hostKeyNames,
  type KnownHostEntry,
  knownHostName,
  loadKnownHosts,
} from './known-hosts.js';
import type {Prompter} from './prompter.js';
import {routeOf} from './route.js';
import {notSshMessage, watchGreeting} from './ssh-greeting.js';
import {connectSshSocket} from './ssh-socket.js';
import ssh2 from './ssh2.js';
import {sampleTraffic} from './traffic-sampler.js';
import {WakeWatch} from './wake-watch.js';

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

/** What a connection runs on when it is not a plain TCP socket, and how to end it. */
interface Transport {
  sock: Duplex;
  close(): void;
  /**
   * Why the transport ended before the handshake did, if it knows: a ProxyCommand's exit status, waited
   * for a moment (its stdin's EPIPE may come first).
   */
  ended(): Promise<string | undefined>;
}

const DEFAULT_RECONNECT_DELAY_MS: Backoff = {initial: 1000, max: 30_000, steadyMs: 60_000};

/** After a wake, how long the server has to answer a keepalive before the connection is taken as dead. */
const WAKE_PROBE_TIMEOUT_MS = 5000;

/**
 * OpenSSH's sshd ends the whole connection (fatal "channels_alloc ... too big") once a client holds more
 * than its 16,384 channel slots, its own listeners for -R included; new clients are refused below that,
 * with room left for channels the server is still closing.
 */
export const SERVER_CHANNEL_LIMIT = 16_384;
export const CHANNEL_CAP = SERVER_CHANNEL_LIMIT - 384;

/** Failures a retry cannot mend: the loop stops and says why instead of hammering the server. */
const FINAL_FAILURES: ReadonlySet<SessionFailureLevel> = new Set(['authentication', 'host-key', 'config']);

export interface ExecOptions {
  agentForward: boolean;
  x11?: {cookie: Buffer; screen: number};
  /** Receives the x11 channels of this command; any other x11 channel is refused. */
  onX11?: (channel: ClientChannel) => void;
}

export type SessionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'failed';

/** A failure to connect, with the level that tells a CLI its exit status and a UI its wording. */
export class SessionError extends Error {
  constructor(
    message: string,
    readonly level: SessionFailureLevel,
  ) {
    super(message);
  }
}

const FORWARD_LETTER = {
  local: 'L',
  remote: 'R',
  dynamic: 'D',
  ftp: 'F',
  'local-unix': 'L',
  'remote-unix': 'R',
  'remote-dynamic': 'R',
} as const;

/** One ssh2 connection, its authentication and host-key check, and the forwards that ride on it. */
export class Session implements ForwardContext {
  readonly events = new Emitter<TunnelEvent>();
  state: SessionState = 'idle';
  hostKeyTrust: HostKeyTrust | undefined;
  /** Why the session failed or was closed by the other side, in words. */
  failure: string | undefined;
  private client: Client | undefined;
  /** The channel links of the connection in use (made when it is ready). */
  private links: ChannelLinks | undefined;
  private readonly forwardList = new Map<string, Forward>();
  private readonly remoteRoutes = new Map<string, RemoteConnectionHandler>();
  /** Server-side unix-socket listeners (-R /path:...), by path. */
  private readonly remoteUnixRoutes = new Map<string, RemoteUnixConnectionHandler>();
  private forwardSequence = 0;
  private closing = false;
  /** Set while a command that asked for X11 runs. */
  private x11Handler: ((channel: ClientChannel) => void) | undefined;
  /** Why an established connection ended, for session-closed. */
  private lastError: string | undefined;
  /** How many times the session came back after a drop. */
  reconnects = 0;
  /** While reconnecting: when the next attempt starts (epoch ms), for a countdown. */
  nextAttemptAt: number | undefined;
  private reconnectAttempt = 0;
  private retrySchedule: RetrySchedule | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** The host key accepted at the first connection: a reconnect must see the same one. */
  private acceptedHostKey: Buffer | undefined;
  /** The jump host's session, kept across reconnects (its accepted host key with it). */
  private jumpSession: Session | undefined;

  constructor(
    readonly config: SessionConfig,
    private readonly prompter: Prompter | undefined,
  ) {
    // The forwards' counters each second while a connection is open (forward-traffic), for the rates.
    sampleTraffic(this.events, () => this.forwardList.values());
  }

  get displayName(): string {
    const via = routeOf(this.config);
    return `${this.config.user}@${knownHostName(this.config.host, this.config.port).replace(/^\[(.*)\]:(\d+)$/, '$1:$2')}${via ? ` via ${via}` : ''}`;
  }

  /** `via` for the session events, when the connection is not direct. */
  private route(): {via?: string} {
    const via = routeOf(this.config);
    return via ? {via} : {};
  }

  forwards(): Forward[] {
    return [...this.forwardList.values()];
  }

  /** Says something is off that does not stop the session (a warning event). */
  warn(message: string): void {
    this.events.emit({event: 'warning', message});
  }

  /** SSH channels open on the connection now (ssh2's own count): what a leak would show in. */
  openChannelCount(): number {
    const client = this.client as unknown as {_chanMgr?: ChannelManagerInternals} | undefined;
    return client?._chanMgr?._count ?? 0;
  }

  /** Connects and authenticates; rejects with a SessionError whose message says what to do. */
  async connect(): Promise<void> {
    const {config} = this;
    this.state = 'connecting';
    this.events.emit({
      event: 'session-connecting',
      host: config.host,
      port: config.port,
      user: config.user,
      ...this.route(),
    });
    try {
      const method = await this.handshake(false);
      this.state = 'connected';
      this.events.emit({
        event: 'session-connected',
        host: config.host,
        port: config.port,
        user: config.user,
        ...this.route(),
        authMethod: method,
      });
    } catch (error) {
      const failure =
        error instanceof SessionError ? error : new SessionError((error as Error).message, 'protocol');
      this.state = 'failed';
      this.failure = failure.message;
      this.client?.destroy();
      this.client = undefined;
      this.events.emit({event: 'session-failed', reason: failure.message, level: failure.level});
      throw failure;
    }
  }

  /** `reconnecting`: nobody is asked anything (a prompt would stall the loop), and the host key must be
   * the one accepted before. */
  private async handshake(reconnecting: boolean): Promise<string> {
    const {config} = this;
    // A known_hosts that cannot be read (a device, a pipe, far too big) is refused, and retrying will not help.
    const entries = await loadKnownHosts(
      [...config.knownHostsFiles, ...config.globalKnownHostsFiles],
      hostKeyNames(config.host, config.port, config.hostKeyAlias),
    ).catch((error: Error) => {
      throw new SessionError(error.message, 'config');
    });
    const transport = await this.openTransport(reconnecting);
    // ssh2 takes a socket's end for its close, which a channel or a pipe does not follow by itself: the
    // connection would hang open after the server behind the jump host or the ProxyCommand went away.
    transport?.sock.once('end', () => transport.sock.destroy());
    const client = new ssh2.Client();
    this.client = client;
    // The hops and the ProxyCommand live as long as this connection, whichever way it ends.
    if (transport) client.once('close', () => transport.close());
    // BatchMode: nobody is asked anything, whatever the caller could ask with.
    const prompter = config.batchMode || reconnecting ? undefined : this.prompter;
    const authenticator = new Authenticator({
      user: config.user,
      // As ssh: the HostKeyAlias when there is one, else the host connected to (a jump host's own).
      displayName: `${config.user}@${config.hostKeyAlias ?? config.host}`,
      identityFiles: config.identityFiles,
      agentSocket: config.agentSocket,
      identitiesOnly: config.identitiesOnly ?? false,
      pubkeyAuthentication: config.pubkeyAuthentication ?? true,
      passwordAuthentication: config.passwordAuthentication,
      kbdInteractiveAuthentication: config.kbdInteractiveAuthentication,
      numberOfPasswordPrompts: config.numberOfPasswordPrompts,
      prompter,
    });

    const sock =
      transport?.sock ??
      connectSshSocket(config.host, config.port, {
        family: config.addressFamily,
        localAddress: config.bindAddress,
      });
    // What the server says first: a port that answers but is not SSH is named as such.
    const greeting = watchGreeting(sock);
    client.once('close', () => greeting.stop());

    return new Promise<string>((resolve, reject) => {
      let settled = false;
      let established = false;
      /** The connection was made (ssh2's 'connect'): a failure from here on may be a server that is not SSH. */
      let reached = false;
      let hostKeyRefusal: string | undefined;
      const where = `${config.host}:${config.port}`;
      /** Said instead of the library's words when what the server sent shows it is not an SSH server. */
      const notSsh = (ended: 'closed' | 'timeout'): SessionError | undefined => {
        if (!reached || hostKeyRefusal) return undefined;
        const message = notSshMessage(where, greeting.received(), ended);
        return message ? new SessionError(message, 'protocol') : undefined;
      };
      const fail = (error: SessionError) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        transport?.close();
        reject(error);
      };
      // The transport's own account (a ProxyCommand that exited) says more than the broken pipe it left.
      const transportFailure = async (fallback: SessionError) => {
        // A server that answered in another protocol is the cause, whatever its ProxyCommand did after.
        if (greeting.received().length > 0 && notSsh('closed')) {
          fail(fallback);
          return;
        }
        const ended = await transport?.ended();
        // What the server said may have been read while the transport's end was waited for.
        const answered = greeting.received().length > 0 ? notSsh('closed') : undefined;
        fail(
          answered ??
            (ended
              ? new SessionError(`${ended}, before the SSH handshake with ${where}`, 'connect')
              : fallback),
        );
      };
      // Our own timer: ssh2's readyTimeout would also run while a person types a password.
      const connectTimer = setTimeout(() => {
        fail(
          notSsh('timeout') ??
            new SessionError(
              `timed out after ${config.connectTimeoutMs / 1000} s connecting to ${where} (no answer to the SSH handshake); check the host and port, or raise ConnectTimeout`,
              'timeout',
            ),
        );
        client.destroy();
      }, config.connectTimeoutMs);
      client.once('connect', () => {
        reached = true;
      });

      client.on('ready', () => {
        if (settled) return;
        settled = true;
        established = true;
        greeting.stop();
        // Each forwarded connection is a few small packets (open, confirm, EOF, close): with Nagle on, one
        // of them waits for the server's delayed ACK, 40 ms a connection. Bulk data is unaffected.
        client.setNoDelay(true);
        const links = new ChannelLinks(client);
        this.links = links;
        acknowledgeSmallReads(client, links);
        const watch = new WakeWatch((pausedMs) => this.checkAfterWake(client, pausedMs));
        client.once('close', () => watch.stop());
        authenticator.succeeded();
        resolve(authenticator.method ?? 'none');
      });
      client.on('error', (error: Error & {level?: string; code?: string}) => {
        if (error.level === 'agent') return; // ssh2 goes on to the next method by itself
        if (!settled) {
          const failure =
            (error.level === 'client-authentication' ? undefined : notSsh('closed')) ??
            this.connectError(error, hostKeyRefusal, authenticator);
          if (transport && !hostKeyRefusal && error.level !== 'client-authentication')
            void transportFailure(failure);
          else fail(failure);
          return;
        }
        if (established && client === this.client)
          this.lastError = error.level === 'client-timeout' ? this.keepaliveMessage() : droppedMessage(error);
      });
      client.on('close', () => {
        if (!settled) {
          const failure =
            notSsh('closed') ??
            new SessionError(`the server at ${where} closed the connection during the handshake`, 'connect');
          if (transport) void transportFailure(failure);
          else fail(failure);
          return;
        }
        // Only the connection in use ends the session: a failed attempt's late close does not.
        if (established && client === this.client) this.onClosed();
      });
      client.on('x11', (_details, accept, reject) => {
        if (this.x11Handler && !this.channelRefusal()) this.x11Handler(accept());
        else reject();
      });
      client.on('tcp connection', (details, accept, reject) => {
        const route =
          this.remoteRoutes.get(`${details.destIP}:${details.destPort}`) ??
          [...this.remoteRoutes.entries()].find(([key]) => key.endsWith(`:${details.destPort}`))?.[1];
        if (route) route(details, accept, reject);
        else reject();
      });
      client.on('unix connection', (details, accept, reject) => {
        const route = this.remoteUnixRoutes.get(details.socketPath);
        // ssh2 types the channel as its base Channel; it is the same ClientChannel as a tcp connection's.
        if (route) route(details, accept as () => ClientChannel, reject);
        else reject();
      });

      const connectConfig: ConnectConfig = {
        host: config.host,
        port: config.port,
        sock,
        username: config.user,
        readyTimeout: 0,
        keepaliveInterval: config.serverAliveIntervalMs,
        // Like ssh: the connection is dead after CountMax unanswered keepalives plus one more interval.
        keepaliveCountMax: config.serverAliveCountMax,
        authHandler: authenticator.handler,
        hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
          clearTimeout(connectTimer);
          // The key accepted before, again: a re-key of this connection (every GiB or so), or a reconnect.
          const accepted = this.acceptedHostKey;
          if (accepted?.equals(key)) {
            verify(true);
            return;
          }
          verifyHostKey(key, config.host, config.port, entries, config, prompter)
            .then((outcome) => {
              if (!outcome.ok) {
                hostKeyRefusal = outcome.reason;
                verify(false);
                return;
              }
              if (accepted) {
                // Whatever known_hosts allows, a key that changed under a live session is not taken.
                hostKeyRefusal = `the server's host key changed since this session connected (was ${fingerprintSha256(accepted)}, now ${fingerprintSha256(key)}); if the change is expected, connect again by hand`;
                verify(false);
                return;
              }
              this.acceptedHostKey = key;
              this.hostKeyTrust = outcome.trust;
              if (outcome.added) {
                this.events.emit({
                  event: 'host-key-added',
                  host: hostKeyName(config.host, config.port, config.hostKeyAlias),
                  file: outcome.added.file,
                  fingerprint: outcome.added.fingerprint,
                });
              }
              verify(true);
            })
            .catch((error: Error) => {
              hostKeyRefusal = `host key not accepted: ${error.message}`;
              verify(false);
            });
        },
        algorithms: this.algorithms(entries),
        // ssh2 forwards only to an agent named here, for a command that asks (exec's agentForward). Its
        // connect-time agentForward would forward to every command, whatever the command asked: not set.
        ...(config.forwardAgent && (config.forwardAgentSocket ?? config.agentSocket)
          ? {agent: forwardingAgent((config.forwardAgentSocket ?? config.agentSocket)!)}
          : {}),
      };
      try {
        client.connect(connectConfig);
      } catch (error) {
        fail(new SessionError((error as Error).message, 'config'));
      }
    });
  }

  /**
   * The jump host's connection and a direct-tcpip channel from it to this host, or the ProxyCommand's
   * process; undefined for a plain TCP connection. A jump host's failure is named after the hop.
   */
  private async openTransport(reconnecting: boolean): Promise<Transport | undefined> {
    const {config} = this;
    if (config.jumpHost) {
      const hopConfig = config.jumpHost;
      if (!this.jumpSession) {
        this.jumpSession = new Session({...hopConfig, reconnect: false}, this.prompter);
        this.jumpSession.events.on((event) => {
          if (event.event === 'host-key-added' || event.event === 'warning') this.events.emit(event);
        });
      }
      const hop = this.jumpSession;
      const name = `the jump host ${hopName(hopConfig)}`;
      try {
        await hop.openAsHop(reconnecting || config.batchMode);
      } catch (error) {
        const message = (error as Error).message;
        const level = error instanceof SessionError ? error.level : 'protocol';
        throw new SessionError(message.startsWith('the jump host ') ? message : `${name}: ${message}`, level);
      }
      let channel: ClientChannel;
      let timer: NodeJS.Timeout | undefined;
      try {
        // The bastion's own connect may wait minutes on a host that drops packets: ConnectTimeout bounds it.
        channel = await Promise.race([
          hop.openDirect(config.host, config.port),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new SessionError(
                    `${name}: no channel to ${config.host}:${config.port} after ${config.connectTimeoutMs / 1000} s; check the host and port, or raise ConnectTimeout`,
                    'timeout',
                  ),
                ),
              config.connectTimeoutMs,
            );
          }),
        ]);
      } catch (error) {
        void hop.close();
        if (error instanceof SessionError) throw error;
        throw new SessionError(`${name}: ${(error as Error).message}`, 'connect');
      } finally {
        clearTimeout(timer);
      }
      return {
        sock: channel,
        close: () => {
          channel.destroy();
          void hop.close();
        },
        ended: async () => (hop.state === 'connected' ? undefined : `${name} closed`),
      };
    }
    if (config.proxyCommand) return this.runProxyCommand(config.proxyCommand);
    return undefined;
  }

  /** The ProxyCommand as ssh runs it (`exec` in /bin/sh -c); its stderr lines become warnings. */
  private runProxyCommand(command: string): Transport {
    const child = spawn('/bin/sh', ['-c', `exec ${command}`], {stdio: ['pipe', 'pipe', 'pipe']});
    let exit: string | undefined;
    child.on('error', (error) => {
      exit = `the ProxyCommand (${command}) could not start: ${error.message}`;
    });
    const exited = new Promise<void>((resolve) => {
      child.once('error', () => resolve());
      child.once('exit', (code, signal) => {
        exit = `the ProxyCommand (${command}) exited ${signal ? `on ${signal}` : `with status ${code}`}`;
        resolve();
      });
    });
    readline.createInterface({input: child.stderr}).on('line', (line) => {
      this.events.emit({event: 'warning', message: `ProxyCommand: ${line}`});
    });
    // A child that exits before reading everything: its stdin's EPIPE ends the connection, not the process.
    child.stdin.on('error', () => {});
    const sock = Duplex.from({readable: child.stdout, writable: child.stdin});
    return {
      sock,
      close: () => {
        sock.destroy();
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(child.pid, 'SIGTERM');
          } catch {
            // Gone already.
          }
        }
      },
      ended: async () => {
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        return exit;
      },
    };
  }

  /** Connects this session as a jump host: no events of its own to the user, no reconnect of its own. */
  async openAsHop(reconnecting: boolean): Promise<void> {
    this.closing = false;
    this.state = 'connecting';
    try {
      await this.handshake(reconnecting);
      this.state = 'connected';
    } catch (error) {
      this.state = 'failed';
      this.client?.destroy();
      this.client = undefined;
      throw error;
    }
  }

  /** A direct-tcpip channel to host:port from the server (what a jump host gives the next hop). */
  openDirect(host: string, port: number): Promise<ClientChannel> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('the connection is closed'));
    return new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => {
        if (error) reject(channelOpenError(error, host, port));
        else resolve(channel);
      });
    });
  }

  private algorithms(entries: KnownHostEntry[]): ConnectConfig['algorithms'] {
    const preferred = preferredHostKeyAlgorithms(
      entries,
      this.config.host,
      this.config.port,
      this.config.hostKeyAlias,
    );
    const algorithms: NonNullable<ConnectConfig['algorithms']> = {};
    if (preferred.length > 0) {
      // remove, then prepend: moves the known types to the front of ssh2's default order.
      algorithms.serverHostKey = {remove: preferred, prepend: preferred} as never;
    }
    if (this.config.ciphers) algorithms.cipher = this.config.ciphers as never;
    return algorithms;
  }

  private connectError(
    error: Error & {level?: string; code?: string},
    hostKeyRefusal: string | undefined,
    authenticator: Authenticator,
  ): SessionError {
    const where = `${this.config.host}:${this.config.port}`;
    if (hostKeyRefusal)
      return new SessionError(`host key verification failed: ${hostKeyRefusal}`, 'host-key');
    switch (error.level) {
      case 'client-authentication':
        return new SessionError(authenticator.failureMessage(), 'authentication');
      case 'client-timeout':
        return new SessionError(`timed out connecting to ${where}`, 'timeout');
      case 'client-socket':
        return new SessionError(socketErrorMessage(error, this.config.host, this.config.port), 'connect');
      case 'handshake':
        return new SessionError(
          `the SSH handshake with ${where} failed: ${error.message}${/algorithm|cipher/i.test(error.message) ? ' (check -c / -o Ciphers=)' : ''}`,
          'protocol',
        );
      default:
        return new SessionError(`the connection to ${where} failed: ${error.message}`, 'protocol');
    }
  }

  /**
   * After a sleep or a freeze the connection may be dead while its socket looks alive (the network
   * changed, the server went away): a keepalive goes at once, and a connection that does not answer it in
   * time is taken as dropped (and reconnects) instead of waiting out ServerAlive*, or forever without it.
   */
  private checkAfterWake(client: Client, pausedMs: number): void {
    if (client !== this.client || this.state !== 'connected') return;
    const internals = client as unknown as {_callbacks?: Array<() => void>; _protocol?: {ping(): void}};
    if (!internals._callbacks || !internals._protocol) return;
    let answered = false;
    // ssh2 answers global requests in order from this list, as it does for its own keepalives.
    internals._callbacks.push(() => {
      answered = true;
    });
    internals._protocol.ping();
    setTimeout(() => {
      if (answered || client !== this.client) return;
      this.lastError = `the connection did not answer after this machine was paused or asleep for ${Math.round(pausedMs / 1000)} s`;
      client.destroy();
    }, WAKE_PROBE_TIMEOUT_MS).unref();
  }

  private keepaliveMessage(): string {
    const {serverAliveIntervalMs, serverAliveCountMax} = this.config;
    return `the server stopped answering (${serverAliveCountMax} keepalives unanswered, every ${serverAliveIntervalMs / 1000} s)`;
  }

  private onClosed(): void {
    const wasClosing = this.closing;
    const reason = this.lastError ?? 'the server closed the connection';
    this.lastError = undefined;
    this.remoteRoutes.clear();
    this.remoteUnixRoutes.clear();
    this.client = undefined;
    if (!wasClosing && this.config.reconnect) {
      this.scheduleReconnect(reason);
      // Local listeners stay bound (new clients are refused cleanly meanwhile); remote ones wait.
      for (const forward of this.forwardList.values()) forward.sessionLost();
      return;
    }
    this.state = 'closed';
    if (!wasClosing) this.failure = reason;
    for (const forward of this.forwardList.values()) void forward.close();
    this.events.emit({event: 'session-closed', ...(wasClosing ? {} : {reason})});
  }

  /** Waits (exponential backoff with jitter), then tries again. */
  private scheduleReconnect(reason: string): void {
    this.state = 'reconnecting';
    this.failure = reason;
    const attempt = ++this.reconnectAttempt;
    this.retrySchedule ??= new RetrySchedule(this.config.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS);
    const delayMs = this.retrySchedule.next();
    this.nextAttemptAt = Date.now() + delayMs;
    this.events.emit({event: 'session-reconnecting', attempt, delayMs, reason});
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delayMs);
  }

  private async reconnect(): Promise<void> {
    this.reconnectTimer = undefined;
    this.nextAttemptAt = undefined;
    if (this.closing) return;
    const {config} = this;
    this.events.emit({
      event: 'session-connecting',
      host: config.host,
      port: config.port,
      user: config.user,
      ...this.route(),
    });
    let method: string;
    try {
      method = await this.handshake(true);
    } catch (error) {
      this.client?.destroy();
      this.client = undefined;
      if (this.closing) return;
      const failure =
        error instanceof SessionError ? error : new SessionError((error as Error).message, 'protocol');
      if (FINAL_FAILURES.has(failure.level)) await this.stopReconnecting(failure);
      else this.scheduleReconnect(failure.message);
      return;
    }
    if (this.closing) return;
    this.state = 'connected';
    this.failure = undefined;
    this.reconnectAttempt = 0;
    this.retrySchedule?.reset();
    this.reconnects++;
    this.events.emit({
      event: 'session-connected',
      host: config.host,
      port: config.port,
      user: config.user,
      ...this.route(),
      authMethod: method,
      reconnects: this.reconnects,
    });
    for (const forward of this.forwardList.values()) forward.sessionRestored();
  }

  private async stopReconnecting(failure: SessionError): Promise<void> {
    this.state = 'failed';
    this.failure = `stopped reconnecting: ${failure.message}`;
    await Promise.all([...this.forwardList.values()].map((forward) => forward.close()));
    this.events.emit({event: 'session-failed', reason: this.failure, level: failure.level});
  }

  /** Adds a forward to the connected session and starts it; a forward that fails stays, in state failed. */
  async addForward(spec: ForwardSpec): Promise<Forward> {
    const id = `${FORWARD_LETTER[spec.kind]}${++this.forwardSequence}`;
    let forward: Forward;
    switch (spec.kind) {
      case 'local':
        forward = new LocalForward(id, spec, this);
        break;
      case 'remote':
        forward = new RemoteForward(id, spec, this);
        break;
      case 'dynamic':
        forward = new DynamicForward(id, spec, this);
        break;
      case 'ftp':
        forward = new FtpForward(id, spec, this);
        break;
      case 'local-unix':
        forward = new LocalUnixForward(id, spec, this, {
          mask: this.config.streamLocalBindMask,
          unlink: this.config.streamLocalBindUnlink,
        });
        break;
      case 'remote-unix':
        forward = new RemoteForward(id, spec, this);
        break;
      case 'remote-dynamic':
        forward = new RemoteDynamicForward(id, spec, this, this.config.permitRemoteOpen);
        break;
    }
    this.forwardList.set(id, forward);
    const display = formatForwardSpec(spec);
    this.events.emit({event: 'forward-added', forwardId: id, kind: spec.kind, spec: forward.label, display});
    await forward.start();
    return forward;
  }

  async removeForward(id: string): Promise<void> {
    const forward = this.forwardList.get(id);
    if (!forward) return;
    this.forwardList.delete(id);
    await forward.close();
    this.events.emit({event: 'forward-removed', forwardId: id, kind: forward.kind, spec: forward.label});
  }

  /** Closes every forward (cancelling remote ones on the server), then the connection. */
  async close(): Promise<void> {
    this.closing = true;
    const wasReconnecting = this.state === 'reconnecting';
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.nextAttemptAt = undefined;
    await Promise.all([...this.forwardList.values()].map((forward) => forward.close()));
    const client = this.client;
    // A jump host still connecting (a prompt for its password, say) is given up with the session.
    if (this.jumpSession && this.jumpSession.state === 'connecting') await this.jumpSession.close();
    if (client) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          client.destroy();
          resolve();
        }, 2000);
        client.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        client.end();
      });
    }
    // An established connection says session-closed itself (onClosed); between attempts (or during
    // one, whose client never got that far) there is none to say it.
    if (wasReconnecting) {
      this.state = 'closed';
      this.events.emit({event: 'session-closed'});
    } else if (!client && this.state !== 'failed') {
      this.state = 'closed';
    }
  }

  /**
   * Starts a remote command, with X11 and agent forwarding only as `options` asks; resolves with its
   * channel and a reader of its exit status (as ssh reports it: 255 when the command died of a signal;
   * undefined until the server has said).
   */
  exec(
    command: string,
    options: ExecOptions,
  ): Promise<{channel: ClientChannel; exitStatus: () => number | undefined}> {
    return new Promise((resolve, reject) => {
      const client = this.client;
      if (!client || this.state !== 'connected') {
        reject(new Error('the session is not connected'));
        return;
      }
      this.x11Handler = options.x11 ? options.onX11 : undefined;
      client.exec(
        command,
        {
          ...(options.x11
            ? {
                x11: {
                  single: false,
                  protocol: 'MIT-MAGIC-COOKIE-1',
                  cookie: options.x11.cookie,
                  screen: options.x11.screen,
                },
              }
            : {}),
          ...(options.agentForward && this.config.forwardAgent ? {agentForward: true} : {}),
        },
        (error, channel) => {
          if (error) reject(new Error(`the server would not run the command: ${error.message}`));
          else {
            channel.on('close', () => {
              this.x11Handler = undefined;
            });
            // Listened for here, not by whoever awaits this: a quick command's exit status often comes in
            // the same read as the server's yes to running it, and is emitted before the await resumes.
            let status: number | undefined;
            channel.on('exit', (code: number | null, signal?: string) => {
              status = code ?? (signal ? 255 : 0);
            });
            resolve({channel, exitStatus: () => status});
          }
        },
      );
    });
  }

  // ForwardContext: the one place forwards reach ssh2.

  openLink(source: {address: string; port: number}, host: string, port: number): Promise<ChannelLink> {
    // Taken over in ssh2's callback, before ssh2 has read anything more for the channel.
    return this.openChannelThen(source, host, port, (channel) => this.adoptChannel(channel));
  }

  adoptChannel(channel: ClientChannel): ChannelLink {
    const links = this.links;
    if (!links) throw new Error(this.notConnectedMessage());
    return links.adopt(channel);
  }

  openChannel(source: {address: string; port: number}, host: string, port: number): Promise<ClientChannel> {
    return this.openChannelThen(source, host, port, (channel) => channel);
  }

  private openChannelThen<T>(
    source: {address: string; port: number},
    host: string,
    port: number,
    take: (channel: ClientChannel) => T,
  ): Promise<T> {
    return this.openWith(
      (client, done) => client.forwardOut(source.address, source.port, host, port, done),
      (error) => channelOpenError(error, host, port),
      take,
    );
  }

  /**
   * Opens a channel the way `open` asks ssh2 to, once the session is up and the server has channels to
   * spare; `take` runs in ssh2's callback, before ssh2 has read anything more for the channel.
   */
  private openWith<T>(
    open: (client: Client, done: (error: Error | undefined, channel: ClientChannel) => void) => void,
    describe: (error: Error) => Error,
    take: (channel: ClientChannel) => T,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const client = this.client;
      if (!client || this.state !== 'connected') {
        reject(new Error(this.notConnectedMessage()));
        return;
      }
      const refusal = this.channelRefusal();
      if (refusal) {
        reject(new Error(refusal));
        return;
      }
      try {
        open(client, (error, channel) => {
          if (error) reject(describe(error));
          else resolve(take(channel));
        });
      } catch (error) {
        reject(new Error(`the session is not connected (${(error as Error).message})`));
      }
    });
  }

  requestRemoteForward(bindAddress: string, port: number, handler: RemoteConnectionHandler): Promise<number> {
    return new Promise((resolve, reject) => {
      const client = this.client;
      if (!client || this.state !== 'connected') {
        reject(new Error(this.notConnectedMessage()));
        return;
      }
      const where = `${bindAddress === '' ? '*' : bindAddress}:${port}`;
      client.forwardIn(bindAddress, port, (error, boundPort) => {
        if (error) {
          reject(
            new Error(
              `the server refused to listen on ${where}` +
                (port !== 0 && port < 1024
                  ? ' (ports below 1024 on the server need a root login)'
                  : ' (the port may be in use on the server, or its AllowTcpForwarding/PermitListen forbids it)'),
            ),
          );
          return;
        }
        this.remoteRoutes.set(`${bindAddress}:${boundPort}`, handler);
        resolve(boundPort);
      });
    });
  }

  openStreamLocalLink(path: string): Promise<ChannelLink> {
    return this.openWith(
      (client, done) => client.openssh_forwardOutStreamLocal(path, done),
      (error) => streamLocalOpenError(error, path),
      (channel) => this.adoptChannel(channel),
    );
  }

  requestRemoteStreamLocal(path: string, handler: RemoteUnixConnectionHandler): Promise<void> {
    return new Promise((resolve, reject) => {
      const client = this.client;
      if (!client || this.state !== 'connected') {
        reject(new Error(this.notConnectedMessage()));
        return;
      }
      // Routed before the answer: a client of the new socket may connect as soon as the server has it.
      this.remoteUnixRoutes.set(path, handler);
      try {
        client.openssh_forwardInStreamLocal(path, (error) => {
          if (!error) {
            resolve();
            return;
          }
          if (this.remoteUnixRoutes.get(path) === handler) this.remoteUnixRoutes.delete(path);
          reject(
            new Error(
              /strictVendor/.test(error.message)
                ? `the server cannot listen on ${path}: unix-socket forwarding is an OpenSSH extension, and the server is not OpenSSH`
                : `the server refused to listen on ${path}: the file may exist there already (sshd removes a stale one only with StreamLocalBindUnlink yes in its sshd_config; remove it), its directory may not be writable, or the server's AllowStreamLocalForwarding forbids it`,
            ),
          );
        });
      } catch (error) {
        this.remoteUnixRoutes.delete(path);
        reject(new Error(`the session is not connected (${(error as Error).message})`));
      }
    });
  }

  cancelRemoteStreamLocal(path: string): Promise<void> {
    this.remoteUnixRoutes.delete(path);
    return new Promise((resolve) => {
      const client = this.client;
      if (!client || this.state !== 'connected') {
        resolve();
        return;
      }
      try {
        client.openssh_unforwardInStreamLocal(path, () => resolve());
      } catch {
        resolve();
      }
    });
  }

  /** Channels the server holds for this connection now: ssh2's open channels and the -R listeners. */
  channelsInUse(): number {
    return this.openChannelCount() + this.remoteRoutes.size + this.remoteUnixRoutes.size;
  }

  channelRefusal(): string | undefined {
    const inUse = this.channelsInUse();
    if (inUse < CHANNEL_CAP) return undefined;
    return `refused: ${inUse} SSH channels are open on this connection, near the server's limit (OpenSSH's sshd drops the whole connection past ${SERVER_CHANNEL_LIMIT}); close some connections, or spread them over another session`;
  }

  private notConnectedMessage(): string {
    return this.state === 'reconnecting'
      ? 'the session is reconnecting; try again in a moment'
      : 'the session is not connected';
  }

  cancelRemoteForward(bindAddress: string, port: number): Promise<void> {
    this.remoteRoutes.delete(`${bindAddress}:${port}`);
    return new Promise((resolve) => {
      const client = this.client;
      if (!client || this.state !== 'connected') {
        resolve();
        return;
      }
      try {
        client.unforwardIn(bindAddress, port, () => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/** A read from the server this small may end with a small packet that sshd's Nagle is waiting to see ACKed. */
const SMALL_READ_BYTES = 4096;

/**
 * Makes sure the server's small packets are ACKed at once. sshd leaves Nagle on for forwarding, so after
 * a small packet (a channel's open confirmation, a reply on one connection) it holds its next small one
 * (a server's greeting right behind the confirmation, FTP's data behind its 150, another connection's
 * answer) until that is ACKed, and our delayed ACK takes 40 ms: on every such exchange, and OpenSSH's own
 * client stalls the same way. Any packet of ours carries the ACK, so after a small read a zero
 * WINDOW_ADJUST goes only if nothing was sent since the latest one two loop turns later (by then a client
 * that answers at once, or had already written, has had its packet sent). A timer instead (1 ms) sent
 * fewer of these packets but cost ~10% more CPU per short connection in wake-ups. Bulk data comes in
 * large reads and is ACKed by TCP itself every other segment.
 */
function acknowledgeSmallReads(client: Client, links: ChannelLinks): void {
  const internals = client as unknown as {
    _sock?: net.Socket;
    _protocol?: {channelWindowAdjust(id: number, amount: number): void};
    _chanMgr?: ChannelManagerInternals;
  };
  const socket = internals._sock;
  // Over a jump host or a ProxyCommand there is no TCP socket of ours to ACK on.
  if (!socket || typeof socket.bytesWritten !== 'number') return;
  let waiting = false;
  // What we had written when the latest small read came: if it is still all, nothing carried its ACK.
  let writtenAtRead = 0;
  socket.on('data', (chunk: Buffer) => {
    if (chunk.length > SMALL_READ_BYTES) return;
    writtenAtRead = socket.bytesWritten;
    if (waiting) return;
    waiting = true;
    setImmediate(() => setImmediate(afterTwoTurns));
  });
  const afterTwoTurns = () => {
    waiting = false;
    if (socket.bytesWritten !== writtenAtRead || socket.destroyed) return;
    // Any open channel will do: the ACK is for the connection, not for a channel.
    const id = links.anyOpenRemoteId() ?? (internals._chanMgr && openChannelId(internals._chanMgr));
    if (id !== undefined) internals._protocol?.channelWindowAdjust(id, 0);
  };
}

/** ssh2's table of channels: its own channel objects, and `true` for ids that links hold. */
interface ChannelManagerInternals {
  _channels: Record<number, {outgoing?: {id?: number; state?: string}} | true>;
  _count: number;
}

/**
 * The server's id of an open channel that ssh2 itself carries (a remote command, an FTP control
 * connection). Asked only when no link is open; the table then holds ssh2's own channels and links
 * waiting for the server's CLOSE, so the walk is short.
 */
function openChannelId(manager: ChannelManagerInternals): number | undefined {
  for (const key in manager._channels) {
    const entry = manager._channels[key as unknown as number];
    const outgoing = typeof entry === 'object' ? entry.outgoing : undefined;
    if (outgoing?.state === 'open') return outgoing.id;
  }
  return undefined;
}

/** Why an established connection ended, from its socket error. */
function droppedMessage(error: Error & {code?: string}): string {
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was reset (the server or the network went away)';
    case 'ETIMEDOUT':
      return 'the connection timed out (the network went away)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return 'the network to the server went away';
    default:
      return error.message;
  }
}

function socketErrorMessage(error: Error & {code?: string}, host: string, port: number): string {
  const where = `${host}:${port}`;
  switch (error.code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${where}: connection refused (is sshd running there, and is the port right? use -p to change it)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host name ${host}: check the spelling, or its HostName in ~/.ssh/config`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach ${host}: no route to the host (check the network)`;
    case 'ETIMEDOUT':
      return `timed out connecting to ${where}`;
    case 'ECONNRESET':
      return `the connection to ${where} was reset during the handshake`;
    default:
      return `cannot connect to ${where}: ${error.message}`;
  }
}

/**
 * The agent at `socketPath`, for ssh2. ssh2 joins a forwarded agent channel to a socket of the agent's
 * with pipe() both ways, which passes the socket's EOF on but not its errors: an agent that drops a
 * connection with input unread (ECONNRESET) or that is written to after it closed (EPIPE) left the channel
 * open, and sshd the server-side client's socket, for the rest of the session. The channel now closes
 * with the socket, however it closes, and the socket with the channel.
 */
function forwardingAgent(socketPath: string) {
  const agent = new ssh2.OpenSSHAgent(socketPath);
  type Callback = (error: Error | undefined, stream?: net.Socket) => void;
  const getStream = (agent as unknown as {getStream(cb: Callback): void}).getStream.bind(agent);
  (agent as unknown as {getStream(cb: Callback): void}).getStream = (cb: Callback) =>
    getStream((error, stream) => {
      if (error || !stream) {
        cb(error, stream);
        return;
      }
      const pipe = stream.pipe.bind(stream);
      stream.pipe = <T extends NodeJS.WritableStream>(destination: T, options?: {end?: boolean}) => {
        // Forwarding pipes into the channel (an ssh2 Channel has `outgoing`); authentication, into
        // ssh2's agent protocol, which ends the stream itself.
        if ('outgoing' in destination) {
          stream.once('close', () => (destination as unknown as {destroy(): void}).destroy());
          // And the other way: a stream paused by a channel that stopped taking data would never read
          // the agent's EOF, and stay open.
          (destination as unknown as NodeJS.EventEmitter).once('close', () => stream.destroy());
        }
        return pipe(destination, options);
      };
      cb(undefined, stream);
    });
  return agent;
}

/** A jump host as the user named it, and where it is: "bastion (10.0.0.1:22)". */
function hopName(config: SessionConfig): string {
  const where = `${config.host}:${config.port}`;
  return config.name && config.name !== config.host ? `${config.name} (${where})` : where;
}
