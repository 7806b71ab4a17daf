import {eventText} from '../core/event-text.js';
import {formatForwardSpec, withListenPort} from '../core/protocols/forward-spec.js';
import {routeOf} from '../core/session/route.js';
import type {Session, SessionConfig} from '../core/session/session.js';
import {hostPort, userAtHostPort} from '../text/address.js';
import {type ForwardRow, LOG_LIMIT, type LogEntry, type SessionRow, store} from './state.js';

/** Coalesced store writes: heavy traffic never renders more than this often. */
export const FLUSH_INTERVAL_MS = 100;
/** Rates are sampled this often, and only while a connection is open: an idle UI does no work. */
export const SAMPLE_INTERVAL_MS = 1000;

interface Tracked {
  id: number;
  name: string;
  /** Undefined while the connection code is still loading: the row shows, connecting, meanwhile. */
  session: Session | undefined;
  /** user@host:port */
  address: string;
  connectedAt: number | undefined;
  /** Last sampled byte counts per forward, for rates. */
  samples: Map<string, {time: number; bytesIn: number; bytesOut: number; rateIn: number; rateOut: number}>;
}

const tracked = new Map<number, Tracked>();
let pendingLog: LogEntry[] = [];
let flushTimer: NodeJS.Timeout | undefined;
let sampleTimer: NodeJS.Timeout | undefined;
let nextLogId = 1;

/** A session about to be made: its row shows at once, connecting, until trackSession gives it the session. */
export function trackStarting(
  id: number,
  name: string,
  config: Pick<SessionConfig, 'user' | 'host' | 'port' | 'jumpHost' | 'proxyCommand'>,
): void {
  const via = routeOf(config);
  tracked.set(id, {
    id,
    name,
    session: undefined,
    address: `${userAtHostPort(config.user, config.host, config.port)}${via ? ` via ${via}` : ''}`,
    connectedAt: undefined,
    samples: new Map(),
  });
  scheduleFlush();
}

/** Follows a session's events into the store, in its starting row (see trackStarting). */
export function trackSession(id: number, session: Session): void {
  const entry = tracked.get(id);
  if (!entry) return;
  entry.session = session;
  session.events.on((event) => {
    if (event.event === 'session-connected') entry.connectedAt = Date.now();
    // Each reconnect attempt already has its line (session-reconnecting); "connecting to" again adds none.
    if (event.event === 'session-connecting' && session.state === 'reconnecting') return;
    const text = eventText(
      event,
      (forwardId) => session.forwards().find((forward) => forward.id === forwardId)?.label ?? forwardId,
    );
    const kind = event.event.startsWith('ftp-')
      ? 'ftp'
      : event.event.endsWith('-failed') ||
          event.event === 'warning' ||
          event.event === 'session-reconnecting' ||
          event.event === 'forward-waiting' ||
          (event.event === 'session-closed' && event.reason)
        ? 'error'
        : 'info';
    pendingLog.push({id: nextLogId++, time: Date.now(), sessionId: id, kind, text});
    scheduleFlush();
  });
  scheduleFlush();
}

export function untrackSession(id: number): void {
  tracked.delete(id);
  scheduleFlush();
}

function scheduleFlush(): void {
  flushTimer ??= setTimeout(flush, FLUSH_INTERVAL_MS);
}

/** Writes the sessions as they are now, and the log lines gathered since the last flush, in one update. */
export function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = undefined;
  const sessions: SessionRow[] = [...tracked.values()].map(row);
  const log = pendingLog;
  pendingLog = [];
  // Nothing new (say an open connection moving no bytes, sampled each second): no update, no redraw.
  const unchanged =
    log.length === 0 && JSON.stringify(sessions) === JSON.stringify(store.getState().sessions);
  if (!unchanged) {
    store.setState((state) => ({
      sessions,
      log: log.length > 0 ? [...state.log, ...log].slice(-LOG_LIMIT) : state.log,
      selectedSession: Math.min(state.selectedSession, Math.max(0, sessions.length - 1)),
      selectedForward: Math.min(
        state.selectedForward,
        Math.max(0, (sessions[state.selectedSession]?.forwards.length ?? 1) - 1),
      ),
    }));
  }
  // A countdown to the next reconnect attempt ticks too.
  const busy = sessions.some(
    (session) =>
      session.state === 'reconnecting' ||
      session.forwards.some((forward) => forward.counters.openConnections > 0),
  );
  if (busy && !sampleTimer) sampleTimer = setInterval(flush, SAMPLE_INTERVAL_MS);
  if (!busy && sampleTimer) {
    clearInterval(sampleTimer);
    sampleTimer = undefined;
  }
}

function row(entry: Tracked): SessionRow {
  const {session} = entry;
  if (!session) {
    return {
      id: entry.id,
      name: entry.name,
      address: entry.address,
      state: 'connecting',
      failure: undefined,
      connectedAt: undefined,
      reconnects: 0,
      retryIn: undefined,
      forwards: [],
    };
  }
  const now = Date.now();
  const forwards: ForwardRow[] = session.forwards().map((forward) => {
    const counters = forward.counters();
    const last = entry.samples.get(forward.id);
    let rateIn = last?.rateIn ?? 0;
    let rateOut = last?.rateOut ?? 0;
    if (!last || now - last.time >= SAMPLE_INTERVAL_MS / 2) {
      const seconds = last ? (now - last.time) / 1000 : 0;
      rateIn = last && seconds > 0 ? (counters.bytesIn - last.bytesIn) / seconds : 0;
      rateOut = last && seconds > 0 ? (counters.bytesOut - last.bytesOut) / seconds : 0;
      entry.samples.set(forward.id, {
        time: now,
        bytesIn: counters.bytesIn,
        bytesOut: counters.bytesOut,
        rateIn,
        rateOut,
      });
    }
    // Sampling stops with the last connection; a rate with nothing open would be stale.
    if (counters.openConnections === 0) {
      rateIn = 0;
      rateOut = 0;
    }
    return {
      id: forward.id,
      kind: forward.kind,
      label: forward.label,
      display: formatForwardSpec(
        forward.listeningOn ? withListenPort(forward.spec, forward.listeningOn.port) : forward.spec,
      ),
      state: forward.state,
      failure: forward.failure,
      listeningOn: forward.listeningOn?.path
        ? forward.listeningOn.path
        : forward.listeningOn
          ? hostPort(forward.listeningOn.address, forward.listeningOn.port)
          : undefined,
      counters,
      rateIn,
      rateOut,
    };
  });
  return {
    id: entry.id,
    name: entry.name,
    address: entry.address,
    state: session.state,
    failure: session.failure,
    connectedAt: entry.connectedAt,
    reconnects: session.reconnects,
    retryIn:
      session.nextAttemptAt === undefined
        ? undefined
        : Math.max(0, Math.ceil((session.nextAttemptAt - now) / 1000)),
    forwards,
  };
}

/** Adds lines to a session's log that do not come from core events (a remote command's output). */
export function appendLog(sessionId: number, kind: LogEntry['kind'], text: string): void {
  pendingLog.push({id: nextLogId++, time: Date.now(), sessionId, kind, text});
  scheduleFlush();
}

/** Stops every timer (tests, shutdown). */
export function stopBridge(): void {
  if (flushTimer) clearTimeout(flushTimer);
  if (sampleTimer) clearInterval(sampleTimer);
  flushTimer = undefined;
  sampleTimer = undefined;
  tracked.clear();
  pendingLog = [];
}
