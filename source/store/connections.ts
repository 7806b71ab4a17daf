import type {TunnelEvent} from '../core/events.js';
import {hostPort} from '../text/address.js';
import type {ConnectionRow, ForwardRow, RatePoint} from './state.js';

/**
 * What the detail view shows of a forward beyond its table row, folded from the same events (pure): the
 * connections open now, every address it listens on, and its rate over the last minute.
 */

/** Rows kept per forward: a forward with more open lists the newest (the count says how many there are). */
export const CONNECTION_ROWS_LIMIT = 200;

/** How far back the rate history goes, for the sparkline. */
export const RATE_HISTORY_MS = 60_000;

/** Points kept at most: the rate changes at most about once a second (a traffic sample). */
const RATE_POINTS_LIMIT = 120;

/** A forward after one of its events, as the detail view sees it (the table's fields are set elsewhere). */
export function foldDetail(forward: ForwardRow, event: TunnelEvent, time: number): ForwardRow {
  return withRatePoint(foldConnections(forward, event, time), time);
}

function foldConnections(forward: ForwardRow, event: TunnelEvent, time: number): ForwardRow {
  switch (event.event) {
    case 'connection-opened': {
      const row: ConnectionRow = {id: event.connectionId, from: event.from, to: event.to, openedAt: time};
      return keptConnections(forward, [...(forward.connections ?? []), row].slice(-CONNECTION_ROWS_LIMIT));
    }
    case 'connection-closed':
      return keptConnections(
        forward,
        (forward.connections ?? []).filter((row) => row.id !== event.connectionId),
      );
    case 'ftp-data-opened':
      return {
        ...forward,
        dataChannels: forward.dataChannels?.map((channel) =>
          channel.id === event.dataId && channel.openedAt === undefined
            ? {...channel, openedAt: time}
            : channel,
        ),
      };
    case 'forward-listening': {
      const addresses = event.bindAddresses?.map((address) => hostPort(address, event.port));
      if (addresses === undefined && forward.listeningAddresses === undefined) return forward;
      return {...forward, listeningAddresses: addresses};
    }
    default:
      return keptConnections(forward, forward.connections);
  }
}

/**
 * The connection rows, never more than the counters say are open: a forward that closed, failed or lost its
 * session took its connections with it, whether or not each said so.
 */
function keptConnections(forward: ForwardRow, rows: ConnectionRow[] | undefined): ForwardRow {
  const open = forward.counters.openConnections;
  const kept = rows && rows.length > open ? rows.slice(rows.length - open) : rows;
  const closing = forward.state === 'closed' || forward.state === 'failed';
  const next = closing || kept?.length === 0 ? undefined : kept;
  if (next === forward.connections) return forward;
  return {...forward, connections: next};
}

/**
 * The forward with its rate now added to its history when it changed (and its connection rows as its
 * counters have them): the history is a step function (each
 * rate holds until the next point), so a sample that changes nothing adds nothing and redraws nothing. The
 * last point older than the minute is kept, for the rate at the minute's start.
 */
export function withRatePoint(forward: ForwardRow, time: number): ForwardRow {
  const rate = forward.rateIn + forward.rateOut;
  const history = forward.rateHistory ?? [];
  const last = history.at(-1);
  if (last ? last.rate === rate : rate === 0) return keptConnections(forward, forward.connections);
  const inside = history.findIndex((point) => point.time > time - RATE_HISTORY_MS);
  const kept = inside === -1 ? history.slice(-1) : history.slice(Math.max(0, inside - 1));
  const point: RatePoint = {time, rate};
  return {...forward, rateHistory: [...kept, point].slice(-RATE_POINTS_LIMIT)};
}
