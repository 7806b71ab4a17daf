import {Box, Text} from 'ink';
import stringWidth from 'string-width';
import {filteredFavorites} from '../store/favorites-actions.js';
import type {LineState} from '../store/line-editor.js';
import {isLive} from '../store/session-match.js';
import {
  type Dialog,
  type FavoriteRow,
  type Field as FieldState,
  fieldLine,
  type SessionRow,
} from '../store/state.js';
import {FAVORITE_OPTION_FLAGS, FAVORITES_PICKER_KEYS, FORWARD_EXAMPLES} from '../text/examples.js';
import {graphemesOf} from '../text/graphemes.js';
import {type FitLine, fitDialogLines, RANK} from './dialog-fit.js';
import {helpContent} from './help.js';
import {MoreLine, useScrollWindow} from './panes.js';
import {moreAbove, moreBelow, type ScrollWindow, unsaidMore} from './scroll-window.js';
import {TextInput} from './text-input.js';
import {color} from './theme.js';
import {useAppState} from './use-app-state.js';
import {wrapMarked} from './wrap.js';

/** A secret's field: a • for each character typed, the cursor where it is among them. */
function masked(line: LineState): LineState {
  const before = graphemesOf(line.text.slice(0, line.cursor)).length;
  return {text: '•'.repeat(graphemesOf(line.text).length), cursor: before};
}

/**
 * A dialog's text field, its cursor where the store keeps it (masked for secrets). `width` is the dialog's
 * inside.
 */
function Field(props: {field: FieldState; width: number; secret?: boolean | undefined}) {
  const line = fieldLine(props.field);
  return (
    <Box>
      <Text>{'> '}</Text>
      <TextInput line={props.secret ? masked(line) : line} width={Math.max(1, props.width - 2)} />
    </Box>
  );
}

const HINT = 'Enter to confirm · Esc to cancel';

/**
 * A line of a dialog, with the rank that says what is left out first when the box is short (dialog-fit.ts):
 * a text already wrapped to the inside, the field, or one row of the favorites list.
 */
type DialogLine = FitLine &
  (
    | {kind: 'text'; text: string; tone?: 'title' | 'dim' | 'error'}
    | {kind: 'field'; field: FieldState; secret?: boolean}
    | {kind: 'favorite'}
  );

/** The favorites list asks for this many rows at most; it shows more when the dialog has the room. */
const FAVORITES_WANTED = 6;

/** The open dialog; it takes the keys before the screen behind it. */
export function DialogView(props: {dialog: Dialog; width: number; height: number}) {
  const {dialog, width, height} = props;
  // Read here, not by the app: the aliases arrive after the first frame and redraw nothing else.
  const hosts = useAppState((state) => state.hosts);
  // Inside the double border and the padding.
  const inside = width - 4;
  const lines = dialog.kind === 'help' ? [] : dialogLines(dialog, inside, hosts);
  const {kept, cut} = fitDialogLines(lines, height - 2);
  // The favorites list: the highlighted one kept in view in the lines it was given.
  const favoriteRows = lines.filter((line, index) => line.kind === 'favorite' && kept[index]).length;
  const picker = dialog.kind === 'favorites' ? dialog : undefined;
  const favorites = picker ? filteredFavorites(picker.favorites, picker.text) : [];
  const window = useScrollWindow(
    favorites.map(() => 1),
    picker?.selected ?? 0,
    favoriteRows,
  );
  // It takes the log pane's place and height, so the footer stays at the bottom.
  const box = (children: React.ReactNode) => (
    <Box
      borderStyle="double"
      borderColor={color('cyan')}
      flexDirection="column"
      width={width}
      height={height}
      paddingX={1}
      overflow="hidden"
    >
      {children}
    </Box>
  );
  if (dialog.kind === 'help') {
    const {title, body, hint} = helpContent(dialog.top ?? 0, inside, height);
    return box(
      <>
        <Text bold wrap="truncate-end">
          {title}
        </Text>
        {body}
        <Box flexGrow={1} />
        <Text dimColor>{hint}</Text>
      </>,
    );
  }
  const hint = lines.findIndex((line) => line.rank === RANK.hint);
  const drawn = (index: number) => kept[index] && index !== hint;
  return box(
    <>
      {lines.map((line, index) =>
        drawn(index) ? (
          <DialogLineView
            // The field keeps its key, and with it where its text is scrolled to, as lines come and go.
            key={line.kind === 'field' ? 'field' : `line-${index}`}
            line={line}
            inside={inside}
            cut={cut[index]!}
            // Favorites hidden with no line of their own to say so are counted in the title.
            after={line.kind === 'text' && line.tone === 'title' ? unsaidMore(window) : ''}
          />
        ) : null,
      )}
      {picker && favoriteRows > 0 ? <FavoritesList dialog={picker} inside={inside} window={window} /> : null}
      <Box flexGrow={1} />
      {hint !== -1 && kept[hint] ? (
        <Text dimColor wrap="truncate-end">
          {(lines[hint] as {text: string}).text}
        </Text>
      ) : null}
    </>,
  );
}

/**
 * Lines a dialog wants, its border included, or (`least`) those it cannot do without: its field, its error
 * and a host key's host and fingerprint. The app takes them from the panes above it.
 */
export function dialogSize(dialog: Dialog, width: number, hosts: string[]): {wanted: number; least: number} {
  if (dialog.kind === 'help') return {wanted: 0, least: 0};
  const lines = dialogLines(dialog, width - 4, hosts);
  const favorites = lines.filter((line) => line.kind === 'favorite').length;
  return {
    wanted: 2 + lines.length - Math.max(0, favorites - FAVORITES_WANTED),
    least: 2 + lines.filter((line) => line.rank <= RANK.must).length,
  };
}

/**
 * A line's text, then " …" when the text goes on in lines left out: a must line (a fingerprint) is never
 * cut for it, another loses its end.
 */
function withCutMark(text: string, inside: number, must: boolean): string {
  if (stringWidth(text) + 2 <= inside) return `${text} …`;
  if (must) return text;
  const graphemes = graphemesOf(text).map(({segment}) => segment);
  while (graphemes.length > 0 && stringWidth(graphemes.join('')) + 1 > inside) graphemes.pop();
  return `${graphemes.join('')}…`;
}

function DialogLineView(props: {line: DialogLine; inside: number; cut: boolean; after: string}) {
  const {line, inside, cut, after} = props;
  if (line.kind === 'field') return <Field field={line.field} width={inside} secret={line.secret} />;
  if (line.kind !== 'text') return null;
  const text = cut ? withCutMark(line.text, inside, line.rank <= RANK.must) : line.text || ' ';
  return (
    <Text wrap="truncate-end">
      <Text
        bold={line.tone === 'title'}
        dimColor={line.tone === 'dim'}
        color={line.tone === 'error' ? color('red') : undefined}
      >
        {text}
      </Text>
      {after ? <Text dimColor>{`  ${after}`}</Text> : null}
    </Text>
  );
}

/** A text wrapped to the inside, a line each, all of one rank and one group (a cut is marked). */
function wrapped(
  text: string,
  inside: number,
  rank: number,
  group: string,
  tone?: 'dim' | 'error',
): DialogLine[] {
  return wrapMarked(text, inside, {keepBlanks: true}).map((line) => ({
    kind: 'text',
    text: line.text,
    rank,
    group,
    ...(tone ? {tone} : {}),
  }));
}

const title = (text: string, rank: number = RANK.title): DialogLine => ({
  kind: 'text',
  text,
  rank,
  tone: 'title',
});
const note = (text: string): DialogLine => ({kind: 'text', text, rank: RANK.example, tone: 'dim'});
const hintLine = (text: string): DialogLine => ({kind: 'text', text, rank: RANK.hint});
const field = (dialog: FieldState, secret?: boolean): DialogLine => ({
  kind: 'field',
  field: dialog,
  rank: RANK.field,
  ...(secret ? {secret} : {}),
});
const errorLines = (error: string | undefined, inside: number) =>
  error ? wrapped(error, inside, RANK.must, 'error', 'error') : [];

/**
 * A question from SSH, wrapped: the lines with the host's name or a key's fingerprint are never left out,
 * then what is asked (the last line), then the rest.
 */
function promptLines(lines: string[], inside: number): DialogLine[] {
  const text = lines.join('\n');
  const essentials = [
    ...[...text.matchAll(/host '([^']+)'/g)].map((match) => match[1]!),
    ...[...text.matchAll(/SHA256:[A-Za-z0-9+/=]+/g)].map((match) => match[0]),
  ];
  const asked = lines.findLastIndex((line) => line.trim() !== '');
  return lines.flatMap((line, index) =>
    wrapMarked(line, inside, {
      marks: (word) => essentials.some((essential) => word.includes(essential)),
      keepBlanks: true,
    }).map(
      ({text, marked}): DialogLine => ({
        kind: 'text',
        text,
        rank: marked ? RANK.must : index === asked ? RANK.question : RANK.text,
        group: 'question',
      }),
    ),
  );
}

/** One case per dialog kind, top to bottom: a switch read in order, longer than most functions for that. */
function dialogLines(dialog: Exclude<Dialog, {kind: 'help'}>, inside: number, hosts: string[]): DialogLine[] {
  switch (dialog.kind) {
    case 'connect': {
      const matches = hosts.filter((host) => host.startsWith(dialog.text)).slice(0, 5);
      return [
        title('Connect to'),
        field(dialog),
        ...(matches.length > 0 ? [note(`Hosts: ${matches.join('  ')}  (Tab completes)`)] : []),
        ...errorLines(dialog.error, inside),
        hintLine(HINT),
      ];
    }
    case 'add-forward':
      return [
        title(
          dialog.replacing ? `Edit forward -${dialog.replacing.entry}: Enter replaces it` : 'Add a forward',
        ),
        note(
          `L ${FORWARD_EXAMPLES.L} · R ${FORWARD_EXAMPLES.R} · D ${FORWARD_EXAMPLES.D} · ${FORWARD_EXAMPLES.ftp}`,
        ),
        note('L /tmp/docker.sock:/var/run/docker.sock · L 5432:/run/pg.sock · R 1080 (SOCKS on the server)'),
        field(dialog),
        ...errorLines(dialog.error, inside),
        hintLine(HINT),
      ];
    case 'favorites': {
      const shown = filteredFavorites(dialog.favorites, dialog.text);
      return [
        title(
          `Favorites${dialog.chosen?.length ? ` · ${dialog.chosen.length} chosen: Enter connects ${dialog.chosen.length === 1 ? 'it' : 'them'}` : ''}`,
        ),
        field(dialog),
        ...(dialog.favorites.length === 0
          ? wrapped(
              'No favorites yet: connect, then press s to save a session, or run tunnels favorites import-ssh-config.',
              inside,
              RANK.question,
              'none',
              'dim',
            )
          : []),
        // The highlighted one first (the list scrolls to it), then a few, then as many as there is room for.
        ...shown.map(
          (_, index): DialogLine => ({
            kind: 'favorite',
            rank: index === 0 ? RANK.question : index < FAVORITES_WANTED ? RANK.text : RANK.fill,
          }),
        ),
        hintLine(pickerHint(inside)),
      ];
    }
    case 'save-favorite':
      return [
        title('Save this session as a favorite'),
        ...wrapped(
          'Name (letters, digits, . _ -); its forwards are saved as they are now',
          inside,
          RANK.text,
          'name',
          'dim',
        ),
        field(dialog),
        ...errorLines(dialog.error, inside),
        hintLine(HINT),
      ];
    case 'edit-favorite':
      return [
        title(`Edit favorite ${dialog.name}`),
        note(`The options of tunnels itself: ${FAVORITE_OPTION_FLAGS} [user@]host`),
        field(dialog),
        ...errorLines(dialog.error, inside),
        hintLine(HINT),
      ];
    case 'run-command':
      return [
        title('Run a command on the server'),
        note(
          `Output and exit status go to the log · X11 ${dialog.x11 ? 'forwarded (-X)' : 'off'} · agent ${dialog.agent ? 'forwarded (-A)' : 'off'}`,
        ),
        field(dialog),
        hintLine(HINT),
      ];
    case 'confirm':
      return [
        title(dialog.title, RANK.must),
        ...wrapped(dialog.message, inside, RANK.question, 'message'),
        hintLine(
          dialog.action.kind === 'detach'
            ? 'Enter or y to detach · s to stop all · Esc or n to stay'
            : 'Enter or y to confirm · Esc or n to cancel',
        ),
      ];
    case 'prompt':
      return [
        title(dialog.secret ? 'Secret' : 'Question', RANK.example),
        ...promptLines(dialog.lines, inside),
        field(dialog, dialog.secret),
        hintLine(HINT),
      ];
  }
}

/** The picker's keys on one line: in full where they fit, else in short (the help has them in full). */
function pickerHint(inside: number): string {
  const full = `${FAVORITES_PICKER_KEYS.join(' · ')} · Esc to close`;
  if (full.length <= inside) return full;
  const short = 'Space choose · Enter/1-9 connect · ^N again · ^E edit · ^D delete · Esc';
  return short.length <= inside ? short : 'Space · Enter/1-9 · ^N again · ^E edit · ^D del · Esc';
}

/** A favorite's session as the picker marks it: its state while live, blank otherwise. */
function liveState(sessions: SessionRow[], name: string): string {
  const session = sessions.find((row) => row.name === name && isLive(row));
  if (!session) return '';
  return session.state === 'idle' ? 'connecting' : session.state;
}

/** A column's text: cut with … when longer than the column, else padded to it. */
function column(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}

/** The widest a favorite's name or address column grows, as a share of the inside (longer ones are cut). */
const FAVORITE_NAME_MOST = 0.3;
const FAVORITE_ADDRESS_MOST = 0.35;

/** The favorites list in its window, the highlighted one in it. */
function FavoritesList(props: {
  dialog: Extract<Dialog, {kind: 'favorites'}>;
  inside: number;
  window: ScrollWindow;
}) {
  const {dialog, inside, window} = props;
  // Read here: the marks follow the sessions while the picker is open.
  const sessions = useAppState((state) => state.sessions);
  const shown = filteredFavorites(dialog.favorites, dialog.text);
  const chosen = dialog.chosen ?? [];
  // Columns as wide as the longest of the whole list (within a share of the width), so that neither the
  // names nor scrolling shift the columns after them.
  const longest = (text: (favorite: FavoriteRow) => string, least: number, most: number) =>
    Math.max(
      least,
      Math.min(Math.floor(inside * most), Math.max(0, ...shown.map((row) => text(row).length))),
    );
  const nameWidth = longest((favorite) => favorite.name, 16, FAVORITE_NAME_MOST);
  const addressWidth = longest((favorite) => favorite.address, 26, FAVORITE_ADDRESS_MOST);
  return (
    <>
      <MoreLine shown={window.markerAbove} text={moreAbove(window.hiddenAbove)} />
      {shown.slice(window.first, window.end).map((favorite, offset) => {
        const index = window.first + offset;
        const state = liveState(sessions, favorite.name);
        return (
          <Text key={favorite.name} wrap="truncate-end" inverse={index === dialog.selected}>
            {`${index < 9 && dialog.text === '' ? String(index + 1) : ' '} ${chosen.includes(favorite.name) ? '[x]' : '[ ]'} ${column(favorite.name, nameWidth)} `}
            <Text color={color(state === 'connected' ? 'green' : 'yellow')}>
              {column(state, STATE_WIDTH)}
            </Text>
            {` ${column(favorite.address, addressWidth)} ${favorite.summary}`}
          </Text>
        );
      })}
      <MoreLine shown={window.markerBelow} text={moreBelow(window.hiddenBelow)} />
    </>
  );
}

/** The longest mark a favorite's session has: "reconnecting". */
const STATE_WIDTH = 12;
