import {Box, Text} from 'ink';
import {useRef} from 'react';
import {type ForwardRow, kindLabel, type SessionRow} from '../store/state.js';
import {formatBytes} from '../text/format.js';
import {fitColumns} from './columns.js';
import {moreAbove, moreBelow, type ScrollWindow, scrollWindow, unsaidMore} from './scroll-window.js';
import {color, stateColor} from './theme.js';
import {wrapText} from './wrap.js';

function cell(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}

function uptime(since: number | undefined, now: number): string {
  if (since === undefined) return '';
  const seconds = Math.max(0, Math.floor((now - since) / 1000));
  if (seconds < 60) return '<1m';
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** A failed, waiting or refusing forward says why on lines of its own, below its row. */
const hasReasonLine = (forward: ForwardRow) =>
  (forward.state === 'failed' || forward.state === 'waiting' || forward.state === 'refusing') &&
  forward.failure !== undefined;

/** The reason's lines start "     ↳ " (and go on under its text): this much narrower than the pane's inside. */
const REASON_INDENT = 7;

/** Lines of a reason shown when its forward is not selected; the selected one shows all of it. */
const REASON_LINES_UNSELECTED = 2;

/**
 * A forward's reason, word-wrapped to the pane: the first lines of it, the last one ending in … when there
 * is more, or all of it for the selected forward (which Enter will show in full later).
 */
export function reasonLines(forward: ForwardRow, width: number, selected: boolean): string[] {
  if (!hasReasonLine(forward)) return [];
  const lines = wrapText(forward.failure ?? '', Math.max(10, width - 4 - REASON_INDENT));
  if (selected || lines.length <= REASON_LINES_UNSELECTED) return lines;
  const shown = lines.slice(0, REASON_LINES_UNSELECTED);
  shown[shown.length - 1] = `${shown.at(-1)}…`;
  return shown;
}

/** Data channels listed under an FTP forward that is not selected; the selected one lists them all. */
const DATA_LINES_UNSELECTED = 2;

/**
 * An FTP forward's data channels open now, a line each under its row ("data #3 passive 127.0.0.1:40001
 * <-> 127.0.0.1:37503"): they come and go as the client lists and transfers.
 */
export function dataChannelLines(forward: ForwardRow, selected: boolean): string[] {
  const channels = forward.dataChannels ?? [];
  const lines = channels.map(
    (channel) => `data #${channel.id} ${channel.mode} ${channel.local} <-> ${channel.remote}`,
  );
  if (selected || lines.length <= DATA_LINES_UNSELECTED) return lines;
  return [
    ...lines.slice(0, DATA_LINES_UNSELECTED - 1),
    `… ${lines.length - DATA_LINES_UNSELECTED + 1} more data channels`,
  ];
}

/** Lines the forwards pane needs for these rows in this width, reasons and data channels included. */
export function forwardLineCount(forwards: ForwardRow[], width: number, selected: number): number {
  return forwards.reduce(
    (lines, forward, index) =>
      lines +
      1 +
      reasonLines(forward, width, index === selected).length +
      dataChannelLines(forward, index === selected).length,
    0,
  );
}

/** A bordered pane; cyan while it has the focus. */
function Pane(props: {focused: boolean; width: number; height: number; children: React.ReactNode}) {
  return (
    <Box
      borderStyle="round"
      borderColor={color(props.focused ? 'cyan' : 'gray')}
      flexDirection="column"
      width={props.width}
      height={props.height}
    >
      {props.children}
    </Box>
  );
}

/**
 * The window of rows a pane shows in `lines` lines, the selected row in it; it moves only when the selection
 * leaves it (the first row drawn is kept from frame to frame).
 */
export function useScrollWindow(heights: number[], selected: number, lines: number): ScrollWindow {
  const first = useRef(0);
  const window = scrollWindow({heights, selected, lines, previousFirst: first.current});
  first.current = window.first;
  return window;
}

/** The "↑ N more" or "↓ N more" line of a pane whose rows do not all fit. */
export function MoreLine(props: {shown: boolean; text: string}) {
  return props.shown ? <Text dimColor>{`  ${props.text}`}</Text> : null;
}

/** A pane's heading, and after it the counts of hidden rows that have no line of their own. */
function Heading(props: {text: string; window: ScrollWindow}) {
  const unsaid = unsaidMore(props.window);
  return (
    <Text wrap="truncate-end">
      <Text bold>{props.text}</Text>
      {unsaid ? <Text dimColor>{`  ${unsaid}`}</Text> : null}
    </Text>
  );
}

export function SessionsPane(props: {
  sessions: SessionRow[];
  selected: number;
  focused: boolean;
  width: number;
  height: number;
  now: number;
}) {
  const {sessions, selected, focused, width, height, now} = props;
  const inner = width - 4;
  const widths = sessionColumns(sessions, inner);
  const shown = useScrollWindow(
    sessions.map(() => 1),
    selected,
    height - 3,
  );
  return (
    <Pane focused={focused} width={width} height={height}>
      <Heading text="Sessions" window={shown} />
      <MoreLine shown={shown.markerAbove} text={moreAbove(shown.hiddenAbove)} />
      {sessions.length === 0 ? (
        <Text dimColor>No sessions. Press c to connect to a host.</Text>
      ) : (
        sessions.slice(shown.first, shown.end).map((session, shownIndex) => {
          const index = shown.first + shownIndex;
          const marker = index === selected ? '›' : ' ';
          const state = sessionStateText(session);
          const left = `${marker} ${cell(session.name, widths.name)} ${cell(session.address, widths.address)} `;
          const reconnects = session.reconnects > 0 ? ` ↻${session.reconnects}` : '';
          const time =
            session.state === 'connected' ? ` ${uptime(session.connectedAt, now)}${reconnects}` : reconnects;
          return (
            <Text key={session.id} wrap="truncate-end" inverse={index === selected && focused}>
              {left}
              <Text
                color={color(
                  stateColor[session.state === 'closed' && session.failure ? 'failed' : session.state] ??
                    'white',
                )}
              >
                {cell(`● ${state}`, Math.max(8, inner - left.length - time.length))}
              </Text>
              {time}
            </Text>
          );
        })
      )}
      <MoreLine shown={shown.markerBelow} text={moreBelow(shown.hiddenBelow)} />
    </Pane>
  );
}

/** CONNS: open/total, the total counting every client that came; "✗N" of them refused or failed. */
const connsText = ({openConnections, totalConnections, failedConnections}: ForwardRow['counters']) =>
  `${openConnections}/${totalConnections + failedConnections}${failedConnections > 0 ? ` ✗${failedConnections}` : ''}`;

function sessionStateText(session: SessionRow): string {
  if (session.state === 'failed' || (session.state === 'closed' && session.failure))
    return `failed: ${session.failure ?? ''}`;
  if (session.state === 'reconnecting')
    return `${session.retryIn === undefined ? 'reconnecting now' : `reconnecting in ${session.retryIn}s`}: ${session.failure ?? ''}`;
  return session.state;
}

/**
 * The most the name and the address columns take: a share of the pane, so that a wide terminal shows long
 * host names and routes ("via bastion") whole while the state (a failure's words) keeps the most room.
 */
const sessionNameMost = (inner: number) => Math.max(16, Math.floor(inner * 0.3));
const sessionAddressMost = (inner: number) => Math.max(26, Math.floor(inner * 0.25));

/** The state column keeps up to this much (a failure's start) before the name and the address shrink. */
const SESSION_STATE_KEPT = 24;

/**
 * The name and address columns of the sessions pane: as wide as their longest (up to a share of the pane)
 * when there is room, else narrower, the address first, so the state ("● reconnecting in 5s") stays readable at 60 columns.
 */
function sessionColumns(sessions: SessionRow[], inner: number): {name: number; address: number} {
  const longest = (text: (session: SessionRow) => string) =>
    Math.max(4, ...sessions.map((session) => text(session).length));
  const states = Math.max(8, ...sessions.map((session) => `● ${sessionStateText(session)}`.length));
  const state = Math.min(SESSION_STATE_KEPT, states);
  // The marker, the blanks between the columns and the uptime ("  12h05m ↻2" at most, usually less).
  const room = inner - 2 - 3 - 6;
  const names = longest((session) => session.name);
  const addresses = longest((session) => session.address);
  // When every state is short ("● connected"), long names and addresses have the row: whole, not a share.
  if (names + addresses + states <= room) return {name: names, address: addresses};
  const [name = sessionNameMost(inner), address = sessionAddressMost(inner)] = fitColumns(
    [
      {want: Math.min(sessionNameMost(inner), names), least: 8},
      {want: Math.min(sessionAddressMost(inner), addresses), least: 12},
      {want: state, least: state},
    ],
    room,
    [1, 0],
  );
  return {name, address};
}

const rate = (bytesPerSecond: number) =>
  bytesPerSecond > 0 ? `${formatBytes(Math.round(bytesPerSecond))}/s` : '';

/**
 * KIND, FORWARD, STATE, CONNS, IN, OUT and RATE in a pane `width` wide: the spec takes what the others
 * leave; on a narrow terminal it shrinks first, then CONNS, IN and OUT, and STATE and RATE keep their width.
 */
export function forwardColumns(width: number): {
  kind: number;
  spec: number;
  state: number;
  conns: number;
  in: number;
  out: number;
  rate: number;
} {
  // Inside the border, less the six blanks between the columns.
  const room = width - 2 - 6;
  const others = 4 + 9 + 9 + 8 + 8 + 10;
  const [kind = 4, spec = 10, state = 9, conns = 9, bytesIn = 8, bytesOut = 8, rate = 10] = fitColumns(
    [
      {want: 4, least: 4},
      {want: Math.max(10, room - others), least: 10},
      {want: 9, least: 9},
      {want: 9, least: 5},
      {want: 8, least: 7},
      {want: 8, least: 7},
      {want: 10, least: 10},
    ],
    room,
    [1, 3, 4, 5],
  );
  return {kind, spec, state, conns, in: bytesIn, out: bytesOut, rate};
}

/** A forward's row, then the lines of its reason and of its data channels that fit in `room`. */
function forwardLines(
  forward: ForwardRow,
  columns: ReturnType<typeof forwardColumns>,
  shown: {selected: boolean; reason: string[]; channels: string[]; room: number},
): React.ReactNode[] {
  const {counters} = forward;
  const line = `${cell(kindLabel(forward), columns.kind)} ${cell(forward.display, columns.spec)} `;
  const numbers = ` ${cell(connsText(counters), columns.conns)} ${cell(formatBytes(counters.bytesIn), columns.in)} ${cell(formatBytes(counters.bytesOut), columns.out)} ${cell(rate(forward.rateIn + forward.rateOut), columns.rate)}`;
  const lines: React.ReactNode[] = [
    <Text key={forward.id} wrap="truncate-end" inverse={shown.selected}>
      {line}
      <Text color={color(stateColor[forward.state] ?? 'white')}>{cell(forward.state, columns.state)}</Text>
      {numbers}
    </Text>,
  ];
  for (const [at, text] of shown.reason.entries()) {
    lines.push(
      <Text
        key={`${forward.id}-why-${at}`}
        color={color(forward.state === 'failed' ? 'red' : 'yellow')}
        wrap="truncate-end"
      >
        {`${at === 0 ? '     ↳ ' : ' '.repeat(REASON_INDENT)}${text}`}
      </Text>,
    );
  }
  for (const [at, text] of shown.channels.slice(0, Math.max(0, shown.room - shown.reason.length)).entries()) {
    lines.push(
      <Text key={`${forward.id}-data-${at}`} color={color('magenta')} wrap="truncate-end">
        {`     ↳ ${text}`}
      </Text>,
    );
  }
  return lines;
}

export function ForwardsPane(props: {
  session: SessionRow | undefined;
  selected: number;
  focused: boolean;
  width: number;
  height: number;
}) {
  const {session, selected, focused, width, height} = props;
  const columns = forwardColumns(width);
  const header = `${cell('KIND', columns.kind)} ${cell('FORWARD', columns.spec)} ${cell('STATE', columns.state)} ${cell('CONNS', columns.conns)} ${cell('IN', columns.in)} ${cell('OUT', columns.out)} ${cell('RATE', columns.rate)}`;
  const forwards = session?.forwards ?? [];
  const reasons = forwards.map((forward, index) => reasonLines(forward, width, index === selected));
  const channels = forwards.map((forward, index) => dataChannelLines(forward, index === selected));
  const shown = useScrollWindow(
    reasons.map((lines, index) => 1 + lines.length + channels[index]!.length),
    selected,
    height - 4,
  );
  const rows: React.ReactNode[] = [];
  for (let index = shown.first; index < shown.end; index++) {
    // The last row shown may have room for its first lines only: a reason cut there ends in … (Enter
    // shows it whole).
    const room = index < shown.end - 1 ? Number.POSITIVE_INFINITY : shown.lastRowLines - 1;
    const reason = reasons[index]!.slice(0, room);
    if (reason.length < reasons[index]!.length && reason.length > 0) reason.push(`${reason.pop()}…`);
    rows.push(
      ...forwardLines(forwards[index]!, columns, {
        selected: index === selected && focused,
        reason,
        channels: channels[index]!,
        room,
      }),
    );
  }
  return (
    <Pane focused={focused} width={width} height={height}>
      <Heading text={session ? `Forwards of ${session.name}` : 'Forwards'} window={shown} />
      {session && session.forwards.length > 0 ? (
        <>
          <Text dimColor wrap="truncate-end">
            {header}
          </Text>
          <MoreLine shown={shown.markerAbove} text={moreAbove(shown.hiddenAbove)} />
          {rows}
          <MoreLine shown={shown.markerBelow} text={moreBelow(shown.hiddenBelow)} />
        </>
      ) : (
        <Text dimColor>
          {session ? (session.state === 'connected' ? 'No forwards. Press a to add one.' : '') : ''}
        </Text>
      )}
    </Pane>
  );
}
