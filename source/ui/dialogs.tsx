import {Box, Text} from 'ink';
import {filteredFavorites} from '../store/favorites-actions.js';
import type {LineState} from '../store/line-editor.js';
import {isLive} from '../store/session-match.js';
import {type Dialog, type Field as FieldState, fieldLine, type SessionRow} from '../store/state.js';
import {FAVORITE_OPTION_FLAGS, FAVORITES_PICKER_KEYS, FORWARD_EXAMPLES} from '../text/examples.js';
import {graphemesOf} from '../text/graphemes.js';
import {helpContent} from './help.js';
import {MoreLine, useScrollWindow} from './panes.js';
import {moreAbove, moreBelow} from './scroll-window.js';
import {TextInput} from './text-input.js';
import {color} from './theme.js';
import {useAppState} from './use-app-state.js';

/** A secret's field: a • for each character typed, the cursor where it is among them. */
function masked(line: LineState): LineState {
  const before = graphemesOf(line.text.slice(0, line.cursor)).length;
  return {text: '•'.repeat(graphemesOf(line.text).length), cursor: before};
}

/**
 * A dialog's text field, its cursor where the store keeps it (masked for secrets), and the problem with
 * what is typed below it. `width` is the dialog's inside.
 */
function Field(props: {field: FieldState; width: number; secret?: boolean; error?: string | undefined}) {
  const line = fieldLine(props.field);
  return (
    <>
      <Box>
        <Text>{'> '}</Text>
        <TextInput line={props.secret ? masked(line) : line} width={Math.max(1, props.width - 2)} />
      </Box>
      {props.error ? (
        <Text color={color('red')} wrap="wrap">
          {props.error}
        </Text>
      ) : null}
    </>
  );
}

const HINT = 'Enter to confirm · Esc to cancel';

/** What a dialog shows inside its box: title, body, and the hint line at its foot. */
interface DialogContent {
  title: string;
  body: React.ReactNode;
  hint?: string;
}

/** The open dialog; it takes the keys before the screen behind it. */
export function DialogView(props: {dialog: Dialog; width: number; height: number}) {
  const {dialog, width, height} = props;
  // Read here, not by the app: the aliases arrive after the first frame and redraw nothing else.
  const hosts = useAppState((state) => state.hosts);
  // Inside the double border and the padding.
  const {title, body, hint = HINT} = contentOf(dialog, width - 4, height, hosts);
  // It takes the log pane's place and height, so the footer stays at the bottom.
  return (
    <Box
      borderStyle="double"
      borderColor={color('cyan')}
      flexDirection="column"
      width={width}
      height={height}
      paddingX={1}
      overflow="hidden"
    >
      <Text bold wrap="truncate-end">
        {title}
      </Text>
      {body}
      <Box flexGrow={1} />
      <Text dimColor>{hint}</Text>
    </Box>
  );
}

/** One case per dialog kind: a switch read top to bottom, longer than most functions for that. */
function contentOf(dialog: Dialog, inside: number, height: number, hosts: string[]): DialogContent {
  switch (dialog.kind) {
    case 'help':
      return helpContent(dialog.top ?? 0, inside, height);
    case 'connect':
      return {title: 'Connect to', body: <ConnectBody dialog={dialog} inside={inside} hosts={hosts} />};
    case 'add-forward':
      return {
        title: dialog.replacing
          ? `Edit forward -${dialog.replacing.entry}: Enter replaces it`
          : 'Add a forward',
        body: (
          <Box flexDirection="column">
            <Text dimColor wrap="truncate-end">
              {`L ${FORWARD_EXAMPLES.L} · R ${FORWARD_EXAMPLES.R} · D ${FORWARD_EXAMPLES.D} · ${FORWARD_EXAMPLES.ftp}`}
            </Text>
            <Text dimColor wrap="truncate-end">
              L /tmp/docker.sock:/var/run/docker.sock · L 5432:/run/pg.sock · R 1080 (SOCKS on the server)
            </Text>
            <Field field={dialog} width={inside} error={dialog.error} />
          </Box>
        ),
      };
    case 'favorites':
      return {
        title: `Favorites${dialog.chosen?.length ? ` · ${dialog.chosen.length} chosen: Enter connects ${dialog.chosen.length === 1 ? 'it' : 'them'}` : ''}`,
        body: <FavoritesBody dialog={dialog} inside={inside} height={height} />,
        hint: pickerHint(inside),
      };
    case 'save-favorite':
      return {
        title: 'Save this session as a favorite',
        body: (
          <Box flexDirection="column">
            <Text dimColor>Name (letters, digits, . _ -); its forwards are saved as they are now</Text>
            <Field field={dialog} width={inside} error={dialog.error} />
          </Box>
        ),
      };
    case 'edit-favorite':
      return {
        title: `Edit favorite ${dialog.name}`,
        body: (
          <Box flexDirection="column">
            <Text dimColor wrap="truncate-end">
              {`The options of tunnels itself: ${FAVORITE_OPTION_FLAGS} [user@]host`}
            </Text>
            <Field field={dialog} width={inside} error={dialog.error} />
          </Box>
        ),
      };
    case 'run-command':
      return {
        title: 'Run a command on the server',
        body: (
          <Box flexDirection="column">
            <Text dimColor wrap="truncate-end">
              {`Output and exit status go to the log · X11 ${dialog.x11 ? 'forwarded (-X)' : 'off'} · agent ${dialog.agent ? 'forwarded (-A)' : 'off'}`}
            </Text>
            <Field field={dialog} width={inside} />
          </Box>
        ),
      };
    case 'confirm':
      return {
        title: dialog.title,
        body: <Text wrap="wrap">{dialog.message}</Text>,
        hint:
          dialog.action.kind === 'detach'
            ? 'Enter or y to detach · s to stop all · Esc or n to stay'
            : 'Enter or y to confirm · Esc or n to cancel',
      };
    case 'prompt':
      return {
        title: dialog.secret ? 'Secret' : 'Question',
        body: (
          <Box flexDirection="column">
            {dialog.lines.map((line, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one question, fixed while it is open
              <Text key={index} wrap="wrap">
                {line || ' '}
              </Text>
            ))}
            <Field field={dialog} width={inside} secret={dialog.secret} />
          </Box>
        ),
      };
  }
}

function ConnectBody(props: {dialog: Extract<Dialog, {kind: 'connect'}>; inside: number; hosts: string[]}) {
  const {dialog} = props;
  const matches = props.hosts.filter((host) => host.startsWith(dialog.text)).slice(0, 5);
  return (
    <Box flexDirection="column">
      <Field field={dialog} width={props.inside} />
      {matches.length > 0 ? (
        <Text dimColor wrap="truncate-end">{`Hosts: ${matches.join('  ')}  (Tab completes)`}</Text>
      ) : null}
      {dialog.error ? (
        <Text color={color('red')} wrap="wrap">
          {dialog.error}
        </Text>
      ) : null}
    </Box>
  );
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

function FavoritesBody(props: {
  dialog: Extract<Dialog, {kind: 'favorites'}>;
  inside: number;
  height: number;
}) {
  const {dialog} = props;
  // Read here: the marks follow the sessions while the picker is open.
  const sessions = useAppState((state) => state.sessions);
  const shown = filteredFavorites(dialog.favorites, dialog.text);
  const chosen = dialog.chosen ?? [];
  // The highlighted one stays on screen; the dialog's border, title, field and hint line take 5 lines.
  const window = useScrollWindow(
    shown.map(() => 1),
    dialog.selected,
    Math.max(1, props.height - 5),
  );
  return (
    <Box flexDirection="column">
      <Field field={dialog} width={props.inside} />
      {dialog.favorites.length === 0 ? (
        <Text dimColor wrap="wrap">
          No favorites yet: connect, then press s to save a session, or run tunnels favorites
          import-ssh-config.
        </Text>
      ) : null}
      <MoreLine shown={window.markerAbove} text={moreAbove(window.hiddenAbove)} />
      {shown.slice(window.first, window.end).map((favorite, offset) => {
        const index = window.first + offset;
        const state = liveState(sessions, favorite.name);
        return (
          <Text key={favorite.name} wrap="truncate-end" inverse={index === dialog.selected}>
            {`${index < 9 && dialog.text === '' ? String(index + 1) : ' '} ${chosen.includes(favorite.name) ? '[x]' : '[ ]'} ${favorite.name.padEnd(16)} `}
            <Text color={color(state === 'connected' ? 'green' : 'yellow')}>{state.padEnd(12)}</Text>
            {` ${favorite.address.padEnd(26)} ${favorite.summary}`}
          </Text>
        );
      })}
      <MoreLine shown={window.markerBelow} text={moreBelow(window.hiddenBelow)} />
    </Box>
  );
}
