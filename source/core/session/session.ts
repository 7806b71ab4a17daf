import type {ClientChannel} from 'ssh2';
import type {Forward} from '../forwards/forward.js';
import {channelOpenError, type ForwardContext} from '../forwards/forward-context.js';
import {createForward, forwardId} from '../forwards/registry.js';
import type {ForwardSpec} from '../protocols/forward-spec.js';
import {formatForwardSpec} from '../protocols/forward-spec-format.js';
import {SessionChannels} from './channels.js';
import {knownHostName} from './known-hosts.js';
import {SessionError} from './messages.js';
import type {Prompter} from './prompter.js';
import {routeOf} from './route.js';
import type {SessionConfig} from './session-config.js';
import {pingWithReply} from './ssh2-internals.js';
import {sampleTraffic} from './traffic-sampler.js';

export {SessionError} from './messages.js';
export type {SessionConfig, SessionState} from './session-config.js';

export interface ExecOptions {
  agentForward: boolean;
  x11?: {cookie: Buffer; screen: number};
  /** Receives the x11 channels of this command; any other x11 channel is refused. */
  onX11?: (channel: ClientChannel) => void;
}

/**
 * One ssh2 connection, its authentication and host-key check, and the forwards that ride on it. Built in
 * layers, one concern a file: handshake.ts (state, connecting), reconnect.ts (drops, coming back),
 * channels.ts (the channels and server listeners forwards use), and here what users of a session call:
 * forwards, remote commands, closing.
 */
export class Session extends SessionChannels implements ForwardContext {
  private forwardSequence = 0;

  constructor(config: SessionConfig, prompter: Prompter | undefined) {
    super(config, prompter);
    // The forwards' counters each second while a connection is open (forward-traffic), for the rates.
    sampleTraffic(this.events, () => this.forwardList.values());
  }

  /** The round trip to the server that windows are weighed against, once measured (ms). */
  get roundTripMs(): number | undefined {
    return this.links?.roundTripMs;
  }

  /** While true the session still times the round trip, with a keepalive request now and then. */
  get timingRoundTrip(): boolean {
    return (this.links?.roundTripTimingsWanted ?? 0) > 0;
  }

  get displayName(): string {
    const via = routeOf(this.config);
    return `${this.config.user}@${knownHostName(this.config.host, this.config.port).replace(/^\[(.*)\]:(\d+)$/, '$1:$2')}${via ? ` via ${via}` : ''}`;
  }

  forwards(): Forward[] {
    return [...this.forwardList.values()];
  }

  /** Says something is off that does not stop the session (a warning event). */
  warn(message: string): void {
    this.events.emit({event: 'warning', message});
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
      this.announceConnected(await this.handshake(false));
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

  /** Connects this session as a jump host: no events of its own to the user, no reconnect of its own. */
  async openAsHop(reconnecting: boolean): Promise<void> {
    this.closing = false;
    this.servesAsHop = true;
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

  /** Sends a keepalive, and calls `answered` when the server replies; false when not connected. */
  ping(answered: () => void): boolean {
    return this.client !== undefined && this.state === 'connected' && pingWithReply(this.client, answered);
  }

  protected newJumpSession(config: SessionConfig): Session {
    return new Session(config, this.prompter);
  }

  /** Adds a forward to the connected session and starts it; a forward that fails stays, in state failed. */
  async addForward(spec: ForwardSpec): Promise<Forward> {
    const id = forwardId(spec.kind, ++this.forwardSequence);
    const forward = createForward(id, spec, this);
    this.forwardList.set(id, forward);
    const display = formatForwardSpec(spec);
    this.events.emit({event: 'forward-added', forwardId: id, kind: spec.kind, spec: forward.label, display});
    await forward.start();
    return forward;
  }

  /**
   * Starts a failed forward again with the same spec, under the same id (its row stays where it is);
   * returns it, or undefined when there is no failed forward of that id.
   */
  async retryForward(id: string): Promise<Forward | undefined> {
    const failed = this.forwardList.get(id);
    if (failed?.state !== 'failed' || this.state !== 'connected') return undefined;
    await failed.close();
    const forward = createForward(id, failed.spec, this);
    // The same key keeps the forward's place in the session's order.
    this.forwardList.set(id, forward);
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
}
