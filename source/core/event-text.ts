import {hostPort, userAtHostPort} from '../text/address.js';
import {formatBytes} from '../text/format.js';
import type {TunnelEvent} from './events.js';

const seconds = (ms: number) => `${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`;

/** Events about the session rather than one forward: the CLI prefixes them with "tunnels:". */
export function isSessionEvent(event: TunnelEvent): boolean {
  return event.event.startsWith('session-') || event.event === 'host-key-added' || event.event === 'warning';
}

const via = (route: string | undefined) => (route ? ` via ${route}` : '');

/**
 * One line for an event, as a person reads it: the headless output and the UI's log both use it. A
 * connection's line names its forward by the event's label ("-L 8080:db:5432"), or else by `labelOf`.
 * The store's own events (STORE_ONLY_EVENTS) have no line: undefined.
 */
export function eventText(
  event: TunnelEvent,
  labelOf: (forwardId: string) => string = (forwardId) => forwardId,
): string | undefined {
  const label = (forwardId: string) => ('label' in event && event.label) || labelOf(forwardId);
  switch (event.event) {
    case 'session-connecting':
      return `connecting to ${userAtHostPort(event.user, event.host, event.port)}${via(event.via)}`;
    case 'session-connected':
      return event.reconnects
        ? `reconnected to ${userAtHostPort(event.user, event.host, event.port)}${via(event.via)} (${event.authMethod}; reconnect ${event.reconnects})`
        : `connected to ${userAtHostPort(event.user, event.host, event.port)}${via(event.via)} (${event.authMethod})`;
    case 'session-reconnecting':
      return `${event.attempt === 1 ? 'connection lost' : `reconnect attempt ${event.attempt - 1} failed`}: ${event.reason}; reconnecting in ${seconds(event.delayMs)}`;
    case 'session-failed':
      return event.reason;
    case 'session-closed':
      return event.reason ? `connection closed: ${event.reason}` : 'disconnected';
    case 'host-key-added':
      return `permanently added '${event.host}' (${event.fingerprint}) to ${event.file}`;
    case 'forward-listening':
      return `${event.spec}: listening on ${event.kind.startsWith('remote') ? 'the server at ' : ''}${event.path ?? (event.bindAddresses ?? [event.bindAddress]).map((bound) => hostPort(bound, event.port)).join(' and ')}${event.kind === 'remote-dynamic' ? ' (SOCKS)' : ''}`;
    case 'forward-failed':
      return `${event.spec}: failed: ${event.reason}`;
    case 'forward-closed':
      return `${event.spec}: closed`;
    case 'forward-waiting':
      return `${event.spec}: waiting: ${event.reason}${event.retryInMs !== undefined ? `; asking again in ${seconds(event.retryInMs)}` : ''}`;
    case 'connection-opened':
      return `${label(event.forwardId)}: connection #${event.connectionId} from ${event.from} to ${event.to}`;
    case 'connection-closed':
      return `${label(event.forwardId)}: connection #${event.connectionId} closed (${formatBytes(event.bytesIn)} in, ${formatBytes(event.bytesOut)} out${event.error ? `; ${event.error}` : ''})`;
    case 'connection-failed':
      // "?": the client failed before it said where to (a SOCKS handshake).
      return `${label(event.forwardId)}: connection from ${event.from}${event.to === '?' ? '' : ` to ${event.to}`} failed: ${event.reason}`;
    case 'ftp-data-opened':
      return `${label(event.forwardId)}: data channel #${event.dataId} (${event.mode}) ${event.local} <-> ${event.remote}`;
    case 'ftp-data-closed':
      return `${label(event.forwardId)}: data channel #${event.dataId} closed (${formatBytes(event.bytesIn)} in, ${formatBytes(event.bytesOut)} out${event.reason ? `; ${event.reason}` : ''})${event.from ? `; its connection came from ${event.from}` : ''}`;
    case 'warning':
      return `warning: ${event.message}`;
    case 'forward-added':
    case 'forward-closed-after-failure':
    case 'forward-removed':
    case 'forward-traffic':
      return undefined;
  }
}
