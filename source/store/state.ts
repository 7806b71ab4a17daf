import {createStore} from 'zustand/vanilla';
import type {ForwardCounters, ForwardState} from '../core/events.js';
import {FORWARD_KIND_NAMES} from '../core/forwards/kinds.js';
import type {ForwardKind} from '../core/protocols/forward-spec.js';
import type {SessionState} from '../core/session/session.js';
import type {LineState} from './line-editor.js';
import type {RateWindow} from './rate-window.js';

export interface ForwardRow {
  id: string;
  kind: ForwardKind;
  /** "-L 8080:db:5432" */
  label: string;
  /** The spec with the port actually bound filled in: "41234:db:5432" for "0:db:5432". */
  display: string;
  /** `refusing`: listening, but the last client was refused or failed (`failure` says why); see reducer.ts. */
  state: ForwardState | 'refusing';
  failure: string | undefined;
  listeningOn: string | undefined;
  counters: ForwardCounters;
  /** Bytes per second, in and out, smoothed over the last seconds (see rate-window.ts). */
  rateIn: number;
  rateOut: number;
  /** An FTP forward's data channels open now. */
  dataChannels?: DataChannelRow[];
  /** Every address it listens on, when several (127.0.0.1 and ::1); see connections.ts. */
  listeningAddresses?: string[];
  /** Its connections open now, the newest last (bounded); see connections.ts. */
  connections?: ConnectionRow[];
  /** Its rate (in and out) at each traffic sample of the last minute, for the detail's sparkline. */
  rateHistory?: RatePoint[];
}

export interface ConnectionRow {
  id: number;
  /** The side that opened it ("address:port"). */
  from: string;
  /** Where it goes ("host:port"). */
  to: string;
  /** When it opened (epoch ms). */
  openedAt: number;
}

export interface RatePoint {
  time: number;
  /** Bytes per second, in and out together. */
  rate: number;
}

/** What the detail view shows: a forward of a session, or the session itself. */
export type DetailTarget = {sessionId: number; forwardId?: string};

export interface DataChannelRow {
  id: number;
  mode: 'passive' | 'active';
  /** Passive: our listener the FTP client connects to. Active: the FTP client's own listener. */
  local: string;
  /** Passive: the FTP server's data port. Active: the listener on the SSH server the FTP server connects to. */
  remote: string;
  /** When it opened (epoch ms), for the detail view (see connections.ts). */
  openedAt?: number;
}

/** A forward's byte counters sampled over the last seconds, for its rates (see rate-window.ts). */
export interface TrafficSamples {
  in: RateWindow;
  out: RateWindow;
}

export interface SessionRow {
  id: number;
  /** What the user connected to: a Host alias or user@host. */
  name: string;
  /** user@host:port */
  address: string;
  state: SessionState;
  failure: string | undefined;
  connectedAt: number | undefined;
  /** How many times the session came back after a drop. */
  reconnects: number;
  /** While reconnecting: whole seconds until the next attempt (undefined while one is under way). */
  retryIn: number | undefined;
  forwards: ForwardRow[];
}

export interface LogEntry {
  id: number;
  time: number;
  sessionId: number;
  kind: 'info' | 'error' | 'ftp';
  text: string;
}

/**
 * A dialog's text field: the text typed and where its cursor is, a string index between two graphemes
 * (see line-editor.ts); without one, the cursor is at the end of the text (a dialog just opened or pre-filled).
 */
export type Field = {text: string; cursor?: number};

export type Dialog =
  /** `top`: the first line of the key list shown (help scrolls). */
  | {kind: 'help'; top?: number}
  | ({kind: 'connect'; error?: string} & Field)
  /** `replacing`: `e` on a forward, whose spec the field starts with; Enter replaces it (forward-edit.ts). */
  | ({kind: 'add-forward'; sessionId: number; error?: string; replacing?: ReplacedForward} & Field)
  | ({kind: 'run-command'; sessionId: number; x11: boolean; agent: boolean} & Field)
  /** The favorites picker: typing filters, a digit connects one of the first nine; `chosen` by Space (names). */
  | ({kind: 'favorites'; selected: number; favorites: FavoriteRow[]; chosen?: string[]} & Field)
  | ({kind: 'save-favorite'; sessionId: number; error?: string} & Field)
  /** Edits a favorite as the options of `tunnels` itself ("-L 8080:db:5432 deploy@db1"). */
  | ({kind: 'edit-favorite'; name: string; error?: string} & Field)
  | {kind: 'confirm'; title: string; message: string; action: ConfirmAction}
  /**
   * A question from the core (host key, password, passphrase, keyboard-interactive), by lines: the views
   * draw each string on one line (see useAppState).
   */
  | ({kind: 'prompt'; lines: string[]; secret: boolean} & Field);

/** A field as the line editor takes it: the cursor inside the text, at its end when none was kept. */
export function fieldLine(field: Field): LineState {
  return {text: field.text, cursor: Math.min(field.cursor ?? field.text.length, field.text.length)};
}

export interface FavoriteRow {
  name: string;
  /** user@host:port */
  address: string;
  /** "-L 8080:db:5432  -D 1080" */
  summary: string;
  /** The favorite as the options of `tunnels` itself, for editing. */
  args: string;
}

/** The forward an edit replaces: its id and the spec it had, as the add dialog takes it ("L 8080:db:5432"). */
export interface ReplacedForward {
  forwardId: string;
  entry: string;
}

export type ConfirmAction =
  | {kind: 'delete-favorite'; name: string}
  | {kind: 'overwrite-favorite'; sessionId: number; name: string}
  | {kind: 'remove-forward'; sessionId: number; forwardId: string}
  | {kind: 'disconnect'; sessionId: number}
  | {kind: 'quit'}
  /** Leave an attached UI; its tunnels stay up in the service. */
  | {kind: 'detach'};

export interface AppState {
  sessions: SessionRow[];
  selectedSession: number;
  selectedForward: number;
  focus: 'sessions' | 'forwards';
  /** The newest last; bounded. */
  log: LogEntry[];
  /** Where the log pane is scrolled to and what it is filtered by (see log-actions.ts). */
  logView: LogView;
  dialog: Dialog | undefined;
  /** The detail view open over the panes (Enter), if any; a dialog still comes before it. */
  detail: DetailTarget | undefined;
  /** One line under the panes: what just happened, or why a key did nothing. */
  /**
   * `untilConnected`: said while a session comes up ("Bad passphrase, try again.", "db: reconnecting"):
   * gone once one connects.
   */
  message: {kind: 'info' | 'error'; text: string; untilConnected?: boolean} | undefined;
  /** Host aliases from ~/.ssh/config, for completion. */
  hosts: string[];
  quitting: boolean;
  /** Attached to the background service (tunnels attach): quitting leaves its tunnels up. */
  attached: boolean;
  /** What the fold of core events keeps besides the rows; no view reads it (see reducer.ts). */
  fold: {
    nextLogId: number;
    /** By sessionId and forwardId ("1 L1"). */
    samples: Record<string, TrafficSamples>;
    /** While a session is reconnecting: when its next attempt starts (epoch ms), for retryIn. */
    retryAt: Record<number, number>;
    /** Lifecycle lines waiting for their turn, and where connections came from (see log-text.ts). */
    lines: LogFold;
  };
}

/** What the log's lines remember between events (see log-text.ts). */
export interface LogFold {
  /** Where each open connection came from, by "sessionId forwardId connectionId". */
  from: Record<string, string>;
  /**
   * The forwards whose closed line is held back while their connections are still open: their names, by
   * "sessionId forwardId" (the row may be gone by the time the last connection says it closed).
   */
  heldClosed: Record<string, string>;
}

/**
 * The line at the bottom of a scrolled-back log pane: a log entry and which of its wrapped lines; and the
 * newest entry when the pane stopped following, to count the ones that came after.
 */
export type LogAnchor = {id: number; line: number; newest: number};

export interface LogView {
  /** Undefined: the pane follows the newest entries. Set: it stays on this line while new ones arrive. */
  anchor: LogAnchor | undefined;
  /** The text typed after `/`: only entries that contain it are shown (undefined: no filter). */
  filter: Field | undefined;
  /** Whether keys go to the filter's field. */
  editingFilter: boolean;
}

export const LOG_LIMIT = 500;

export function initialState(): AppState {
  return {
    sessions: [],
    selectedSession: 0,
    selectedForward: 0,
    focus: 'sessions',
    log: [],
    logView: {anchor: undefined, filter: undefined, editingFilter: false},
    dialog: undefined,
    detail: undefined,
    message: undefined,
    hosts: [],
    quitting: false,
    attached: false,
    fold: {nextLogId: 1, samples: {}, retryAt: {}, lines: {from: {}, heldClosed: {}}},
  };
}

export const store = createStore<AppState>()(() => initialState());

/** The forward's kind as the forwards table names it ("L", "FTP", "RD"). */
export function kindLabel(forward: ForwardRow): string {
  return FORWARD_KIND_NAMES[forward.kind].label;
}

export function selectedSession(state: AppState): SessionRow | undefined {
  return state.sessions[state.selectedSession];
}

export function selectedForward(state: AppState): ForwardRow | undefined {
  return selectedSession(state)?.forwards[state.selectedForward];
}

export function openConnections(state: AppState): number {
  return state.sessions.reduce(
    (sum, session) => sum + session.forwards.reduce((n, forward) => n + forward.counters.openConnections, 0),
    0,
  );
}
