import type {ForwardCounters, TunnelEvent} from '../core/events.js';
import {hostPort} from '../text/address.js';
import {foldDetail} from './connections.js';
import {logLinesOf, withoutSession} from './log-text.js';
import {afterDrop, afterReconnect, listeningAgain, refusesAll} from './row-status.js';
import {withCounters, withForward, withSession} from './rows.js';
import {type AppState, type ForwardRow, LOG_LIMIT, type LogEntry, type SessionRow} from './state.js';
import {applyTraffic, withRateStart} from './traffic-fold.js';

/**
 * The rows as a pure fold of core events: `reduce(state, sessionId, event, time)` gives the next state,
 * with no IO, no timers and no core objects. `time` is when the event came (the bridge stamps it), for a
 * log line's time, connectedAt, rates and the countdown to a reconnect. Everything a row shows is in the
 * events (a forward's label, its counters), so nothing here asks a Session.
 */

/** One core event as the bridge queued it, or a log line that is not one (a remote command's output). */
export type StampedEvent =
  | {sessionId: number; event: TunnelEvent; time: number}
  | {sessionId: number; line: {kind: LogEntry['kind']; text: string}; time: number};

const NO_COUNTERS: ForwardCounters = {
  openConnections: 0,
  totalConnections: 0,
  failedConnections: 0,
  bytesIn: 0,
  bytesOut: 0,
};

/** What was said while a session came up ("Bad passphrase, try again.", "db: reconnecting") is stale once one connects. */
function withoutComingUpMessage(state: AppState): AppState {
  return state.message?.untilConnected ? {...state, message: undefined} : state;
}

export function reduce(state: AppState, sessionId: number, event: TunnelEvent, time: number): AppState {
  return reduceAll(state, [{sessionId, event, time}]);
}

/** Folds a batch of events in order; the log is appended (and bounded) once for the whole batch. */
export function reduceAll(state: AppState, events: readonly StampedEvent[]): AppState {
  let next = state;
  const lines: LogEntry[] = [];
  let nextLogId = state.fold.nextLogId;
  let logFold = state.fold.lines;
  for (const item of events) {
    const {sessionId, time} = item;
    if ('line' in item) {
      lines.push({id: nextLogId++, time, sessionId, ...item.line});
      continue;
    }
    const {event} = item;
    const row = next.sessions.find((session) => session.id === sessionId);
    // A session dropped from the list (disconnected) says nothing more.
    if (!row) continue;
    const logged = logLinesOf(logFold, row, event);
    logFold = logged.fold;
    for (const line of logged.lines) lines.push({id: nextLogId++, time, sessionId, ...line});
    next = applyEvent(next, row, event, time);
  }
  if (logFold !== state.fold.lines) next = {...next, fold: {...next.fold, lines: logFold}};
  if (lines.length === 0) return next;
  return {
    ...next,
    log: [...next.log, ...lines].slice(-LOG_LIMIT),
    fold: {...next.fold, nextLogId},
  };
}

/** A session about to be made: its row shows at once, connecting, with no forwards. */
export function addSessionRow(state: AppState, id: number, name: string, address: string): AppState {
  const row: SessionRow = {
    id,
    name,
    address,
    state: 'connecting',
    failure: undefined,
    connectedAt: undefined,
    reconnects: 0,
    retryIn: undefined,
    forwards: [],
  };
  return keepSelectionInBounds({...state, sessions: [...state.sessions, row]});
}

export function removeSessionRow(state: AppState, id: number): AppState {
  if (!state.sessions.some((session) => session.id === id)) return state;
  const {[id]: _retry, ...retryAt} = state.fold.retryAt;
  const samples = Object.fromEntries(
    Object.entries(state.fold.samples).filter(([key]) => !key.startsWith(`${id} `)),
  );
  return keepSelectionInBounds({
    ...state,
    sessions: state.sessions.filter((session) => session.id !== id),
    fold: {...state.fold, retryAt, samples, lines: withoutSession(state.fold.lines, id)},
  });
}

/**
 * A failed or disconnected session started again: its row connecting, with none of the old connection's
 * forwards (the new one adds them again), its place in the list and its count of reconnects kept.
 */
export function restartSessionRow(state: AppState, id: number): AppState {
  if (!state.sessions.some((session) => session.id === id)) return state;
  const {[id]: _retry, ...retryAt} = state.fold.retryAt;
  const samples = Object.fromEntries(
    Object.entries(state.fold.samples).filter(([key]) => !key.startsWith(`${id} `)),
  );
  return keepSelectionInBounds({
    ...withSession(state, id, (session) => ({
      ...session,
      state: 'connecting',
      failure: undefined,
      connectedAt: undefined,
      retryIn: undefined,
      forwards: [],
    })),
    fold: {...state.fold, retryAt, samples, lines: withoutSession(state.fold.lines, id)},
  });
}

/** The countdown to each reconnect attempt, in whole seconds, as of `time`. */
export function tick(state: AppState, time: number): AppState {
  let changed = false;
  const sessions = state.sessions.map((session) => {
    const at = state.fold.retryAt[session.id];
    const retryIn = at === undefined ? undefined : Math.max(0, Math.ceil((at - time) / 1000));
    if (session.state !== 'reconnecting' || retryIn === session.retryIn) return session;
    changed = true;
    return {...session, retryIn};
  });
  return changed ? {...state, sessions} : state;
}

/** True while a countdown to a reconnect attempt shows: then the view wants a tick each second. */
export function needsTick(state: AppState): boolean {
  return state.sessions.some((session) => session.state === 'reconnecting' && session.retryIn !== undefined);
}

function keepSelectionInBounds(state: AppState): AppState {
  const selectedSession = Math.min(state.selectedSession, Math.max(0, state.sessions.length - 1));
  const selectedForward = Math.min(
    state.selectedForward,
    Math.max(0, (state.sessions[selectedSession]?.forwards.length ?? 1) - 1),
  );
  if (selectedSession === state.selectedSession && selectedForward === state.selectedForward) return state;
  return {...state, selectedSession, selectedForward};
}

function withRetryAt(state: AppState, sessionId: number, at: number | undefined): AppState {
  const {[sessionId]: _old, ...rest} = state.fold.retryAt;
  return {...state, fold: {...state.fold, retryAt: at === undefined ? rest : {...rest, [sessionId]: at}}};
}

function applyEvent(state: AppState, row: SessionRow, event: TunnelEvent, time: number): AppState {
  const id = row.id;
  switch (event.event) {
    case 'session-connecting':
      // A reconnect attempt under way: still reconnecting, with no countdown now.
      if (row.state === 'reconnecting')
        return withRetryAt(
          withSession(state, id, (session) => ({...session, retryIn: undefined})),
          id,
          undefined,
        );
      return withSession(state, id, (session) => ({...session, state: 'connecting'}));
    case 'session-connected':
      return withRetryAt(
        withSession(afterReconnect(withoutComingUpMessage(state), row, event.reconnects), id, (session) => ({
          ...session,
          state: 'connected',
          failure: undefined,
          connectedAt: time,
          reconnects: event.reconnects ?? session.reconnects,
          retryIn: undefined,
          forwards: session.forwards.map(listeningAgain),
        })),
        id,
        undefined,
      );
    case 'session-reconnecting':
      return withRetryAt(
        withSession(
          row.state === 'reconnecting' ? state : afterDrop(state, row, event.reason),
          id,
          (session) => ({
            ...session,
            state: 'reconnecting',
            failure: event.reason,
            retryIn: Math.ceil(event.delayMs / 1000),
          }),
        ),
        id,
        time + event.delayMs,
      );
    case 'session-failed':
      return withRetryAt(
        withSession(
          row.state === 'reconnecting' ? afterDrop(state, row, event.reason) : state,
          id,
          (session) => ({
            ...session,
            state: 'failed',
            failure: event.reason,
            retryIn: undefined,
          }),
        ),
        id,
        undefined,
      );
    case 'session-closed':
      return withRetryAt(
        withSession(
          event.reason ? afterDrop(state, row, `connection closed: ${event.reason}`) : state,
          id,
          (session) => ({
            ...session,
            state: 'closed',
            failure: event.reason ?? session.failure,
            retryIn: undefined,
          }),
        ),
        id,
        undefined,
      );
    case 'host-key-added':
    case 'warning':
      return state;
    default:
      return applyForwardEvent(state, id, event, time);
  }
}

type ForwardEvent = Exclude<
  TunnelEvent,
  {event: `session-${string}`} | {event: 'host-key-added'} | {event: 'warning'}
>;

function applyForwardEvent(state: AppState, sessionId: number, event: ForwardEvent, time: number): AppState {
  if (event.event === 'forward-traffic') return applyTraffic(state, sessionId, event.forwards, time);
  if (event.event === 'forward-added') {
    const row: ForwardRow = {
      id: event.forwardId,
      kind: event.kind,
      label: event.spec,
      display: event.display,
      state: 'starting',
      failure: undefined,
      listeningOn: undefined,
      counters: NO_COUNTERS,
      rateIn: 0,
      rateOut: 0,
    };
    return withSession(state, sessionId, (session) => ({...session, forwards: [...session.forwards, row]}));
  }
  if (event.event === 'forward-removed') {
    const {[`${sessionId} ${event.forwardId}`]: _sample, ...samples} = state.fold.samples;
    return keepSelectionInBounds({
      ...withSession(state, sessionId, (session) => ({
        ...session,
        forwards: session.forwards.filter((forward) => forward.id !== event.forwardId),
      })),
      fold: {...state.fold, samples},
    });
  }
  const next = withForward(state, sessionId, event.forwardId, (forward) =>
    foldDetail(forwardAfter(forward, event), event, time),
  );
  return event.event === 'connection-opened' ? withRateStart(next, sessionId, event, time) : next;
}

function forwardAfter(
  forward: ForwardRow,
  event: Exclude<ForwardEvent, {event: 'forward-added' | 'forward-removed' | 'forward-traffic'}>,
): ForwardRow {
  switch (event.event) {
    case 'forward-listening':
      return {
        ...forward,
        state: 'listening',
        failure: undefined,
        display: event.display ?? forward.display,
        listeningOn: event.path ?? hostPort(event.bindAddress, event.port),
      };
    case 'forward-waiting':
      // listeningOn stays: where it listened, and will again.
      return {...forward, state: 'waiting', failure: event.reason};
    case 'forward-failed':
      return {...forward, state: 'failed', failure: event.reason};
    case 'forward-closed':
    case 'forward-closed-after-failure':
      return {...forward, state: 'closed'};
    case 'connection-opened':
      // A client got through: no longer refusing.
      return withCounters(
        forward.state === 'refusing' ? {...forward, state: 'listening', failure: undefined} : forward,
        event.counters,
      );
    case 'connection-failed':
      // Listening, but its clients are refused (the session reconnecting, the target down): said on the row.
      return withCounters(
        (forward.state === 'listening' || forward.state === 'refusing') && refusesAll(forward, event.to)
          ? {...forward, state: 'refusing', failure: event.reason}
          : forward,
        event.counters,
      );
    case 'connection-closed':
      return withCounters(forward, event.counters);
    case 'ftp-data-opened': {
      const channel = {id: event.dataId, mode: event.mode, local: event.local, remote: event.remote};
      return {...forward, dataChannels: [...(forward.dataChannels ?? []), channel]};
    }
    case 'ftp-data-closed':
      return withCounters(
        {...forward, dataChannels: forward.dataChannels?.filter((channel) => channel.id !== event.dataId)},
        event.counters,
      );
  }
}
