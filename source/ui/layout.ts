/**
 * How the full screen is divided, from the terminal's size and what there is to show. Pure.
 *
 * The frame, top to bottom: the title line, the Sessions pane, the Forwards pane, the Log pane, the status
 * line and the footer. It is always one line shorter than the terminal: Ink redraws a frame as tall as the
 * terminal by clearing the whole screen and the scrollback (ESC[2J ESC[3J), and a shorter one in place.
 */

/** Below this size the app shows the "terminal too small" screen instead. */
export const MINIMUM_SIZE = {columns: 60, rows: 18};

/** Lines of each pane that are not rows: the two borders and a heading (and the column header of Forwards). */
export const PANE_CHROME = {sessions: 3, forwards: 4, log: 3};

/** The title line, the status line and the footer. */
const SINGLE_LINES = 3;

/** Rows each pane shows at the least: one session, a forward and its failure line, one log line. */
const LEAST_CONTENT = {sessions: 1, forwards: 2, log: 1};

/** A long status message wraps to this many lines at most, where the panes can spare them. */
export const MESSAGE_LINES_AT_MOST = 3;

export type LayoutInput = {
  columns: number;
  rows: number;
  sessions: number;
  /** Lines the selected session's forwards take, failure lines included. */
  forwardLines: number;
  /** Log lines there are to show. */
  logLines: number;
  /** Lines the status message takes wrapped to the width (1 when there is none). */
  messageLines?: number;
};

/** Heights in lines: of the panes with their borders, and of the rows inside them (what they scroll). */
export type Layout = {
  fits: true;
  /** Lines of the whole frame: the terminal's rows minus one. */
  height: number;
  sessions: {height: number; rows: number};
  forwards: {height: number; rows: number};
  log: {height: number; rows: number};
  /** Lines of the status message: it wraps into the log's space, never below the panes' least. */
  message: number;
};

export type TooSmall = {fits: false; columns: number; rows: number; minimum: typeof MINIMUM_SIZE};

export function layout(input: LayoutInput): Layout | TooSmall {
  const {columns, rows} = input;
  if (columns < MINIMUM_SIZE.columns || rows < MINIMUM_SIZE.rows) {
    return {fits: false, columns, rows, minimum: MINIMUM_SIZE};
  }
  const height = rows - 1;
  const chrome = PANE_CHROME.sessions + PANE_CHROME.forwards + PANE_CHROME.log;
  const spare =
    height - SINGLE_LINES - chrome - LEAST_CONTENT.sessions - LEAST_CONTENT.forwards - LEAST_CONTENT.log;
  const message = Math.max(
    1,
    Math.min(input.messageLines ?? 1, MESSAGE_LINES_AT_MOST, 1 + Math.max(0, spare)),
  );
  const content = height - SINGLE_LINES - chrome - (message - 1);
  // "No sessions" and "No forwards" take a line too.
  const sessionsWanted = Math.max(1, input.sessions);
  const forwardsWanted = Math.max(1, input.forwardLines);
  // The log keeps up to a quarter of the space and Sessions up to a third; Forwards, the selected session's
  // detail, take what they need of the rest. Space one pane does not need goes to the others, and what is
  // left at the end to the log, so the frame keeps its height as rows come and go.
  const logKept = Math.max(LEAST_CONTENT.log, Math.min(input.logLines, Math.floor(content / 4)));
  let sessions = Math.min(sessionsWanted, Math.max(LEAST_CONTENT.sessions, Math.floor(content / 3)));
  const forwards = Math.min(forwardsWanted, content - sessions - logKept);
  sessions = Math.min(sessionsWanted, content - forwards - logKept);
  const log = content - sessions - forwards;
  return {
    fits: true,
    height,
    sessions: {height: sessions + PANE_CHROME.sessions, rows: sessions},
    forwards: {height: forwards + PANE_CHROME.forwards, rows: forwards},
    log: {height: log + PANE_CHROME.log, rows: log},
    message,
  };
}
