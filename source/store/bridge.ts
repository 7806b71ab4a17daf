import type {TunnelEvent} from '../core/events.js';
import {routeOf} from '../core/session/route.js';
import type {SessionConfig} from '../core/session/session.js';
import {userAtHostPort} from '../text/address.js';
import {addSessionRow, needsTick, reduceAll, removeSessionRow, type StampedEvent, tick} from './reducer.js';
import {type LogEntry, store} from './state.js';

/** Coalesced store writes: heavy traffic never renders more than this often. */
export const FLUSH_INTERVAL_MS = 100;
/** The countdown to a reconnect attempt ticks this often, and only while one shows. */
export const TICK_INTERVAL_MS = 1000;

/** Where a session connects, as its row shows it: "deploy@db1:22 via bastion". */
export function sessionAddress(
  config: Pick<SessionConfig, 'user' | 'host' | 'port' | 'jumpHost' | 'proxyCommand'>,
): string {
  const via = routeOf(config);
  return `${userAtHostPort(config.user, config.host, config.port)}${via ? ` via ${via}` : ''}`;
}

/**
 * Core events into the store, one way: each session's events are queued as they come (stamped with
 * their time) and folded into the state by the reducer in one store update per flush. Nothing here
 * reads a Session; the rows are what the events said.
 */
class Bridge {
  private queue: StampedEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribes = new Map<number, () => void>();

  /** A session about to be made: its row shows at once, connecting, until its events say more. */
  trackStarting(
    id: number,
    name: string,
    config: Pick<SessionConfig, 'user' | 'host' | 'port' | 'jumpHost' | 'proxyCommand'>,
  ): void {
    store.setState((state) => addSessionRow(state, id, name, sessionAddress(config)));
  }

  /**
   * Follows a session's events into its row (see trackStarting). `time`: when it happened, when that was
   * before it came here (the background service's recent events); else now.
   */
  trackSession(
    id: number,
    events: {on(listener: (event: TunnelEvent, time?: number) => void): () => void},
  ): void {
    this.unsubscribes.get(id)?.();
    this.unsubscribes.set(
      id,
      events.on((event, time) => this.push({sessionId: id, event, time: time ?? Date.now()})),
    );
  }

  untrackSession(id: number): void {
    this.unsubscribes.get(id)?.();
    this.unsubscribes.delete(id);
    this.flush();
    store.setState((state) => removeSessionRow(state, id));
  }

  /** Adds a line to a session's log that is not a core event (a remote command's output). */
  appendLog(sessionId: number, kind: LogEntry['kind'], text: string): void {
    // Through the queue, so it stays in order with the events around it.
    this.push({sessionId, line: {kind, text}, time: Date.now()});
  }

  private push(stamped: StampedEvent): void {
    this.queue.push(stamped);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
  }

  /** Folds the events gathered since the last flush into the store, in one update. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const events = this.queue;
    this.queue = [];
    if (events.length > 0) {
      const before = store.getState();
      const after = reduceAll(before, events);
      // Nothing new (a sample of an open connection moving no bytes): no update, no redraw.
      if (after !== before) store.setState(after, true);
    }
    this.scheduleTick();
  }

  private scheduleTick(): void {
    const wanted = needsTick(store.getState());
    if (wanted && !this.tickTimer) {
      this.tickTimer = setInterval(() => {
        store.setState((state) => tick(state, Date.now()));
        if (!needsTick(store.getState())) this.stopTick();
      }, TICK_INTERVAL_MS);
    }
    if (!wanted) this.stopTick();
  }

  private stopTick(): void {
    clearInterval(this.tickTimer);
    this.tickTimer = undefined;
  }

  /** Stops every timer and follows no session (tests, shutdown). */
  stop(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.stopTick();
    for (const unsubscribe of this.unsubscribes.values()) unsubscribe();
    this.unsubscribes.clear();
    this.queue = [];
  }
}

export const bridge = new Bridge();

export const trackStarting = bridge.trackStarting.bind(bridge);
export const trackSession = bridge.trackSession.bind(bridge);
export const untrackSession = bridge.untrackSession.bind(bridge);
export const appendLog = bridge.appendLog.bind(bridge);
export const flush = (): void => bridge.flush();
export const stopBridge = (): void => bridge.stop();
