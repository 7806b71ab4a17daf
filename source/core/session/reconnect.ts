import type {Client} from 'ssh2';
import type {SessionFailureLevel} from '../events.js';
import {type Backoff, RetrySchedule} from './backoff.js';
import {SessionHandshake} from './handshake.js';
import {SessionError} from './messages.js';
import {pingWithReply} from './ssh2-internals.js';

const DEFAULT_RECONNECT_DELAY_MS: Backoff = {initial: 1000, max: 30_000, steadyMs: 60_000};

/** After a wake, how long the server has to answer a keepalive before the connection is taken as dead. */
const WAKE_PROBE_TIMEOUT_MS = 5000;

/** Failures a retry cannot mend: the loop stops and says why instead of hammering the server. */
const FINAL_FAILURES: ReadonlySet<SessionFailureLevel> = new Set(['authentication', 'host-key', 'config']);

/**
 * The second layer of Session (see handshake.ts): what happens when the established connection ends,
 * and, with -o Reconnect, the loop that brings it back (backoff with jitter, the same host key, no
 * prompts) and the check of a connection that may have died while this machine slept.
 */
export abstract class ReconnectingSession extends SessionHandshake {
  /** How many times the session came back after a drop. */
  reconnects = 0;
  /** While reconnecting: when the next attempt starts (epoch ms), for a countdown. */
  nextAttemptAt: number | undefined;
  private reconnectAttempt = 0;
  private retrySchedule: RetrySchedule | undefined;
  protected reconnectTimer: NodeJS.Timeout | undefined;

  /**
   * After a sleep or a freeze the connection may be dead while its socket looks alive (the network
   * changed, the server went away): a keepalive goes at once, and a connection that does not answer it in
   * time is taken as dropped (and reconnects) instead of waiting out ServerAlive*, or forever without it.
   */
  protected checkAfterWake(client: Client, pausedMs: number): void {
    if (client !== this.client || this.state !== 'connected') return;
    let answered = false;
    const sent = pingWithReply(client, () => {
      answered = true;
    });
    if (!sent) return;
    setTimeout(() => {
      if (answered || client !== this.client) return;
      this.lastError = `the connection did not answer after this machine was paused or asleep for ${Math.round(pausedMs / 1000)} s`;
      client.destroy();
    }, WAKE_PROBE_TIMEOUT_MS).unref();
  }

  protected onClosed(): void {
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

  /**
   * Skips the wait before the next reconnect attempt: true when an attempt starts now, false when there
   * is no wait to skip (not reconnecting, or an attempt is already under way).
   */
  reconnectNow(): boolean {
    if (this.state !== 'reconnecting' || !this.reconnectTimer || this.closing) return false;
    clearTimeout(this.reconnectTimer);
    void this.reconnect();
    return true;
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
    this.failure = undefined;
    this.reconnectAttempt = 0;
    this.retrySchedule?.reset();
    this.reconnects++;
    this.announceConnected(method, this.reconnects);
    for (const forward of this.forwardList.values()) forward.sessionRestored();
  }

  private async stopReconnecting(failure: SessionError): Promise<void> {
    this.state = 'failed';
    this.failure = `stopped reconnecting: ${failure.message}`;
    await Promise.all([...this.forwardList.values()].map((forward) => forward.close()));
    this.events.emit({event: 'session-failed', reason: this.failure, level: failure.level});
  }
}
