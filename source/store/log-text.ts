import {eventText} from '../core/event-text.js';
import type {TunnelEvent} from '../core/events.js';
import {formatBytes} from '../text/format.js';
import {forwardName} from './forward-name.js';
import type {LogEntry, LogFold, SessionRow} from './state.js';

/**
 * The UI's log lines for core events. The headless output's lines (event-text.ts) are a contract and name
 * a connection by its number; here a line names its forward as its row shows it ("D 40291") and a
 * connection by the client's address, and a forward's `closed` line waits until its connections have said
 * they closed (the core closes the listener first, then the connections).
 */

export interface LogLine {
  kind: LogEntry['kind'];
  text: string;
}

/** The lines an event of `session` adds to the log (none, one, or one and a closed line it let through). */
export function logLinesOf(
  fold: LogFold,
  session: SessionRow,
  event: TunnelEvent,
): {fold: LogFold; lines: LogLine[]} {
  // Each reconnect attempt already has its line (session-reconnecting); "connecting to" again adds none.
  if (event.event === 'session-connecting' && session.state === 'reconnecting') return {fold, lines: []};
  if (!('forwardId' in event) || event.forwardId === undefined) return lineOf(fold, event, eventText(event));
  const forwardKey = `${session.id} ${event.forwardId}`;
  const row = session.forwards.find((forward) => forward.id === event.forwardId);
  const display = event.event === 'forward-listening' ? event.display : undefined;
  // A forward removed while its connections close is named by its held closed line.
  const name = row
    ? forwardName({kind: row.kind, display: display ?? row.display})
    : fold.heldClosed[forwardKey];
  switch (event.event) {
    case 'forward-closed':
      if (row && name && row.counters.openConnections > 0)
        return {fold: {...fold, heldClosed: {...fold.heldClosed, [forwardKey]: name}}, lines: []};
      break;
    case 'forward-removed':
      // Taken off the session, its connections may still be saying they closed: the line waits for them.
      if (row && row.counters.openConnections > 0) return {fold, lines: []};
      return released(withoutForward(fold, forwardKey), forwardKey, []);
    case 'connection-opened': {
      const from = {...fold.from, [`${forwardKey} ${event.connectionId}`]: event.from};
      const text = `${name ?? event.label ?? event.forwardId}: connection from ${event.from} to ${event.to}`;
      return {fold: {...fold, from}, lines: [{kind: 'info', text}]};
    }
    case 'connection-closed': {
      const connectionKey = `${forwardKey} ${event.connectionId}`;
      const {[connectionKey]: client, ...from} = fold.from;
      const text = `${name ?? event.label ?? event.forwardId}: connection ${client ? `from ${client} ` : ''}closed (${formatBytes(event.bytesIn)} in, ${formatBytes(event.bytesOut)} out${event.error ? `; ${event.error}` : ''})`;
      return afterConnection({...fold, from}, forwardKey, event, {kind: 'info', text});
    }
    default:
      break;
  }
  const renamed = name === undefined ? event : renameForward(event, name);
  const line = eventText(renamed, (forwardId) => name ?? forwardId);
  if (line === undefined) return {fold, lines: []};
  return afterConnection(fold, forwardKey, event, {kind: logKind(event), text: line});
}

function lineOf(
  fold: LogFold,
  event: TunnelEvent,
  text: string | undefined,
): {fold: LogFold; lines: LogLine[]} {
  return {fold, lines: text === undefined ? [] : [{kind: logKind(event), text}]};
}

/** The event's own line, then the forward's held closed line once no connection of it is open. */
function afterConnection(
  fold: LogFold,
  forwardKey: string,
  event: TunnelEvent,
  line: LogLine,
): {fold: LogFold; lines: LogLine[]} {
  if (fold.heldClosed[forwardKey] === undefined) return {fold, lines: [line]};
  const counters = 'counters' in event ? event.counters : undefined;
  const lastOne = counters !== undefined && counters.openConnections === 0;
  // Anything that starts the forward again (a retry) means it is no longer closing.
  const startsAgain = event.event === 'forward-listening' || event.event === 'forward-failed';
  if (!lastOne && !startsAgain) return {fold, lines: [line]};
  return released(fold, forwardKey, [line]);
}

/** `lines`, then the forward's held closed line, if any, no longer held. */
function released(fold: LogFold, forwardKey: string, lines: LogLine[]): {fold: LogFold; lines: LogLine[]} {
  const {[forwardKey]: held, ...heldClosed} = fold.heldClosed;
  if (held === undefined) return {fold, lines};
  return {fold: {...fold, heldClosed}, lines: [...lines, {kind: 'info', text: `${held}: closed`}]};
}

/** The fold without anything of a forward taken off its session. */
function withoutForward(fold: LogFold, forwardKey: string): LogFold {
  const from = Object.fromEntries(
    Object.entries(fold.from).filter(([key]) => !key.startsWith(`${forwardKey} `)),
  );
  return {...fold, from};
}

/** The fold without anything of a session taken off the list. */
export function withoutSession(fold: LogFold, sessionId: number): LogFold {
  const mine = (key: string) => key.startsWith(`${sessionId} `);
  return {
    from: Object.fromEntries(Object.entries(fold.from).filter(([key]) => !mine(key))),
    heldClosed: Object.fromEntries(Object.entries(fold.heldClosed).filter(([key]) => !mine(key))),
  };
}

/** The event with its forward named `name` wherever event-text.ts names it (spec or label). */
function renameForward(event: TunnelEvent, name: string): TunnelEvent {
  if ('spec' in event) return {...event, spec: name};
  if ('label' in event) return {...event, label: name};
  return event;
}

export function logKind(event: TunnelEvent): LogEntry['kind'] {
  if (event.event.startsWith('ftp-')) return 'ftp';
  const isError =
    event.event.endsWith('-failed') ||
    event.event === 'warning' ||
    event.event === 'session-reconnecting' ||
    event.event === 'forward-waiting' ||
    (event.event === 'session-closed' && event.reason);
  return isError ? 'error' : 'info';
}
