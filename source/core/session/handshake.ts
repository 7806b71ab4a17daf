import type {Duplex} from 'node:stream';
import type {Client, ClientChannel, ConnectConfig} from 'ssh2';
import {Emitter} from '../emitter.js';
import type {TunnelEvent} from '../events.js';
import {ChannelLinks} from '../forwards/channel-links.js';
import type {Forward} from '../forwards/forward.js';
import type {RemoteConnectionHandler, RemoteUnixConnectionHandler} from '../forwards/forward-context.js';
import {Authenticator} from './auth.js';
import {forwardingAgent} from './forwarding-agent.js';
import {HandshakeAttempt} from './handshake-attempt.js';
import {type HostKeyTrust, preferredHostKeyAlgorithms, verifyHostKey} from './host-key-check.js';
import {fingerprintSha256, hostKeyName, hostKeyNames, type KnownHostEntry} from './known-hosts.js';
import {loadKnownHosts} from './known-hosts-file.js';
import {
  connectErrorMessage,
  DESTINATION_PORT_ADVICE,
  droppedMessage,
  JUMP_HOST_PORT_ADVICE,
  keepaliveMessage,
  SessionError,
} from './messages.js';
import type {Prompter} from './prompter.js';
import {routeOf} from './route.js';
import type {SessionConfig, SessionState} from './session-config.js';
import {watchGreeting} from './ssh-greeting.js';
import {connectSshSocket, reuseReadBuffer} from './ssh-socket.js';
import ssh2 from './ssh2.js';
import {acknowledgeSmallReads, clientSocket} from './ssh2-internals.js';
import {type JumpHost, openJumpTransport, runProxyCommand, type Transport} from './transport.js';
import {WakeWatch} from './wake-watch.js';

/** The jump host's own session: the hop, and the events of it that this session passes on. */
type JumpSession = JumpHost & {readonly events: Emitter<TunnelEvent>};

/**
 * The first layer of Session: its state, and the handshake of its one ssh2 connection at a time
 * (transport, host key, authentication) with the routing of the channels the server opens. Session is
 * built in layers, one concern a file: this, then reconnect.ts (coming back after a drop), channels.ts
 * (the channels and server listeners forwards use), then session.ts (forwards, commands, closing), so each
 * layer's methods read the same fields as before.
 */
export abstract class SessionHandshake {
  readonly events = new Emitter<TunnelEvent>();
  state: SessionState = 'idle';
  hostKeyTrust: HostKeyTrust | undefined;
  /** Why the session failed or was closed by the other side, in words. */
  failure: string | undefined;
  protected client: Client | undefined;
  /** The channel links of the connection in use (made when it is ready). */
  protected links: ChannelLinks | undefined;
  protected readonly forwardList = new Map<string, Forward>();
  protected readonly remoteRoutes = new Map<string, RemoteConnectionHandler>();
  /** Server-side unix-socket listeners (-R /path:...), by path. */
  protected readonly remoteUnixRoutes = new Map<string, RemoteUnixConnectionHandler>();
  protected closing = false;
  /** Set while a command that asked for X11 runs. */
  protected x11Handler: ((channel: ClientChannel) => void) | undefined;
  /** Why an established connection ended, for session-closed. */
  protected lastError: string | undefined;
  /** The host key accepted at the first connection: a reconnect must see the same one. */
  private acceptedHostKey: Buffer | undefined;
  /** The jump host's session, kept across reconnects (its accepted host key with it). */
  protected jumpSession: JumpSession | undefined;
  /** This session is a jump host of another (its port is set with -J, not -p). */
  protected servesAsHop = false;

  constructor(
    readonly config: SessionConfig,
    protected readonly prompter: Prompter | undefined,
  ) {}

  /** The established connection ended (not a failed attempt's). */
  protected abstract onClosed(): void;
  /** After this machine was paused or asleep for `pausedMs`. */
  protected abstract checkAfterWake(client: Client, pausedMs: number): void;
  /** Why no more channels may be opened now, or undefined. */
  abstract channelRefusal(): string | undefined;
  /** A session for the jump host in `config`, with no reconnect of its own. */
  protected abstract newJumpSession(config: SessionConfig): JumpSession;

  /** `via` for the session events, when the connection is not direct. */
  protected route(): {via?: string} {
    const via = routeOf(this.config);
    return via ? {via} : {};
  }

  /** Connected (again, when `reconnects` is given): the state, and the event that says so. */
  protected announceConnected(authMethod: string, reconnects?: number): void {
    const {host, port, user} = this.config;
    this.state = 'connected';
    this.events.emit({
      event: 'session-connected',
      host,
      port,
      user,
      ...this.route(),
      authMethod,
      ...(reconnects !== undefined ? {reconnects} : {}),
    });
  }

  /** `reconnecting`: nobody is asked anything (a prompt would stall the loop), and the host key must be
   * the one accepted before. */
  protected async handshake(reconnecting: boolean): Promise<string> {
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
      const attempt = new HandshakeAttempt(config, greeting, transport, reject, () => client.destroy());
      client.once('connect', () => {
        attempt.reached = true;
      });
      client.on('ready', () => {
        if (attempt.settled) return;
        attempt.settled = true;
        attempt.established = true;
        greeting.stop();
        this.connectionReady(client);
        authenticator.succeeded();
        resolve(authenticator.method ?? 'none');
      });
      this.watchFailures(client, attempt, transport, authenticator);
      this.routeServerChannels(client);
      try {
        client.connect(this.connectConfig(sock, entries, attempt, authenticator, prompter));
      } catch (error) {
        attempt.fail(new SessionError((error as Error).message, 'config'));
      }
    });
  }

  /** The handshake is done: the connection is set up for the forwards' traffic. */
  private connectionReady(client: Client): void {
    // Each forwarded connection is a few small packets (open, confirm, EOF, close): with Nagle on, one
    // of them waits for the server's delayed ACK, 40 ms a connection. Bulk data is unaffected.
    client.setNoDelay(true);
    const links = new ChannelLinks(client);
    this.links = links;
    const socket = clientSocket(client);
    if (socket) reuseReadBuffer(socket, (read) => links.readFree(read));
    acknowledgeSmallReads(client, () => links.anyOpenRemoteId());
    const watch = new WakeWatch((pausedMs) => this.checkAfterWake(client, pausedMs));
    client.once('close', () => watch.stop());
  }

  /** An error or a close fails the handshake under way, or ends the established connection. */
  private watchFailures(
    client: Client,
    attempt: HandshakeAttempt,
    transport: Transport | undefined,
    authenticator: Authenticator,
  ): void {
    client.on('error', (error: Error & {level?: string; code?: string}) => {
      if (error.level === 'agent') return; // ssh2 goes on to the next method by itself
      if (!attempt.settled) {
        const failure =
          (error.level === 'client-authentication' ? undefined : attempt.notSsh('closed')) ??
          this.connectError(error, attempt.hostKeyRefusal, authenticator);
        if (transport && !attempt.hostKeyRefusal && error.level !== 'client-authentication')
          void attempt.transportFailure(failure);
        else attempt.fail(failure);
        return;
      }
      if (attempt.established && client === this.client)
        this.lastError =
          error.level === 'client-timeout' ? this.keepaliveFailure(transport) : droppedMessage(error);
    });
    client.on('close', () => {
      if (!attempt.settled) {
        const failure =
          attempt.notSsh('closed') ??
          new SessionError(
            `the server at ${attempt.where} closed the connection during the handshake`,
            'connect',
          );
        if (transport) void attempt.transportFailure(failure);
        else attempt.fail(failure);
        return;
      }
      // Only the connection in use ends the session: a failed attempt's late close does not.
      if (attempt.established && client === this.client) {
        // A jump host whose own connection ended took this one with it: it is the one to name.
        const droppedHop = transport?.droppedHop?.();
        if (droppedHop) this.lastError = droppedHop;
        this.onClosed();
      }
    });
  }

  /** The keepalives went unanswered: by the server, or (through a jump host) by the jump host itself. */
  private keepaliveFailure(transport: Transport | undefined): string {
    const via = routeOf(this.config);
    const silentHop = transport?.silentHop?.();
    return keepaliveMessage(this.config, silentHop ?? `the server${via ? ` via ${via}` : ''}`);
  }

  /** Channels the server opens: X11 for the command that asked, remote-forward connections by listener. */
  private routeServerChannels(client: Client): void {
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
  }

  private connectConfig(
    sock: Duplex,
    entries: KnownHostEntry[],
    attempt: HandshakeAttempt,
    authenticator: Authenticator,
    prompter: Prompter | undefined,
  ): ConnectConfig {
    const {config} = this;
    return {
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
        attempt.stopTimer();
        // The key accepted before, again: a re-key of this connection (every GiB or so), or a reconnect.
        // Answered in the same turn: a re-key mid-transfer fails when ssh2 has to wait for the answer.
        if (this.acceptedHostKey?.equals(key)) {
          verify(true);
          return;
        }
        void this.checkHostKey(key, entries, prompter, attempt).then(verify);
      },
      algorithms: this.algorithms(entries),
      // ssh2 forwards only to an agent named here, for a command that asks (exec's agentForward). Its
      // connect-time agentForward would forward to every command, whatever the command asked: not set.
      ...(config.forwardAgent && (config.forwardAgentSocket ?? config.agentSocket)
        ? {agent: forwardingAgent((config.forwardAgentSocket ?? config.agentSocket)!)}
        : {}),
    };
  }

  /** Whether to take a host key not accepted before; a refusal's reason is kept on `attempt`. */
  private async checkHostKey(
    key: Buffer,
    entries: KnownHostEntry[],
    prompter: Prompter | undefined,
    attempt: HandshakeAttempt,
  ): Promise<boolean> {
    const {config} = this;
    const accepted = this.acceptedHostKey;
    try {
      const outcome = await verifyHostKey(key, config.host, config.port, entries, config, prompter);
      if (!outcome.ok) {
        attempt.hostKeyRefusal = outcome.reason;
        return false;
      }
      if (accepted) {
        // Whatever known_hosts allows, a key that changed under a live session is not taken.
        attempt.hostKeyRefusal = `the server's host key changed since this session connected (was ${fingerprintSha256(accepted)}, now ${fingerprintSha256(key)}); if the change is expected, connect again by hand`;
        return false;
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
      return true;
    } catch (error) {
      attempt.hostKeyRefusal = `host key not accepted: ${(error as Error).message}`;
      return false;
    }
  }

  /**
   * The jump host's connection and a direct-tcpip channel from it to this host, or the ProxyCommand's
   * process; undefined for a plain TCP connection.
   */
  private async openTransport(reconnecting: boolean): Promise<Transport | undefined> {
    const {config} = this;
    if (config.jumpHost) {
      if (!this.jumpSession) {
        this.jumpSession = this.newJumpSession({...config.jumpHost, reconnect: false});
        this.jumpSession.events.on((event) => {
          if (event.event === 'host-key-added' || event.event === 'warning') this.events.emit(event);
        });
      }
      return openJumpTransport(this.jumpSession, config.jumpHost, config, reconnecting);
    }
    if (config.proxyCommand)
      return runProxyCommand(config.proxyCommand, (message) => this.events.emit({event: 'warning', message}));
    return undefined;
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
    if (hostKeyRefusal)
      return new SessionError(`host key verification failed: ${hostKeyRefusal}`, 'host-key');
    return connectErrorMessage(
      error,
      this.config.host,
      this.config.port,
      () => authenticator.failureMessage(),
      this.servesAsHop ? JUMP_HOST_PORT_ADVICE : DESTINATION_PORT_ADVICE,
    );
  }
}
