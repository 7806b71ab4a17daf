import type {ForwardKind} from './protocols/forward-spec.js';

/** `waiting`: a remote forward whose session is reconnecting, or whose port the server still refuses. */
export type ForwardState = 'starting' | 'listening' | 'waiting' | 'failed' | 'closed';

/** Counters of one forward. Byte counts are read from the sockets' own tallies, never counted per chunk. */
export interface ForwardCounters {
  openConnections: number;
  totalConnections: number;
  failedConnections: number;
  /** Bytes received from the side that opened the connection. */
  bytesIn: number;
  /** Bytes sent back to the side that opened the connection. */
  bytesOut: number;
}

/**
 * Everything the core reports, as one discriminated union. The headless CLI prints these (as text, or as
 * NDJSON with --json) and the store folds them into state, so field names are part of the CLI contract.
 * Each event says all a row needs (a forward's label, its counters), so the store never asks a Session.
 * What was added for the store (the optional label, counters and display, and the events the printer
 * leaves out: see STORE_ONLY_EVENTS) is not printed, so the headless output stays as it was.
 */
export type TunnelEvent =
  | {
      event: 'session-connecting';
      host: string;
      port: number;
      user: string;
      /** The jump hosts ("outer, bastion") or "ProxyCommand" the connection goes through, if any. */
      via?: string;
    }
  | {
      event: 'session-connected';
      host: string;
      port: number;
      user: string;
      via?: string;
      authMethod: string;
      /** Set when this connection is a reconnect: how many so far. */
      reconnects?: number;
    }
  | {event: 'session-closed'; reason?: string}
  /** The connection dropped (or a reconnect attempt failed); the next attempt starts in delayMs. */
  | {event: 'session-reconnecting'; attempt: number; delayMs: number; reason: string}
  | {event: 'session-failed'; reason: string; level: SessionFailureLevel}
  | {event: 'host-key-added'; host: string; file: string; fingerprint: string}
  /** A forward was made and is starting; `display` is its spec without the flag ("8080:db:5432"). */
  | {event: 'forward-added'; forwardId: string; kind: ForwardKind; spec: string; display: string}
  | {
      event: 'forward-listening';
      forwardId: string;
      kind: ForwardKind;
      spec: string;
      /** Where the listener is: local address for -L/-D/ftp, the server's for -R; a socket's path. */
      bindAddress: string;
      /** 0 for a unix socket. */
      port: number;
      /** Set when the listener is a unix socket (here for -L, on the server for -R). */
      path?: string;
      /**
       * Every local address listened on (bindAddress first), when there are several: a forward with no
       * bind address, or localhost, listens on 127.0.0.1 and ::1 as ssh does.
       */
      bindAddresses?: string[];
      /** The spec with the port actually bound filled in ("41234:db:5432" for "0:db:5432"). */
      display?: string;
    }
  | {event: 'forward-failed'; forwardId: string; kind: ForwardKind; spec: string; reason: string}
  | {event: 'forward-closed'; forwardId: string; kind: ForwardKind; spec: string}
  /** A forward that had failed is closed (with its session); forward-failed already said why. */
  | {event: 'forward-closed-after-failure'; forwardId: string; kind: ForwardKind; spec: string}
  /** A forward was taken off its session (after it closed). */
  | {event: 'forward-removed'; forwardId: string; kind: ForwardKind; spec: string}
  /**
   * The counters of every forward with an open connection, sampled about once a second while one is
   * open (an idle session sends none): rates come from successive samples.
   */
  | {event: 'forward-traffic'; forwards: {forwardId: string; counters: ForwardCounters}[]}
  /** A remote forward not listening for now; retryInMs when it will ask the server again. */
  | {
      event: 'forward-waiting';
      forwardId: string;
      kind: ForwardKind;
      spec: string;
      reason: string;
      retryInMs?: number;
    }
  | {
      event: 'connection-opened';
      forwardId: string;
      /**
       * The forward's flag and spec ("-L 8080:db:5432"), and its counters with this connection: the counts,
       * and the bytes of its closed connections (forward-traffic carries the open ones' each second).
       */
      label?: string;
      counters?: ForwardCounters;
      connectionId: number;
      /** The side that opened the connection ("address:port"). */
      from: string;
      /** Where it goes ("host:port"). */
      to: string;
    }
  | {
      event: 'connection-closed';
      forwardId: string;
      label?: string;
      counters?: ForwardCounters;
      connectionId: number;
      bytesIn: number;
      bytesOut: number;
      error?: string;
    }
  | {
      event: 'connection-failed';
      forwardId: string;
      label?: string;
      counters?: ForwardCounters;
      from: string;
      to: string;
      reason: string;
    }
  | {
      event: 'ftp-data-opened';
      forwardId: string;
      label?: string;
      dataId: number;
      mode: 'passive' | 'active';
      /** Passive: our listener the FTP client connects to. Active: the FTP client's own listener. */
      local: string;
      /** Passive: the FTP server's data port. Active: the listener on the SSH server the FTP server connects to. */
      remote: string;
    }
  | {
      event: 'ftp-data-closed';
      forwardId: string;
      label?: string;
      counters?: ForwardCounters;
      dataId: number;
      bytesIn: number;
      bytesOut: number;
      reason?: string;
      /**
       * Who its connection came from, when one came: the FTP client ("127.0.0.1:51234", passive), the FTP
       * server ("127.0.0.1:40212 on the SSH server", active).
       */
      from?: string;
    }
  | {event: 'warning'; message: string; forwardId?: string};

export type SessionFailureLevel =
  | 'config'
  | 'connect'
  | 'timeout'
  | 'host-key'
  | 'authentication'
  | 'protocol'
  | 'forward';

export type EventOf<Name extends TunnelEvent['event']> = Extract<TunnelEvent, {event: Name}>;

/** Events for the store only: the headless printer prints none of them. */
export const STORE_ONLY_EVENTS: ReadonlySet<TunnelEvent['event']> = new Set([
  'forward-added',
  'forward-closed-after-failure',
  'forward-removed',
  'forward-traffic',
]);
