import {Box, type Key, Text, useApp, useInput} from 'ink';
import {useEffect, useMemo, useState} from 'react';
import {requestQuit, stopServiceAndQuit} from '../store/actions.js';
import {submitDialog} from '../store/dialog-actions.js';
import {
  connectFavorite,
  connectPickedFavorites,
  filteredFavorites,
  toggleChosenFavorite,
} from '../store/favorites-actions.js';
import {connectOrSelect} from '../store/session-match.js';
import {type AppState, type Dialog, selectedSession, store} from '../store/state.js';
import {
  clearMessage,
  closeDialog,
  editDialogLine,
  editDialogText,
  openDialog,
  selectFavorite,
  showMessage,
} from '../store/ui-actions.js';
import {useClipboardWriter} from './clipboard.js';
import {DetailView} from './detail-view.js';
import {DialogView, dialogSize} from './dialogs.js';
import {keyToEdit, textBeforeEnter} from './edit-keys.js';
import {
  DETAIL_FOOTER,
  dialogFooter,
  FILTER_FOOTER,
  footerText,
  mainFooter,
  unboundKeyHint,
} from './footer.js';
import {helpInput} from './help.js';
import {findBinding} from './keymap.js';
import {type Layout, layout, PANE_CHROME} from './layout.js';
import {editingLogFilter, logFilterInput} from './log-keys.js';
import {LogPane} from './log-pane.js';
import {ForwardsPane, forwardLineCount, SessionsPane} from './panes.js';
import {color} from './theme.js';
import {TooSmall} from './too-small.js';
import {useAppState, useTerminalSize} from './use-app-state.js';
import {wrapText} from './wrap.js';

function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.tab) return 'tab';
  if (key.return) return 'enter';
  if (key.delete) return 'delete';
  if (key.escape) return 'escape';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  return input;
}

/** Keys while a dialog is open: the picker's own keys, Tab completion, editing the field, Enter, Esc. */
function dialogInput(input: string, key: Key): void {
  const {dialog, hosts} = store.getState();
  if (!dialog) return;
  if (key.escape || (dialog.kind === 'confirm' && input === 'n')) {
    closeDialog();
    return;
  }
  if (key.return || (dialog.kind === 'confirm' && input === 'y')) {
    void submitDialog();
    return;
  }
  if (dialog.kind === 'favorites' && favoritesInput(dialog, input, key)) return;
  if (dialog.kind === 'connect' && key.ctrl && input === 'n') {
    if (dialog.text.trim()) void connectOrSelect(dialog.text.trim(), {again: true});
    return;
  }
  if (dialog.kind === 'connect' && key.tab) {
    const match = hosts.find((host) => host.startsWith(dialog.text));
    if (match) editDialogText(() => match);
    return;
  }
  if (dialog.kind === 'help') {
    helpInput(dialog.top ?? 0, key, input);
    return;
  }
  if (dialog.kind === 'confirm' && dialog.action.kind === 'detach' && input === 's')
    void stopServiceAndQuit();
  if (dialog.kind === 'confirm') return;
  // Several characters come at once when pasted or typed fast: what comes before a newline is typed, and
  // the newline is Enter (the line editor acts on the Backspace and Ctrl-U among them, and drops other
  // control characters).
  if (input.length > 1 && !key.ctrl && !key.meta) {
    const {text, enter} = textBeforeEnter(input);
    editDialogLine({kind: 'insert', text});
    if (enter) void submitDialog();
    return;
  }
  const edit = keyToEdit(input, key);
  if (edit) editDialogLine(edit);
}

/**
 * The favorites picker's keys, before the field's (Space chooses, Ctrl-N connects again, Ctrl-E and Ctrl-D
 * are edit and delete there); true if taken.
 */
function favoritesInput(dialog: Extract<Dialog, {kind: 'favorites'}>, input: string, key: Key): boolean {
  const shown = filteredFavorites(dialog.favorites, dialog.text);
  const chosen = shown[dialog.selected];
  if (key.upArrow || key.downArrow) {
    selectFavorite(Math.max(0, Math.min(shown.length - 1, dialog.selected + (key.upArrow ? -1 : 1))));
    return true;
  }
  if (input === ' ' && !key.ctrl && !key.meta) {
    toggleChosenFavorite();
    return true;
  }
  if (key.ctrl && input === 'n') {
    void connectPickedFavorites(dialog, {again: true});
    return true;
  }
  if (key.ctrl && input === 'e') {
    if (chosen) openDialog({kind: 'edit-favorite', name: chosen.name, text: chosen.args});
    return true;
  }
  if (key.ctrl && input === 'd') {
    if (chosen)
      openDialog({
        kind: 'confirm',
        title: `Delete favorite ${chosen.name}?`,
        message: `${chosen.address}  ${chosen.summary}`,
        action: {kind: 'delete-favorite', name: chosen.name},
      });
    return true;
  }
  // With nothing typed yet, a digit connects one of the first nine.
  if (dialog.text === '' && /^[1-9]$/.test(input)) {
    const numbered = shown[Number(input) - 1];
    if (numbered) void connectFavorite(numbered.name);
    return true;
  }
  return false;
}

/**
 * The keys at the bottom of the screen: the open dialog's, the detail view's, the log filter's, or the
 * keymap's that act now.
 */
function footerLine(state: AppState, width: number): string {
  const items = state.dialog
    ? dialogFooter(state.dialog, state.hosts)
    : state.detail
      ? DETAIL_FOOTER
      : state.logView.editingFilter
        ? FILTER_FOOTER
        : mainFooter(state);
  return footerText(items, width);
}

/**
 * A dialog takes the log's place, and from the Forwards and then the Sessions pane the lines it wants on a
 * short terminal (each keeps one row); what still does not fit, the dialog leaves out by rank (dialog-fit.ts).
 * Only when even the lines it cannot do without do not fit (a host name longer than a line with its key's
 * fingerprint, at the smallest size) does it take the Forwards pane whole.
 */
function withDialog(
  heights: Layout,
  size: {wanted: number; least: number},
  noForwards: boolean,
): {sessions: number; forwards: number; dialog: number} {
  let missing = Math.max(0, size.wanted - heights.log.height);
  // A pane with no forwards has no column header and no row to keep: its heading and one line will do.
  const forwardsKept = noForwards ? 0 : 1;
  const fromForwards = Math.min(missing, heights.forwards.height - PANE_CHROME.forwards - forwardsKept);
  missing -= fromForwards;
  const fromSessions = Math.min(missing, heights.sessions.height - PANE_CHROME.sessions - 1);
  const shown = {
    sessions: heights.sessions.height - fromSessions,
    forwards: heights.forwards.height - fromForwards,
    dialog: heights.log.height + fromForwards + fromSessions,
  };
  if (shown.dialog >= size.least) return shown;
  return {sessions: shown.sessions, forwards: 0, dialog: shown.dialog + shown.forwards};
}

/**
 * The status message, wrapped so that it is read whole; on a terminal too small to spare the lines, the
 * last one shown ends in an ellipsis.
 */
function StatusMessage(props: {lines: string[]; shown: number; error: boolean}) {
  const shown = props.lines.slice(0, props.shown - 1);
  shown.push(props.lines.slice(props.shown - 1).join(' '));
  return (
    <>
      {shown.map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one message, in order
        <Text key={index} wrap="truncate-end" color={color(props.error ? 'red' : 'green')}>
          {line || ' '}
        </Text>
      ))}
    </>
  );
}

/** A key on the main screen: the keymap's binding, or a word on why it cannot act. */
function pressKey(name: string): void {
  const binding = findBinding(name);
  if (!binding) {
    const hint = unboundKeyHint(name);
    if (hint) showMessage('info', hint);
    return;
  }
  const state = store.getState();
  const reason = binding.disabledReason?.(state);
  if (reason) {
    showMessage('error', reason);
    return;
  }
  clearMessage();
  void binding.run(state);
}

/** Every key: Ctrl-C, then the open dialog's keys or the main screen's. */
function appInput(input: string, key: Key): void {
  if (key.ctrl && input === 'c') {
    void requestQuit(true);
    return;
  }
  if (store.getState().dialog) {
    dialogInput(input, key);
    return;
  }
  // The detail view takes its own keys (detail-view.tsx).
  if (store.getState().detail) return;
  if (editingLogFilter()) {
    logFilterInput(input, key);
    return;
  }
  // Keys typed fast or pasted arrive together ("\td"): each is a key of its own.
  const names =
    input.length > 1 && !key.ctrl && !key.meta
      ? [...input].map((char) => (char === '\t' ? 'tab' : char === '\r' ? 'enter' : char))
      : [keyName(input, key)];
  for (const [index, name] of names.entries()) {
    pressKey(name);
    // A key that opened a dialog (or the log's filter): the rest of the burst is typed into it.
    if (store.getState().dialog && index < names.length - 1) {
      dialogInput([...input].slice(index + 1).join(''), {...key, tab: false, return: false});
      return;
    }
    if (editingLogFilter() && index < names.length - 1) {
      logFilterInput([...input].slice(index + 1).join(''), {...key, tab: false, return: false});
      return;
    }
  }
}

/**
 * Now, for the uptimes: shown in minutes, so it ticks once a minute and only while a session is connected
 * (an idle screen does next to no work).
 */
function useMinuteClock(ticking: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

function Header(props: {sessions: number; attached: boolean}) {
  return (
    <Text wrap="truncate-end">
      <Text bold color={color('cyan')}>
        {props.attached ? ' tunnels · service ' : ' tunnels '}
      </Text>
      <Text dimColor>{` ${props.sessions} session${props.sessions === 1 ? '' : 's'} · ? for help`}</Text>
    </Text>
  );
}

export function App() {
  const app = useApp();
  const {columns, rows} = useTerminalSize();
  const sessions = useAppState((state) => state.sessions);
  const selected = useAppState((state) => state.selectedSession);
  const selectedForwardIndex = useAppState((state) => state.selectedForward);
  const focus = useAppState((state) => state.focus);
  const log = useAppState((state) => state.log);
  const dialog = useAppState((state) => state.dialog);
  const message = useAppState((state) => state.message);
  const quitting = useAppState((state) => state.quitting);
  const attached = useAppState((state) => state.attached);
  const detail = useAppState((state) => state.detail);
  const session = useAppState(selectedSession);
  const footer = useAppState((state) => footerLine(state, columns));
  const hosts = useAppState((state) => state.hosts);
  // From the dialog as drawn (escaped: a control character takes more room), once per change of it.
  const {wanted: dialogWanted, least: dialogLeast} = useMemo(
    () => (dialog ? dialogSize(dialog, columns, hosts) : {wanted: 0, least: 0}),
    [dialog, columns, hosts],
  );
  const now = useMinuteClock(sessions.some((row) => row.state === 'connected'));

  useEffect(() => {
    if (quitting) app.exit();
  }, [quitting, app]);

  useInput(appInput);
  useClipboardWriter();

  const width = columns;
  const logEntries = log.filter((entry) => !session || entry.sessionId === session.id);
  const messageLines = message ? wrapText(message.text, columns) : [' '];
  const heights = layout({
    columns,
    rows,
    sessions: sessions.length,
    forwardLines: forwardLineCount(session?.forwards ?? [], columns, selectedForwardIndex),
    logLines: logEntries.length,
    messageLines: messageLines.length,
  });
  if (!heights.fits) return <TooSmall columns={columns} rows={rows} minimum={heights.minimum} />;
  const shownHeights = dialog
    ? withDialog(heights, {wanted: dialogWanted, least: dialogLeast}, (session?.forwards.length ?? 0) === 0)
    : {sessions: heights.sessions.height, forwards: heights.forwards.height, dialog: heights.log.height};
  return (
    // One line shorter than the terminal (see layout.ts): Ink redraws it in place, the scrollback stays.
    <Box flexDirection="column" width={width} height={heights.height}>
      <Header sessions={sessions.length} attached={attached} />
      {detail && !dialog ? (
        <DetailView target={detail} width={width} height={heights.height - 2 - heights.message} active />
      ) : dialog?.kind === 'help' ? (
        <DialogView dialog={dialog} width={width} height={heights.height - 2 - heights.message} />
      ) : (
        <>
          <SessionsPane
            sessions={sessions}
            selected={selected}
            focused={focus === 'sessions'}
            width={width}
            height={shownHeights.sessions}
            now={now}
          />
          {shownHeights.forwards > 0 ? (
            <ForwardsPane
              session={session}
              selected={selectedForwardIndex}
              focused={focus === 'forwards'}
              width={width}
              height={shownHeights.forwards}
            />
          ) : null}
          {dialog ? (
            <DialogView dialog={dialog} width={width} height={shownHeights.dialog} />
          ) : (
            <LogPane entries={log} sessionId={session?.id} width={width} height={heights.log.height} />
          )}
        </>
      )}
      <StatusMessage lines={messageLines} shown={heights.message} error={message?.kind === 'error'} />
      <Text dimColor wrap="truncate-end">
        {footer}
      </Text>
    </Box>
  );
}
