import stringWidth from 'string-width';
import {RATE_HISTORY_MS} from '../store/connections.js';
import {type ForwardRow, kindLabel, type RatePoint, type SessionRow} from '../store/state.js';
import {formatBytes} from '../text/format.js';
import {stateColor} from './theme.js';
import {wrapText} from './wrap.js';

/**
 * The detail view's text, as lines of at most a given width (pure): every value whole, word-wrapped under
 * its label, so a long failure reason or address is read to its end by scrolling, never cut.
 */

/** A line; its style is its text's, not its label's (a field's name, drawn plain before it). */
export type DetailLine = {label?: string; text: string; color?: string; bold?: boolean; dim?: boolean};

/** Labels take this many columns; their values wrap in the rest. */
const LABEL_WIDTH = 13;

/** A value under its label (several: a line each): the first line beside it, the rest indented under it. */
function field(
  label: string,
  value: string | string[],
  width: number,
  style: Omit<DetailLine, 'text'> = {},
): DetailLine[] {
  const values = typeof value === 'string' ? [value] : value;
  const lines = values.flatMap((one) => wrapText(one, Math.max(10, width - LABEL_WIDTH)));
  return lines.map((line, index) => ({
    label: (index === 0 ? label : '').padEnd(LABEL_WIDTH),
    text: line,
    ...style,
  }));
}

/** A line of its own, wrapped with its continuation lines indented by `indent`. */
function wrapped(
  text: string,
  width: number,
  indent: number,
  style: Omit<DetailLine, 'text'> = {},
): DetailLine[] {
  return wrapText(text, Math.max(10, width - indent)).map((line) => ({
    text: `${' '.repeat(indent)}${line}`,
    ...style,
  }));
}

const heading = (text: string): DetailLine => ({text, bold: true});
const blank: DetailLine = {text: ''};

/** A length of time as "42s", "3m05s", "2h07m". */
export function age(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

export const rateText = (bytesPerSecond: number) => `${formatBytes(Math.round(bytesPerSecond))}/s`;

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * The rate over the last `columns` seconds, one column a second, the newest on the right, scaled to the
 * highest: ▁ is nothing moving, any traffic at all is at least ▂. Each point of the history holds until the
 * next (see withRatePoint). With the highest rate, for its scale.
 */
export function sparkline(history: RatePoint[], now: number, columns: number): {bars: string; peak: number} {
  const values: number[] = [];
  for (let column = 0; column < columns; column++) {
    const end = now - (columns - 1 - column) * 1000;
    values.push(history.findLast((point) => point.time <= end)?.rate ?? 0);
  }
  const peak = Math.max(0, ...values);
  const bars = values
    .map((value) =>
      value <= 0 || peak <= 0 ? BARS[0] : BARS[Math.max(1, Math.ceil((value / peak) * (BARS.length - 1)))],
    )
    .join('');
  return {bars, peak};
}

function rateLines(forward: ForwardRow, width: number, now: number): DetailLine[] {
  const total = forward.rateIn + forward.rateOut;
  const lines = field(
    'Rate',
    total > 0
      ? `${rateText(total)} (in ${rateText(forward.rateIn)} · out ${rateText(forward.rateOut)})`
      : 'idle',
    width,
  );
  const columns = Math.max(10, Math.min(RATE_HISTORY_MS / 1000, width - LABEL_WIDTH));
  const {bars, peak} = sparkline(forward.rateHistory ?? [], now, columns);
  const label = columns === RATE_HISTORY_MS / 1000 ? 'Last minute' : `Last ${columns}s`;
  lines.push({label: label.padEnd(LABEL_WIDTH), text: bars, color: 'cyan'});
  lines.push({
    label: ''.padEnd(LABEL_WIDTH),
    text: peak > 0 ? `highest ${rateText(peak)}` : 'no traffic',
    dim: true,
  });
  return lines;
}

/** A forward's detail: the spec, state and whole reason, where it listens, its counters and what is open. */
export function forwardDetailLines(
  forward: ForwardRow,
  session: SessionRow,
  width: number,
  now: number,
): DetailLine[] {
  const {counters} = forward;
  const lines: DetailLine[] = [
    ...wrapped(forward.label, width, 0, {bold: true}),
    ...wrapped(`${kindLabel(forward)} forward of ${session.name} (${session.address})`, width, 0, {
      dim: true,
    }),
    blank,
    ...field('State', forward.state, width, {color: stateColor[forward.state] ?? 'white'}),
  ];
  // A spec with port 0 has the port it bound filled in.
  if (forward.display !== forward.label.replace(/^-\S+ /, ''))
    lines.push(...field('Bound as', forward.display, width));
  if (forward.failure && (forward.state === 'failed' || forward.state === 'waiting'))
    lines.push(
      ...field('Why', forward.failure, width, {color: forward.state === 'failed' ? 'red' : 'yellow'}),
    );
  const addresses = forward.listeningAddresses ?? (forward.listeningOn ? [forward.listeningOn] : []);
  const nowhere = forward.state === 'starting' ? 'not yet' : 'nowhere';
  lines.push(...field('Listening', addresses.length > 0 ? addresses : nowhere, width));
  lines.push(
    ...field(
      'Connections',
      `${counters.openConnections} open · ${counters.totalConnections} total · ${counters.failedConnections} refused or failed`,
      width,
    ),
    ...field('Bytes', `in ${formatBytes(counters.bytesIn)} · out ${formatBytes(counters.bytesOut)}`, width),
    ...rateLines(forward, width, now),
  );
  const open = forward.connections ?? [];
  lines.push(blank, heading(`Open connections (${counters.openConnections})`));
  if (open.length === 0) lines.push({text: '  none', dim: true});
  for (const connection of [...open].reverse())
    lines.push(
      ...wrapped(`${connection.from} -> ${connection.to}   ${age(now - connection.openedAt)}`, width, 2),
    );
  if (counters.openConnections > open.length)
    lines.push({text: `  and ${counters.openConnections - open.length} older`, dim: true});
  if (forward.kind === 'ftp') {
    const channels = forward.dataChannels ?? [];
    lines.push(blank, heading(`Data channels (${channels.length})`));
    if (channels.length === 0) lines.push({text: '  none open', dim: true});
    for (const channel of channels) {
      const since = channel.openedAt === undefined ? '' : `   ${age(now - channel.openedAt)}`;
      const text = `#${channel.id} ${channel.mode} ${channel.local} <-> ${channel.remote}${since}`;
      lines.push(...wrapped(text, width, 2, {color: 'magenta'}));
    }
  }
  return lines;
}

function sessionState(session: SessionRow): string {
  if (session.state !== 'reconnecting') return session.state;
  return session.retryIn === undefined ? 'reconnecting now' : `reconnecting in ${session.retryIn}s`;
}

/** A session's detail: where it goes, its state and whole reason, its history and its forwards. */
export function sessionDetailLines(session: SessionRow, width: number, now: number): DetailLine[] {
  const failedState = session.state === 'failed' || (session.state === 'closed' && session.failure);
  const lines: DetailLine[] = [
    ...wrapped(session.name, width, 0, {bold: true}),
    blank,
    ...field('Address', session.address, width),
    ...field('State', sessionState(session), width, {
      color: stateColor[failedState ? 'failed' : session.state] ?? 'white',
    }),
  ];
  if (session.failure && session.state !== 'connected')
    lines.push(...field('Why', session.failure, width, {color: failedState ? 'red' : 'yellow'}));
  if (session.state === 'connected' && session.connectedAt !== undefined) {
    const since = new Date(session.connectedAt).toTimeString().slice(0, 8);
    lines.push(...field('Connected', `since ${since} (${age(now - session.connectedAt)})`, width));
  }
  lines.push(...field('Reconnects', String(session.reconnects), width));
  if (session.state === 'reconnecting')
    lines.push(
      ...field('Next try', session.retryIn === undefined ? 'under way' : `in ${session.retryIn}s`, width),
    );
  lines.push(blank, heading(`Forwards (${session.forwards.length})`));
  if (session.forwards.length === 0) lines.push({text: '  none', dim: true});
  const specWidth = Math.max(0, ...session.forwards.map((forward) => stringWidth(forward.display)));
  for (const forward of session.forwards) {
    const {openConnections, totalConnections} = forward.counters;
    const text = `  ${kindLabel(forward).padEnd(4)} ${forward.display.padEnd(specWidth)}  ${forward.state.padEnd(9)} ${openConnections}/${totalConnections} connections`;
    const style = {color: stateColor[forward.state] ?? 'white'};
    // In columns when the line fits, else wrapped (which does not keep the padding).
    lines.push(...(stringWidth(text) <= width ? [{text, ...style}] : wrapped(text, width, 2, style)));
  }
  return lines;
}
