import {matchesLogFilter, setLogAnchor} from '../store/log-actions.js';
import {type LogAnchor, type LogEntry, store} from '../store/state.js';
import {wrapText} from './wrap.js';

/**
 * The log as the pane draws it: each entry word-wrapped to the pane (the first line starts with its time,
 * the others are indented under its text), and the window of those lines a pane of `rows` lines shows.
 * Pure, but for `shownLog`: what the pane drew last, which the scroll keys move through.
 */

export type LogLine = {id: number; line: number; kind: LogEntry['kind']; text: string};

/** "12:34:56 ": the time before an entry's first line, and the indent of the others. */
const TIME_WIDTH = 9;

export function logLines(entries: readonly LogEntry[], width: number): LogLine[] {
  // Inside the pane's border.
  const textWidth = Math.max(10, width - 2 - TIME_WIDTH);
  return entries.flatMap((entry) =>
    wrapText(entry.text, textWidth).map((text, line) => ({
      id: entry.id,
      line,
      kind: entry.kind,
      text: `${line === 0 ? `${new Date(entry.time).toTimeString().slice(0, 8)} ` : ' '.repeat(TIME_WIDTH)}${text}`,
    })),
  );
}

/** The entries the pane shows: the selected session's, under the filter; and how many there were before it. */
export function filteredLog(
  entries: readonly LogEntry[],
  sessionId: number | undefined,
  filter: string | undefined,
): {shown: LogEntry[]; total: number} {
  const ofSession = entries.filter((entry) => sessionId === undefined || entry.sessionId === sessionId);
  return {shown: ofSession.filter((entry) => matchesLogFilter(entry, filter)), total: ofSession.length};
}

export type LogWindow = {
  /** Lines first .. end - 1 are drawn. */
  first: number;
  end: number;
  /** Entries that arrived below the anchored line (0 while following). */
  newEntries: number;
  following: boolean;
};

/** The index of the anchored line: the last at or before it (the entry may have been dropped or filtered out). */
function anchorIndex(lines: readonly LogLine[], anchor: LogAnchor): number {
  let found = -1;
  for (const [index, line] of lines.entries()) {
    if (line.id < anchor.id || (line.id === anchor.id && line.line <= anchor.line)) found = index;
    else break;
  }
  return found;
}

export function logWindow(lines: readonly LogLine[], anchor: LogAnchor | undefined, rows: number): LogWindow {
  const count = lines.length;
  const page = Math.max(1, rows);
  if (!anchor || count <= page) {
    // Following, the newest entry is read from its start (its time) when the pane cannot hold all of it.
    const newestStart = lines.findLastIndex((line) => line.line === 0);
    const first = Math.max(0, Math.min(count - page, newestStart));
    return {first, end: Math.min(count, first + page), newEntries: 0, following: anchor === undefined};
  }
  // Never fewer lines than the pane holds: an anchor near the top shows the first page.
  const bottom = Math.max(anchorIndex(lines, anchor), Math.min(page, count) - 1);
  const newEntries = lines.filter((line) => line.line === 0 && line.id > anchor.newest).length;
  return {first: bottom - page + 1, end: bottom + 1, newEntries, following: false};
}

/** What the pane drew last: the scroll keys move from there (set by the pane on every frame). */
export const shownLog: {lines: readonly LogLine[]; rows: number} = {lines: [], rows: 1};

/** The anchor that puts line `bottom` at the pane's foot, or undefined (follow) at the end of the log. */
function anchorAt(bottom: number): LogAnchor | undefined {
  const {lines} = shownLog;
  const line = lines[bottom];
  if (!line || bottom >= lines.length - 1) return undefined;
  const newest = store.getState().logView.anchor?.newest ?? lines.at(-1)!.id;
  return {id: line.id, line: line.line, newest};
}

/** PgUp (-1) and PgDn (+1): a page back or on, less a line kept for context. */
export function scrollLogPages(pages: number): void {
  const {lines, rows} = shownLog;
  if (lines.length <= rows) return;
  const now = logWindow(lines, store.getState().logView.anchor, rows);
  const step = Math.max(1, rows - 1) * pages;
  const bottom = Math.max(Math.min(rows, lines.length) - 1, Math.min(lines.length - 1, now.end - 1 + step));
  setLogAnchor(anchorAt(bottom));
}

/** Home: the oldest entries. */
export function scrollLogToStart(): void {
  const {lines, rows} = shownLog;
  if (lines.length > rows) setLogAnchor(anchorAt(rows - 1));
}

/** End: follow the newest entries again. */
export function followLog(): void {
  setLogAnchor(undefined);
}
